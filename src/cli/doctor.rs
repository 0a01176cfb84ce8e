//! `microreg doctor`: why a service may not be found over mDNS.
//!
//! It starts the mdns backend as any command would, then checks, in order:
//! which interfaces are used (and why the others are not), whether the mDNS
//! groups were joined, whether an announcement of a probe node comes back to
//! us through multicast, who else is heard on the LAN (go-micro's dialect,
//! DNS-SD responders such as avahi or Bonjour), and the backend's counters.
//! From those it names the most likely cause of "service not found".

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use microreg::backend::mdns::{MdnsOptions, MdnsRegistry, NetInterface};
use microreg::{
    BackendConfig, BackendKind, Config, Error, Node, RegisterOptions, Registry, Result, Service,
    DEFAULT_DOMAIN, WILDCARD_DOMAIN,
};
use serde::Serialize;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::args::GlobalArgs;

// doctor reads raw datagrams from the LAN. It decodes them with the backend's
// own lenient decoder (hickory alone rejects a whole answer over go-micro's
// empty TXT records), compiled into the CLI from the same source file: the
// library's wire modules stay private, outside its API (an unstable-wire
// feature in the CLI's default build would make them public for every
// dependent), and this one depends on nothing but hickory-proto.
#[path = "../backend/mdns/wire.rs"]
mod wire;

const MDNS_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);
/// The DNS-SD question every responder (avahi, Bonjour, mdns-sd) answers.
const DNSSD_META_QUERY: &str = "_services._dns-sd._udp.local.";
/// go-micro's listing label: `_services.<domain>.` lists a domain's services.
const GOMICRO_LISTING_LABEL: &str = "_services";
/// The largest answer our query asks for (EDNS), as the backend's queries do.
const ANSWER_PAYLOAD: u16 = 1400;
/// The probe node's service name.
const PROBE_SERVICE: &str = "microreg-doctor";

/// Everything doctor found; printed as text, or as one JSON document.
#[derive(Serialize)]
struct Report {
    interfaces: Vec<InterfaceReport>,
    backend_error: Option<String>,
    multicast_route: Option<String>,
    own_announcement_returned: Option<bool>,
    listened_ms: u64,
    peers: Vec<PeerReport>,
    services_in_view: BTreeMap<String, usize>,
    counters: Option<serde_json::Value>,
    likely_cause: String,
    advice: String,
}

#[derive(Serialize)]
struct InterfaceReport {
    name: String,
    used: bool,
    /// Why it is not used (empty when used).
    reason: String,
    addresses: Vec<IpAddr>,
    /// The mDNS groups this interface has joined (224.0.0.251, ff02::fb).
    groups_joined: Vec<String>,
}

#[derive(Serialize)]
struct PeerReport {
    address: IpAddr,
    this_host: bool,
    /// Speaks go-micro's mDNS dialect (go-micro or microreg), in these domains.
    gomicro_domains: BTreeSet<String>,
    /// DNS-SD service types it answers for.
    dnssd_types: BTreeSet<String>,
    /// What the traffic suggests it is (avahi, Bonjour, microreg...).
    looks_like: BTreeSet<String>,
    packets: u64,
}

pub async fn doctor(args: &GlobalArgs, config: Config, listen: Duration) -> Result<()> {
    let BackendConfig::Mdns(mdns) = &config.backend else {
        let kind = config.kind();
        return Err(Error::invalid(format!(
            "doctor checks the mdns backend; the {} backend {}",
            kind.as_str(),
            match kind {
                BackendKind::Memory => {
                    "keeps registrations inside one process: other processes never see them"
                }
                _ => "is not checked by doctor",
            }
        )));
    };
    let domain = if args.domain == WILDCARD_DOMAIN {
        DEFAULT_DOMAIN.to_string()
    } else {
        args.domain.clone()
    };
    let registry = MdnsRegistry::new(MdnsOptions::new(&config.domain, mdns, config.timeout()));
    let mut report = Report {
        interfaces: interface_reports(&mdns.interfaces, registry.as_ref().ok()),
        backend_error: registry.as_ref().err().map(|e| e.to_string()),
        multicast_route: multicast_route(),
        own_announcement_returned: None,
        listened_ms: 0,
        peers: Vec::new(),
        services_in_view: BTreeMap::new(),
        counters: None,
        likely_cause: String::new(),
        advice: String::new(),
    };
    if let Ok(registry) = &registry {
        listen_to_the_lan(registry, &domain, listen, &mut report).await;
        report.counters = serde_json::to_value(registry.counters()).ok();
    }
    (report.likely_cause, report.advice) = diagnose(&report, &domain);
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("the report serializes")
        );
    } else {
        print!("{}", text(&report));
    }
    Ok(())
}

