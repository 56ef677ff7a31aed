//! The riscv64 Linux ABI as the system call layer sees it: system call numbers (the
//! asm-generic table riscv64 uses), flag values, and the guest layouts of the structures that
//! are converted field by field (`struct stat`, `timespec`, `iovec`).
//!
//! Errno values and most flag values (open flags, mmap flags, `AT_*`, signal numbers, ioctl
//! numbers of the tty layer) are identical on riscv64 and an x86-64 host, so they are passed
//! through unchanged; only the numbers whose meaning matters to this layer are listed here.

/// riscv64 system call numbers (`include/uapi/asm-generic/unistd.h`, 64-bit).
#[allow(missing_docs)]
pub mod nr {
    pub const GETCWD: u64 = 17;
    pub const EVENTFD2: u64 = 19;
    pub const DUP: u64 = 23;
    pub const DUP3: u64 = 24;
    pub const FCNTL: u64 = 25;
    pub const IOCTL: u64 = 29;
    pub const FLOCK: u64 = 32;
    pub const MKNODAT: u64 = 33;
    pub const MKDIRAT: u64 = 34;
    pub const UNLINKAT: u64 = 35;
    pub const SYMLINKAT: u64 = 36;
    pub const LINKAT: u64 = 37;
    pub const STATFS: u64 = 43;
    pub const FSTATFS: u64 = 44;
    pub const TRUNCATE: u64 = 45;
    pub const FTRUNCATE: u64 = 46;
    pub const FALLOCATE: u64 = 47;
    pub const FACCESSAT: u64 = 48;
    pub const CHDIR: u64 = 49;
    pub const FCHDIR: u64 = 50;
    pub const FCHMOD: u64 = 52;
    pub const FCHMODAT: u64 = 53;
    pub const FCHOWNAT: u64 = 54;
    pub const FCHOWN: u64 = 55;
    pub const OPENAT: u64 = 56;
    pub const CLOSE: u64 = 57;
    pub const PIPE2: u64 = 59;
    pub const GETDENTS64: u64 = 61;
    pub const LSEEK: u64 = 62;
    pub const READ: u64 = 63;
    pub const WRITE: u64 = 64;
    pub const READV: u64 = 65;
    pub const WRITEV: u64 = 66;
    pub const PREAD64: u64 = 67;
    pub const PWRITE64: u64 = 68;
    pub const SENDFILE: u64 = 71;
    pub const PSELECT6: u64 = 72;
    pub const PPOLL: u64 = 73;
    pub const READLINKAT: u64 = 78;
    pub const NEWFSTATAT: u64 = 79;
    pub const FSTAT: u64 = 80;
    pub const SYNC: u64 = 81;
    pub const FSYNC: u64 = 82;
    pub const FDATASYNC: u64 = 83;
    pub const UTIMENSAT: u64 = 88;
    pub const EXIT: u64 = 93;
    pub const EXIT_GROUP: u64 = 94;
    pub const WAITID: u64 = 95;
    pub const SET_TID_ADDRESS: u64 = 96;
    pub const FUTEX: u64 = 98;
    pub const SET_ROBUST_LIST: u64 = 99;
    pub const NANOSLEEP: u64 = 101;
    pub const CLOCK_GETTIME: u64 = 113;
    pub const CLOCK_GETRES: u64 = 114;
    pub const CLOCK_NANOSLEEP: u64 = 115;
    pub const SCHED_GETAFFINITY: u64 = 123;
    pub const SCHED_YIELD: u64 = 124;
    pub const KILL: u64 = 129;
    pub const TKILL: u64 = 130;
    pub const TGKILL: u64 = 131;
    pub const TIMES: u64 = 153;
    pub const SETPGID: u64 = 154;
    pub const GETPGID: u64 = 155;
    pub const GETSID: u64 = 156;
    pub const SETSID: u64 = 157;
    pub const GETGROUPS: u64 = 158;
    pub const UNAME: u64 = 160;
    pub const GETRLIMIT: u64 = 163;
    pub const SETRLIMIT: u64 = 164;
    pub const GETRUSAGE: u64 = 165;
    pub const UMASK: u64 = 166;
    pub const PRCTL: u64 = 167;
    pub const GETTIMEOFDAY: u64 = 169;
    pub const GETPID: u64 = 172;
    pub const GETPPID: u64 = 173;
    pub const GETUID: u64 = 174;
    pub const GETEUID: u64 = 175;
    pub const GETGID: u64 = 176;
    pub const GETEGID: u64 = 177;
    pub const GETTID: u64 = 178;
    pub const SYSINFO: u64 = 179;
    pub const GETRESUID: u64 = 148;
    pub const GETRESGID: u64 = 150;
    pub const BRK: u64 = 214;
    pub const MUNMAP: u64 = 215;
    pub const MREMAP: u64 = 216;
    pub const CLONE: u64 = 220;
    pub const EXECVE: u64 = 221;
    pub const MMAP: u64 = 222;
    pub const FADVISE64: u64 = 223;
    pub const MPROTECT: u64 = 226;
    pub const MSYNC: u64 = 227;
    pub const MADVISE: u64 = 233;
    pub const RISCV_HWPROBE: u64 = 258;
    pub const RISCV_FLUSH_ICACHE: u64 = 259;
    pub const WAIT4: u64 = 260;
    pub const PRLIMIT64: u64 = 261;
    pub const RENAMEAT2: u64 = 276;
    pub const GETRANDOM: u64 = 278;
    pub const MEMBARRIER: u64 = 283;
    pub const STATX: u64 = 291;
    pub const RSEQ: u64 = 293;
    pub const CLONE3: u64 = 435;
    pub const CLOSE_RANGE: u64 = 436;
    pub const FACCESSAT2: u64 = 439;
}

