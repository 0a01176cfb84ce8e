//! Which domains exist on the LAN, for the `*` domain.
//!
//! Neither dialect names its domains in one place, so they are gathered from
//! what the wire offers: DNS-SD service type enumeration (RFC 6763 §9: a PTR
//! question for `_services._dns-sd._udp.local.` is answered with every type a
//! responder serves, and a domain `d` is the type `_d._tcp.local.`), the
//! domains of nodes heard in go-micro's dialect (their names end in the
//! domain), and the domains this process uses itself. A `*` lookup then asks
//! each domain followed as it would ask a named one.
//!
//! A LAN can plant thousands of domains, and each one followed costs questions
//! and a DNS-SD browse, so `*` follows at most [`MAX_FOLLOWED_DOMAINS`]: the
//! registry's own domain first, then the others in order (see
//! [`KnownDomains::followed`]).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use hickory_proto::op::Message;
use hickory_proto::rr::{Name, RData, RecordType};

use super::counters::Counters;
use super::dnssd::MAX_BROWSED_TYPES;
use super::questions::Question;
use crate::registry::WILDCARD_DOMAIN;

/// The DNS-SD service type enumeration name (RFC 6763 §9).
pub const SERVICE_TYPES: &str = "_services._dns-sd._udp.local.";
/// Domains remembered at most (a LAN that names more is not followed further).
pub const MAX_DOMAINS: usize = 256;
/// Domains that `*` follows at most (each is asked about and browsed).
pub const MAX_FOLLOWED_DOMAINS: usize = MAX_BROWSED_TYPES;

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

/// The domains learnt so far (bounded), and which of them `*` follows.
pub struct KnownDomains {
    /// The registry's own domain: always followed.
    default: String,
    domains: Mutex<BTreeSet<String>>,
    counters: Arc<Counters>,
}

impl KnownDomains {
    /// Knows `default` from the start; counts `*` calls that leave domains
    /// out in `counters.domains_not_followed`.
    pub fn new(default: &str, counters: Arc<Counters>) -> Self {
        let known = KnownDomains {
            default: default.to_string(),
            domains: Mutex::new(BTreeSet::new()),
            counters,
        };
        known.learn(default);
        known
    }

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

    /// The domains a call about `domain` covers: itself, or for `*` the
    /// default domain and the others learnt or in view (`in_view`), at most
    /// [`MAX_FOLLOWED_DOMAINS`] in all.
    pub fn followed(&self, domain: &str, in_view: impl IntoIterator<Item = String>) -> Vec<String> {
        if domain != WILDCARD_DOMAIN {
            return vec![domain.to_string()];
        }
        let mut others = self.all();
        others.extend(in_view);
        others.remove(&self.default);
        if others.len() >= MAX_FOLLOWED_DOMAINS {
            Counters::add(&self.counters.domains_not_followed, 1);
        }
        let mut all = vec![self.default.clone()];
        all.extend(others.into_iter().take(MAX_FOLLOWED_DOMAINS - 1));
        all
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

    fn known() -> KnownDomains {
        KnownDomains::new("micro", Arc::new(Counters::default()))
    }

    #[test]
    fn known_domains_are_bounded() {
        let known = known();
        assert!(!known.learn("micro"), "the default is known from the start");
        assert!(known.learn("dev"));
        for i in 0..MAX_DOMAINS * 2 {
            known.learn(&format!("d{i}"));
        }
        assert_eq!(known.all().len(), MAX_DOMAINS);
    }

    #[test]
    fn the_wildcard_follows_the_default_domain_and_a_bounded_number_of_others() {
        let known = known();
        assert_eq!(known.followed("dev", []), ["dev"]);
        known.learn("staging");
        let in_view = BTreeSet::from(["prod".to_string(), "micro".to_string()]);
        assert_eq!(
            known.followed(WILDCARD_DOMAIN, in_view),
            ["micro", "prod", "staging"]
        );
        assert_eq!(known.counters.snapshot().domains_not_followed, 0);
        // Planted domains: learnt from the wire and in view.
        for i in 0..100 {
            known.learn(&format!("a{i:03}"));
        }
        let planted = (0..1000).map(|i| format!("b{i:04}"));
        let followed = known.followed(WILDCARD_DOMAIN, planted);
        assert_eq!(followed.len(), MAX_FOLLOWED_DOMAINS);
        assert_eq!(followed[0], "micro", "the default is always followed");
        assert_eq!(known.counters.snapshot().domains_not_followed, 1);
    }
}
