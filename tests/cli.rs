//! The `microreg` command line: output shapes, exit statuses, bad input.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the CLI on the memory backend; a command that has not ended after 30 s
/// is killed and fails the test instead of hanging it.
fn microreg(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_microreg"))
        .args(["--backend", "memory"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("microreg runs");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("microreg {args:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn bad_input_is_one_line_and_a_failure_status() {
    for args in [
        &["get", "nobody"][..],
        &["register", "svc", "--address", "no-port"],
        &["register", "", "--address", "10.0.0.1:80"],
        &["--domain", "", "list"],
        &[
            "--domain",
            "*",
            "register",
            "svc",
            "--address",
            "10.0.0.1:80",
        ],
    ] {
        let out = microreg(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("microreg: "), "{args:?}: {stderr}");
    }
    let out = microreg(&["get", "nobody"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("microreg: service not found ("),
        "{stderr}"
    );
}

#[test]
fn the_memory_backend_says_it_sees_only_this_process() {
    // A command is a process of its own: the memory backend cannot show what
    // other processes registered, and must say so rather than show nothing.
    for args in [&["list"][..], &["get", "nobody"], &["browse", "--once"]] {
        let out = microreg(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("memory backend keeps registrations inside one process")
                && stderr.contains("--backend mdns"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn usage_errors_name_the_problem() {
    let out = microreg(&[
        "register",
        "svc",
        "--address",
        "10.0.0.1:80",
        "--ttl",
        "soon",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ttl"));
    let out = Command::new(env!("CARGO_BIN_EXE_microreg"))
        .args(["--backend", "zookeeper", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown backend"));
}

#[test]
fn list_and_browse_print_tables_or_json() {
    let out = microreg(&["list"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("SERVICE"));
    let out = microreg(&["--json", "browse", "--once"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn register_holds_the_node_until_terminated_then_deregisters() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_microreg"))
        .args([
            "--backend",
            "memory",
            "--json",
            "register",
            "greeter",
            "--address",
            "[fd00::1]:8080",
            "--version",
            "1.2.3",
            "--meta",
            "team=core",
            "--ttl",
            "2s",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let service = microreg::Service::from_json(&first_line).unwrap();
    assert_eq!(service.name, "greeter");
    assert_eq!(service.version, "1.2.3");
    assert!(service.nodes[0].id.starts_with("greeter-"));
    assert_eq!(service.nodes[0].metadata["team"], "core");

    // SIGTERM: the command deregisters and exits cleanly.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
}
