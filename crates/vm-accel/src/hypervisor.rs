//! The [`Hypervisor`] abstraction: a VM with guest-physical memory regions and x86-64 vCPUs
//! that run until an exit. KVM implements it ([`crate::kvm`]); macOS Hypervisor.framework and
//! Windows WHPX would implement the same three traits.

use vm_core::VmError;

/// Which hardware virtualisation API to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Linux KVM (`/dev/kvm`).
    Kvm,
    /// macOS Hypervisor.framework (not implemented).
    Hvf,
    /// Windows Hypervisor Platform (not implemented).
    Whpx,
}

/// Open `backend`: KVM on Linux; HVF and WHPX are a clear [`VmError::Unsupported`].
pub fn open(backend: Backend) -> Result<Box<dyn Hypervisor>, VmError> {
    match backend {
        Backend::Kvm => Ok(Box::new(crate::kvm::Kvm::open()?)),
        Backend::Hvf => Err(VmError::Unsupported(
            "the HVF (macOS Hypervisor.framework) backend is not implemented; accelerated mode needs KVM"
                .into(),
        )),
        Backend::Whpx => Err(VmError::Unsupported(
            "the WHPX (Windows Hypervisor Platform) backend is not implemented; accelerated mode needs KVM"
                .into(),
        )),
    }
}

/// A hardware virtualisation API: makes VMs.
pub trait Hypervisor {
    /// A new VM with no memory and no vCPUs.
    fn create_vm(&self) -> Result<Box<dyn Vm>, VmError>;
}

/// One VM: guest-physical memory and vCPUs.
pub trait Vm {
    /// Back guest-physical `[gpa, gpa + size)` by host memory at `host` (slot `slot`; setting a
    /// slot again replaces it). The caller keeps the host memory mapped while the slot exists.
    ///
    /// # Safety
    /// `host..host + size` must stay a valid host mapping owned by the caller until the slot is
    /// removed or the VM dropped; the guest may read and write it at any time it runs.
    unsafe fn set_memory(&mut self, slot: u32, gpa: u64, size: u64, host: *mut u8) -> Result<(), VmError>;
    /// Remove slot `slot`.
    fn remove_memory(&mut self, slot: u32) -> Result<(), VmError>;
    /// Create vCPU `id`.
    fn create_vcpu(&mut self, id: u64) -> Result<Box<dyn Vcpu>, VmError>;
}

/// The general registers of an x86-64 vCPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Regs {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rsp: u64,
    pub rbp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rflags: u64,
}

/// A segment register as the CPU caches it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Segment {
    pub base: u64,
    pub limit: u32,
    pub selector: u16,
    /// Descriptor type (4 bits).
    pub type_: u8,
    pub present: bool,
    /// Descriptor privilege level.
    pub dpl: u8,
    /// Default operand size (D/B).
    pub db: bool,
    /// Code or data (not system).
    pub s: bool,
    /// 64-bit code.
    pub l: bool,
    pub g: bool,
}

/// A descriptor-table register (GDTR, IDTR).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Table {
    pub base: u64,
    pub limit: u16,
}

/// The system registers of an x86-64 vCPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct SpecialRegs {
    pub cs: Segment,
    pub ds: Segment,
    pub es: Segment,
    pub fs: Segment,
    pub gs: Segment,
    pub ss: Segment,
    pub tr: Segment,
    pub ldt: Segment,
    pub gdt: Table,
    pub idt: Table,
    pub cr0: u64,
    pub cr2: u64,
    pub cr3: u64,
    pub cr4: u64,
    pub efer: u64,
}

/// Why a vCPU stopped running guest code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// `out` to `port` of `data`.
    IoOut {
        /// The port.
        port: u16,
        /// The bytes written.
        data: Vec<u8>,
    },
    /// `in` from `port` (the guest reads zeros).
    IoIn {
        /// The port.
        port: u16,
    },
    /// An access to guest-physical `addr` that no memory backs.
    Mmio {
        /// The address.
        addr: u64,
        /// Whether it was a write.
        write: bool,
    },
    /// `hlt`.
    Halt,
    /// The guest shut down (a triple fault).
    Shutdown,
    /// A host signal interrupted the run.
    Interrupted,
    /// The hypervisor could not run or go on running the guest; the text says why.
    Failed(String),
}

/// The x87/SSE/AVX register state of a vCPU (an XSAVE image), opaque to the VMM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FpuState(pub Vec<u32>);

/// One x86-64 vCPU.
pub trait Vcpu {
    /// The floating-point and vector registers.
    fn fpu_state(&self) -> Result<FpuState, VmError>;
    /// Restore registers saved by [`Vcpu::fpu_state`] (of a vCPU of the same host).
    fn set_fpu_state(&mut self, state: &FpuState) -> Result<(), VmError>;
    /// General registers.
    fn regs(&self) -> Result<Regs, VmError>;
    /// Set the general registers.
    fn set_regs(&mut self, regs: &Regs) -> Result<(), VmError>;
    /// System registers.
    fn special_regs(&self) -> Result<SpecialRegs, VmError>;
    /// Set the system registers.
    fn set_special_regs(&mut self, sregs: &SpecialRegs) -> Result<(), VmError>;
    /// The current privilege level (CS.RPL), cheaply where the backend can.
    fn cpl(&self) -> Result<u8, VmError>;
    /// Set model-specific registers (index, value).
    fn set_msrs(&mut self, msrs: &[(u32, u64)]) -> Result<(), VmError>;
    /// Set XCR0 (the x87/SSE/AVX state the guest may use).
    fn set_xcr0(&mut self, xcr0: u64) -> Result<(), VmError>;
    /// Give the guest the host's CPUID (so the features it sees at ring 3 and the ones the
    /// hypervisor enables agree).
    fn set_host_cpuid(&mut self) -> Result<(), VmError>;
    /// Run until the next exit.
    fn run(&mut self) -> Result<Exit, VmError>;
}
