//! The [`Hypervisor`] traits on Linux KVM, through the rust-vmm `kvm-ioctls` crate.

use std::io::ErrorKind;

use kvm_bindings::{
    kvm_msr_entry, kvm_regs, kvm_segment, kvm_sregs, kvm_userspace_memory_region, kvm_xcrs, Msrs,
};
use kvm_ioctls::{Cap, Kvm as KvmSys, SyncReg, VcpuExit, VcpuFd, VmFd};
use vm_core::VmError;

use crate::hypervisor::{Exit, FpuState, Hypervisor, Regs, Segment, SpecialRegs, Table, Vcpu, Vm};

/// The device KVM is reached through.
pub const KVM_DEVICE: &str = "/dev/kvm";

fn kvm_error(what: &str, e: kvm_ioctls::Error) -> VmError {
    VmError::Unsupported(format!("KVM: {what}: {e}"))
}

/// An open `/dev/kvm`.
pub struct Kvm {
    kvm: KvmSys,
}

impl Kvm {
    /// Open [`KVM_DEVICE`] (or the device named by `VM_KVM_DEVICE`, for testing): a missing
    /// device or a permission problem is a clear error naming it.
    pub fn open() -> Result<Kvm, VmError> {
        let device = std::env::var("VM_KVM_DEVICE").unwrap_or_else(|_| KVM_DEVICE.to_string());
        let path = std::ffi::CString::new(device.clone())
            .map_err(|_| VmError::Config(format!("VM_KVM_DEVICE `{device}` contains a NUL byte")))?;
        let kvm = KvmSys::new_with_path(path.as_c_str()).map_err(|e| {
            let io = std::io::Error::from_raw_os_error(e.errno());
            let why = match io.kind() {
                ErrorKind::NotFound => "does not exist (no KVM on this host: load the kvm module, or run on a machine with hardware virtualisation)".to_string(),
                ErrorKind::PermissionDenied => "cannot be opened: permission denied (add the user to the `kvm` group or run with access to the device)".to_string(),
                _ => format!("cannot be opened: {io}"),
            };
            VmError::Unsupported(format!("accelerated mode needs {device}, which {why}"))
        })?;
        Ok(Kvm { kvm })
    }
}

impl Hypervisor for Kvm {
    fn create_vm(&self) -> Result<Box<dyn Vm>, VmError> {
        let vm = self.kvm.create_vm().map_err(|e| kvm_error("KVM_CREATE_VM", e))?;
        let cpuid = self
            .kvm
            .get_supported_cpuid(kvm_bindings::KVM_MAX_CPUID_ENTRIES)
            .map_err(|e| kvm_error("KVM_GET_SUPPORTED_CPUID", e))?;
        Ok(Box::new(KvmVm { vm, cpuid }))
    }
}

struct KvmVm {
    vm: VmFd,
    cpuid: kvm_bindings::CpuId,
}

impl Vm for KvmVm {
    unsafe fn set_memory(&mut self, slot: u32, gpa: u64, size: u64, host: *mut u8) -> Result<(), VmError> {
        let region = kvm_userspace_memory_region {
            slot,
            flags: 0,
            guest_phys_addr: gpa,
            memory_size: size,
            userspace_addr: host as u64,
        };
        // SAFETY: the caller guarantees the host range stays a valid mapping it owns for the
        // slot's lifetime (this function's contract).
        unsafe { self.vm.set_user_memory_region(region) }.map_err(|e| {
            kvm_error(&format!("KVM_SET_USER_MEMORY_REGION slot {slot} at {gpa:#x}+{size:#x}"), e)
        })
    }

    fn remove_memory(&mut self, slot: u32) -> Result<(), VmError> {
        let region = kvm_userspace_memory_region {
            slot,
            flags: 0,
            guest_phys_addr: 0,
            memory_size: 0,
            userspace_addr: 0,
        };
        // SAFETY: a zero-sized region deletes the slot; no host memory is handed over.
        unsafe { self.vm.set_user_memory_region(region) }
            .map_err(|e| kvm_error(&format!("removing memory slot {slot}"), e))
    }

    fn create_vcpu(&mut self, id: u64) -> Result<Box<dyn Vcpu>, VmError> {
        let mut vcpu = self.vm.create_vcpu(id).map_err(|e| kvm_error("KVM_CREATE_VCPU", e))?;
        // With KVM_CAP_SYNC_REGS the general registers travel in the shared kvm_run page:
        // no KVM_GET_REGS / KVM_SET_REGS per exit (two of the three ioctls of a system call).
        let sync = self.vm.check_extension(Cap::SyncRegs);
        if sync {
            vcpu.set_sync_valid_reg(SyncReg::Register);
            vcpu.set_sync_valid_reg(SyncReg::SystemRegister);
        }
        Ok(Box::new(KvmVcpu { vcpu, cpuid: self.cpuid.clone(), sync, fresh: false, sregs_fresh: false }))
    }
}

