//! The CLI on the etcd backend, end to end, against a throwaway etcd.
#![cfg(feature = "etcd")]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::etcd::EtcdServer;

fn microreg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_microreg"))
        .args(args)
        .env_remove("MICRO_REGISTRY")
        .env_remove("MICRO_REGISTRY_ADDRESS")
        .output()
        .unwrap()
}

#[test]
fn register_get_list_and_deregister_through_the_cli() {
    let server = EtcdServer::start();
    let endpoint = server.endpoint();
    let mut registrant = Command::new(env!("CARGO_BIN_EXE_microreg"))
        .args(["--backend", "etcd", "--registry-address", &endpoint])
        .args([
            "register",
            "greeter",
            "--address",
            "10.0.0.5:8080",
            "--id",
            "greeter-1",
        ])
        .args(["--meta", "zone=a", "--ttl", "5s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(registrant.stdout.as_mut().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    assert!(first_line.contains("registered"), "{first_line:?}");

    // go-micro's key, readable by etcdctl.
    let raw = server
        .ctl(&[
            "get",
            "--print-value-only",
            "/micro/registry/greeter/greeter-1",
        ])
        .unwrap();
    assert!(raw.contains(r#""address":"10.0.0.5:8080""#), "{raw}");

    // go-micro's flag spelling works too.
    let got = microreg(&[
        "--backend",
        "etcd",
        "--registry_address",
        &endpoint,
        "--json",
        "get",
        "greeter",
    ]);
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    let text = String::from_utf8_lossy(&got.stdout);
    assert!(
        text.contains("greeter-1") && text.contains(r#""zone":"a""#),
        "{text}"
    );
    let listed = microreg(&["--backend", "etcd", "--registry-address", &endpoint, "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("greeter"));

    // SIGTERM: the registrant deregisters before it exits.
    assert!(Command::new("kill")
        .args(["-TERM", &registrant.id().to_string()])
        .status()
        .unwrap()
        .success());
    assert!(registrant.wait().unwrap().success());
    assert_eq!(
        server
            .ctl(&["get", "--prefix", "--keys-only", "/micro/registry/"])
            .unwrap()
            .trim(),
        ""
    );
    let gone = microreg(&[
        "--backend",
        "etcd",
        "--registry-address",
        &endpoint,
        "get",
        "greeter",
    ]);
    assert!(!gone.status.success());
}

#[test]
fn an_unreachable_etcd_is_one_clear_line_and_status_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let out = microreg(&[
        "--backend",
        "etcd",
        "--registry-address",
        &address,
        "--timeout",
        "1s",
        "list",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("microreg: ") && stderr.contains(&address),
        "{stderr}"
    );
    // Not a hang (generous bound: a loaded machine is slow, a hang is forever).
    assert!(started.elapsed() < Duration::from_secs(60));
}
