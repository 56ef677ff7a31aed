//! The initial stack of a new process, laid out exactly as Linux does for riscv64
//! (`fs/exec.c` + `create_elf_tables` in `fs/binfmt_elf.c`).
//!
//! From the top of the stack mapping down:
//!
//! ```text
//! top      8 zero bytes
//!          AT_EXECFN string, NUL-terminated
//!          envp strings (envp[0] lowest), argv strings (argv[0] lowest)
//!          (align down to 16)
//!          16 bytes of AT_RANDOM
//!          padding so that sp is 16-byte aligned
//!          auxv pairs ending with AT_NULL
//!          NULL, envp pointers
//!          NULL, argv pointers
//! sp  →    argc
//! ```
//!
//! [`build`] produces the bytes from `sp` to the top in one buffer; [`read_initial_stack`]
//! parses such a stack back out of guest memory (for tests and diagnostics).

use vm_core::MemFault;
use vm_mem::AddressSpace;

/// End of the auxiliary vector.
pub const AT_NULL: u64 = 0;
/// Address of the program headers of the program.
pub const AT_PHDR: u64 = 3;
/// Size of one program header.
pub const AT_PHENT: u64 = 4;
/// Number of program headers.
pub const AT_PHNUM: u64 = 5;
/// Page size.
pub const AT_PAGESZ: u64 = 6;
/// Load address of the ELF interpreter (0 for static programs).
pub const AT_BASE: u64 = 7;
/// Flags (always 0).
pub const AT_FLAGS: u64 = 8;
/// Entry point of the program (not of the interpreter).
pub const AT_ENTRY: u64 = 9;
/// Real user id.
pub const AT_UID: u64 = 11;
/// Effective user id.
pub const AT_EUID: u64 = 12;
/// Real group id.
pub const AT_GID: u64 = 13;
/// Effective group id.
pub const AT_EGID: u64 = 14;
/// Hardware capabilities: for riscv64 one bit per single-letter ISA extension.
pub const AT_HWCAP: u64 = 16;
/// Clock ticks per second (`times(2)`).
pub const AT_CLKTCK: u64 = 17;
/// Secure mode (setuid); always 0 here.
pub const AT_SECURE: u64 = 23;
/// Address of 16 random bytes (stack protector and pointer guard seeds).
pub const AT_RANDOM: u64 = 25;
/// Address of the executed file name.
pub const AT_EXECFN: u64 = 31;

/// `AT_HWCAP` for RV64GC: bit `letter - 'a'` for each of I, M, A, F, D, C.
pub const HWCAP_RV64GC: u64 =
    isa_bit(b'i') | isa_bit(b'm') | isa_bit(b'a') | isa_bit(b'f') | isa_bit(b'd') | isa_bit(b'c');

const fn isa_bit(letter: u8) -> u64 {
    1 << (letter - b'a')
}

/// The auxv values the loader decides; the stack builder adds AT_RANDOM and AT_EXECFN.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuxInfo {
    /// AT_PHDR.
    pub phdr: u64,
    /// AT_PHNUM.
    pub phnum: u64,
    /// AT_BASE.
    pub base: u64,
    /// AT_ENTRY.
    pub entry: u64,
    /// AT_UID, AT_EUID, AT_GID, AT_EGID.
    pub ids: [u64; 4],
    /// AT_HWCAP.
    pub hwcap: u64,
}

impl AuxInfo {
    /// The host's real and effective user and group ids.
    pub fn host_ids() -> [u64; 4] {
        // SAFETY: getuid/geteuid/getgid/getegid take no arguments, cannot fail and touch no
        // memory of ours.
        unsafe {
            [
                u64::from(libc::getuid()),
                u64::from(libc::geteuid()),
                u64::from(libc::getgid()),
                u64::from(libc::getegid()),
            ]
        }
    }
}

/// 16 random bytes from the host's `getrandom(2)` (falling back to std's randomly keyed hasher
/// if the syscall is unavailable).
pub fn host_random() -> [u8; 16] {
    let mut buf = [0u8; 16];
    // SAFETY: `buf` is a valid, writable 16-byte buffer for the duration of the call and
    // getrandom writes at most `buf.len()` bytes into it.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n != buf.len() as isize {
        use std::hash::{BuildHasher, Hasher};
        for (i, chunk) in buf.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    buf
}

/// Bytes of the string area (everything above AT_RANDOM) for these arguments; execve fails
/// with E2BIG when this exceeds the limit.
pub fn strings_size(argv: &[Vec<u8>], envp: &[Vec<u8>], execfn: &[u8]) -> usize {
    let strs: usize = argv.iter().chain(envp).map(|s| s.len() + 1).sum();
    8 + execfn.len() + 1 + strs
}

