//! Reads go-micro dialect records out of any mDNS message: nodes (SRV + TXT +
//! the SRV target's addresses), goodbyes (TTL 0), listing entries, and instances
//! that need a further question because the message left something out.
//!
//! Unlike go-micro's own parser, every node of a message counts (not just the
//! last), and addresses are matched to a node through its own SRV target.

use std::collections::HashMap;
use std::net::IpAddr;

use hickory_proto::op::Message;
use hickory_proto::rr::{DNSClass, Name, RData};

use super::gomicro_names::{split_instance, split_listing, to_text};
use super::gomicro_txt;
use crate::model::{Node, Service};

/// One thing a message said in go-micro's dialect.
#[derive(Debug, Clone, PartialEq)]
pub enum Sighting {
    /// A node with its service data; `ttl == 0` is a goodbye (address may be empty).
    Node {
        domain: String,
        service: Service,
        ttl: u32,
        /// microreg's signature of the record, if it carries one.
        signature: Option<String>,
    },
    /// A listing entry `<service>._services.<domain>.`.
    Listing {
        domain: String,
        service: String,
        ttl: u32,
    },
    /// An instance whose SRV, TXT or address was missing: worth asking about.
    Unresolved(Name),
}

#[derive(Default)]
struct Instance {
    srv: Option<(u16, Name, u32)>,
    txt: Option<(Vec<Box<[u8]>>, u32)>,
    /// Address records that followed this instance's SRV (go-micro's aliasing:
    /// nodes of one host share the host name, so order tells them apart).
    addresses: Vec<IpAddr>,
}

/// Everything the message's answer and additional sections say in the dialect.
/// Records of other dialects are skipped silently.
#[cfg(test)]
pub fn read(message: &Message) -> Vec<Sighting> {
    read_within(message, gomicro_txt::MAX_INFLATED_LEN).0
}

/// Like [`read`], inflating at most `budget` bytes of TXT payloads in all;
/// nodes past the budget are left unread. Returns the bytes inflated.
pub fn read_within(message: &Message, budget: u64) -> (Vec<Sighting>, u64) {
    let mut left = budget;
    let mut instances: HashMap<Name, Instance> = HashMap::new();
    let mut hosts: HashMap<Name, Vec<IpAddr>> = HashMap::new();
    let mut pointers: Vec<(Name, Name, u32)> = Vec::new();
    // SRV target -> the instance whose SRV named it most recently.
    let mut last_srv: HashMap<Name, Name> = HashMap::new();

    for record in message.answers.iter().chain(message.additionals.iter()) {
        // Standard DNS-SD names (`_x._tcp`) belong to mdns-sd's side: asking
        // about them here would flood DNS-SD responders with questions.
        if record.dns_class != DNSClass::IN || is_dnssd_name(&record.name) {
            continue;
        }
        let name = &record.name;
        match &record.data {
            RData::SRV(srv) => {
                instances.entry(name.clone()).or_default().srv =
                    Some((srv.port, srv.target.clone(), record.ttl));
                last_srv.insert(srv.target.clone(), name.clone());
            }
            RData::TXT(txt) => {
                instances.entry(name.clone()).or_default().txt =
                    Some((txt.txt_data.to_vec(), record.ttl));
            }
            RData::A(_) | RData::AAAA(_) => {
                let ip = match &record.data {
                    RData::A(a) => IpAddr::V4(a.0),
                    RData::AAAA(aaaa) => IpAddr::V6(aaaa.0),
                    _ => unreachable!(),
                };
                match last_srv.get(name).and_then(|i| instances.get_mut(i)) {
                    Some(instance) => instance.addresses.push(ip),
                    None => hosts.entry(name.clone()).or_default().push(ip),
                }
            }
            RData::PTR(ptr) => pointers.push((name.clone(), ptr.0.clone(), record.ttl)),
            _ => {}
        }
    }

    let mut sightings = Vec::new();
    for (owner, target, ttl) in &pointers {
        let target_text = to_text(target);
        if let Some((service, domain)) = split_listing(&target_text) {
            if to_text(owner) == format!("_services.{domain}") {
                sightings.push(Sighting::Listing {
                    domain: domain.to_string(),
                    service: service.to_string(),
                    ttl: *ttl,
                });
            }
        } else if !instances.contains_key(target) && target_text.ends_with(&to_text(owner)) {
            sightings.push(Sighting::Unresolved(target.clone()));
        }
    }

    for (name, instance) in instances {
        let Some((strings, txt_ttl)) = instance.txt else {
            if instance.srv.is_some() {
                sightings.push(Sighting::Unresolved(name));
            }
            continue;
        };
        if left == 0 {
            continue; // over budget: the rest of the datagram is not inflated
        }
        let (decoded, inflated) = gomicro_txt::decode_within(&strings, left);
        left = left.saturating_sub(inflated.max(1));
        // Not go-micro's payload (e.g. a DNS-SD key=value TXT): not ours to read.
        let Ok(txt) = decoded else {
            continue;
        };
        if txt.service.is_empty() {
            continue;
        }
        let text = to_text(&name);
        let Some((node_id, domain)) = split_instance(&text, &txt.service) else {
            continue;
        };
        let (address, ttl) = match &instance.srv {
            Some((port, target, srv_ttl)) => {
                let ips = match instance.addresses.is_empty() {
                    false => Some(&instance.addresses),
                    true => hosts.get(target),
                };
                let address = ips.and_then(|ips| node_address(ips, *port));
                (address, (*srv_ttl).min(txt_ttl))
            }
            None => (None, txt_ttl),
        };
        if ttl > 0 && address.is_none() {
            sightings.push(Sighting::Unresolved(name));
            continue;
        }
        sightings.push(Sighting::Node {
            domain: domain.to_string(),
            ttl,
            signature: txt.signature,
            service: Service {
                name: txt.service.clone(),
                version: txt.version,
                metadata: Default::default(),
                endpoints: txt.endpoints.unwrap_or_default(),
                nodes: vec![Node {
                    id: node_id.to_string(),
                    address: address.unwrap_or_default(),
                    metadata: txt.metadata.unwrap_or_default(),
                }],
            },
        });
    }
    (sightings, budget - left)
}

