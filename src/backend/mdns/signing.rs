//! Signed announcements: with registry keys set, every record microreg sends
//! about a node carries an HMAC-SHA-256 (ring) over the node's identity and
//! content, whether it is alive or a goodbye, a timestamp and a counter.
//! Receivers holding a key accept a signed record only when the MAC is valid,
//! the timestamp is fresh and (timestamp, counter) is newer than the last one
//! accepted for that node, so forged goodbyes, hijacked node ids, extra nodes
//! and replays are refused.
//!
//! The signature travels as `v1.<key id>.<ms>.<counter>.<mac>` in what the
//! dialect already carries: a `Signature` member of go-micro's TXT JSON (Go's
//! decoder ignores members it does not know, so go-micro reads what it always
//! read). Several keys may be set: the first signs, every one verifies, so a
//! key is rotated by adding the new one everywhere, then putting it first,
//! then removing the old one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::hmac;

use crate::error::{Error, Result};
use crate::model::Service;

/// A signed record older (or further in the future) than this is refused:
/// the replay window. Clocks of the LAN's hosts must agree within it.
pub const FRESHNESS: Duration = Duration::from_secs(30);
/// Nodes whose last accepted (timestamp, counter) is remembered at most.
const MAX_REMEMBERED: usize = 65536;
const VERSION: &str = "v1";

/// Registry keys for signed announcements (at least 16 characters each): the
/// first signs, all verify. `Debug` never shows them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Keys(
    /// The keys, the signing one first.
    pub Vec<String>,
);

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} hidden]", self.0.len())
    }
}

/// What the live view does with unsigned records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignPolicy {
    /// No keys: nothing is signed, everything is taken as it comes.
    #[default]
    NoKeys,
    /// Keys: unsigned records are kept apart (never override a signed node)
    /// and marked with [`UNSIGNED_MARK`].
    MarkUnsigned,
    /// Keys and `require_signed`: unsigned records are ignored.
    RequireSigned,
}

/// The node metadata key that marks an unsigned node when keys are set.
pub const UNSIGNED_MARK: &str = "microreg.unsigned";

/// One registry key.
struct Key {
    /// First 4 bytes of SHA-256 of the key, hex: names the key in signatures.
    id: String,
    key: hmac::Key,
}

/// Why a record was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No signature at all.
    Unsigned,
    /// Malformed, unknown key or wrong MAC: a forgery or a tampered record.
    Invalid,
    /// Outside the freshness window.
    Stale,
    /// Older than one already accepted for the node: a replay.
    Replayed,
    /// Nothing new: the very record last accepted for the node, again (the
    /// same datagram heard over IPv4 and IPv6), or an older one that says
    /// the same (two answers of the node's that crossed on the way). Not
    /// an attack: ignored without counting.
    Duplicate,
}

/// What a signature covers: the node's identity, its content, and whether
/// the record says it is alive or gone.
pub struct Signed<'a> {
    pub domain: &'a str,
    /// The one-node service, as the receiver reads it.
    pub service: &'a Service,
    pub alive: bool,
}

impl Signed<'_> {
    /// What the record says (all but the timestamp and counter), as a hash:
    /// tells an out-of-order copy of the current state from a rollback.
    fn says(bytes: &[u8]) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes[..bytes.len() - 16].hash(&mut hasher);
        hasher.finish()
    }

    /// Length-prefixed fields, so that no two contents share bytes; the
    /// timestamp and counter last (16 bytes).
    fn bytes(&self, timestamp_ms: u64, counter: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        let mut field = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        field(b"microreg-mdns-signature-v1");
        field(self.domain.as_bytes());
        field(self.service.name.as_bytes());
        field(self.service.version.as_bytes());
        let node = self.service.nodes.first();
        field(node.map_or("", |n| n.id.as_str()).as_bytes());
        if self.alive {
            field(node.map_or("", |n| n.address.as_str()).as_bytes());
            // BTreeMap and our model types serialize in one order: canonical.
            let metadata = node.map(|n| &n.metadata);
            field(&serde_json::to_vec(&metadata).unwrap_or_default());
            field(&serde_json::to_vec(&self.service.endpoints).unwrap_or_default());
            field(b"alive");
        } else {
            field(b"goodbye");
        }
        out.extend_from_slice(&timestamp_ms.to_be_bytes());
        out.extend_from_slice(&counter.to_be_bytes());
        out
    }
}

/// (domain, service, node id).
type NodeId = (String, String, String);

struct Accepted {
    at: (u64, u64),
    says: u64,
}

/// The keys of a registry and what it has accepted so far.
pub struct Signer {
    keys: Vec<Key>,
    /// Strictly increasing across this process's signatures.
    counter: AtomicU64,
    /// Per node, the last accepted record: its (timestamp, counter) and
    /// what it said ([`Signed::says`]).
    accepted: Mutex<HashMap<NodeId, Accepted>>,
}

