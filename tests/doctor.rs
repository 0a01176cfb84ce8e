//! `microreg doctor` on the test hosts: a healthy LAN, a host whose firewall
//! drops multicast, and a host whose interface has multicast switched off.
//! Runs inside `tests/netns/isolated`:
//! `tests/netns/isolated cargo test --offline --test doctor`.

mod support;

use std::process::Command;

use serde_json::Value;
use support::hosts::{hosts, TestProcess};

const BIN: &str = env!("CARGO_BIN_EXE_microreg");

fn doctor(host: u32) -> Value {
    let out = TestProcess::run(host, &[BIN, "--json", "doctor", "--listen", "2s"]);
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn on_host(host: u32, command: &str) -> bool {
    let mut args = vec!["exec".to_string(), host.to_string()];
    args.extend(command.split(' ').map(str::to_string));
    Command::new(support::hosts::root().join("tests/netns/hosts"))
        .args(&args)
        .status()
        .is_ok_and(|s| s.success())
}

fn interface(report: &Value, name: &str) -> Value {
    report["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no {name}: {report}"))
        .clone()
}

fn cause(report: &Value) -> String {
    report["likely_cause"].as_str().unwrap().to_string()
}

#[test]
fn doctor_tells_a_working_lan_from_blocked_multicast() {
    let _turn = hosts();
    let _peer = TestProcess::start(
        2,
        &[BIN, "register", "greeter", "--address", "10.77.0.2:8080"],
    );
    let _ = _peer.line(std::time::Duration::from_secs(20)); // registered

    // Healthy: mr0 used, group joined, our announcement back, host 2 heard.
    let report = doctor(1);
    let mr0 = interface(&report, "mr0");
    assert_eq!(mr0["used"], true, "{report}");
    assert!(mr0["groups_joined"]
        .as_array()
        .unwrap()
        .contains(&"224.0.0.251".into()));
    assert_eq!(report["own_announcement_returned"], true, "{report}");
    let peer = report["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["address"] == "10.77.0.2")
        .unwrap_or_else(|| panic!("host 2 not heard: {report}"))
        .clone();
    assert!(peer["gomicro_domains"]
        .as_array()
        .unwrap()
        .contains(&"micro".into()));
    let looks_like = peer["looks_like"].as_array().unwrap();
    assert!(looks_like.contains(&"microreg".into()), "{report}");
    assert!(cause(&report).starts_with("none"), "{report}");
    assert!(report["counters"]["packets_received"].as_u64().unwrap() > 0);

    // The multicast flag off: the interface is not used, and doctor says why.
    assert!(on_host(3, "ip link set mr0 multicast off"));
    let report = doctor(3);
    assert!(on_host(3, "ip link set mr0 multicast on"));
    let mr0 = interface(&report, "mr0");
    assert_eq!(mr0["used"], false, "{report}");
    assert!(
        mr0["reason"].as_str().unwrap().contains("MULTICAST"),
        "{report}"
    );
    assert!(report["backend_error"].is_string(), "{report}");
    assert!(cause(&report).contains("mr0"), "{report}");

    // A firewall that drops multicast: our announcement never comes back.
    let drop = "-d 224.0.0.251 -j DROP";
    if on_host(3, &format!("iptables -A OUTPUT -o mr0 {drop}")) {
        let report = doctor(3);
        on_host(3, &format!("iptables -D OUTPUT -o mr0 {drop}"));
        assert_eq!(report["own_announcement_returned"], false, "{report}");
        assert!(cause(&report).contains("firewall"), "{report}");
    } else {
        println!("SKIP firewall case: iptables is not installed");
    }
}
