//! Signed announcements under sustained forgery: 1,000 signed nodes on test
//! host 1, two observers with the key on host 2 (`require_signed`, and
//! marking), a forger on host 3 for 10 minutes (see tests/support/sign_soak.rs).
//! Prints the forgeries sent, what the observers' views showed, the signed
//! forgeries refused and the false rejects. Run with `make soak-sign`
//! (release build, inside tests/netns/isolated).
//!
//! ```text
//! mdns_sign_soak [--nodes 1000] [--seconds 600] [--rate 50]
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a number"))
    };
    let (nodes, seconds, rate) = (
        arg("--nodes", 1000),
        arg("--seconds", 600),
        arg("--rate", 50),
    );
    let hosts = support::hosts::bench_hosts(3, "soak-sign");
    let figures = support::sign_soak::run(nodes as usize, seconds, rate);
    drop(hosts);
    print!("{}", figures.report());
    let clean = ["strict", "marking"].iter().all(|o| {
        let (refused, sent) = figures.signed_forgeries_refused(o);
        figures.samples[o].deviations() == 0 && figures.false_rejects(o) == 0 && refused == sent
    });
    println!(
        "target: 100 % of forgeries without effect and refused, 0 false rejects: {}",
        if clean { "met" } else { "NOT met" }
    );
}