/// Registers a probe node, asks the LAN what it holds, and listens.
async fn listen_to_the_lan(
    registry: &MdnsRegistry,
    domain: &str,
    listen: Duration,
    report: &mut Report,
) {
    let interfaces = registry.interfaces().to_vec();
    let own_ips: BTreeSet<IpAddr> = interfaces
        .iter()
        .flat_map(|i| {
            i.v4.iter()
                .map(|a| IpAddr::V4(*a))
                .chain(i.v6.iter().map(|a| IpAddr::V6(*a)))
        })
        .collect();
    let listener = match listener_socket(&interfaces) {
        Ok(socket) => Some(socket),
        Err(error) => {
            tracing::warn!(%error, "doctor cannot listen on port 5353");
            None
        }
    };
    let querier = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).await.ok();
    let probe_id = format!("{PROBE_SERVICE}-{}", uuid::Uuid::new_v4());
    let address = interfaces
        .iter()
        .find_map(|i| i.v4.first())
        .map_or("127.0.0.1:9".to_string(), |a| format!("{a}:9"));
    let probe = Service::new(PROBE_SERVICE, "0").with_node(Node::new(probe_id.clone(), address));
    let started = Instant::now();
    let ttl = listen + Duration::from_secs(5);
    if let Err(error) = registry
        .register(
            &probe,
            &RegisterOptions {
                ttl: Some(ttl),
                domain: domain.to_string(),
            },
        )
        .await
    {
        tracing::warn!(%error, "doctor cannot register its probe");
    }
    if let Some(querier) = &querier {
        let to = SocketAddr::from((MDNS_GROUP_V4, 5353));
        if let Some(bytes) = query_datagram(domain) {
            for iface in &interfaces {
                if let Some(addr) = iface.v4.first() {
                    let _ = socket2::SockRef::from(querier).set_multicast_if_v4(addr);
                    let _ = querier.send_to(&bytes, to).await;
                }
            }
        }
    }
    let mut peers: BTreeMap<IpAddr, PeerReport> = BTreeMap::new();
    let mut returned = false;
    let querier_port = querier
        .as_ref()
        .and_then(|q| q.local_addr().ok())
        .map(|a| a.port());
    let deadline = started + listen;
    let mut buf_a = vec![0u8; 65536];
    let mut buf_b = vec![0u8; 65536];
    loop {
        let received = tokio::select! {
            r = recv(listener.as_ref(), &mut buf_a) => r.map(|(n, from)| (buf_a[..n].to_vec(), from)),
            r = recv(querier.as_ref(), &mut buf_b) => r.map(|(n, from)| (buf_b[..n].to_vec(), from)),
            _ = tokio::time::sleep_until(deadline) => break,
        };
        let Ok((bytes, from)) = received else {
            continue;
        };
        let Ok(message) = wire::decode(&bytes) else {
            continue;
        };
        let names = names_of(&message);
        if names.iter().any(|n| n.contains(&probe_id)) {
            // Our own probe, heard through multicast.
            returned |= message.metadata.message_type == MessageType::Response;
            continue;
        }
        let this_host = own_ips.contains(&from.ip());
        if this_host && Some(from.port()) == querier_port {
            continue; // our own questions
        }
        let peer = peers.entry(from.ip()).or_insert_with(|| PeerReport {
            address: from.ip(),
            this_host,
            gomicro_domains: BTreeSet::new(),
            dnssd_types: BTreeSet::new(),
            looks_like: BTreeSet::new(),
            packets: 0,
        });
        peer.packets += 1;
        if message.metadata.message_type == MessageType::Response {
            classify(&message, peer);
        }
    }
    report.listened_ms = started.elapsed().as_millis() as u64;
    report.own_announcement_returned = listener.as_ref().map(|_| returned);
    // Only peers that answered or announced something (askers say little).
    for peer in peers.values_mut() {
        name_registry(peer);
    }
    report.peers = peers
        .into_values()
        .filter(|p| {
            !p.gomicro_domains.is_empty() || !p.dnssd_types.is_empty() || !p.looks_like.is_empty()
        })
        .collect();
    if let Ok(services) = registry.list_services(WILDCARD_DOMAIN).await {
        for service in services.iter().filter(|s| s.name != PROBE_SERVICE) {
            for node in &service.nodes {
                let domain = node.metadata.get("domain").cloned().unwrap_or_default();
                *report.services_in_view.entry(domain).or_default() += 1;
            }
        }
    }
    let _ = registry.deregister(&probe, domain).await;
}