/// Bytes the whole initial stack takes (an upper bound, including alignment).
pub fn total_size(argv: &[Vec<u8>], envp: &[Vec<u8>], execfn: &[u8]) -> usize {
    let ptrs = (argv.len() + envp.len() + 3) * 8;
    strings_size(argv, envp, execfn) + 16 + 16 + ptrs + AUX_ENTRIES * 16 + 16
}

/// Number of auxv pairs [`build`] writes, AT_NULL included.
const AUX_ENTRIES: usize = 17;

/// A built initial stack: write `bytes` at `sp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialStack {
    /// The initial stack pointer (16-byte aligned, points at argc).
    pub sp: u64,
    /// Contents of `[sp, top)`.
    pub bytes: Vec<u8>,
    /// Guest address of the AT_RANDOM bytes.
    pub random: u64,
    /// Guest address of the AT_EXECFN string.
    pub execfn: u64,
}

/// Lay out the initial stack below `top` (16-byte aligned). Strings containing NUL bytes are
/// cut at the first NUL, as the kernel would see them.
pub fn build(
    top: u64,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    random: [u8; 16],
    aux: &AuxInfo,
) -> InitialStack {
    let cstr = |s: &[u8]| -> Vec<u8> {
        let mut v: Vec<u8> = s.iter().copied().take_while(|&b| b != 0).collect();
        v.push(0);
        v
    };
    // Strings, from the top down: 8 zero bytes, execfn, env strings, arg strings.
    let mut p = top - 8;
    let execfn_c = cstr(execfn);
    p -= execfn_c.len() as u64;
    let execfn_addr = p;
    let mut strings: Vec<(u64, Vec<u8>)> = vec![(execfn_addr, execfn_c)];
    let mut place = |list: &[Vec<u8>], p: &mut u64| -> Vec<u64> {
        let mut addrs = vec![0; list.len()];
        for (i, s) in list.iter().enumerate().rev() {
            let c = cstr(s);
            *p -= c.len() as u64;
            addrs[i] = *p;
            strings.push((*p, c));
        }
        addrs
    };
    let env_addrs = place(envp, &mut p);
    let arg_addrs = place(argv, &mut p);
    p &= !15;
    p -= 16;
    let random_addr = p;

    let auxv: [(u64, u64); AUX_ENTRIES] = [
        (AT_HWCAP, aux.hwcap),
        (AT_PAGESZ, vm_mem::PAGE_SIZE),
        (AT_CLKTCK, 100),
        (AT_PHDR, aux.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, aux.phnum),
        (AT_BASE, aux.base),
        (AT_FLAGS, 0),
        (AT_ENTRY, aux.entry),
        (AT_UID, aux.ids[0]),
        (AT_EUID, aux.ids[1]),
        (AT_GID, aux.ids[2]),
        (AT_EGID, aux.ids[3]),
        (AT_SECURE, 0),
        (AT_RANDOM, random_addr),
        (AT_EXECFN, execfn_addr),
        (AT_NULL, 0),
    ];
    let words = 1 + argv.len() + 1 + envp.len() + 1 + 2 * auxv.len();
    let sp = (p - 8 * words as u64) & !15;

    let mut bytes = vec![0u8; (top - sp) as usize];
    let mut off = 0usize;
    let mut put = |v: u64| {
        bytes[off..off + 8].copy_from_slice(&v.to_le_bytes());
        off += 8;
    };
    put(argv.len() as u64);
    arg_addrs.iter().for_each(|&a| put(a));
    put(0);
    env_addrs.iter().for_each(|&a| put(a));
    put(0);
    for (k, v) in auxv {
        put(k);
        put(v);
    }
    let at = |addr: u64| (addr - sp) as usize;
    bytes[at(random_addr)..at(random_addr) + 16].copy_from_slice(&random);
    for (addr, s) in strings {
        bytes[at(addr)..at(addr) + s.len()].copy_from_slice(&s);
    }
    InitialStack { sp, bytes, random: random_addr, execfn: execfn_addr }
}

/// An initial stack read back from guest memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedStack {
    /// The arguments.
    pub argv: Vec<Vec<u8>>,
    /// The environment.
    pub envp: Vec<Vec<u8>>,
    /// Auxv pairs in order, without the terminating AT_NULL.
    pub auxv: Vec<(u64, u64)>,
}

impl ParsedStack {
    /// The value of auxv entry `key`.
    pub fn aux(&self, key: u64) -> Option<u64> {
        self.auxv.iter().find(|&&(k, _)| k == key).map(|&(_, v)| v)
    }
}

