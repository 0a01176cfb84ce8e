//! The nodes this process publishes in go-micro's dialect, and the answers they
//! give to questions (one message per node, as go-micro's querier reads only
//! the last node of a message).

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::Query;
use hickory_proto::rr::{Name, Record, RecordType};
use tokio::time::Instant;

use super::gomicro_names::{self, to_text};
use super::gomicro_parse::node_address;
use super::gomicro_records::EntryRecords;
use super::gomicro_txt::{self, GoMicroTxt};
use super::live_view::NodeKey;
use super::signing::{Signed, Signer};
use crate::error::Result;
use crate::model::{split_host_port, Service};

/// go-micro's record TTL, used when a registration has no TTL of its own.
pub const DEFAULT_RECORD_TTL: u32 = 120;
/// go-micro's listing entries point at port 9999 and 0.0.0.0.
const LISTING_PORT: u16 = 9999;
/// A new or changed node is announced again this long after the first time,
/// in case the first announcement was lost.
const REPEAT_ANNOUNCEMENT: Duration = Duration::from_secs(1);

/// One of our nodes, ready to go on the wire.
pub struct PublishedNode {
    pub key: NodeKey,
    /// The service with exactly this node.
    pub service: Service,
    /// Records with the unsigned TXT; signed copies are made per send.
    pub records: EntryRecords,
    /// With registry keys: what to sign (the node as receivers will read it:
    /// its address from the records) and the signer.
    signing: Option<(Box<Service>, GoMicroTxt, Arc<Signer>)>,
    /// Record TTL in seconds.
    pub ttl: u32,
    /// Set when the registration has a TTL: the node lapses unless registered again.
    pub expires: Option<Instant>,
    pub next_announcement: Option<Instant>,
    service_name: String,
    instance_name: String,
}

/// What a registration did to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    New,
    Changed,
    Refreshed,
}

impl PublishedNode {
    /// Prepares `service.nodes[0]` for the wire. `fallback_ips` stand in for a node
    /// address whose host is not an IP literal (or is unspecified).
    pub fn new(
        domain: &str,
        service: Service,
        registry_ttl: Option<Duration>,
        host: &Name,
        fallback_ips: &[IpAddr],
        signer: Option<&Arc<Signer>>,
    ) -> Result<Self> {
        let node = &service.nodes[0];
        let (address_host, port) = split_host_port(&node.address)?;
        let addresses = match address_host.parse::<IpAddr>() {
            Ok(ip) if !ip.is_unspecified() => vec![ip],
            _ => fallback_ips.to_vec(),
        };
        let payload = GoMicroTxt {
            metadata: Some(node.metadata.clone()),
            service: service.name.clone(),
            version: service.version.clone(),
            endpoints: Some(service.endpoints.clone()),
            signature: None,
        };
        let txt = gomicro_txt::encode(&payload)?;
        let signing = signer.map(|signer| {
            let mut read_as = service.clone();
            read_as.metadata = Default::default();
            read_as.nodes[0].address = node_address(&addresses, port).unwrap_or_default();
            (Box::new(read_as), payload, signer.clone())
        });
        let pointer = gomicro_names::service_name(&service.name, domain)?;
        let instance = gomicro_names::instance_name(&node.id, &service.name, domain)?;
        let ttl = registry_ttl.map_or(DEFAULT_RECORD_TTL, |t| {
            u32::try_from(t.as_secs_f64().ceil() as u64)
                .unwrap_or(u32::MAX)
                .max(1)
        });
        Ok(PublishedNode {
            key: NodeKey {
                domain: domain.to_string(),
                service: service.name.clone(),
                node_id: node.id.clone(),
            },
            service_name: to_text(&pointer).to_ascii_lowercase(),
            instance_name: to_text(&instance).to_ascii_lowercase(),
            records: EntryRecords {
                pointer,
                instance,
                host: host.clone(),
                port,
                addresses,
                txt,
            },
            expires: registry_ttl.map(|t| Instant::now() + t),
            next_announcement: None,
            ttl,
            service,
            signing,
        })
    }