struct KvmVcpu {
    vcpu: VcpuFd,
    cpuid: kvm_bindings::CpuId,
    /// Registers are synced through kvm_run.
    sync: bool,
    /// The kvm_run register area holds the current registers (after a run or a set).
    fresh: bool,
    /// The kvm_run system-register area is current (after a run, before KVM_SET_SREGS).
    sregs_fresh: bool,
}

fn regs_from(r: &kvm_regs) -> Regs {
    Regs {
        rax: r.rax,
        rbx: r.rbx,
        rcx: r.rcx,
        rdx: r.rdx,
        rsi: r.rsi,
        rdi: r.rdi,
        rsp: r.rsp,
        rbp: r.rbp,
        r8: r.r8,
        r9: r.r9,
        r10: r.r10,
        r11: r.r11,
        r12: r.r12,
        r13: r.r13,
        r14: r.r14,
        r15: r.r15,
        rip: r.rip,
        rflags: r.rflags,
    }
}

fn seg_from(s: &kvm_segment) -> Segment {
    Segment {
        base: s.base,
        limit: s.limit,
        selector: s.selector,
        type_: s.type_,
        present: s.present != 0,
        dpl: s.dpl,
        db: s.db != 0,
        s: s.s != 0,
        l: s.l != 0,
        g: s.g != 0,
    }
}

fn seg_to(s: &Segment) -> kvm_segment {
    kvm_segment {
        base: s.base,
        limit: s.limit,
        selector: s.selector,
        type_: s.type_,
        present: s.present.into(),
        dpl: s.dpl,
        db: s.db.into(),
        s: s.s.into(),
        l: s.l.into(),
        g: s.g.into(),
        avl: 0,
        unusable: (!s.present).into(),
        padding: 0,
    }
}

impl Vcpu for KvmVcpu {
    fn fpu_state(&self) -> Result<FpuState, VmError> {
        let x = self.vcpu.get_xsave().map_err(|e| kvm_error("KVM_GET_XSAVE", e))?;
        Ok(FpuState(x.region.to_vec()))
    }

    fn set_fpu_state(&mut self, state: &FpuState) -> Result<(), VmError> {
        let mut x = kvm_bindings::kvm_xsave::default();
        let n = x.region.len().min(state.0.len());
        x.region[..n].copy_from_slice(&state.0[..n]);
        // SAFETY: the image is one KVM_GET_XSAVE returned on this host (legacy 4 KiB region,
        // no extended area), which is what KVM_SET_XSAVE reads.
        unsafe { self.vcpu.set_xsave(&x) }.map_err(|e| kvm_error("KVM_SET_XSAVE", e))
    }

    fn regs(&self) -> Result<Regs, VmError> {
        if self.sync && self.fresh {
            return Ok(regs_from(&self.vcpu.sync_regs().regs));
        }
        let r = self.vcpu.get_regs().map_err(|e| kvm_error("KVM_GET_REGS", e))?;
        Ok(regs_from(&r))
    }

    fn set_regs(&mut self, r: &Regs) -> Result<(), VmError> {
        let k = kvm_regs {
            rax: r.rax,
            rbx: r.rbx,
            rcx: r.rcx,
            rdx: r.rdx,
            rsi: r.rsi,
            rdi: r.rdi,
            rsp: r.rsp,
            rbp: r.rbp,
            r8: r.r8,
            r9: r.r9,
            r10: r.r10,
            r11: r.r11,
            r12: r.r12,
            r13: r.r13,
            r14: r.r14,
            r15: r.r15,
            rip: r.rip,
            rflags: r.rflags,
        };
        if self.sync {
            self.vcpu.sync_regs_mut().regs = k;
            self.vcpu.set_sync_dirty_reg(SyncReg::Register);
            self.fresh = true;
            return Ok(());
        }
        self.vcpu.set_regs(&k).map_err(|e| kvm_error("KVM_SET_REGS", e))
    }

    fn special_regs(&self) -> Result<SpecialRegs, VmError> {
        let s = self.vcpu.get_sregs().map_err(|e| kvm_error("KVM_GET_SREGS", e))?;
        Ok(SpecialRegs {
            cs: seg_from(&s.cs),
            ds: seg_from(&s.ds),
            es: seg_from(&s.es),
            fs: seg_from(&s.fs),
            gs: seg_from(&s.gs),
            ss: seg_from(&s.ss),
            tr: seg_from(&s.tr),
            ldt: seg_from(&s.ldt),
            gdt: Table { base: s.gdt.base, limit: s.gdt.limit },
            idt: Table { base: s.idt.base, limit: s.idt.limit },
            cr0: s.cr0,
            cr2: s.cr2,
            cr3: s.cr3,
            cr4: s.cr4,
            efer: s.efer,
        })
    }