async fn recv(socket: Option<&UdpSocket>, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
    match socket {
        Some(socket) => socket.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

/// One query: go-micro's listing question for the domain (what its
/// ListServices asks), and DNS-SD's meta-query.
fn query_datagram(domain: &str) -> Option<Vec<u8>> {
    let mut message = Message::new(0, MessageType::Query, OpCode::Query);
    for name in [
        format!("{GOMICRO_LISTING_LABEL}.{domain}."),
        DNSSD_META_QUERY.into(),
    ] {
        if let Ok(name) = Name::from_ascii(name) {
            message.queries.push(Query::query(name, RecordType::PTR));
        }
    }
    // Answers as large as the backend's own queries ask for.
    let mut edns = Edns::new();
    edns.set_max_payload(ANSWER_PAYLOAD);
    message.set_edns(edns);
    message.to_vec().ok()
}

fn names_of(message: &hickory_proto::op::Message) -> Vec<String> {
    let records = message
        .answers
        .iter()
        .chain(&message.authorities)
        .chain(&message.additionals);
    let mut names: Vec<String> = message
        .queries
        .iter()
        .map(|q| q.name().to_ascii())
        .collect();
    for record in records {
        names.push(record.name.to_ascii());
        if let RData::PTR(ptr) = &record.data {
            names.push(ptr.0.to_ascii());
        }
    }
    names
}

/// What a responder's answer says about it.
fn classify(message: &hickory_proto::op::Message, peer: &mut PeerReport) {
    let records: Vec<&Record> = message.answers.iter().chain(&message.additionals).collect();
    for record in records {
        let name = record.name.to_ascii().to_lowercase();
        if matches!(record.data, RData::HINFO(_)) {
            peer.looks_like.insert("avahi (HINFO)".into());
        }
        let RData::PTR(ptr) = &record.data else {
            continue;
        };
        // Services are named by pointers: DNS-SD's `_type._tcp.local.` →
        // instance, go-micro's `service.domain.` → `id.service.domain.`.
        if name.ends_with(".local.") {
            for name in [name.clone(), ptr.0.to_ascii().to_lowercase()] {
                let Some(ty) = dnssd_type(&name) else {
                    continue;
                };
                match ty.as_str() {
                    "_workstation._tcp" => {
                        peer.looks_like.insert("avahi".into());
                    }
                    "_device-info._tcp" | "_companion-link._tcp" | "_airplay._tcp" => {
                        peer.looks_like.insert("Bonjour (Apple)".into());
                    }
                    _ => {}
                }
                peer.dnssd_types.insert(ty);
            }
        } else if let Some(domain) = gomicro_domain(&name) {
            peer.gomicro_domains.insert(domain);
        }
    }
}

/// microreg speaks both dialects (its DNS-SD type for domain `d` is `_d._tcp`);
/// go-micro speaks only its own.
fn name_registry(peer: &mut PeerReport) {
    for domain in &peer.gomicro_domains {
        let label = if peer.dnssd_types.contains(&format!("_{domain}._tcp")) {
            "microreg"
        } else {
            "go-micro"
        };
        peer.looks_like.insert(label.to_string());
    }
}

/// `_type._tcp` of a DNS-SD name (`inst._type._tcp.local.`), not the meta-query.
fn dnssd_type(name: &str) -> Option<String> {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    let at = labels.iter().position(|l| *l == "_tcp" || *l == "_udp")?;
    if at == 0 || !labels[at - 1].starts_with('_') || labels[at - 1] == "_dns-sd" {
        return None;
    }
    Some(format!("{}.{}", labels[at - 1], labels[at]))
}

/// The domain of a go-micro dialect name (`svc.micro.`, `id.svc.micro.`,
/// `_services.micro.`): its last label.
fn gomicro_domain(name: &str) -> Option<String> {
    let trimmed = name.trim_end_matches('.');
    if trimmed.is_empty() || trimmed.ends_with(".arpa") {
        return None;
    }
    trimmed.rsplit('.').next().map(str::to_string)
}

/// Every interface of the host: used, or why not.
fn interface_reports(wanted: &[String], registry: Option<&MdnsRegistry>) -> Vec<InterfaceReport> {
    let used: Vec<NetInterface> = registry
        .map(|r| r.interfaces().to_vec())
        .unwrap_or_default();
    let addrs = if_addrs::get_if_addrs().unwrap_or_default();
    let joined = joined_groups();
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let addresses: Vec<IpAddr> = addrs
                .iter()
                .filter(|a| a.name == name)
                .map(|a| a.ip())
                .collect();
            let flags = interface_flags(&name);
            let is_used = used.iter().any(|i| i.name == name);
            let named = wanted.is_empty()
                || wanted.iter().any(|w| {
                    *w == name || w.parse::<IpAddr>().is_ok_and(|ip| addresses.contains(&ip))
                });
            let reason = if is_used {
                String::new()
            } else if !named {
                "not named by --interface".to_string()
            } else if flags.is_some_and(|f| f & libc::IFF_UP as u32 == 0) {
                format!("down (ip link set {name} up)")
            } else if name == "lo" && flags.is_some_and(|f| f & libc::IFF_MULTICAST as u32 == 0) {
                "loopback without multicast (reaches only this host)".to_string()
            } else if flags.is_some_and(|f| f & libc::IFF_MULTICAST as u32 == 0) {
                format!("no MULTICAST flag (ip link set {name} multicast on)")
            } else if addresses.is_empty() {
                "no IP address".to_string()
            } else if registry.is_none() {
                "the backend did not start".to_string()
            } else {
                "not chosen".to_string()
            };
            InterfaceReport {
                groups_joined: joined.get(&name).cloned().unwrap_or_default(),
                name,
                used: is_used,
                reason,
                addresses,
            }
        })
        .collect()
}

