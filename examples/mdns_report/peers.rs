//! The registries the report compares, each in its normal configuration, and
//! how to start its publisher and observer (line protocol: examples/mdns_roles).

/// One registry under test.
#[derive(Clone, Debug)]
pub struct Peer {
    /// Its label in the report.
    pub label: &'static str,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    /// This program's own roles: a microreg mode, or `mdns-sd`.
    Rust(&'static str),
    /// microreg registering without a TTL (nodes re-announced at half their
    /// 120 s record TTL): a second row of the idle figures.
    MicroregNoTtl,
    /// tests/interop/gomicro, built (MICROREG_GOMICRO_PEER).
    GoMicro(String),
    /// tests/interop/zeroconf under the venv's python (MICROREG_ZEROCONF_PYTHON).
    Zeroconf(String),
    /// tests/interop/avahi/bench.py (MICROREG_AVAHI=1).
    Avahi,
}

impl Peer {
    /// Every peer available here: microreg and mdns-sd always, the others when
    /// the environment names them (mk/report-scale.mk does).
    pub fn available() -> Vec<Peer> {
        let mut peers = vec![
            Peer {
                label: "microreg",
                kind: Kind::Rust("microreg"),
            },
            Peer {
                label: "mdns-sd",
                kind: Kind::Rust("mdns-sd"),
            },
        ];
        if let Ok(path) = std::env::var("MICROREG_GOMICRO_PEER") {
            peers.push(Peer {
                label: "go-micro",
                kind: Kind::GoMicro(path),
            });
        }
        if let Ok(python) = std::env::var("MICROREG_ZEROCONF_PYTHON") {
            peers.push(Peer {
                label: "python-zeroconf",
                kind: Kind::Zeroconf(python),
            });
        }
        if std::env::var("MICROREG_AVAHI").as_deref() == Ok("1") {
            peers.push(Peer {
                label: "avahi",
                kind: Kind::Avahi,
            });
        }
        peers
    }

    /// The peer a job's spec names (`"peer"`), or the job's error result.
    pub fn of_job(spec: &serde_json::Value) -> Result<Peer, serde_json::Value> {
        let label = spec["peer"].as_str().unwrap_or_default();
        Peer::available()
            .into_iter()
            .chain([Peer::microreg_no_ttl()])
            .find(|p| p.label == label)
            .ok_or_else(|| serde_json::json!({"error": format!("peer {label} is not available")}))
    }

