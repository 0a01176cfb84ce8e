//! The mDNS scenarios of the benchmark report (issue 12): microreg's mDNS
//! backend beside mdns-sd, go-micro, python-zeroconf and avahi on test hosts.
//! Each scenario writes one JSON file in the report's schema (see report.rs);
//! mk/report-scale.mk runs them (`make report-scaling` etc., QUICK=1 for a short run).
//!
//!   mdns_report scaling|loss|hosts --out FILE [--quick]
//!       inside tests/netns/isolated; each peer's part runs as a job in a
//!       private namespace of its own (tests/netns/isolated again), so that
//!       concurrent parts never share a LAN.
//!   mdns_report job SPEC       one part (SPEC: JSON), prints `result JSON`
//!   mdns_report serve MODE [never|default] / observe MODE [SERVICE [lookup]]
//!       the Rust peers (microreg, mdns-sd), see examples/mdns_roles

#[allow(dead_code)] // examples/mdns_bench.rs uses the rest
#[path = "../mdns_roles/mod.rs"]
mod roles;

mod hosts;
mod loss;
mod peers;
mod report;
mod scaling;

use serde_json::Value;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(1) {
        "serve" => {
            let ttl = match arg(3) {
                "default" => microreg::Ttl::Default,
                _ => microreg::Ttl::Never,
            };
            roles::serve(arg(2), ttl)
        }
        "observe" => roles::observe(arg(2), args.get(3).map(String::as_str), arg(4) == "lookup"),
        "job" => {
            let spec: Value = serde_json::from_str(arg(2)).expect("job SPEC: JSON");
            let result = match spec["kind"].as_str() {
                Some("seen") => scaling::seen_job(&spec),
                Some("idle") => scaling::idle_job(&spec),
                Some("loss") => loss::job(&spec),
                Some("hosts") => hosts::job(&spec),
                other => panic!("unknown job kind {other:?}"),
            };
            roles::hosts_down();
            println!("result {result}");
        }
        scenario @ ("scaling" | "loss" | "hosts") => {
            assert_eq!(
                std::env::var("MICROREG_ISOLATED").as_deref(),
                Ok("1"),
                "run me inside tests/netns/isolated (make report-{scenario})"
            );
            let mut out = None;
            let mut quick = !matches!(std::env::var("QUICK").as_deref(), Err(_) | Ok("" | "0"));
            let mut rest = args[2..].iter();
            while let Some(a) = rest.next() {
                match a.as_str() {
                    "--out" => out = rest.next().cloned(),
                    "--quick" => quick = true,
                    other => panic!("unknown option {other}"),
                }
            }
            let out = out.expect("--out FILE");
            let started = report::Started::now();
            let body = match scenario {
                "scaling" => scaling::run(quick),
                "loss" => loss::run(quick),
                _ => hosts::run(quick),
            };
            report::write(&out, scenario, quick, &started, body);
        }
        _ => {
            eprintln!("usage: mdns_report scaling|loss|hosts --out FILE [--quick]");
            std::process::exit(2);
        }
    }
}