impl Signer {
    /// A signer with `keys` (the first signs); `None` when there are none.
    pub fn new(keys: &[String]) -> Result<Option<Self>> {
        if keys.is_empty() {
            return Ok(None);
        }
        let mut parsed = Vec::with_capacity(keys.len());
        for key in keys {
            if key.len() < 16 {
                return Err(Error::invalid(
                    "a registry key must be at least 16 characters (use a long random string)",
                ));
            }
            let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
            parsed.push(Key {
                id: hex::encode(&digest.as_ref()[..4]),
                key: hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()),
            });
        }
        Ok(Some(Signer {
            keys: parsed,
            counter: AtomicU64::new(0),
            accepted: Mutex::new(HashMap::new()),
        }))
    }

    /// A signature of `content` made now.
    pub fn sign(&self, content: &Signed<'_>) -> String {
        self.sign_at(content, now_ms())
    }

    /// A signature of `content` as made at `timestamp_ms` (ms since the Unix
    /// epoch): for tools that build old or future records (tests of the window).
    pub fn sign_at(&self, content: &Signed<'_>, timestamp_ms: u64) -> String {
        let counter = self.counter.fetch_add(1, Ordering::Relaxed);
        let key = &self.keys[0];
        let tag = hmac::sign(&key.key, &content.bytes(timestamp_ms, counter));
        format!(
            "{VERSION}.{}.{timestamp_ms}.{counter}.{}",
            key.id,
            hex::encode(tag.as_ref())
        )
    }

    /// Accepts `content` if `signature` is a valid, fresh, new signature of
    /// it; remembers it, so that the same signature is refused next time.
    pub fn verify(&self, content: &Signed<'_>, signature: Option<&str>) -> Result<(), Refusal> {
        self.verify_at(content, signature, now_ms())
    }

    fn verify_at(
        &self,
        content: &Signed<'_>,
        signature: Option<&str>,
        now_ms: u64,
    ) -> Result<(), Refusal> {
        let signature = signature.ok_or(Refusal::Unsigned)?;
        let parts: Vec<&str> = signature.split('.').collect();
        let [VERSION, key_id, timestamp, counter, mac] = parts[..] else {
            return Err(Refusal::Invalid);
        };
        let (Ok(timestamp_ms), Ok(counter), Ok(mac)) = (
            timestamp.parse::<u64>(),
            counter.parse::<u64>(),
            hex::decode(mac),
        ) else {
            return Err(Refusal::Invalid);
        };
        let bytes = content.bytes(timestamp_ms, counter);
        let valid = self
            .keys
            .iter()
            .filter(|k| k.id == key_id)
            .any(|k| hmac::verify(&k.key, &bytes, &mac).is_ok());
        if !valid {
            return Err(Refusal::Invalid);
        }
        if timestamp_ms.abs_diff(now_ms) > FRESHNESS.as_millis() as u64 {
            return Err(Refusal::Stale);
        }
        let node = content.service.nodes.first().map_or("", |n| n.id.as_str());
        let key = (
            content.domain.to_string(),
            content.service.name.clone(),
            node.to_string(),
        );
        let at = (timestamp_ms, counter);
        let says = Signed::says(&bytes);
        let mut accepted = self.accepted.lock().unwrap_or_else(|e| e.into_inner());
        match accepted.get(&key) {
            Some(last) if at == last.at => return Err(Refusal::Duplicate),
            // Older, but what the node says now: answers that crossed.
            Some(last) if at < last.at && says == last.says => return Err(Refusal::Duplicate),
            // Older and different: a rollback (alive again after a goodbye,
            // an old address after a move).
            Some(last) if at < last.at => return Err(Refusal::Replayed),
            _ => {}
        }
        if accepted.len() >= MAX_REMEMBERED && !accepted.contains_key(&key) {
            // Entries older than the window cannot be replayed anyway.
            let oldest_fresh = now_ms.saturating_sub(FRESHNESS.as_millis() as u64);
            accepted.retain(|_, last| last.at.0 >= oldest_fresh);
            if accepted.len() >= MAX_REMEMBERED {
                return Err(Refusal::Replayed); // a flood of valid signatures: keep what we have
            }
        }
        accepted.insert(key, Accepted { at, says });
        Ok(())
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The registry keys: those given, else one per line of `keys_file`, else the
/// comma-separated `MICROREG_KEYS` environment variable.
pub fn load_keys(given: &[String], keys_file: Option<&std::path::Path>) -> Result<Vec<String>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    if let Some(path) = keys_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid(format!("cannot read the keys file {}: {e}", path.display()))
        })?;
        return Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect());
    }
    Ok(std::env::var("MICROREG_KEYS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(String::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;

    const KEY: &str = "a registry key of the test LAN";
    const NEW_KEY: &str = "the key that replaces it, rotated";

    fn signer(keys: &[&str]) -> Signer {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        Signer::new(&keys).unwrap().unwrap()
    }

    fn node(address: &str) -> Service {
        Service::new("greeter", "1").with_node(Node::new("greeter-1", address))
    }

    fn alive(service: &Service) -> Signed<'_> {
        Signed {
            domain: "micro",
            service,
            alive: true,
        }
    }

    #[test]
    fn a_valid_signature_is_accepted_once() {
        let (a, b) = (signer(&[KEY]), signer(&[KEY]));
        let service = node("10.0.0.1:80");
        let signature = a.sign(&alive(&service));
        assert_eq!(b.verify(&alive(&service), Some(&signature)), Ok(()));
        assert_eq!(
            b.verify(&alive(&service), Some(&signature)),
            Err(Refusal::Duplicate)
        );
        let newer = a.sign(&alive(&service));
        assert_eq!(b.verify(&alive(&service), Some(&newer)), Ok(()));
        assert_eq!(
            b.verify(&alive(&service), Some(&signature)),
            Err(Refusal::Duplicate),
            "older but saying the same: two answers that crossed"
        );
        let goodbye = Signed {
            domain: "micro",
            service: &service,
            alive: false,
        };
        let gone = a.sign(&goodbye);
        assert_eq!(b.verify(&goodbye, Some(&gone)), Ok(()));
        assert_eq!(
            b.verify(&alive(&service), Some(&newer)),
            Err(Refusal::Replayed),
            "alive again after a goodbye, from before it: a replay"
        );
        let moved = node("10.0.0.2:80");
        let after_move = a.sign(&alive(&moved));
        assert_eq!(b.verify(&alive(&moved), Some(&after_move)), Ok(()));
        assert_eq!(
            b.verify(&alive(&service), Some(&newer)),
            Err(Refusal::Replayed),
            "the old address after a move"
        );
        assert_eq!(b.verify(&alive(&service), None), Err(Refusal::Unsigned));
    }

    #[test]
    fn forgeries_are_refused() {
        let (a, b) = (signer(&[KEY]), signer(&[KEY]));
        let attacker = signer(&["the attacker's own key, not ours"]);
        let service = node("10.0.0.1:80");
        let signature = a.sign(&alive(&service));
        // Hijack: the same node id and signature with another address.
        let hijacked = node("10.6.6.6:80");
        assert_eq!(
            b.verify(&alive(&hijacked), Some(&signature)),
            Err(Refusal::Invalid)
        );
        // A goodbye made from an announcement's signature.
        let goodbye = Signed {
            domain: "micro",
            service: &service,
            alive: false,
        };
        assert_eq!(b.verify(&goodbye, Some(&signature)), Err(Refusal::Invalid));
        // An extra node signed with another key.
        let extra = node("10.6.6.7:80");
        let forged = attacker.sign(&alive(&extra));
        assert_eq!(b.verify(&alive(&extra), Some(&forged)), Err(Refusal::Invalid));
        assert_eq!(
            b.verify(&alive(&service), Some("v1.x.1.2.zz")),
            Err(Refusal::Invalid)
        );
    }

    #[test]
    fn a_replay_after_the_window_is_stale() {
        let (a, b) = (signer(&[KEY]), signer(&[KEY]));
        let service = node("10.0.0.1:80");
        let captured = a.sign_at(&alive(&service), 1_000_000);
        let later = 1_000_000 + FRESHNESS.as_millis() as u64 + 1;
        assert_eq!(
            b.verify_at(&alive(&service), Some(&captured), later),
            Err(Refusal::Stale)
        );
    }

    #[test]
    fn keys_rotate_without_a_gap() {
        let old = signer(&[KEY]);
        let both = signer(&[NEW_KEY, KEY]);
        let new_only = signer(&[NEW_KEY]);
        let service = node("10.0.0.1:80");
        // Step 1: everyone verifies both keys; old signers still accepted.
        assert_eq!(both.verify(&alive(&service), Some(&old.sign(&alive(&service)))), Ok(()));
        // Step 2: signers sign with the new key; old-only peers refuse it.
        let fresh = both.sign(&alive(&service));
        assert_eq!(new_only.verify(&alive(&service), Some(&fresh)), Ok(()));
        assert_eq!(
            old.verify(&alive(&service), Some(&fresh)),
            Err(Refusal::Invalid)
        );
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(Signer::new(&["short".to_string()]).is_err());
        assert!(Signer::new(&[]).unwrap().is_none());
    }
}
