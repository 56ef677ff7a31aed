//! `vm run --profile FILE`: a real guest (guests/linux/bin/qsort.rv64) profiled on every
//! engine gives a flame graph SVG naming its hot functions, with one sample per interval of
//! retired instructions; an unwritable path is a clear error before the guest runs.

use std::process::Command;

/// The repository root.
fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vm"))
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("vm-profile-{}-{name}", std::process::id()))
}

/// The sample count the SVG's subtitle states ("N samples, one every …").
fn samples_in(svg: &str) -> u64 {
    let end = svg.find(" samples, one every").expect("subtitle");
    let start = svg[..end].rfind('>').expect("subtitle element") + 1;
    svg[start..end].parse().unwrap()
}

#[test]
fn profiles_qsort_on_every_engine() {
    let interval = 20_000u64;
    for mode in ["interp", "jit", "hybrid"] {
        let (svg_path, json) = (temp(&format!("qsort-{mode}.svg")), temp(&format!("qsort-{mode}.json")));
        let out = vm()
            .args(["run", "--mode", mode, "--profile-interval", &interval.to_string(), "--profile"])
            .arg(&svg_path)
            .arg("--stats-json")
            .arg(&json)
            .arg(repo().join("guests/linux/bin/qsort.rv64"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{mode}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("vm: profile: ") && stderr.contains("written to"), "{mode}: {stderr}");
        let svg = std::fs::read_to_string(&svg_path).unwrap();
        let stats: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        std::fs::remove_file(&svg_path).unwrap();
        std::fs::remove_file(&json).unwrap();
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{mode}"
        );
        assert!(svg.contains("qsort.rv64") && svg.contains(&format!("one every {interval} guest")), "{mode}");
        // The merge sort glibc's qsort uses, main, and the comparison functions it calls.
        for f in ["main", "msort_with_tmp", "cmp_u32", "cmp_dbl", "cmp_str"] {
            assert!(svg.contains(f), "{mode}: no {f} in the flame graph");
        }
        // The merge sort dominates: its biggest frame covers more than a third of the samples.
        let n = svg
            .split("<title>msort_with_tmp.part.0 (")
            .skip(1)
            .map(|t| t.split(' ').next().unwrap().replace(',', "").parse::<u64>().unwrap())
            .max()
            .expect("msort frame");
        let total = samples_in(&svg);
        let insns = stats["guest_insns"].as_u64().unwrap();
        assert_eq!(total, insns / interval, "{mode}: {total} samples for {insns} instructions");
        assert!(n * 3 > total, "{mode}: msort has {n} of {total} samples");
    }
}

#[test]
fn unwritable_profile_path_fails_before_the_guest_runs() {
    let bad = std::path::Path::new("/nonexistent-dir/out.svg");
    let out = vm()
        .args(["run", "--profile"])
        .arg(bad)
        .arg(repo().join("guests/linux/bin/hello.rv64"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent-dir/out.svg") && stderr.contains("--profile"), "{stderr}");
    // Nothing of the guest ran: hello.rv64 prints on stdout.
    assert!(out.stdout.is_empty(), "{out:?}");
}

#[test]
fn a_forked_child_does_not_write_the_profile() {
    // forkexec.rv64 forks children that exit before the parent: the file is the parent's, so
    // written once, after the children have gone, and says "vm: profile" once.
    let svg = temp("forkexec.svg");
    let out = vm()
        .args(["run", "--profile-interval", "1000", "--profile"])
        .arg(&svg)
        .arg(repo().join("guests/linux/bin/forkexec.rv64"))
        .current_dir(repo().join("guests/linux"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("vm: profile: ").count(), 1, "{stderr}");
    let text = std::fs::read_to_string(&svg).unwrap();
    std::fs::remove_file(&svg).unwrap();
    assert!(text.trim_end().ends_with("</svg>"));
}
