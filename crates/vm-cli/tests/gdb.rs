//! The GDB stub against the real `gdb-multiarch`, in batch mode, in every RISC-V engine:
//! breakpoints by symbol and address, `info registers`, locals and globals, a write
//! watchpoint, `stepi` over compressed and 4-byte instructions, a backtrace through three
//! frames, a register change that changes the program's output, `kill`; `vm boot --gdb` on a
//! bare-metal ELF; and bad input (port in use, gdb going away mid-session, malformed packets).
//!
//! The guest is guests/linux/debug/gdbtarget.c (-O0 -g). Without gdb-multiarch the gdb tests
//! are skipped with a message, except under `CI` (where .ci/run installs it).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const VM: &str = env!("CARGO_BIN_EXE_vm");
const MODES: [&str; 3] = ["interp", "jit", "hybrid"];

fn target() -> PathBuf {
    common::repo().join("guests/linux/debug/gdbtarget.rv64")
}

/// Whether gdb-multiarch runs here; under CI its absence fails the test.
fn have_gdb() -> bool {
    let ok = Command::new("gdb-multiarch").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "gdb-multiarch is required in CI (.ci/run installs it)");
        eprintln!("SKIP: gdb-multiarch is not installed; GDB tests are skipped outside CI");
    }
    ok
}

/// A `vm` waiting for gdb, and the address it listens on.
struct Vm {
    child: Child,
    addr: String,
    stderr: BufReader<std::process::ChildStderr>,
}

impl Vm {
    /// Start `vm ARGS… --gdb 0 …` and read the address it listens on from its stderr.
    fn start(args: &[&str]) -> Vm {
        let mut child = Command::new("timeout")
            .args(["-s", "KILL", "120", VM])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start vm");
        let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("vm stderr");
        let addr = line
            .split_whitespace()
            .find(|w| w.starts_with("127.0.0.1:"))
            .unwrap_or_else(|| panic!("vm did not say where it waits for gdb: {line:?}"))
            .trim_end_matches(')')
            .to_string();
        Vm { child, addr, stderr }
    }

    /// Wait for the end: (status as a shell reports it, stdout, rest of stderr).
    fn finish(mut self) -> (i32, String, String) {
        use std::os::unix::process::ExitStatusExt;
        let mut out = String::new();
        self.child.stdout.take().expect("piped").read_to_string(&mut out).expect("stdout");
        let mut err = String::new();
        self.stderr.read_to_string(&mut err).expect("stderr");
        let st = self.child.wait().expect("wait");
        (st.code().unwrap_or_else(|| 128 + st.signal().unwrap_or(0)), out, err)
    }
}

