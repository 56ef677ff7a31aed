//! Spike's host-target interface (HTIF): the `tohost`/`fromhost` mailbox bare-metal tests use
//! to exit and to print.
//!
//! A 64-bit write to `tohost` is a command: device in bits 63:56, command in 55:48, payload in
//! 47:0. Device 0 command 0 with payload bit 0 set exits with status `payload >> 1`; with bit 0
//! clear the payload points at a `magic_mem` block of eight words holding a proxied system call
//! (only `write`, number 64, is served). Device 1 command 1 prints the payload's low byte.
//! After a command the host clears `tohost` and writes an acknowledgement to `fromhost`, as
//! QEMU's and Spike's HTIF do.

use std::io::Write;

use vm_core::Mmu;
use vm_mem::PhysMem;

/// What a `tohost` command asked the machine to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HtifEvent {
    /// Nothing for the machine (console output was written, or `tohost` was zero).
    None,
    /// The guest asked to exit with this status.
    Exit(u64),
}

/// The HTIF device.
pub struct Htif {
    tohost: u64,
    fromhost: Option<u64>,
    console: Box<dyn Write + Send>,
}

const SYS_WRITE: u64 = 64;

impl Htif {
    /// An HTIF with its mailbox at `tohost` (and `fromhost`, if the ELF has it), printing to `console`.
    pub fn new(tohost: u64, fromhost: Option<u64>, console: Box<dyn Write + Send>) -> Self {
        Htif { tohost, fromhost, console }
    }

    /// Address of `tohost`.
    pub fn tohost(&self) -> u64 {
        self.tohost
    }

    /// Serve the command in `tohost`, if any.
    pub fn poll(&mut self, mem: &mut PhysMem) -> HtifEvent {
        let Ok(cmd) = mem.load64(self.tohost) else {
            return HtifEvent::None;
        };
        if cmd == 0 {
            return HtifEvent::None;
        }
        let device = cmd >> 56;
        let command = (cmd >> 48) & 0xff;
        let payload = cmd & ((1 << 48) - 1);
        let reply = match (device, command) {
            (0, 0) if payload & 1 == 1 => return HtifEvent::Exit(payload >> 1),
            (0, 0) => {
                self.syscall(mem, payload);
                1
            }
            (1, 1) => {
                let _ = self.console.write_all(&[payload as u8]);
                let _ = self.console.flush();
                0x100 | (payload & 0xff)
            }
            _ => {
                tracing::warn!(device, command, payload, "unsupported HTIF command ignored");
                0
            }
        };
        let _ = mem.store64(self.tohost, 0);
        if let Some(fh) = self.fromhost {
            let _ = mem.store64(fh, (device << 56) | (command << 48) | reply);
        }
        mem.take_watch_hit(); // our own writes are not guest commands
        HtifEvent::None
    }

    fn syscall(&mut self, mem: &mut PhysMem, magic: u64) {
        let mut args = [0u64; 4];
        for (i, a) in args.iter_mut().enumerate() {
            *a = mem.load64(magic + 8 * i as u64).unwrap_or(0);
        }
        let ret = if args[0] == SYS_WRITE && (args[1] == 1 || args[1] == 2) {
            let len = args[3] as usize;
            match mem.slice(args[2], len) {
                Some(bytes) => {
                    let _ = self.console.write_all(bytes);
                    let _ = self.console.flush();
                    len as u64
                }
                None => (-14i64) as u64, // EFAULT
            }
        } else {
            tracing::warn!(number = args[0], "unsupported HTIF system call");
            (-38i64) as u64 // ENOSYS
        };
        let _ = mem.store64(magic, ret);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn console_exit_and_write_syscall() {
        let base = 0x8000_0000;
        let mut mem = PhysMem::new(base, 0x10000).unwrap();
        let sink = Sink::default();
        let mut h = Htif::new(base + 0x1000, Some(base + 0x1040), Box::new(sink.clone()));
        mem.store64(base + 0x1000, (1 << 56) | (1 << 48) | b'A' as u64).unwrap();
        assert_eq!(h.poll(&mut mem), HtifEvent::None);
        assert_eq!(mem.load64(base + 0x1000).unwrap(), 0, "tohost cleared");
        assert_eq!(mem.load64(base + 0x1040).unwrap(), (1 << 56) | (1 << 48) | 0x141);
        mem.write_bytes(base + 0x2000, b"hi\n").unwrap();
        for (i, v) in [SYS_WRITE, 1, base + 0x2000, 3].iter().enumerate() {
            mem.store64(base + 0x3000 + 8 * i as u64, *v).unwrap();
        }
        mem.store64(base + 0x1000, base + 0x3000).unwrap();
        assert_eq!(h.poll(&mut mem), HtifEvent::None);
        assert_eq!(mem.load64(base + 0x3000).unwrap(), 3);
        assert_eq!(sink.0.lock().unwrap().as_slice(), b"Ahi\n");
        mem.store64(base + 0x1000, (7 << 1) | 1).unwrap();
        assert_eq!(h.poll(&mut mem), HtifEvent::Exit(7));
    }
}
