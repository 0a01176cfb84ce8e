//! A bounded mDNS flood, for the flood tests and benchmark: what a hostile host
//! on the LAN sends. Run it only on a test host inside tests/netns/isolated (it
//! multicasts to 224.0.0.251:5353 and nowhere else).
//!
//! ```text
//! mdns_flood --rate 20000 --seconds 10 [--kinds malformed,gomicro,dnssd,bombs]
//!            [--domains 1] [--ttl 2147483647] [--interface 10.77.0.3]
//! ```
//! Kinds: `malformed` (random bytes), `gomicro` (fake go-micro nodes, each
//! with a new id and service name), `dnssd` (fake DNS-SD instances of
//! `_<domain>._tcp.local.`), `dnssd-burst` (35 of those in one datagram, within the 8966 bytes mdns-sd reads), `bombs` (one datagram, 20 TXT payloads that each
//! inflate to nearly 1 MiB), `pointers` (one datagram, 400 pointers to unknown
//! instances). `--domains N` spreads fakes over N domains (`d0`…). Prints the
//! number of datagrams sent.
//!
//! `mdns_flood query NAME --from IP [--edns]` instead sends one go-micro PTR
//! question for `NAME.micro.` from address IP (one the host was given, possibly
//! off-link: a forged source), listens for the unicast answers until they stop
//! (half a second of quiet, 5 s at most) and prints `<datagrams> <bytes>`.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

use clap::Parser;
use hickory_proto::op::{Message, MessageType, OpCode};
use hickory_proto::rr::rdata::{A, PTR, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record};
use microreg::backend::mdns::gomicro_names;
use microreg::backend::mdns::gomicro_records::EntryRecords;
use microreg::backend::mdns::gomicro_txt::{encode, GoMicroTxt};

/// Most datagrams a run may send, whatever the arguments say.
const MAX_DATAGRAMS: u64 = 1_000_000;
const MAX_SECONDS: u64 = 60;
/// DNS-SD instances in one `dnssd-burst` datagram: mdns-sd reports each
/// (found, resolved) at once, more than a browse's event queue holds.
const BURST: usize = 35;
/// Distinct fakes per kind at most (then they repeat).
const POOL: usize = 50_000;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    query: Option<QueryCommand>,
    /// Datagrams per second.
    #[arg(long, default_value_t = 5000)]
    rate: u64,
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    #[arg(long, default_value = "malformed,gomicro,dnssd")]
    kinds: String,
    #[arg(long, default_value_t = 1)]
    domains: usize,
    /// Record TTL the fakes claim.
    #[arg(long, default_value_t = i32::MAX as u32)]
    ttl: u32,
    /// IPv4 address of the interface to multicast on.
    #[arg(long)]
    interface: Option<Ipv4Addr>,
    /// Write one datagram of each kind (and a query) into this directory and
    /// exit, sending nothing: seeds for the packet fuzz target.
    #[arg(long)]
    dump: Option<std::path::PathBuf>,
}

#[derive(clap::Subcommand)]
enum QueryCommand {
    /// One question from `from`, then count the answers for a second.
    Query {
        name: String,
        #[arg(long)]
        from: Ipv4Addr,
        /// Offer a large payload (EDNS(0)), as microreg's querier does.
        #[arg(long)]
        edns: bool,
    },
    /// One forged go-micro announcement (or goodbye with `--ttl 0`) of node
    /// `id` of `service`, signed with `--key` if given (an attacker's key, or
    /// the registry's, to build a valid record), made `--age-ms` ago; with
    /// `--dnssd`, the same as a DNS-SD instance (which carries no signature).
    Forge {
        #[arg(long)]
        service: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        address: Ipv4Addr,
        #[arg(long, default_value_t = 666)]
        port: u16,
        #[arg(long, default_value_t = 120)]
        ttl: u32,
        #[arg(long)]
        key: Option<String>,
        /// Sign as if `age_ms` milliseconds ago (negative: in the future).
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        age_ms: i64,
        #[arg(long)]
        dnssd: bool,
    },
    /// Forgeries against nodes `<id>-<i>` (i < `nodes`) of `service` at
    /// `address`, `rate` a second for `seconds`, round-robin: go-micro
    /// goodbyes, hijacks and extra nodes, unsigned and signed with
    /// `attacker_key`; the same three over DNS-SD; and replays of the
    /// publisher's own announcements (captured off the wire) once they are
    /// older than the freshness window. Prints a JSON summary of what it sent.
    Forgeries {
        #[arg(long)]
        service: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        nodes: usize,
        #[arg(long)]
        address: Ipv4Addr,
        #[arg(long, default_value_t = 8080)]
        port: u16,
        #[arg(long, default_value_t = 50)]
        rate: u64,
        #[arg(long)]
        seconds: u64,
        #[arg(long)]
        attacker_key: String,
    },
    /// Captures the next announcement that names `id` and multicasts it
    /// again `delay_ms` later (a replay).
    Replay {
        #[arg(long)]
        id: String,
        #[arg(long, default_value_t = 0)]
        delay_ms: u64,
    },
}

