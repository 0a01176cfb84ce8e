//! examples/mdns_peer serve on a test host, driven line by line: the
//! observer of the multi-host mDNS tests.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::hosts::{example, TestProcess};

/// How long an observer may take to answer, or a lookup to succeed.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// examples/mdns_peer serve on a host: answers `get` and `stats` on stdin.
pub struct Observer(pub TestProcess);

impl Observer {
    pub fn start(host: u32, dialect: &str) -> Observer {
        Self::start_with(host, dialect, &[])
    }

    pub fn start_with(host: u32, dialect: &str, options: &[&str]) -> Observer {
        let mut program = vec![
            example("mdns_peer").display().to_string(),
            "--dialect".into(),
            dialect.into(),
        ];
        program.extend(options.iter().map(|o| o.to_string()));
        program.push("serve".into());
        let observer = Observer(TestProcess::start_with_stdin(host, &program));
        assert_eq!(observer.0.line(PATIENCE), "serving");
        observer
    }

    pub fn ask(&mut self, line: &str) -> Value {
        self.0.send(line);
        let reply = self.0.line(PATIENCE);
        serde_json::from_str(&reply).unwrap_or_else(|e| panic!("{e}: {reply}"))
    }

    /// Looks `name` up until it is found or `PATIENCE` passes.
    pub fn found_within_patience(&mut self, name: &str, domain: &str) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.ask(&format!("get {name} {domain}"))["ok"] == true {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    pub fn stats(&mut self) -> Value {
        self.ask("stats")
    }

    /// (id, address, marked unsigned) of the nodes of `service` in view.
    pub fn nodes(&mut self, service: &str) -> Vec<(String, String, bool)> {
        node_views(&self.ask(&format!("get {service}")))
    }
}

/// (id, address, marked unsigned) of the nodes in a `get` reply.
pub fn node_views(reply: &Value) -> Vec<(String, String, bool)> {
    reply["services"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["nodes"].as_array().cloned().unwrap_or_default())
        .map(|n| {
            (
                n["id"].as_str().unwrap_or_default().to_string(),
                n["address"].as_str().unwrap_or_default().to_string(),
                n["metadata"].get("microreg.unsigned").is_some(),
            )
        })
        .collect()
}