    /// PTR, SRV, A/AAAA, TXT with this TTL (0: goodbye), signed if we have keys.
    pub fn answer_records(&self, ttl: u32) -> Vec<Record> {
        self.signed(ttl).answer_records(ttl)
    }

    /// SRV, A/AAAA, TXT with this TTL, signed if we have keys.
    pub fn instance_records(&self, ttl: u32) -> Vec<Record> {
        self.signed(ttl).instance_records(ttl)
    }

    /// The records with a TXT signed now (a fresh timestamp and counter).
    fn signed(&self, ttl: u32) -> std::borrow::Cow<'_, EntryRecords> {
        let Some((read_as, payload, signer)) = &self.signing else {
            return std::borrow::Cow::Borrowed(&self.records);
        };
        let signature = signer.sign(&Signed {
            domain: &self.key.domain,
            service: read_as,
            alive: ttl > 0,
        });
        let mut payload = payload.clone();
        payload.signature = Some(signature);
        match gomicro_txt::encode(&payload) {
            Ok(txt) => std::borrow::Cow::Owned(EntryRecords {
                txt,
                ..self.records.clone()
            }),
            Err(_) => std::borrow::Cow::Borrowed(&self.records),
        }
    }
}

impl PublishedNode {
    /// When the timer next has something to do for this node.
    fn deadline(&self) -> Option<Instant> {
        earliest(self.expires, self.next_announcement)
    }

    /// Half the record TTL, less up to a tenth spread by node id, so that nodes
    /// registered together are not re-announced in one burst. Half refreshes
    /// every cache before its 80 % re-query (RFC 6762 §5.2), which still covers
    /// a lost announcement; each multicast wakes every mDNS socket on the LAN
    /// (mdns-sd scans its whole cache per packet), so not more often.
    fn reannounce_interval(&self) -> Duration {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.key.hash(&mut hasher);
        let half = Duration::from_secs(u64::from(self.ttl / 2).max(1));
        let spread_ms = (half.as_millis() as u64 / 10).max(1);
        half - Duration::from_millis(hasher.finish() % spread_ms)
    }
}

/// All nodes this process publishes.
#[derive(Default)]
pub struct Published {
    /// Boxed: a node is several hundred bytes, and a map keeps spare slots (up
    /// to as many again) that would otherwise each be that large.
    nodes: HashMap<NodeKey, Box<PublishedNode>>,
    /// No node lapses or falls due for an announcement before this (a lower
    /// bound), so the timer skips the table until then; `None`: nothing due.
    next_deadline: Option<Instant>,
}

impl Published {
    /// Adds or replaces a node and schedules its next announcement.
    pub fn upsert(&mut self, mut node: PublishedNode) -> Change {
        let now = Instant::now();
        let change = match self.nodes.get(&node.key) {
            None => Change::New,
            Some(old) if old.records != node.records || old.service != node.service => {
                Change::Changed
            }
            Some(_) => Change::Refreshed,
        };
        node.next_announcement = match change {
            Change::New | Change::Changed => Some(now + REPEAT_ANNOUNCEMENT),
            Change::Refreshed => self.nodes[&node.key].next_announcement,
        };
        self.next_deadline = earliest(self.next_deadline, node.deadline());
        self.nodes.insert(node.key.clone(), Box::new(node));
        change
    }

    pub fn get(&self, key: &NodeKey) -> Option<&PublishedNode> {
        self.nodes.get(key).map(|node| &**node)
    }

    pub fn remove(&mut self, key: &NodeKey) -> Option<PublishedNode> {
        self.nodes.remove(key).map(|node| *node)
    }

    /// Removes every node of `service` at `version` in `domain`.
    pub fn remove_version(
        &mut self,
        domain: &str,
        service: &str,
        version: &str,
    ) -> Vec<PublishedNode> {
        let keys: Vec<NodeKey> = self
            .nodes
            .iter()
            .filter(|(k, n)| {
                k.domain == domain && k.service == service && n.service.version == version
            })
            .map(|(k, _)| k.clone())
            .collect();
        keys.iter().filter_map(|k| self.remove(k)).collect()
    }