/// Parse the initial stack at `sp` (argc, argv, envp, auxv) from guest memory.
pub fn read_initial_stack(mem: &AddressSpace, sp: u64) -> Result<ParsedStack, MemFault> {
    let word = |a: u64| -> Result<u64, MemFault> {
        let mut b = [0u8; 8];
        mem.read(a, &mut b)?;
        Ok(u64::from_le_bytes(b))
    };
    let mut out = ParsedStack::default();
    let argc = word(sp)?;
    let mut a = sp + 8;
    for _ in 0..argc.min(1 << 20) {
        out.argv.push(mem.read_cstr(word(a)?, 1 << 17)?);
        a += 8;
    }
    a += 8; // argv NULL
    loop {
        let e = word(a)?;
        a += 8;
        if e == 0 {
            break;
        }
        out.envp.push(mem.read_cstr(e, 1 << 17)?);
    }
    loop {
        let (k, v) = (word(a)?, word(a + 8)?);
        a += 16;
        if k == AT_NULL {
            break;
        }
        out.auxv.push((k, v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rd(bytes: &[u8], sp: u64, addr: u64) -> u64 {
        let o = (addr - sp) as usize;
        u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap())
    }

    fn cstr_at(bytes: &[u8], sp: u64, addr: u64) -> Vec<u8> {
        let o = (addr - sp) as usize;
        bytes[o..].iter().copied().take_while(|&b| b != 0).collect()
    }

    #[test]
    fn hwcap_is_imafdc() {
        assert_eq!(HWCAP_RV64GC, 0x112d);
    }

    #[test]
    fn layout_matches_linux() {
        let top = 0x40_0000_0000;
        let argv = vec![b"prog".to_vec(), b"a1".to_vec()];
        let envp = vec![b"A=1".to_vec(), b"BB=22".to_vec(), b"C=".to_vec()];
        let aux = AuxInfo {
            phdr: 0x10040,
            phnum: 7,
            base: 0,
            entry: 0x10100,
            ids: [1, 2, 3, 4],
            hwcap: HWCAP_RV64GC,
        };
        let s = build(top, &argv, &envp, b"/bin/prog", [7; 16], &aux);
        assert_eq!(s.sp % 16, 0);
        assert_eq!(s.bytes.len() as u64, top - s.sp);
        assert!(s.bytes.len() <= total_size(&argv, &envp, b"/bin/prog"));
        let (b, sp) = (&s.bytes, s.sp);
        // Top: 8 zero bytes, then execfn just below.
        assert_eq!(rd(b, sp, top - 8), 0);
        assert_eq!(s.execfn, top - 8 - 10);
        assert_eq!(cstr_at(b, sp, s.execfn), b"/bin/prog");
        assert_eq!(rd(b, sp, sp), 2);
        let a0 = rd(b, sp, sp + 8);
        let a1 = rd(b, sp, sp + 16);
        assert_eq!(cstr_at(b, sp, a0), b"prog");
        assert_eq!(cstr_at(b, sp, a1), b"a1");
        assert_eq!(a1, a0 + 5, "argv strings are contiguous, argv[0] lowest");
        assert_eq!(rd(b, sp, sp + 24), 0);
        let e: Vec<u64> = (0..3).map(|i| rd(b, sp, sp + 32 + 8 * i)).collect();
        assert_eq!(e[0], a1 + 3, "env strings follow the arg strings");
        assert_eq!(cstr_at(b, sp, e[2]), b"C=");
        assert_eq!(e[2] + 3, s.execfn, "execfn follows the env strings");
        assert_eq!(rd(b, sp, sp + 56), 0);
        let mut auxv = Vec::new();
        let mut a = sp + 64;
        loop {
            let (k, v) = (rd(b, sp, a), rd(b, sp, a + 8));
            a += 16;
            if k == AT_NULL {
                break;
            }
            auxv.push((k, v));
        }
        let keys: Vec<u64> = auxv.iter().map(|p| p.0).collect();
        assert_eq!(
            keys,
            [
                AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY,
                AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN
            ]
        );
        assert_eq!(auxv[14].1, s.random);
        assert_eq!(s.random % 16, 0);
        assert!(s.random + 16 <= a0, "random bytes lie below the strings");
        assert!(a <= s.random + 16);
        let o = (s.random - sp) as usize;
        assert_eq!(&b[o..o + 16], &[7; 16]);
    }

    #[test]
    fn nul_inside_strings_is_cut_and_empty_lists_work() {
        let s = build(0x1000_0000, &[], &[], b"x\0y", [0; 16], &AuxInfo::default());
        assert_eq!(rd(&s.bytes, s.sp, s.sp), 0);
        assert_eq!(cstr_at(&s.bytes, s.sp, s.execfn), b"x");
        assert_eq!(s.execfn, 0x1000_0000 - 8 - 2);
    }

    #[test]
    fn host_random_is_not_constant() {
        assert_ne!(host_random(), host_random());
    }
}