    fn set_special_regs(&mut self, r: &SpecialRegs) -> Result<(), VmError> {
        let mut s: kvm_sregs = self.vcpu.get_sregs().map_err(|e| kvm_error("KVM_GET_SREGS", e))?;
        s.cs = seg_to(&r.cs);
        s.ds = seg_to(&r.ds);
        s.es = seg_to(&r.es);
        s.fs = seg_to(&r.fs);
        s.gs = seg_to(&r.gs);
        s.ss = seg_to(&r.ss);
        s.tr = seg_to(&r.tr);
        s.ldt = seg_to(&r.ldt);
        s.gdt.base = r.gdt.base;
        s.gdt.limit = r.gdt.limit;
        s.idt.base = r.idt.base;
        s.idt.limit = r.idt.limit;
        s.cr0 = r.cr0;
        s.cr2 = r.cr2;
        s.cr3 = r.cr3;
        s.cr4 = r.cr4;
        s.efer = r.efer;
        self.sregs_fresh = false;
        self.vcpu.set_sregs(&s).map_err(|e| kvm_error("KVM_SET_SREGS", e))
    }

    fn cpl(&self) -> Result<u8, VmError> {
        if self.sync && self.sregs_fresh {
            return Ok((self.vcpu.sync_regs().sregs.cs.selector & 3) as u8);
        }
        Ok((self.vcpu.get_sregs().map_err(|e| kvm_error("KVM_GET_SREGS", e))?.cs.selector & 3) as u8)
    }

    fn set_msrs(&mut self, msrs: &[(u32, u64)]) -> Result<(), VmError> {
        let entries: Vec<kvm_msr_entry> =
            msrs.iter().map(|&(index, data)| kvm_msr_entry { index, data, ..Default::default() }).collect();
        let list = Msrs::from_entries(&entries)
            .map_err(|e| VmError::Unsupported(format!("KVM: MSR list: {e:?}")))?;
        let n = self.vcpu.set_msrs(&list).map_err(|e| kvm_error("KVM_SET_MSRS", e))?;
        if n != msrs.len() {
            return Err(VmError::Unsupported(format!(
                "KVM: KVM_SET_MSRS set {n} of {} MSRs (MSR {:#x} refused)",
                msrs.len(),
                msrs[n].0
            )));
        }
        Ok(())
    }

    fn set_xcr0(&mut self, xcr0: u64) -> Result<(), VmError> {
        let mut x = kvm_xcrs { nr_xcrs: 1, ..Default::default() };
        x.xcrs[0].xcr = 0;
        x.xcrs[0].value = xcr0;
        self.vcpu.set_xcrs(&x).map_err(|e| kvm_error("KVM_SET_XCRS", e))
    }

    fn set_host_cpuid(&mut self) -> Result<(), VmError> {
        self.vcpu.set_cpuid2(&self.cpuid).map_err(|e| kvm_error("KVM_SET_CPUID2", e))
    }

    fn run(&mut self) -> Result<Exit, VmError> {
        self.fresh = self.sync;
        self.sregs_fresh = self.sync;
        match self.vcpu.run() {
            Ok(VcpuExit::IoOut(port, data)) => Ok(Exit::IoOut { port, data: data.to_vec() }),
            Ok(VcpuExit::IoIn(port, data)) => {
                data.fill(0);
                Ok(Exit::IoIn { port })
            }
            Ok(VcpuExit::MmioRead(addr, data)) => {
                data.fill(0);
                Ok(Exit::Mmio { addr, write: false })
            }
            Ok(VcpuExit::MmioWrite(addr, _)) => Ok(Exit::Mmio { addr, write: true }),
            Ok(VcpuExit::Hlt) => Ok(Exit::Halt),
            Ok(VcpuExit::Shutdown) => Ok(Exit::Shutdown),
            Ok(VcpuExit::Intr) => Ok(Exit::Interrupted),
            Ok(VcpuExit::FailEntry(reason, cpu)) => {
                Ok(Exit::Failed(format!("VM entry failed (hardware reason {reason:#x}, cpu {cpu})")))
            }
            Ok(VcpuExit::InternalError) => {
                Ok(Exit::Failed("KVM internal error (an instruction KVM cannot emulate)".into()))
            }
            Ok(other) => Ok(Exit::Failed(format!("unexpected exit {other:?}"))),
            Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => Ok(Exit::Interrupted),
            Err(e) if e.errno() == libc::EFAULT => {
                Ok(Exit::Failed("the guest touched guest-physical memory the VMM does not back".into()))
            }
            Err(e) => Err(kvm_error("KVM_RUN", e)),
        }
    }
}