fn main() {
    let cli = Cli::parse();
    match &cli.query {
        Some(QueryCommand::Query { name, from, edns }) => {
            return query(name, *from, *edns, cli.interface)
        }
        Some(QueryCommand::Forge {
            service,
            id,
            address,
            port,
            ttl,
            key,
            age_ms,
            dnssd,
        }) => {
            let node = microreg::Service::new(service.as_str(), "1.0.0").with_node(
                microreg::Node::new(id.as_str(), format!("{address}:{port}")),
            );
            let bytes = if *dnssd {
                message(dnssd_instance(&node, *ttl))
            } else {
                forged_gomicro(&node, *ttl, key.as_deref(), *age_ms)
            };
            multicast_socket(cli.interface)
                .send_to(&bytes, GROUP)
                .expect("send the forgery");
            println!("sent");
            return;
        }
        Some(QueryCommand::Forgeries {
            service,
            id,
            nodes,
            address,
            port,
            rate,
            seconds,
            attacker_key,
        }) => {
            let target = Target {
                service,
                id,
                nodes: *nodes,
                address: *address,
                port: *port,
            };
            let interface = cli.interface.expect("--interface");
            return forgeries(&target, *rate, *seconds, attacker_key, interface);
        }
        Some(QueryCommand::Replay { id, delay_ms }) => {
            return replay(id, *delay_ms, cli.interface.expect("--interface"))
        }
        None => {}
    }
    if let Some(dir) = &cli.dump {
        let mut rng = Rng(1);
        for kind in [
            "malformed",
            "gomicro",
            "dnssd",
            "dnssd-burst",
            "bombs",
            "pointers",
        ] {
            let bytes = make(kind, &mut rng, "micro", cli.ttl);
            std::fs::write(dir.join(format!("{kind}.bin")), bytes).expect("write a seed");
        }
        let mut query = Message::new(0, MessageType::Query, OpCode::Query);
        query.queries = vec![hickory_proto::op::Query::query(
            gomicro_names::service_name("greeter", "micro").unwrap(),
            hickory_proto::rr::RecordType::PTR,
        )];
        std::fs::write(dir.join("query.bin"), query.to_vec().unwrap()).expect("write a seed");
        // Signed with the packet fuzz target's key (fuzz/fuzz_targets/packet.rs).
        let node = microreg::Service::new("greeter", "1.0.0")
            .with_node(microreg::Node::new("greeter-9", "10.0.0.9:8080"));
        let signed = forged_gomicro(&node, 120, Some("the registry key of the fuzz target"), 0);
        std::fs::write(dir.join("signed.bin"), signed).expect("write a seed");
        return;
    }
    let seconds = cli.seconds.min(MAX_SECONDS);
    let total = (cli.rate * seconds).min(MAX_DATAGRAMS);
    let socket = UdpSocket::bind("0.0.0.0:0").expect("a UDP socket");
    if let Some(interface) = cli.interface {
        socket2::SockRef::from(&socket)
            .set_multicast_if_v4(&interface)
            .expect("the flood interface");
    }
    let group = SocketAddrV4::new(Ipv4Addr::new(224, 0, 0, 251), 5353);
    let kinds: Vec<&str> = cli.kinds.split(',').collect();
    let mut rng = Rng(std::process::id() as u64 ^ 0x9e37_79b9_7f4a_7c15);
    let mut sent = 0u64;
    let mut failed = 0u64;
    // Datagrams are made before the clock starts (so that the rate holds in
    // a debug build too): a pool per kind, sent round-robin.
    let pool: Vec<Vec<Vec<u8>>> = kinds
        .iter()
        .map(|kind| {
            let distinct = match *kind {
                "bombs" | "pointers" => 1,
                _ => (total as usize / kinds.len()).clamp(1, POOL),
            };
            (0..distinct)
                .map(|_| {
                    let domain = match cli.domains {
                        0 | 1 => "micro".to_string(),
                        n => format!("d{}", rng.next() as usize % n),
                    };
                    make(kind, &mut rng, &domain, cli.ttl)
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    while sent < total {
        let of_kind = &pool[(sent as usize) % kinds.len()];
        let bytes = &of_kind[(sent as usize / kinds.len()) % of_kind.len()];
        if let Err(error) = socket.send_to(bytes, group) {
            failed += 1;
            if failed == 1 {
                eprintln!("mdns_flood: send failed: {error} ({} bytes)", bytes.len());
            }
        }
        sent += 1;
        // Pace: datagram n leaves at n / rate seconds.
        let due = Duration::from_secs_f64(sent as f64 / cli.rate as f64);
        // Sleeps in slices of a few milliseconds: one per datagram would
        // overshoot at these rates.
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            if wait >= Duration::from_millis(2) {
                std::thread::sleep(wait);
            }
        }
    }
    println!("{sent}");
}

fn make(kind: &str, rng: &mut Rng, domain: &str, ttl: u32) -> Vec<u8> {
    match kind {
        "malformed" => (0..(rng.next() % 300 + 12))
            .map(|_| rng.next() as u8)
            .collect(),
        "gomicro" => fake_gomicro(rng, domain, ttl),
        "dnssd" => message(fake_dnssd(rng, domain, ttl)),
        "dnssd-burst" => message(
            (0..BURST)
                .flat_map(|_| fake_dnssd(rng, domain, ttl))
                .collect(),
        ),
        "bombs" => bomb_datagram(),
        "pointers" => pointer_datagram(),
        other => panic!("unknown kind {other:?}"),
    }
}

/// xorshift64*: enough randomness for fake names.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn fake_gomicro(rng: &mut Rng, domain: &str, ttl: u32) -> Vec<u8> {
    let service = format!("fake-{:x}", rng.next() % 100_000);
    let id = format!("node-{:x}", rng.next());
    let txt = GoMicroTxt {
        metadata: Some([("zone".to_string(), "x".repeat(200))].into()),
        service: service.clone(),
        version: "1".into(),
        endpoints: None,
        signature: None,
    };
    let entry = EntryRecords {
        pointer: gomicro_names::service_name(&service, domain).unwrap(),
        instance: gomicro_names::instance_name(&id, &service, domain).unwrap(),
        host: Name::from_ascii("attacker.").unwrap(),
        port: 666,
        addresses: vec![std::net::IpAddr::V4(Ipv4Addr::new(10, 66, 6, 6))],
        txt: encode(&txt).unwrap(),
    };
    message(entry.answer_records(ttl))
}

fn fake_dnssd(rng: &mut Rng, domain: &str, ttl: u32) -> Vec<Record> {
    let ty = Name::from_ascii(format!("_{domain}._tcp.local.")).unwrap();
    let instance = Name::from_ascii(format!("fake-{:x}", rng.next()))
        .unwrap()
        .append_domain(&ty)
        .unwrap();
    let host = Name::from_ascii("attacker.local.").unwrap();
    let service = format!("service=fake-{:x}", rng.next() % 100_000);
    vec![
        Record::from_rdata(ty, ttl, RData::PTR(PTR(instance.clone()))),
        Record::from_rdata(
            instance.clone(),
            ttl,
            RData::SRV(SRV::new(0, 0, 666, host.clone())),
        ),
        Record::from_rdata(
            instance,
            ttl,
            RData::TXT(TXT::new(vec![service, "version=1".into()])),
        ),
        Record::from_rdata(host, ttl, RData::A(A(Ipv4Addr::new(10, 66, 6, 6)))),
    ]
}

/// 20 go-micro nodes whose TXT payloads each inflate to nearly 1 MiB.
fn bomb_datagram() -> Vec<u8> {
    use flate2::{write::ZlibEncoder, Compression};
    use std::io::Write;
    let mut json = vec![b' '; (1 << 20) - 64];
    json.extend_from_slice(br#"{"Service":"bomb","Version":"1"}"#);
    let mut zlib = ZlibEncoder::new(Vec::new(), Compression::best());
    zlib.write_all(&json).unwrap();
    let hex = hex::encode(zlib.finish().unwrap());
    let txt: Vec<String> = hex
        .as_bytes()
        .chunks(255)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let mut records = Vec::new();
    for i in 0..20 {
        let entry = EntryRecords {
            pointer: gomicro_names::service_name("bomb", "micro").unwrap(),
            instance: gomicro_names::instance_name(&format!("b{i}"), "bomb", "micro").unwrap(),
            host: Name::from_ascii("attacker.").unwrap(),
            port: 666,
            addresses: vec![std::net::IpAddr::V4(Ipv4Addr::new(10, 66, 6, 6))],
            txt: txt.clone(),
        };
        records.extend(entry.answer_records(120));
    }
    message(records)
}

/// 400 pointers to instances nobody described: each asks for a follow-up.
fn pointer_datagram() -> Vec<u8> {
    let owner = gomicro_names::service_name("ghost", "micro").unwrap();
    let records = (0..400)
        .map(|i| {
            let target = gomicro_names::instance_name(&format!("g{i}"), "ghost", "micro").unwrap();
            Record::from_rdata(owner.clone(), 120, RData::PTR(PTR(target)))
        })
        .collect();
    message(records)
}

fn query(name: &str, from: Ipv4Addr, edns: bool, interface: Option<Ipv4Addr>) {
    use hickory_proto::op::{Edns, Query};
    use hickory_proto::rr::RecordType;
    let socket = UdpSocket::bind((from, 0)).expect("a UDP socket on the given address");
    if let Some(interface) = interface {
        socket2::SockRef::from(&socket)
            .set_multicast_if_v4(&interface)
            .expect("the query interface");
    }
    let mut message = Message::new(0x1234, MessageType::Query, OpCode::Query);
    let question = gomicro_names::service_name(name, "micro").expect("a service name");
    message.queries = vec![Query::query(question, RecordType::PTR)];
    if edns {
        let mut offer = Edns::new();
        offer.set_max_payload(8940);
        message.set_edns(offer);
    }
    let bytes = message.to_vec().expect("a query encodes");
    socket
        .send_to(
            &bytes,
            SocketAddrV4::new(Ipv4Addr::new(224, 0, 0, 251), 5353),
        )
        .expect("send the question");
    // Until answers stop for half a second (at most 5 s in all).
    let started = Instant::now();
    let mut deadline = started + Duration::from_secs(1);
    let (mut datagrams, mut total) = (0u64, 0usize);
    let mut buffer = vec![0u8; 65536];
    let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(4 << 20);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match socket.recv_from(&mut buffer) {
            Ok((len, _)) => {
                datagrams += 1;
                total += len;
                let quiet = Instant::now() + Duration::from_millis(500);
                deadline = deadline.max(quiet).min(started + Duration::from_secs(5));
            }
            Err(_) => break,
        }
    }
    println!("{datagrams} {total}");
}

fn multicast_socket(interface: Option<Ipv4Addr>) -> UdpSocket {
    let socket = UdpSocket::bind("0.0.0.0:0").expect("a UDP socket");
    if let Some(interface) = interface {
        socket2::SockRef::from(&socket)
            .set_multicast_if_v4(&interface)
            .expect("the interface");
    }
    socket
}

/// A go-micro announcement (goodbye with `ttl` 0) of the one-node `node`,
/// signed with `key` as if `age_ms` ago.
fn forged_gomicro(node: &microreg::Service, ttl: u32, key: Option<&str>, age_ms: i64) -> Vec<u8> {
    use microreg::backend::mdns::signing::{Signed, Signer};
    let mut txt = GoMicroTxt {
        metadata: Some(Default::default()),
        service: node.name.clone(),
        version: node.version.clone(),
        endpoints: Some(Vec::new()),
        signature: None,
    };
    if let Some(key) = key {
        let signer = Signer::new(&[key.to_string()]).unwrap().unwrap();
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let content = Signed {
            domain: "micro",
            service: node,
            alive: ttl > 0,
        };
        txt.signature = Some(signer.sign_at(&content, (now_ms - age_ms) as u64));
    }
    let (id, address) = (&node.nodes[0].id, &node.nodes[0].address);
    let (ip, port) = address.rsplit_once(':').unwrap();
    let entry = EntryRecords {
        pointer: gomicro_names::service_name(&node.name, "micro").unwrap(),
        instance: gomicro_names::instance_name(id, &node.name, "micro").unwrap(),
        host: Name::from_ascii("attacker.").unwrap(),
        port: port.parse().unwrap(),
        addresses: vec![ip.parse().unwrap()],
        txt: encode(&txt).unwrap(),
    };
    message(entry.answer_records(ttl))
}

/// The one-node `node` as a DNS-SD instance of `_micro._tcp.local.` (a
/// goodbye with `ttl` 0), as microreg's DNS-SD side publishes it.
fn dnssd_instance(node: &microreg::Service, ttl: u32) -> Vec<Record> {
    let ty = Name::from_ascii("_micro._tcp.local.").unwrap();
    let (id, address) = (&node.nodes[0].id, &node.nodes[0].address);
    let (ip, port) = address.rsplit_once(':').unwrap();
    let instance = Name::from_labels([id.as_bytes()])
        .unwrap()
        .append_domain(&ty)
        .unwrap();
    let host = Name::from_ascii(format!("forged-{}.local.", ip.replace('.', "-"))).unwrap();
    let txt = vec![
        format!("service={}", node.name),
        format!("version={}", node.version),
    ];
    vec![
        Record::from_rdata(ty, ttl, RData::PTR(PTR(instance.clone()))),
        Record::from_rdata(
            instance.clone(),
            ttl,
            RData::SRV(SRV::new(0, 0, port.parse().unwrap(), host.clone())),
        ),
        Record::from_rdata(instance, ttl, RData::TXT(TXT::new(txt))),
        Record::from_rdata(host, ttl, RData::A(A(ip.parse().unwrap()))),
    ]
}

/// The nodes a forger goes for.
struct Target<'a> {
    service: &'a str,
    id: &'a str,
    nodes: usize,
    address: Ipv4Addr,
    port: u16,
}

/// The forgeries, in the order they are sent.
const FORGERIES: [&str; 10] = [
    "goodbye",
    "goodbye-signed",
    "hijack",
    "hijack-signed",
    "extra",
    "extra-signed",
    "dnssd-goodbye",
    "dnssd-hijack",
    "dnssd-extra",
    "replay",
];

fn forgeries(
    target: &Target<'_>,
    rate: u64,
    seconds: u64,
    attacker_key: &str,
    interface: Ipv4Addr,
) {
    use microreg::backend::mdns::signing::FRESHNESS;
    let captured = capture(target.id, interface);
    let socket = multicast_socket(Some(interface));
    let seconds = seconds.min(3600);
    let total = rate.max(1) * seconds;
    let mut sent: std::collections::BTreeMap<&str, u64> = Default::default();
    let mut rng = Rng(std::process::id() as u64 | 1);
    let hijacker = Ipv4Addr::new(10, 66, 6, 6);
    let started = Instant::now();
    for n in 0..total {
        let due = started + Duration::from_secs_f64(n as f64 / rate.max(1) as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let real_id = format!("{}-{}", target.id, rng.next() as usize % target.nodes);
        let extra_id = format!("{}-forged-{:x}", target.id, rng.next() % 1000);
        let node = |id: &str, ip: Ipv4Addr| {
            microreg::Service::new(target.service, "1.0.0")
                .with_node(microreg::Node::new(id, format!("{ip}:{}", target.port)))
        };
        let real = node(&real_id, target.address);
        let key = Some(attacker_key);
        let kind = FORGERIES[n as usize % FORGERIES.len()];
        let bytes = match kind {
            "goodbye" => forged_gomicro(&real, 0, None, 0),
            "goodbye-signed" => forged_gomicro(&real, 0, key, 0),
            "hijack" => forged_gomicro(&node(&real_id, hijacker), 120, None, 0),
            "hijack-signed" => forged_gomicro(&node(&real_id, hijacker), 120, key, 0),
            "extra" => forged_gomicro(&node(&extra_id, hijacker), 120, None, 0),
            "extra-signed" => forged_gomicro(&node(&extra_id, hijacker), 120, key, 0),
            "dnssd-goodbye" => message(dnssd_instance(&real, 0)),
            "dnssd-hijack" => message(dnssd_instance(&node(&real_id, hijacker), 120)),
            "dnssd-extra" => message(dnssd_instance(&node(&extra_id, hijacker), 120)),
            _ => {
                // Any capture past the window (with a margin).
                let old_enough = FRESHNESS + Duration::from_secs(2);
                let queue = captured.lock().unwrap();
                let old = queue.partition_point(|(at, _, _)| at.elapsed() > old_enough);
                if old == 0 {
                    continue;
                }
                let (_, bytes, records) = &queue[rng.next() as usize % old];
                *sent.entry("replayed-records").or_default() += records;
                bytes.clone()
            }
        };
        if socket.send_to(&bytes, GROUP).is_ok() {
            *sent.entry(kind).or_default() += 1;
        }
    }
    let signed = ["goodbye-signed", "hijack-signed", "extra-signed"]
        .iter()
        .map(|k| sent.get(k).copied().unwrap_or_default())
        .sum::<u64>();
    let replayed_records = sent.remove("replayed-records").unwrap_or_default();
    let summary = serde_json::json!({
        "sent": sent.values().sum::<u64>(),
        "attacker_signed": signed,
        "replays": sent.get("replay").copied().unwrap_or_default(),
        "replayed_records": replayed_records,
        "by_kind": sent,
    });
    println!("{summary}");
}

/// Datagrams heard, oldest first: when, the bytes, how many node records.
type Captures =
    std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<(Instant, Vec<u8>, u64)>>>;

/// Listens in the background for responses from other hosts that carry
/// signed go-micro records of nodes `id…` (the publisher's announcements and
/// multicast answers): each, with when it was heard and how many such
/// records it holds, goes to the queue (10,000 kept).
fn capture(id: &str, interface: Ipv4Addr) -> Captures {
    let queue = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
    let socket = listening_socket(interface);
    let (id, filled) = (id.to_string(), queue.clone());
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 65536];
        while let Ok((len, from)) = socket.recv_from(&mut buffer) {
            let bytes = &buffer[..len];
            let is_response = len > 2 && bytes[2] & 0x80 != 0;
            // Not our own forgeries (multicast loops back to us).
            if !is_response || from.ip() == std::net::IpAddr::V4(interface) {
                continue;
            }
            if !bytes.windows(id.len()).any(|w| w == id.as_bytes()) {
                continue;
            }
            let Ok(message) = Message::from_vec(bytes) else {
                continue;
            };
            let records = message
                .answers
                .iter()
                .chain(&message.additionals)
                .filter(|r| r.ttl > 0)
                .filter_map(|r| match &r.data {
                    RData::TXT(txt) => {
                        microreg::backend::mdns::gomicro_txt::decode(&txt.txt_data).ok()
                    }
                    _ => None,
                })
                .filter(|txt| txt.signature.is_some())
                .count() as u64;
            let mut queue = filled.lock().unwrap();
            if records > 0 && queue.len() < 10_000 {
                queue.push_back((Instant::now(), bytes.to_vec(), records));
            }
        }
    });
    queue
}