fn interface_flags(name: &str) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{name}/flags")).ok()?;
    u32::from_str_radix(text.trim().trim_start_matches("0x"), 16).ok()
}

/// Interface -> the mDNS groups it has joined, from /proc/net/igmp(6).
fn joined_groups() -> BTreeMap<String, Vec<String>> {
    let mut joined: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Ok(text) = std::fs::read_to_string("/proc/net/igmp") {
        let mut device = String::new();
        for line in text.lines().skip(1) {
            if !line.starts_with('\t') {
                // "1\tlo        :     1      V3"
                device = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .trim_end_matches(':')
                    .to_string();
            } else if line.split_whitespace().next() == Some("FB0000E0") {
                joined
                    .entry(device.clone())
                    .or_default()
                    .push("224.0.0.251".into());
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string("/proc/net/igmp6") {
        for line in text.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 2 && fields[2] == "ff0200000000000000000000000000fb" {
                joined
                    .entry(fields[1].to_string())
                    .or_default()
                    .push("ff02::fb".into());
            }
        }
    }
    joined
}

/// The IPv4 route that multicast to 224.0.0.251 would take, from /proc/net/route.
fn multicast_route() -> Option<String> {
    let text = std::fs::read_to_string("/proc/net/route").ok()?;
    let group = u32::from(MDNS_GROUP_V4);
    let mut best: Option<(u32, String)> = None;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let parse = |s: &str| u32::from_str_radix(s, 16).ok().map(u32::from_be);
        let (Some(dest), Some(mask)) = (parse(f[1]), parse(f[7])) else {
            continue;
        };
        if group & mask == dest && best.as_ref().is_none_or(|(m, _)| mask.count_ones() > *m) {
            let route = if mask == 0 {
                format!("default via {}", f[0])
            } else {
                format!(
                    "{}/{} dev {}",
                    Ipv4Addr::from(dest),
                    mask.count_ones(),
                    f[0]
                )
            };
            best = Some((mask.count_ones(), route));
        }
    }
    best.map(|(_, route)| route)
}

/// The port 5353 socket doctor listens on, beside the backend's.
fn listener_socket(interfaces: &[NetInterface]) -> std::io::Result<UdpSocket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 5353)).into())?;
    for addr in interfaces.iter().filter_map(|i| i.v4.first()) {
        let _ = socket.join_multicast_v4(&MDNS_GROUP_V4, addr);
    }
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket.into())
}

