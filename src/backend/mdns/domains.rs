//! Which domains exist on the LAN, for the `*` domain.
//!
//! Neither dialect names its domains in one place, so they are gathered from
//! what the wire offers: DNS-SD service type enumeration (RFC 6763 §9: a PTR
//! question for `_services._dns-sd._udp.local.` is answered with every type a
//! responder serves, and a domain `d` is the type `_d._tcp.local.`), the
//! domains of nodes heard in go-micro's dialect (their names end in the
//! domain), and the domains this process uses itself. A `*` lookup then asks
//! each domain learnt as it would ask a named one.

use std::collections::BTreeSet;
use std::sync::Mutex;

use hickory_proto::op::Message;
use hickory_proto::rr::{Name, RData, RecordType};

use super::questions::Question;

/// The DNS-SD service type enumeration name (RFC 6763 §9).
pub const SERVICE_TYPES: &str = "_services._dns-sd._udp.local.";
/// Domains remembered at most (a LAN that names more is not followed further).
pub const MAX_DOMAINS: usize = 256;

/// The question that enumerates DNS-SD service types.
pub fn service_types_question() -> Question {
    Question::new(
        Name::from_ascii(SERVICE_TYPES).expect("a valid name"),
        RecordType::PTR,
    )
}

/// The domains named by answers to [`service_types_question`] in `message`:
/// `_d._tcp.local.` gives `d`.
pub fn domains_in(message: &Message) -> Vec<String> {
    message
        .answers
        .iter()
        .chain(message.additionals.iter())
        .filter(|r| r.name.to_ascii().eq_ignore_ascii_case(SERVICE_TYPES))
        .filter_map(|r| match &r.data {
            RData::PTR(ptr) => domain_of_type(&ptr.0),
            _ => None,
        })
        .collect()
}

/// `_d._tcp.local.` -> `d`, if `d` could be one of our domains.
fn domain_of_type(name: &Name) -> Option<String> {
    let labels: Vec<&[u8]> = name.iter().collect();
    let [label, proto, local] = labels[..] else {
        return None;
    };
    if !proto.eq_ignore_ascii_case(b"_tcp") || !local.eq_ignore_ascii_case(b"local") {
        return None;
    }
    let domain = std::str::from_utf8(label.strip_prefix(b"_")?).ok()?;
    let valid = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    valid.then(|| domain.to_ascii_lowercase())
}

/// The domains learnt so far (bounded).
#[derive(Default)]
pub struct KnownDomains {
    domains: Mutex<BTreeSet<String>>,
}

impl KnownDomains {
    /// Remembers a domain; true when it is new.
    pub fn learn(&self, domain: &str) -> bool {
        let mut domains = self.domains.lock().unwrap_or_else(|e| e.into_inner());
        if domains.len() >= MAX_DOMAINS || domains.contains(domain) {
            return false;
        }
        domains.insert(domain.to_string())
    }

    pub fn all(&self) -> BTreeSet<String> {
        self.domains
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{MessageType, OpCode};
    use hickory_proto::rr::rdata::PTR;
    use hickory_proto::rr::Record;

    #[test]
    fn service_types_name_domains() {
        let mut message = Message::new(0, MessageType::Response, OpCode::Query);
        for ty in [
            "_staging._tcp.local.",
            "_prod._tcp.local.",
            "_x._udp.local.",
        ] {
            message.answers.push(Record::from_rdata(
                Name::from_ascii(SERVICE_TYPES).unwrap(),
                4500,
                RData::PTR(PTR(Name::from_ascii(ty).unwrap())),
            ));
        }
        assert_eq!(domains_in(&message), ["staging", "prod"]);
    }

    #[test]
    fn known_domains_are_bounded() {
        let known = KnownDomains::default();
        assert!(known.learn("micro"));
        assert!(!known.learn("micro"));
        for i in 0..MAX_DOMAINS * 2 {
            known.learn(&format!("d{i}"));
        }
        assert_eq!(known.all().len(), MAX_DOMAINS);
    }
}