    /// The report's "peers": each label with its configuration.
    pub fn configurations(peers: &[Peer]) -> serde_json::Value {
        peers
            .iter()
            .map(|p| (p.label.to_string(), serde_json::json!(p.configuration())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// The publisher's command line on the host with address `ip`.
    pub fn publisher(&self, ip: &str) -> Vec<String> {
        let exe = std::env::current_exe().unwrap();
        let exe = exe.to_string_lossy();
        match &self.kind {
            // microreg registers with its default TTL, as an application does.
            Kind::Rust(mode) => argv(&[&exe, "serve", mode, "default"]),
            Kind::MicroregNoTtl => argv(&[&exe, "serve", "microreg", "never"]),
            Kind::GoMicro(path) => argv(&[path, "bench-serve", ip]),
            Kind::Zeroconf(python) => {
                argv(&[python, "tests/interop/zeroconf/peer.py", "bench-serve", ip])
            }
            Kind::Avahi => argv(&["python3", "tests/interop/avahi/bench.py", "serve", ip]),
        }
    }

    /// The observer's command line.
    pub fn observer(&self) -> Vec<String> {
        let exe = std::env::current_exe().unwrap();
        let exe = exe.to_string_lossy();
        match &self.kind {
            Kind::Rust(mode) => argv(&[&exe, "observe", mode]),
            Kind::MicroregNoTtl => argv(&[&exe, "observe", "microreg"]),
            Kind::GoMicro(path) => argv(&[path, "bench-observe"]),
            Kind::Zeroconf(python) => {
                argv(&[python, "tests/interop/zeroconf/peer.py", "bench-observe"])
            }
            Kind::Avahi => argv(&["python3", "tests/interop/avahi/bench.py", "observe"]),
        }
    }

    /// The command line of an observer that wants one service (microreg
    /// watches that name; the others browse their one service type anyway).
    pub fn observer_of(&self, service: &str) -> Vec<String> {
        let mut argv = self.observer();
        if matches!(self.kind, Kind::Rust("microreg") | Kind::MicroregNoTtl) {
            argv.push(service.to_string());
        }
        argv
    }

    /// microreg's observer of one service that also looks it up once as it
    /// starts (get_service, then watch), or None for the other peers.
    pub fn looking_observer_of(&self, service: &str) -> Option<Vec<String>> {
        matches!(self.kind, Kind::Rust("microreg")).then(|| {
            let mut argv = self.observer_of(service);
            argv.push("lookup".into());
            argv
        })
    }

    /// Its configuration, for the report.
    pub fn configuration(&self) -> String {
        match &self.kind {
            Kind::Rust("mdns-sd") => format!(
                "mdns-sd {} (Cargo.lock) used directly: ServiceDaemon::new() defaults \
                 (IPv4 and IPv6, every interface), one ServiceInfo per node under {}, host records \
                 TTL 120 s, others 4500 s; observer: ServiceDaemon::browse, a node counts as seen \
                 at ServiceResolved.",
                mdns_sd_version(),
                crate::roles::MDNS_SD_TYPE
            ),
            Kind::Rust(_) => format!(
                "microreg {} mdns backend with its defaults: both dialects (go-micro's and \
                 DNS-SD), every interface; nodes registered with the default register TTL (90 s, \
                 refreshed at TTL/3) in one Client::register; observer: Client::watch.",
                env!("CARGO_PKG_VERSION")
            ),
            Kind::MicroregNoTtl => "microreg as above, but its nodes registered without a TTL \
                 (Ttl::Never: kept until deregistered, re-announced every 54-60 s, half the 120 s \
                 record TTL), as `make bench-mdns` measures."
                .into(),
            Kind::GoMicro(_) => "go-micro v5.30.0 registry.NewMDNSRegistry() with its defaults \
                 (one mDNS server per node, records TTL 120 s, never re-announced, answered when \
                 asked); one Register call with all nodes; observer: registry Watch() (listens to \
                 announcements; reports a delete only on a goodbye, never on expiry)."
                .into(),
            Kind::Zeroconf(_) => format!(
                "python-zeroconf {} AsyncZeroconf, IPv4 on the host's interface, defaults \
                 (host records TTL 120 s, others 4500 s; each instance probed then announced), \
                 all instances registered concurrently; observer: AsyncServiceBrowser, a node \
                 counts as seen once AsyncServiceInfo resolves it.",
                zeroconf_version()
            ),
            Kind::Avahi => format!(
                "avahi-daemon {} with its defaults except IPv4 only on the host's interface and no \
                 workstation/hinfo records; nodes are static service files (one per instance) \
                 loaded by a reload (SIGHUP); observer: a second avahi-daemon with avahi-browse -r, \
                 seen when resolved.",
                avahi_version()
            ),
        }
    }

    /// Whether its observer drops a node that died without a goodbye once
    /// its TTL has run out (the "still expires dead nodes").
    pub fn expires_dead_nodes(&self) -> bool {
        !matches!(self.kind, Kind::GoMicro(_))
    }

    /// How long its observer keeps a node that died without a goodbye, by
    /// the TTLs it uses by default.
    pub fn expiry(&self) -> &'static str {
        match self.kind {
            Kind::Rust("mdns-sd") | Kind::Zeroconf(_) | Kind::Avahi => {
                "up to 75 min (PTR/TXT TTL 4500 s; SRV/A 120 s)"
            }
            Kind::Rust(_) => "90 s (registry TTL)",
            Kind::MicroregNoTtl => "120 s (record TTL)",
            Kind::GoMicro(_) => "never (Watch reports goodbyes only)",
        }
    }

    /// microreg without a TTL, for the idle figures beside the default.
    pub fn microreg_no_ttl() -> Peer {
        Peer {
            label: "microreg (no TTL)",
            kind: Kind::MicroregNoTtl,
        }
    }
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn mdns_sd_version() -> String {
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"mdns-sd\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = ")) {
                return v.trim_matches('"').to_string();
            }
        }
    }
    "0.21".into()
}

fn zeroconf_version() -> String {
    std::fs::read_to_string("tests/interop/zeroconf/requirements.txt")
        .ok()
        .and_then(|r| {
            r.lines()
                .find_map(|l| l.strip_prefix("zeroconf==").map(str::to_string))
        })
        .unwrap_or_default()
}

fn avahi_version() -> String {
    std::process::Command::new("avahi-daemon")
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .trim_start_matches("avahi-daemon ")
                .to_string()
        })
        .unwrap_or_default()
}