/// The most likely cause of "service not found", and what to do.
fn diagnose(report: &Report, domain: &str) -> (String, String) {
    let used: Vec<&InterfaceReport> = report.interfaces.iter().filter(|i| i.used).collect();
    if let Some(error) = &report.backend_error {
        let no_multicast: Vec<&str> = report
            .interfaces
            .iter()
            .filter(|i| i.reason.starts_with("no MULTICAST") || i.reason.starts_with("down"))
            .filter(|i| i.name != "lo")
            .map(|i| i.name.as_str())
            .collect();
        return if !no_multicast.is_empty() {
            (
                format!("no interface can carry mDNS: {} (down or without the MULTICAST flag)", no_multicast.join(", ")),
                "bring the interface up with multicast on (ip link set IFACE up multicast on), or name a working one with --interface".into(),
            )
        } else {
            (
                format!("the mdns backend cannot start: {error}"),
                "another program may hold port 5353 without SO_REUSEPORT, or no interface has an address".into(),
            )
        };
    }
    let not_joined: Vec<&str> = used
        .iter()
        .filter(|i| !i.groups_joined.iter().any(|g| g == "224.0.0.251"))
        .map(|i| i.name.as_str())
        .collect();
    if !not_joined.is_empty() {
        return (
            format!(
                "the mDNS group 224.0.0.251 is not joined on {}",
                not_joined.join(", ")
            ),
            "check the interface's multicast settings and that it has an IPv4 address".into(),
        );
    }
    let sent_errors = report
        .counters
        .as_ref()
        .and_then(|c| c.get("send_errors"))
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if report.own_announcement_returned == Some(false) {
        return match &report.multicast_route {
            Some(route) if sent_errors > 0 => (
                format!(
                    "sending to 224.0.0.251 fails ({sent_errors} send error(s), route {route}): something on this host refuses multicast, most likely a firewall"
                ),
                "let UDP port 5353 to and from 224.0.0.251 through the firewall (iptables/nft OUTPUT and INPUT, firewalld's mdns service)".into(),
            ),
            Some(route) => (
                format!(
                    "our own announcement did not come back through multicast (route {route}): incoming multicast is dropped on this host"
                ),
                "let UDP port 5353 from 224.0.0.251 in (firewall INPUT rules), and check the interface has multicast on".into(),
            ),
            None => (
                "our own announcement did not come back, and there is no route for 224.0.0.0/4 (nor a default route)".into(),
                "add a multicast route (ip route add 224.0.0.0/4 dev IFACE) or a default route".into(),
            ),
        };
    }
    let others: Vec<&PeerReport> = report.peers.iter().filter(|p| !p.this_host).collect();
    if others.is_empty() {
        return (
            "multicast works on this host, but no other host answered on the LAN".into(),
            "if services run on other hosts, multicast does not reach them: a firewall (UDP 5353), a VPN or Docker network (use --network host), Wi-Fi client isolation, or another subnet; pick the right interface with --interface".into(),
        );
    }
    let in_domain = others.iter().any(|p| {
        p.gomicro_domains.contains(domain) || p.dnssd_types.contains(&format!("_{domain}._tcp"))
    }) || report.services_in_view.contains_key(domain);
    if !in_domain {
        let domains: BTreeSet<&String> = report
            .services_in_view
            .keys()
            .chain(others.iter().flat_map(|p| &p.gomicro_domains))
            .collect();
        return (
            format!(
                "other hosts answer, but none in domain {domain:?} (heard: {})",
                if domains.is_empty() {
                    "DNS-SD only".to_string()
                } else {
                    domains.into_iter().cloned().collect::<Vec<_>>().join(", ")
                }
            ),
            "look in every domain with `microreg list --domain '*'`, or pass --domain".into(),
        );
    }
    (
        "none: mDNS works here and other hosts in this domain are heard".into(),
        "if a service is still not found, check its exact name and domain (`microreg list --domain '*'`)".into(),
    )
}