    pub fn take_all(&mut self) -> Vec<PublishedNode> {
        self.next_deadline = None;
        self.nodes.drain().map(|(_, n)| *n).collect()
    }

    /// Whether any node may lapse or fall due for an announcement by `now`.
    fn anything_due(&self, now: Instant) -> bool {
        self.next_deadline.is_some_and(|at| at <= now)
    }

    /// Nodes whose registration TTL ran out (the keeper did not refresh them).
    pub fn take_lapsed(&mut self, now: Instant) -> Vec<PublishedNode> {
        if !self.anything_due(now) {
            return Vec::new();
        }
        let keys: Vec<NodeKey> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.expires.is_some_and(|e| e <= now))
            .map(|(k, _)| k.clone())
            .collect();
        keys.iter().filter_map(|k| self.remove(k)).collect()
    }

    /// Announcement records of at most `limit` nodes due for one, rescheduling
    /// them: a node without a registry TTL is re-announced at half its
    /// record TTL (no keeper does it), one with a TTL is refreshed by its
    /// keeper's registrations. The limit bounds the records built at once (1000
    /// nodes registered together fall due together); the rest stay due.
    pub fn due_announcements(&mut self, now: Instant, limit: usize) -> Vec<Vec<Record>> {
        if !self.anything_due(now) {
            return Vec::new();
        }
        let mut due = Vec::new();
        let mut next_deadline = None;
        for node in self.nodes.values_mut() {
            if due.len() < limit && node.next_announcement.is_some_and(|at| at <= now) {
                due.push(node.answer_records(node.ttl));
                node.next_announcement = node
                    .expires
                    .is_none()
                    .then(|| now + node.reannounce_interval());
            }
            next_deadline = earliest(next_deadline, node.deadline());
        }
        self.next_deadline = next_deadline;
        due
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The answer sets to `question`: one per message to send.
    pub fn answers(&self, question: &Query, host: &Name) -> Vec<Vec<Record>> {
        let asked = to_text(question.name()).to_ascii_lowercase();
        let kind = question.query_type();
        let mut answers = Vec::new();
        if matches!(kind, RecordType::PTR | RecordType::ANY) {
            for node in self.nodes.values().filter(|n| n.service_name == asked) {
                answers.push(node.answer_records(node.ttl));
            }
            if let Some(domain) = asked.strip_prefix("_services.") {
                answers.extend(self.listing_answers(domain, host));
            }
        }
        if matches!(kind, RecordType::ANY | RecordType::SRV | RecordType::TXT) {
            for node in self.nodes.values().filter(|n| n.instance_name == asked) {
                answers.push(node.instance_records(node.ttl));
            }
        }
        answers
    }

    /// Whether an answer built earlier (by [`Self::answers`]) is still true:
    /// the node it describes has not been removed since. Listing entries
    /// always are (they name no node).
    pub fn still_answers(&self, answers: &[Record]) -> bool {
        let Some(instance) = answers.iter().find_map(|r| match &r.data {
            hickory_proto::rr::RData::SRV(_) => Some(&r.name),
            _ => None,
        }) else {
            return true;
        };
        let instance = to_text(instance).to_ascii_lowercase();
        if instance.contains("._services.") {
            return true;
        }
        self.nodes.values().any(|n| n.instance_name == instance)
    }

    /// go-micro's listing entries: one per service name in `domain`.
    fn listing_answers(&self, domain: &str, host: &Name) -> Vec<Vec<Record>> {
        let services: BTreeSet<(&str, u32)> = self
            .nodes
            .values()
            .filter(|n| n.key.domain.eq_ignore_ascii_case(domain))
            .map(|n| (n.key.service.as_str(), n.ttl))
            .collect();
        let mut done = BTreeSet::new();
        let mut answers = Vec::new();
        for (service, ttl) in services {
            if !done.insert(service) {
                continue;
            }
            let (Ok(pointer), Ok(instance)) = (
                gomicro_names::listing_name(domain),
                gomicro_names::listing_instance(service, domain),
            ) else {
                continue;
            };
            let entry = EntryRecords {
                pointer,
                instance,
                host: host.clone(),
                port: LISTING_PORT,
                addresses: vec![IpAddr::V4(Ipv4Addr::UNSPECIFIED)],
                txt: vec![String::new()],
            };
            answers.push(entry.answer_records(ttl));
        }
        answers
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A registration names the nodes to publish; each must fit in DNS names.
pub fn check_publishable(domain: &str, service: &Service) -> Result<()> {
    for node in &service.nodes {
        gomicro_names::check_node_fits(&node.id, &service.name, domain)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::mdns::gomicro_names::host_name;
    use crate::model::Node;

    fn published(id: &str) -> PublishedNode {
        let service = Service::new("greeter", "1").with_node(Node::new(id, "10.0.0.1:80"));
        PublishedNode::new(
            "micro",
            service,
            Some(Duration::from_millis(2500)),
            &host_name(),
            &[],
            None,
        )
        .unwrap()
    }

    #[test]
    fn answers_service_listing_and_instance_questions() {
        let mut table = Published::default();
        assert_eq!(table.upsert(published("a")), Change::New);
        assert_eq!(table.upsert(published("b")), Change::New);
        assert_eq!(table.upsert(published("b")), Change::Refreshed);
        let host = host_name();
        let ask = |name: &str, kind| Query::query(Name::from_ascii(name).unwrap(), kind);
        let per_node = table.answers(&ask("Greeter.micro.", RecordType::PTR), &host);
        assert_eq!(
            per_node.len(),
            2,
            "one message per node, names case-insensitive"
        );
        assert!(
            per_node.iter().all(|records| records[0].ttl == 3),
            "TTL rounded up"
        );
        let listing = table.answers(&ask("_services.micro.", RecordType::PTR), &host);
        assert_eq!(listing.len(), 1, "one listing entry per service");
        let instance = table.answers(&ask("a.greeter.micro.", RecordType::ANY), &host);
        assert_eq!(instance.len(), 1);
        assert!(table
            .answers(&ask("other.micro.", RecordType::PTR), &host)
            .is_empty());
    }

    #[test]
    fn an_answer_built_before_a_removal_is_no_longer_sent() {
        let mut table = Published::default();
        table.upsert(published("a"));
        let host = host_name();
        let question = Query::query(Name::from_ascii("greeter.micro.").unwrap(), RecordType::PTR);
        let built = table.answers(&question, &host);
        assert!(table.still_answers(&built[0]));
        table.remove(&NodeKey {
            domain: "micro".into(),
            service: "greeter".into(),
            node_id: "a".into(),
        });
        assert!(!table.still_answers(&built[0]), "said goodbye meanwhile");
    }

    #[test]
    fn lapsed_nodes_leave_the_table() {
        let mut table = Published::default();
        table.upsert(published("a"));
        assert!(table.take_lapsed(Instant::now()).is_empty());
        let later = Instant::now() + Duration::from_secs(3);
        assert_eq!(table.take_lapsed(later).len(), 1);
        assert!(table.is_empty());
    }

    #[test]
    fn announcements_fall_due_at_most_limit_at_a_time_and_none_early() {
        let mut table = Published::default();
        for id in ["a", "b", "c"] {
            table.upsert(published(id));
        }
        assert!(
            table.due_announcements(Instant::now(), 10).is_empty(),
            "the repeat comes a second later"
        );
        let later = Instant::now() + REPEAT_ANNOUNCEMENT;
        assert_eq!(table.due_announcements(later, 2).len(), 2);
        assert_eq!(
            table.due_announcements(later, 2).len(),
            1,
            "the rest stay due"
        );
        assert!(table.due_announcements(later, 2).is_empty());
        let after_lapse = Instant::now() + Duration::from_secs(3);
        assert_eq!(
            table.take_lapsed(after_lapse).len(),
            3,
            "lapses still found after the skip-ahead"
        );
    }

    #[test]
    fn names_too_long_for_dns_are_refused() {
        let service = Service::new("s", "1").with_node(Node::new("x".repeat(70), "1.2.3.4:5"));
        assert!(check_publishable("micro", &service).is_err());
    }
}