/// `clone` flags this layer looks at.
pub mod clone {
    /// Share the address space (threads, vfork).
    pub const VM: u64 = 0x100;
    /// Suspend the parent until the child execs or exits.
    pub const VFORK: u64 = 0x4000;
    /// Same thread group (a thread).
    pub const THREAD: u64 = 0x10000;
    /// Set the child's `tp` from the `tls` argument.
    pub const SETTLS: u64 = 0x80000;
    /// Store the child's tid at `parent_tid` in the parent.
    pub const PARENT_SETTID: u64 = 0x100000;
    /// Clear (and futex-wake) `child_tid` when the child exits.
    pub const CHILD_CLEARTID: u64 = 0x200000;
    /// Store the child's tid at `child_tid` in the child.
    pub const CHILD_SETTID: u64 = 0x1000000;
}

/// `mmap` flags (asm-generic values).
pub mod map {
    /// Shared mapping.
    pub const SHARED: u64 = 0x01;
    /// Private copy-on-write mapping.
    pub const PRIVATE: u64 = 0x02;
    /// Shared mapping, unknown flags rejected.
    pub const SHARED_VALIDATE: u64 = 0x03;
    /// Mask of the mapping type.
    pub const TYPE: u64 = 0x0f;
    /// Place exactly at `addr`, replacing what is there.
    pub const FIXED: u64 = 0x10;
    /// Not backed by a file.
    pub const ANONYMOUS: u64 = 0x20;
    /// Place exactly at `addr`, failing with EEXIST if anything is mapped there.
    pub const FIXED_NOREPLACE: u64 = 0x100000;
}

/// `mremap` flags.
pub mod mremap {
    /// The mapping may move.
    pub const MAYMOVE: u64 = 1;
    /// Move to `new_address`.
    pub const FIXED: u64 = 2;
    /// Leave the old range mapped (and empty).
    pub const DONTUNMAP: u64 = 4;
}

/// `madvise` advice values this layer acts on.
pub mod madv {
    /// Drop the pages: private anonymous memory reads back as zeros.
    pub const DONTNEED: u64 = 4;
}

/// The special directory fd of the `*at` calls.
pub const AT_FDCWD: i64 = -100;

/// tty ioctls that are passed through (numbers are the same on riscv64 and x86-64).
pub mod ioctl {
    /// Get `struct termios` (36 bytes in the kernel ABI on both).
    pub const TCGETS: u64 = 0x5401;
    /// Set `struct termios` now.
    pub const TCSETS: u64 = 0x5402;
    /// Set `struct termios` after output drains.
    pub const TCSETSW: u64 = 0x5403;
    /// Set `struct termios` after output drains, flushing input.
    pub const TCSETSF: u64 = 0x5404;
    /// Foreground process group (`pid_t`).
    pub const TIOCGPGRP: u64 = 0x540f;
    /// Get `struct winsize` (8 bytes).
    pub const TIOCGWINSZ: u64 = 0x5413;
    /// Bytes readable (`int`).
    pub const FIONREAD: u64 = 0x541b;
    /// Non-blocking I/O on/off (`int`).
    pub const FIONBIO: u64 = 0x5421;
    /// Size of the kernel `struct termios`.
    pub const TERMIOS_SIZE: usize = 36;
}

/// Size of riscv64 `struct stat`.
pub const STAT_SIZE: usize = 128;

