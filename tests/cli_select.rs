//! `microreg select`: its errors (the memory backend is per process, so a CLI
//! process finds nothing there; selecting over mdns across hosts is in
//! tests/select/two_hosts.sh).

use std::process::Command;

fn select(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_microreg"))
        .args(["--backend", "memory", "select"])
        .args(args)
        .output()
        .expect("run microreg");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn errors_are_one_clear_line_and_an_exit_status() {
    let (status, stderr) = select(&["nobody"]);
    assert_eq!(status, 1);
    assert_eq!(
        stderr.trim(),
        r#"microreg: not found: no node serves "nobody" in domain "micro""#
    );
    let (status, stderr) = select(&[""]);
    assert_eq!(
        (status, stderr.trim()),
        (1, "microreg: invalid argument: service name is empty")
    );
    let (status, stderr) = select(&["x", "--version", ">=banana"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("is not a semver range"), "{stderr}");
    // Usage errors: status 2.
    let (status, stderr) = select(&["x", "--strategy", "fastest"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("unknown selection strategy"), "{stderr}");
    let (status, _) = select(&["x", "--label", "novalue"]);
    assert_eq!(status, 2);
    let (status, _) = select(&["x", "--count", "0"]);
    assert_eq!(status, 2);
}