fn text(report: &Report) -> String {
    let mut out = String::from("interfaces\n");
    for i in &report.interfaces {
        let addresses: Vec<String> = i.addresses.iter().map(IpAddr::to_string).collect();
        if i.used {
            out += &format!(
                "  {:<10} used      {}; groups joined: {}\n",
                i.name,
                addresses.join(", "),
                if i.groups_joined.is_empty() {
                    "none".to_string()
                } else {
                    i.groups_joined.join(", ")
                }
            );
        } else {
            out += &format!("  {:<10} not used  {}\n", i.name, i.reason);
        }
    }
    if let Some(error) = &report.backend_error {
        out += &format!("backend\n  cannot start: {error}\n");
    }
    out += &format!(
        "multicast\n  route to 224.0.0.251: {}\n",
        report.multicast_route.as_deref().unwrap_or("none")
    );
    if let Some(back) = report.own_announcement_returned {
        out += &format!(
            "  our own announcement came back: {}\n",
            if back { "yes" } else { "no" }
        );
    }
    if report.backend_error.is_none() {
        out += &format!("heard on the LAN ({} ms)\n", report.listened_ms);
        if report.peers.is_empty() {
            out += "  nobody\n";
        }
        for p in &report.peers {
            let mut what = Vec::new();
            if !p.gomicro_domains.is_empty() {
                let d: Vec<&str> = p.gomicro_domains.iter().map(String::as_str).collect();
                what.push(format!("go-micro dialect (domain {})", d.join(", ")));
            }
            if !p.dnssd_types.is_empty() {
                let t: Vec<&str> = p.dnssd_types.iter().map(String::as_str).collect();
                what.push(format!("DNS-SD {}", t.join(" ")));
            }
            if !p.looks_like.is_empty() {
                let l: Vec<&str> = p.looks_like.iter().map(String::as_str).collect();
                what.push(format!("looks like {}", l.join(", ")));
            }
            out += &format!(
                "  {:<15}{} {}\n",
                p.address,
                if p.this_host { " (this host)" } else { "" },
                what.join("; ")
            );
        }
        out += "services in view (nodes by domain)\n";
        if report.services_in_view.is_empty() {
            out += "  none\n";
        }
        for (domain, nodes) in &report.services_in_view {
            out += &format!("  {domain}: {nodes}\n");
        }
    }
    if let Some(serde_json::Value::Object(counters)) = &report.counters {
        out += "counters\n";
        for (name, value) in counters {
            out += &format!("  {name:<26} {value}\n");
        }
    }
    out += &format!(
        "likely cause of \"service not found\"\n  {}\n  what to do: {}\n",
        report.likely_cause, report.advice
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tell_dialects_and_domains() {
        assert_eq!(
            dnssd_type("a-1._micro._tcp.local."),
            Some("_micro._tcp".into())
        );
        assert_eq!(dnssd_type("_services._dns-sd._udp.local."), None);
        assert_eq!(gomicro_domain("id.greeter.micro."), Some("micro".into()));
        assert_eq!(gomicro_domain("_services.prod."), Some("prod".into()));
    }

    #[test]
    fn both_dialects_mean_microreg_one_means_go_micro() {
        let mut peer = PeerReport {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            this_host: false,
            gomicro_domains: BTreeSet::from(["micro".to_string()]),
            dnssd_types: BTreeSet::new(),
            looks_like: BTreeSet::new(),
            packets: 1,
        };
        name_registry(&mut peer);
        assert!(peer.looks_like.contains("go-micro"));
        peer.dnssd_types.insert("_micro._tcp".into());
        peer.looks_like.clear();
        name_registry(&mut peer);
        assert!(peer.looks_like.contains("microreg"));
    }
}