/// riscv64 `struct stat` (asm-generic layout) from the host's `stat`, field by field.
// The casts name the guest field widths; on some hosts they are not no-ops.
#[allow(clippy::unnecessary_cast)]
pub fn stat_to_guest(st: &libc::stat) -> [u8; STAT_SIZE] {
    let mut out = [0u8; STAT_SIZE];
    let mut put = |off: usize, bytes: &[u8]| out[off..off + bytes.len()].copy_from_slice(bytes);
    put(0, &(st.st_dev as u64).to_le_bytes());
    put(8, &(st.st_ino as u64).to_le_bytes());
    put(16, &(st.st_mode as u32).to_le_bytes());
    put(20, &(st.st_nlink as u32).to_le_bytes());
    put(24, &(st.st_uid as u32).to_le_bytes());
    put(28, &(st.st_gid as u32).to_le_bytes());
    put(32, &(st.st_rdev as u64).to_le_bytes());
    // 40: __pad1
    put(48, &(st.st_size as i64).to_le_bytes());
    put(56, &(st.st_blksize as i32).to_le_bytes());
    // 60: __pad2
    put(64, &(st.st_blocks as i64).to_le_bytes());
    put(72, &(st.st_atime as i64).to_le_bytes());
    put(80, &(st.st_atime_nsec as u64).to_le_bytes());
    put(88, &(st.st_mtime as i64).to_le_bytes());
    put(96, &(st.st_mtime_nsec as u64).to_le_bytes());
    put(104, &(st.st_ctime as i64).to_le_bytes());
    put(112, &(st.st_ctime_nsec as u64).to_le_bytes());
    // 120: __unused4, __unused5
    out
}

/// A `struct timespec` / `struct timeval` (two 64-bit fields on riscv64).
pub fn pair_to_bytes(a: i64, b: i64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&a.to_le_bytes());
    out[8..].copy_from_slice(&b.to_le_bytes());
    out
}

/// The two 64-bit fields of a guest `timespec`, `timeval` or `iovec`.
pub fn pair_from_bytes(b: &[u8; 16]) -> (u64, u64) {
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&b[..8]);
    hi.copy_from_slice(&b[8..]);
    (u64::from_le_bytes(lo), u64::from_le_bytes(hi))
}

/// `riscv_hwprobe` keys and values (`arch/riscv/include/uapi/asm/hwprobe.h`).
pub mod hwprobe {
    /// `mvendorid`.
    pub const MVENDORID: i64 = 0;
    /// `marchid`.
    pub const MARCHID: i64 = 1;
    /// `mimpid`.
    pub const MIMPID: i64 = 2;
    /// Base behaviour.
    pub const BASE_BEHAVIOR: i64 = 3;
    /// Base behaviour value: rv64ima user mode as ratified.
    pub const BASE_BEHAVIOR_IMA: u64 = 1;
    /// Extensions beyond IMA.
    pub const IMA_EXT_0: i64 = 4;
    /// F and D.
    pub const IMA_FD: u64 = 1 << 0;
    /// C.
    pub const IMA_C: u64 = 1 << 1;
    /// Performance of misaligned accesses.
    pub const CPUPERF_0: i64 = 5;
    /// Misaligned access performance unknown.
    pub const MISALIGNED_UNKNOWN: u64 = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_layout_puts_fields_at_asm_generic_offsets() {
        // SAFETY: `libc::stat` is plain old data; all-zero is a valid value.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        st.st_dev = 0x0102;
        st.st_ino = 0x1122_3344_5566;
        st.st_mode = 0o100644;
        st.st_nlink = 3;
        st.st_uid = 1000;
        st.st_gid = 100;
        st.st_rdev = 7;
        st.st_size = 12345;
        st.st_blksize = 4096;
        st.st_blocks = 24;
        st.st_atime = 1_700_000_000;
        st.st_atime_nsec = 5;
        st.st_mtime = 1_700_000_001;
        st.st_mtime_nsec = 6;
        st.st_ctime = 1_700_000_002;
        st.st_ctime_nsec = 7;
        let b = stat_to_guest(&st);
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        assert_eq!(u64_at(0), 0x0102);
        assert_eq!(u64_at(8), 0x1122_3344_5566);
        assert_eq!(u32_at(16), 0o100644);
        assert_eq!(u32_at(20), 3);
        assert_eq!(u32_at(24), 1000);
        assert_eq!(u32_at(28), 100);
        assert_eq!(u64_at(32), 7);
        assert_eq!(u64_at(48), 12345);
        assert_eq!(u32_at(56), 4096);
        assert_eq!(u64_at(64), 24);
        assert_eq!((u64_at(72), u64_at(80)), (1_700_000_000, 5));
        assert_eq!((u64_at(88), u64_at(96)), (1_700_000_001, 6));
        assert_eq!((u64_at(104), u64_at(112)), (1_700_000_002, 7));
        assert_eq!(&b[120..], &[0; 8]);
    }

    #[test]
    fn pairs_round_trip() {
        let b = pair_to_bytes(-1, 999_999_999);
        assert_eq!(pair_from_bytes(&b), (u64::MAX, 999_999_999));
    }
}
