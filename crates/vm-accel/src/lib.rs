//! Accelerated mode: hardware virtualisation.
//!
//! [`hypervisor`] is the backend-neutral interface (a VM with guest-physical memory regions
//! and x86-64 vCPUs that run until an exit), [`kvm`] implements it on Linux KVM, and [`x86`]
//! runs x86-64 Linux programs at ring 3 inside such a VM, in the spirit of gVisor's KVM
//! platform: the program's own instructions run natively, and its system calls and exceptions
//! leave the guest and are served by the same Linux ABI layer (vm-linux) that `vm run` uses for
//! RISC-V programs.

#![cfg(target_os = "linux")]

pub mod hypervisor;
pub mod kvm;
#[cfg(target_arch = "x86_64")]
pub mod x86;

pub use hypervisor::{Backend, Exit, Hypervisor, Vcpu, Vm};