/// Whether a name has a `_tcp`/`_udp` label, as DNS-SD names do and go-micro's never.
fn is_dnssd_name(name: &Name) -> bool {
    name.iter()
        .any(|label| label.eq_ignore_ascii_case(b"_tcp") || label.eq_ignore_ascii_case(b"_udp"))
}

/// A node's `host:port` from its address records: IPv4 first, as go-micro
/// prefers it. Senders sign the address this gives.
pub fn node_address(ips: &[IpAddr], port: u16) -> Option<String> {
    preferred(ips).map(|ip| match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    })
}

/// IPv4 first, as go-micro prefers it.
fn preferred(ips: &[IpAddr]) -> Option<IpAddr> {
    ips.iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| ips.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::mdns::gomicro_names::*;
    use crate::backend::mdns::gomicro_records::{self, EntryRecords};
    use crate::backend::mdns::gomicro_txt::{encode, GoMicroTxt};

    fn node_entry(id: &str, ip: &str, port: u16) -> EntryRecords {
        let txt = GoMicroTxt {
            metadata: Some([("k".to_string(), "v".to_string())].into()),
            service: "greeter".into(),
            version: "1.0".into(),
            endpoints: None,
            signature: None,
        };
        EntryRecords {
            pointer: service_name("greeter", "micro").unwrap(),
            instance: instance_name(id, "greeter", "micro").unwrap(),
            host: host_name(),
            port,
            addresses: vec![ip.parse().unwrap()],
            txt: encode(&txt).unwrap(),
        }
    }

    fn parse(bytes: &[u8]) -> Vec<Sighting> {
        read(&crate::backend::mdns::wire::decode(bytes).unwrap())
    }

    #[test]
    fn reads_every_node_of_a_message_with_its_own_address() {
        let mut answers = node_entry("a", "10.0.0.1", 1).answer_records(120);
        answers.extend(node_entry("b", "fd00::2", 2).answer_records(120));
        let mut sightings = parse(&gomicro_records::announcement(answers).unwrap());
        sightings.sort_by_key(|s| format!("{s:?}"));
        let nodes: Vec<(String, String, u32)> = sightings
            .iter()
            .map(|s| match s {
                Sighting::Node {
                    service,
                    ttl,
                    domain,
                    ..
                } => {
                    assert_eq!(domain, "micro");
                    assert_eq!(service.version, "1.0");
                    assert_eq!(service.nodes[0].metadata["k"], "v");
                    (
                        service.nodes[0].id.clone(),
                        service.nodes[0].address.clone(),
                        *ttl,
                    )
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        // Both nodes share the host name; each keeps the address that followed its SRV.
        assert_eq!(
            nodes,
            vec![
                ("a".into(), "10.0.0.1:1".into(), 120),
                ("b".into(), "[fd00::2]:2".into(), 120)
            ]
        );
    }

    #[test]
    fn a_zero_ttl_is_a_goodbye() {
        let bytes =
            gomicro_records::announcement(node_entry("a", "10.0.0.1", 1).instance_records(0));
        let sightings = parse(&bytes.unwrap());
        assert!(matches!(&sightings[..], [Sighting::Node { ttl: 0, .. }]));
    }

    #[test]
    fn a_node_without_address_is_unresolved() {
        let mut entry = node_entry("a", "10.0.0.1", 1);
        entry.addresses.clear();
        let sightings = parse(&gomicro_records::announcement(entry.answer_records(120)).unwrap());
        assert!(matches!(&sightings[..], [Sighting::Unresolved(_)]));
    }

    #[test]
    fn leaves_dns_sd_instances_alone() {
        let mut entry = node_entry("a", "10.0.0.1", 1);
        entry.pointer = Name::from_ascii("_micro._tcp.local.").unwrap();
        entry.instance = Name::from_ascii("a._micro._tcp.local.").unwrap();
        let mut records = entry.answer_records(120);
        records.retain(|r| r.record_type() == hickory_proto::rr::RecordType::PTR);
        assert!(parse(&gomicro_records::announcement(records).unwrap()).is_empty());
    }

    #[test]
    fn reads_listing_entries_and_skips_foreign_txt() {
        let listing = EntryRecords {
            pointer: listing_name("micro").unwrap(),
            instance: listing_instance("greeter", "micro").unwrap(),
            host: host_name(),
            port: 9999,
            addresses: vec!["0.0.0.0".parse().unwrap()],
            txt: vec![],
        };
        let mut foreign = node_entry("x", "10.0.0.9", 9);
        foreign.txt = vec!["path=/".into()];
        let mut answers = listing.answer_records(120);
        answers.extend(foreign.instance_records(120));
        let sightings = parse(&gomicro_records::announcement(answers).unwrap());
        assert_eq!(
            sightings,
            vec![Sighting::Listing {
                domain: "micro".into(),
                service: "greeter".into(),
                ttl: 120
            }]
        );
    }

    #[test]
    fn one_datagram_inflates_at_most_its_budget() {
        use flate2::{write::ZlibEncoder, Compression};
        use std::io::Write;
        // Near 1 MiB of JSON (leading blanks are valid JSON) in ~1 KB of zlib.
        let mut json = vec![b' '; (gomicro_txt::MAX_INFLATED_LEN as usize) - 64];
        json.extend_from_slice(br#"{"Service":"greeter","Version":"1"}"#);
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::best());
        zlib.write_all(&json).unwrap();
        let payload = hex::encode(zlib.finish().unwrap());
        let mut answers = Vec::new();
        for i in 0..20 {
            let mut entry = node_entry(&format!("bomb{i}"), "10.0.0.1", 1);
            entry.txt = payload
                .as_bytes()
                .chunks(255)
                .map(|c| String::from_utf8(c.to_vec()).unwrap())
                .collect();
            answers.extend(entry.answer_records(120));
        }
        let message =
            crate::backend::mdns::wire::decode(&gomicro_records::announcement(answers).unwrap())
                .unwrap();
        let budget = gomicro_txt::MAX_INFLATED_LEN;
        let (sightings, inflated) = read_within(&message, budget);
        assert!(inflated <= budget, "{inflated}");
        let nodes = sightings
            .iter()
            .filter(|s| matches!(s, Sighting::Node { .. }))
            .count();
        assert!(nodes <= 1, "{nodes} payloads inflated");
    }
}