/// Run gdb-multiarch in batch mode on the test guest with `commands` after connecting.
fn gdb(addr: &str, file: &Path, commands: &[&str]) -> String {
    let mut cmd = Command::new("timeout");
    cmd.args(["-s", "KILL", "120", "gdb-multiarch", "-batch", "-nx"]);
    cmd.args(["-ex", "set pagination off", "-ex", "set confirm off"]);
    cmd.args(["-ex", &format!("file {}", file.display()), "-ex", &format!("target remote {addr}")]);
    for c in commands {
        cmd.args(["-ex", c]);
    }
    let out = cmd.output().expect("run gdb-multiarch");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn assert_has(text: &str, needle: &str, what: &str) {
    assert!(text.contains(needle), "{what}: expected `{needle}` in gdb's output:\n{text}");
}

/// The session the issue asks for, in each engine: the same script, the same answers.
#[test]
fn a_gdb_session_behaves_the_same_in_every_engine() {
    if !have_gdb() {
        return;
    }
    let script = [
        "break main",
        "continue",
        "info registers",
        "print argc",
        "next",
        "print value",
        "print counter",
        "break leaf",
        "continue",
        "bt",
        "print x",
        "watch counter",
        "continue",
        "print counter",
        "kill",
    ];
    let mut outputs = Vec::new();
    for mode in MODES {
        let vm = Vm::start(&["run", "--mode", mode, "--gdb", "0", target().to_str().unwrap()]);
        let out = gdb(&vm.addr, &target(), &script);
        let (status, stdout, stderr) = vm.finish();
        let what = format!("--mode {mode}");
        assert_has(&out, "Breakpoint 1, main (argc=1", &what);
        for reg in ["ra ", "sp ", "gp ", "a0 ", "t6 ", "pc "] {
            assert!(out.lines().any(|l| l.starts_with(reg)), "{what}: `info registers` lacks {reg}:\n{out}");
        }
        assert_has(&out, "$1 = 1", &what); // argc
        assert_has(&out, "$2 = 6", &what); // local `value` after `next`
        assert_has(&out, "$3 = 0", &what); // global `counter`
        assert_has(&out, "Breakpoint 2, leaf (x=6)", &what);
        assert_has(&out, "#0  leaf (x=6) at ./gdbtarget.c:10", &what);
        assert_has(&out, " in middle (x=6) at ./gdbtarget.c:16", &what);
        assert_has(&out, " in outer (x=6) at ./gdbtarget.c:21", &what);
        assert_has(&out, " in main (argc=1", &what);
        assert_has(&out, "$4 = 6", &what); // parameter x
        assert_has(&out, "Hardware watchpoint 3: counter", &what);
        assert_has(&out, "Old value = 0\nNew value = 1", &what);
        assert_has(&out, "$5 = 1", &what);
        assert_has(&out, "[Inferior 1 (process 1) killed]", &what);
        // Killed before its printf: no output, and vm dies of SIGKILL as the guest did.
        assert_eq!((status, stdout.as_str()), (137, ""), "{what}: vm after kill (stderr: {stderr})");
        outputs.push(out);
    }
    assert_eq!(outputs[0], outputs[1], "interp and jit sessions differ");
    assert_eq!(outputs[0], outputs[2], "interp and hybrid sessions differ");
}

/// Parse gdb's `$N = 0x…` values in order.
fn hex_values(out: &str) -> Vec<u64> {
    out.lines()
        .filter_map(|l| l.split_once(" = 0x").map(|(_, v)| v))
        .filter_map(|v| u64::from_str_radix(v.split_whitespace().next()?, 16).ok())
        .collect()
}

/// `stepi` moves the pc by the length of the instruction it ran (2 for a compressed one, 4
/// otherwise, read from the parcel's low bits), and a0 set at `leaf`'s entry changes the result.
#[test]
fn stepi_and_a_register_change_work_in_every_engine() {
    if !have_gdb() {
        return;
    }
    for mode in MODES {
        let vm = Vm::start(&["run", "--mode", mode, "--gdb", "0", target().to_str().unwrap()]);
        let mut script = vec!["break *leaf", "continue", "set $a0 = 100"];
        for _ in 0..5 {
            script.extend(["print/x $pc", "print/x *(unsigned short *)$pc", "stepi"]);
        }
        script.extend(["print/x $pc", "delete", "continue"]);
        let out = gdb(&vm.addr, &target(), &script);
        let (status, stdout, _) = vm.finish();
        let v = hex_values(&out);
        assert_eq!(v.len(), 11, "--mode {mode}: pcs and parcels:\n{out}");
        let mut lens = Vec::new();
        for i in 0..5 {
            let (pc, parcel, next) = (v[2 * i], v[2 * i + 1], v[2 * i + 2]);
            let len = if parcel & 3 == 3 { 4 } else { 2 };
            assert_eq!(next - pc, len, "--mode {mode}: stepi at {pc:#x} (parcel {parcel:#x}):\n{out}");
            lens.push(len);
        }
        assert!(lens.contains(&2) && lens.contains(&4), "--mode {mode}: steps {lens:?} lack a kind");
        assert_has(&out, "[Inferior 1 (process 1) exited normally]", mode);
        // x = 100 instead of 6: (3x + 1 + 2) * 2.
        assert_eq!((status, stdout.as_str()), (0, "value=6 r=606 counter=1\n"), "--mode {mode}");
    }
}

/// `vm boot --gdb`: a bare-metal ELF stops before its first instruction, steps, runs to a
/// breakpoint and to its HTIF exit.
#[test]
fn vm_boot_waits_for_gdb_and_runs_under_it() {
    if !have_gdb() {
        return;
    }
    let elf = common::repo().join("guests/isa/bin/rv64i_alu.elf");
    let vm = Vm::start(&["boot", "--mode", "hybrid", "--gdb", "0", "--kernel", elf.to_str().unwrap()]);
    let out =
        gdb(&vm.addr, &elf, &["print/x $pc", "stepi", "print/x $pc", "break pass", "continue", "continue"]);
    let (status, _, stderr) = vm.finish();
    let v = hex_values(&out);
    assert_eq!(v.first(), Some(&0x8000_0000), "stopped before the first instruction:\n{out}");
    assert!(v.get(1).is_some_and(|&pc| pc > 0x8000_0000), "stepi moved the pc:\n{out}");
    assert_has(&out, "Breakpoint 1, ", "boot");
    assert_has(&out, " in pass ()", "boot");
    assert_has(&out, "[Inferior 1 (process 1) exited normally]", "boot");
    assert_eq!(status, 0, "vm boot status (stderr: {stderr})");
}

/// A port that is taken is a clear error, at once.
#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let start = Instant::now();
    let out = Command::new(VM).args(["run", "--gdb", &port, target().to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("cannot listen on 127.0.0.1:{port}")) && err.contains("in use"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
    let bad =
        Command::new(VM).args(["run", "--gdb", "notaport", target().to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(bad.status.code() == Some(1) && err.contains("--gdb notaport: expected a TCP port"), "{err}");
}

/// Send one packet (`$data#checksum`) and read bytes until a full reply packet arrives.
fn packet(s: &mut TcpStream, data: &str) -> String {
    let sum = data.bytes().fold(0u8, |a, b| a.wrapping_add(b));
    s.write_all(format!("${data}#{sum:02x}").as_bytes()).unwrap();
    read_reply(s)
}

fn read_reply(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut b = [0u8];
    while s.read(&mut b).unwrap() == 1 {
        got.push(b[0]);
        if let Some(i) = got.iter().position(|&c| c == b'$') {
            if got.len() >= 3 && got[got.len() - 3] == b'#' && got.len() > i + 3 {
                break;
            }
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Undo the protocol's run-length encoding: `c*n` is `c` and then n - 29 more of it.
fn unrle(body: &str) -> String {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '*' {
            let n = chars.next().expect("a count after *") as usize - 29;
            let last = out.chars().last().expect("a character before *");
            out.extend(std::iter::repeat_n(last, n));
        } else {
            out.push(c);
        }
    }
    out
}

/// The address of `name` in the ELF at `path`.
fn symbol(path: &Path, name: &str) -> u64 {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(path).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let sym = file.symbols().find(|s| s.name() == Ok(name));
    sym.unwrap_or_else(|| panic!("no {name} in {}", path.display())).address()
}

/// Garbage and malformed packets get answers or are ignored; the session still works; when
/// the client goes away mid-session, the guest runs on to its normal end.
#[test]
fn malformed_packets_and_a_vanishing_client_leave_the_vm_running() {
    let vm = Vm::start(&["run", "--mode", "hybrid", "--gdb", "0", target().to_str().unwrap()]);
    let mut s = TcpStream::connect(&vm.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // Noise between packets is skipped; a bad checksum is NAKed ("send it again"), not run.
    s.write_all(b"hello\x00\xff").unwrap();
    s.write_all(b"$g#00").unwrap();
    let mut nak = [0u8];
    s.read_exact(&mut nak).unwrap();
    assert_eq!(&nak, b"-", "a corrupt packet is NAKed");
    let unknown = packet(&mut s, "qNoSuchThing");
    assert!(unknown.contains("$#00"), "unknown packet answered empty: {unknown:?}");
    let bad = packet(&mut s, "mzz,qq");
    assert!(bad.contains("$E01"), "malformed m answered with an error: {bad:?}");
    // Still a working session: the registers come back (65 × 8 + 12 bytes, as hex).
    let regs = packet(&mut s, "g");
    let body = regs.split('$').nth(1).and_then(|r| r.split('#').next()).unwrap_or("");
    assert_eq!(unrle(body).len(), 2 * (65 * 8 + 12), "g reply: {regs:?}");
    // A breakpoint at main, continue, then vanish while the guest is stopped there.
    let main = symbol(&target(), "main");
    let set = packet(&mut s, &format!("Z0,{main:x},2"));
    assert!(set.contains("$OK"), "{set:?}");
    let stop = packet(&mut s, "c");
    assert!(stop.contains("$T05"), "stopped at the breakpoint: {stop:?}");
    drop(s);
    let (status, stdout, stderr) = vm.finish();
    assert_eq!((status, stdout.as_str()), (0, "value=6 r=42 counter=1\n"), "stderr: {stderr}");
    assert!(stderr.contains("the guest runs on without the debugger"), "{stderr}");
}

/// Ctrl-C stops a running guest (in compiled code) with SIGINT; `D` detaches and the guest
/// runs on to its end.
#[test]
fn ctrl_c_interrupts_and_detach_lets_the_guest_finish() {
    let long = common::repo().join("guests/bench/linux/intkernel.rv64");
    for mode in ["jit", "interp"] {
        let vm = Vm::start(&["run", "--mode", mode, "--gdb", "0", long.to_str().unwrap()]);
        let mut s = TcpStream::connect(&vm.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(b"$c#63").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        s.write_all(&[0x03]).unwrap();
        let stop = read_reply(&mut s);
        assert!(
            stop.contains("$S02") || stop.contains("$T02"),
            "--mode {mode}: Ctrl-C stops with SIGINT: {stop:?}"
        );
        let pc = packet(&mut s, "p20");
        assert!(!pc.contains("$E"), "--mode {mode}: pc readable after the interrupt: {pc:?}");
        s.write_all(b"$k#6b").unwrap();
        let (status, _, stderr) = vm.finish();
        assert_eq!(status, 137, "--mode {mode}: killed after the interrupt ({stderr})");
    }
    let vm = Vm::start(&["run", "--mode", "hybrid", "--gdb", "0", target().to_str().unwrap()]);
    let mut s = TcpStream::connect(&vm.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let main = symbol(&target(), "main");
    assert!(packet(&mut s, &format!("Z0,{main:x},2")).contains("$OK"));
    assert!(packet(&mut s, "c").contains("$T05"), "stopped at main");
    assert!(packet(&mut s, "D").contains("$OK"), "detached");
    let (status, stdout, stderr) = vm.finish();
    assert_eq!((status, stdout.as_str()), (0, "value=6 r=42 counter=1\n"), "stderr: {stderr}");
    assert!(stderr.contains("gdb detached; the guest runs on"), "{stderr}");
}

/// A fault stops the guest in gdb at the faulting instruction before the signal is delivered
/// (as under ptrace); continuing delivers it, and the unhandled SIGSEGV ends the guest.
#[test]
fn a_fault_stops_in_gdb_before_delivery_in_every_engine() {
    if !have_gdb() {
        return;
    }
    let crash = common::repo().join("guests/linux/bin/crash.rv64");
    let poke = symbol(&crash, "crash_poke");
    for mode in MODES {
        let vm = Vm::start(&["run", "--mode", mode, "--gdb", "0", crash.to_str().unwrap(), "segv"]);
        let out = gdb(&vm.addr, &crash, &["continue", "bt", "print/x $pc", "continue"]);
        let (status, stdout, _) = vm.finish();
        assert_has(&out, "Program received signal SIGSEGV, Segmentation fault.", mode);
        assert_has(&out, " in crash_poke ()\n#1  ", mode);
        assert_has(&out, " in main ()", mode);
        let pc = hex_values(&out)[0];
        assert!((poke..poke + 16).contains(&pc), "--mode {mode}: stopped at {pc:#x}, in crash_poke");
        assert_has(&out, "Program terminated with signal SIGSEGV, Segmentation fault.", mode);
        assert_eq!((status, stdout.as_str()), (139, "crashing: segv\n"), "--mode {mode}");
    }
}

/// A dynamic PIE: gdb relocates it from the auxiliary vector, finds ld.so and libc through the
/// dynamic linker's list, and stops in libc's `write` called from `main`.
#[test]
fn a_dynamic_pie_is_debugged_with_its_shared_libraries() {
    const SYSROOT: &str = "/usr/riscv64-linux-gnu";
    if !have_gdb() {
        return;
    }
    if !Path::new(SYSROOT).join("lib/libc.so.6").exists() {
        assert!(std::env::var_os("CI").is_none(), "{SYSROOT} missing in CI (libc6-dev-riscv64-cross)");
        eprintln!("SKIP: {SYSROOT} is not installed");
        return;
    }
    let prog = common::repo().join("guests/linux/bin/hello.dyn.rv64");
    let vm = Vm::start(&["run", "-L", SYSROOT, "--mode", "hybrid", "--gdb", "0", prog.to_str().unwrap()]);
    let mut cmd = Command::new("timeout");
    cmd.args([
        "-s",
        "KILL",
        "120",
        "gdb-multiarch",
        "-batch",
        "-nx",
        "-ex",
        &format!("set sysroot {SYSROOT}"),
    ]);
    cmd.args(["-ex", &format!("file {}", prog.display()), "-ex", &format!("target remote {}", vm.addr)]);
    for c in [
        "break main",
        "continue",
        "info sharedlibrary",
        "break write",
        "continue",
        "bt",
        "delete",
        "continue",
    ] {
        cmd.args(["-ex", c]);
    }
    let out = cmd.output().unwrap();
    let out = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let (status, stdout, _) = vm.finish();
    // Relocated: main's link-time address (+ its prologue) plus the load bias.
    let main = symbol(&prog, "main");
    let hit = out.lines().find(|l| l.starts_with("Breakpoint 1, 0x") && l.ends_with(" in main ()"));
    let at = hit.and_then(|l| u64::from_str_radix(&l[16..32], 16).ok());
    assert!(
        at.is_some_and(|a| a > main + 4096 && (a - main) % 4096 < 64),
        "stopped in relocated main:
    {out}"
    );
    assert_has(&out, "/lib/libc.so.6", "dynamic");
    assert_has(&out, "in write () from /usr/riscv64-linux-gnu/lib/libc.so.6", "dynamic");
    assert!(out.lines().any(|l| l.starts_with('#') && l.contains(" in main ()")), "bt reaches main:\n{out}");
    assert_has(&out, "[Inferior 1 (process 1) exited normally]", "dynamic");
    assert_eq!(status, 0);
    assert!(stdout.starts_with("hello from rv64 linux\n"), "{stdout}");
}

/// `hbreak`, a read watchpoint, and the FP registers (fcsr, frm, ft0, a write to fa0).
#[test]
fn hbreak_rwatch_and_fp_registers_work_in_every_engine() {
    if !have_gdb() {
        return;
    }
    for mode in MODES {
        let vm = Vm::start(&["run", "--mode", mode, "--gdb", "0", target().to_str().unwrap()]);
        let script = [
            "hbreak middle",
            "continue",
            "rwatch counter",
            "continue",
            "info registers fcsr frm",
            "set $fa0 = 2.5",
            "print $fa0.double",
            "delete",
            "continue",
        ];
        let out = gdb(&vm.addr, &target(), &script);
        let (status, stdout, _) = vm.finish();
        assert_has(&out, "Hardware assisted breakpoint 1 at", mode);
        assert_has(&out, "Breakpoint 1, middle (x=6) at ./gdbtarget.c:16", mode);
        assert_has(&out, "Hardware read watchpoint 2: counter\n\nValue = 0", mode);
        assert_has(&out, "in leaf (x=6) at ./gdbtarget.c:11", mode);
        assert!(out.lines().any(|l| l.starts_with("fcsr ") && l.contains("FRM:0")), "--mode {mode}:\n{out}");
        assert_has(&out, "$1 = 2.5", mode);
        assert_eq!((status, stdout.as_str()), (0, "value=6 r=42 counter=1\n"), "--mode {mode}");
    }
}

/// A guest that forks and execs under gdb: gdb follows the parent (its default), the children
/// run undebugged without touching the session, and the output is that of a plain run.
#[test]
fn a_forking_guest_keeps_its_session_with_the_parent() {
    if !have_gdb() {
        return;
    }
    let prog = common::repo().join("guests/linux/bin/forkexec.rv64");
    let plain = Command::new(VM).args(["run", prog.to_str().unwrap()]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(plain.status.code(), Some(0));
    let vm = Vm::start(&["run", "--mode", "hybrid", "--gdb", "0", prog.to_str().unwrap()]);
    let out = gdb(&vm.addr, &prog, &["break main", "continue", "continue"]);
    let (status, stdout, stderr) = vm.finish();
    assert_has(&out, "Breakpoint 1, ", "fork");
    assert_has(&out, "[Inferior 1 (process 1) exited normally]", "fork");
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(stdout, String::from_utf8_lossy(&plain.stdout), "output under gdb = plain run");
    assert!(!stderr.contains("connection lost"), "{stderr}");
}