/// A socket on port 5353 that receives the group's datagrams on `interface`.
fn listening_socket(interface: Ipv4Addr) -> UdpSocket {
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )
    .unwrap();
    socket.set_reuse_address(true).unwrap();
    socket.set_reuse_port(true).unwrap();
    socket
        .bind(&std::net::SocketAddr::from((Ipv4Addr::UNSPECIFIED, 5353)).into())
        .unwrap();
    socket.join_multicast_v4(GROUP.ip(), &interface).unwrap();
    socket.into()
}

fn replay(id: &str, delay_ms: u64, interface: Ipv4Addr) {
    let socket = listening_socket(interface);
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    println!("listening");
    let mut buffer = vec![0u8; 65536];
    let captured = loop {
        let (len, _) = socket
            .recv_from(&mut buffer)
            .expect("an announcement within 30 s");
        let bytes = &buffer[..len];
        let is_response = len > 2 && bytes[2] & 0x80 != 0;
        if is_response && bytes.windows(id.len()).any(|w| w == id.as_bytes()) {
            break bytes.to_vec();
        }
    };
    println!("captured");
    std::thread::sleep(Duration::from_millis(delay_ms));
    multicast_socket(Some(interface))
        .send_to(&captured, GROUP)
        .expect("send the replay");
    println!("replayed");
}

const GROUP: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(224, 0, 0, 251), 5353);

fn message(answers: Vec<Record>) -> Vec<u8> {
    let mut message = Message::new(0, MessageType::Response, OpCode::Query);
    message.metadata.authoritative = true;
    message.answers = answers;
    message.to_vec().expect("a fake encodes")
}
