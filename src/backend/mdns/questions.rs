//! Query scheduling: every question the go-micro dialect sends goes through
//! [`Questions::admit`], which deduplicates and rate-limits them (RFC 6762 §7.3
//! in spirit: the same question is not repeated faster than its purpose needs,
//! and the total is bounded), and [`requery_points`] says when a lease is asked
//! about again (RFC 6762 §5.2).
//!
//! Questions come from four places: lookups' rounds ([`super::lookup`]), lease
//! re-queries, follow-ups of what the LAN mentions (listing entries, instances
//! with missing records, bursts of new nodes), and the discovery of domains for
//! `*`. They all carry their known answers, so a responder that suppresses known
//! answers (RFC 6762 §7.1; microreg does) only sends what the asker lacks.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, Record, RecordType};
use tokio::time::Instant;

use crate::error::{Error, Result};

/// Why a question is asked; each purpose has its own minimum repeat interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A round of a lookup that is waiting for the LAN's answers.
    Lookup,
    /// A lease reached one of its re-query points.
    Requery,
    /// Something the LAN mentioned (a listing entry, an incomplete instance).
    FollowUp,
}

impl Purpose {
    /// The same question for this purpose is not sent again within this time.
    fn min_interval(self) -> Duration {
        match self {
            // A lookup's rounds are at least this far apart anyway.
            Purpose::Lookup => Duration::from_millis(20),
            Purpose::Requery => Duration::from_millis(500),
            // Unsolicited traffic must not make us ask the same thing often.
            Purpose::FollowUp => Duration::from_secs(1),
        }
    }
}

/// One question with the answers we already hold for it.
#[derive(Debug, Clone)]
pub struct Question {
    pub name: Name,
    pub kind: RecordType,
    pub known_answers: Vec<Record>,
}

impl Question {
    pub fn new(name: Name, kind: RecordType) -> Self {
        Question {
            name,
            kind,
            known_answers: Vec::new(),
        }
    }
}

/// The total question budget: a burst, refilled at a steady rate.
const BUDGET_BURST: f64 = 1000.0;
const BUDGET_PER_SECOND: f64 = 1000.0;
/// Bound on remembered (question, time) pairs.
const MAX_REMEMBERED: usize = 4096;
/// Queries are packed up to this size: one Ethernet frame, since a datagram
/// split into IP fragments is lost when any fragment is (five times as often
/// at 20 % loss for an 8 KB query).
pub const MAX_QUERY_BYTES: usize = 1400;
/// Continuation datagrams of one question's known answers at most.
pub const MAX_CONTINUATIONS: usize = 8;
const HEADER_BYTES: usize = 12;

struct State {
    /// (lowercase name, type) -> when it was last sent.
    asked: HashMap<(String, u16), Instant>,
    tokens: f64,
    refilled: Instant,
    /// Questions refused by the budget or as duplicates (for tests and status).
    suppressed: u64,
}

/// The dialect's one gate for outgoing questions.
pub struct Questions {
    state: Mutex<State>,
}

impl Default for Questions {
    fn default() -> Self {
        Questions {
            state: Mutex::new(State {
                asked: HashMap::new(),
                tokens: BUDGET_BURST,
                refilled: Instant::now(),
                suppressed: 0,
            }),
        }
    }
}

impl Questions {
    /// The questions of `wanted` that may go out now for `purpose`; the others
    /// were asked too recently or exceed the budget.
    pub fn admit(&self, wanted: Vec<Question>, purpose: Purpose) -> Vec<Question> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = now.duration_since(state.refilled).as_secs_f64();
        state.tokens = (state.tokens + elapsed * BUDGET_PER_SECOND).min(BUDGET_BURST);
        state.refilled = now;
        if state.asked.len() > MAX_REMEMBERED {
            let horizon = Purpose::FollowUp.min_interval();
            state
                .asked
                .retain(|_, at| now.duration_since(*at) < horizon);
            if state.asked.len() > MAX_REMEMBERED {
                state.asked.clear();
            }
        }
        let mut admitted = Vec::with_capacity(wanted.len());
        for question in wanted {
            let key = (
                question.name.to_ascii().to_ascii_lowercase(),
                u16::from(question.kind),
            );
            let recent = state
                .asked
                .get(&key)
                .is_some_and(|at| now.duration_since(*at) < purpose.min_interval());
            if recent || state.tokens < 1.0 {
                state.suppressed += 1;
                continue;
            }
            state.tokens -= 1.0;
            state.asked.insert(key, now);
            admitted.push(question);
        }
        admitted
    }

    /// Questions refused so far.
    pub fn suppressed(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .suppressed
    }
}

/// Packs questions into as few query datagrams of at most [`MAX_QUERY_BYTES`]
/// as possible. A question whose known answers do not fit one datagram goes
/// out with them spread over continuation datagrams, every one but the last
/// marked truncated (RFC 6762 §7.2), at most [`MAX_CONTINUATIONS`] of them.
pub fn encode_queries(questions: Vec<Question>) -> Result<Vec<Vec<u8>>> {
    let mut messages = Vec::new();
    let mut current = new_query();
    let mut size = HEADER_BYTES;
    for question in questions {
        let question_size = question.name.len() + 6;
        let answers_size: usize = question.known_answers.iter().map(answer_size).sum();
        if HEADER_BYTES + question_size + answers_size > MAX_QUERY_BYTES {
            if !current.queries.is_empty() {
                messages.push(encode(&current)?);
                current = new_query();
                size = HEADER_BYTES;
            }
            messages.extend(multipacket(question)?);
            continue;
        }
        if !current.queries.is_empty() && size + question_size + answers_size > MAX_QUERY_BYTES {
            messages.push(encode(&current)?);
            current = new_query();
            size = HEADER_BYTES;
        }
        size += question_size + answers_size;
        current
            .queries
            .push(Query::query(question.name.clone(), question.kind));
        current.answers.extend(question.known_answers);
    }
    if !current.queries.is_empty() {
        messages.push(encode(&current)?);
    }
    Ok(messages)
}

/// One question with more known answers than one datagram holds.
fn multipacket(question: Question) -> Result<Vec<Vec<u8>>> {
    let mut packets = vec![new_query()];
    packets[0]
        .queries
        .push(Query::query(question.name.clone(), question.kind));
    let mut size = HEADER_BYTES + question.name.len() + 6;
    for answer in question.known_answers {
        let bytes = answer_size(&answer);
        if size + bytes > MAX_QUERY_BYTES {
            if packets.len() > MAX_CONTINUATIONS {
                break; // the rest are simply answered again
            }
            packets.push(new_query());
            size = HEADER_BYTES;
        }
        size += bytes;
        packets
            .last_mut()
            .expect("one at least")
            .answers
            .push(answer);
    }
    let last = packets.len() - 1;
    packets
        .iter_mut()
        .enumerate()
        .map(|(i, packet)| {
            packet.metadata.truncation = i < last;
            encode(packet)
        })
        .collect()
}

/// A known answer's size on the wire at worst: its owner compressed, the fixed
/// fields, and the target name uncompressed.
fn answer_size(answer: &Record) -> usize {
    2 + 10 + answer_rdata_len(answer)
}

fn answer_rdata_len(record: &Record) -> usize {
    match &record.data {
        hickory_proto::rr::RData::PTR(ptr) => ptr.0.len() + 2,
        _ => 64,
    }
}

fn new_query() -> Message {
    Message::new(0, MessageType::Query, OpCode::Query)
}

fn encode(message: &Message) -> Result<Vec<u8>> {
    message
        .to_vec()
        .map_err(|e| Error::Internal(format!("cannot encode an mDNS query: {e}")))
}

/// Fractions of a record's TTL at which a cache asks again (RFC 6762 §5.2).
pub const REQUERY_FRACTIONS: [f64; 4] = [0.80, 0.85, 0.90, 0.95];
/// Random extra per point, as a fraction of the TTL (RFC 6762 §5.2: 2 %).
pub const REQUERY_JITTER: f64 = 0.02;

/// When a lease of `ttl` taken at `start` is asked about again: at 80, 85, 90
/// and 95 % of the TTL, each plus up to 2 % of random variation, so that the
/// caches of a LAN do not all ask at once. One lost query or answer is
/// covered by the next point; the lease is renewed (and gets new points) by
/// any answer.
pub fn requery_points(start: Instant, ttl: Duration) -> [Instant; 4] {
    REQUERY_FRACTIONS.map(|fraction| {
        let jitter = fastrand_fraction() * REQUERY_JITTER;
        start + ttl.mul_f64(fraction + jitter)
    })
}

/// A uniform number in [0, 1) without a dependency: the low bits of a fresh
/// random state (std's `RandomState` is randomly seeded per instance).
fn fastrand_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(name: &str) -> Question {
        Question::new(Name::from_ascii(name).unwrap(), RecordType::PTR)
    }

    #[test]
    fn repeated_questions_are_suppressed_per_purpose() {
        let questions = Questions::default();
        let first = questions.admit(
            vec![question("a.micro."), question("b.micro.")],
            Purpose::FollowUp,
        );
        assert_eq!(first.len(), 2);
        let again = questions.admit(vec![question("A.micro.")], Purpose::FollowUp);
        assert!(again.is_empty(), "same name, any case, within a second");
        assert_eq!(questions.suppressed(), 1);
    }

    #[test]
    fn the_total_is_bounded() {
        let questions = Questions::default();
        let wanted: Vec<Question> = (0..(BUDGET_BURST as usize + 500))
            .map(|i| question(&format!("s{i}.micro.")))
            .collect();
        let admitted = questions.admit(wanted, Purpose::Lookup);
        assert!(
            admitted.len() <= BUDGET_BURST as usize + 5,
            "{}",
            admitted.len()
        );
    }

    #[test]
    fn requery_points_follow_rfc_6762() {
        let start = Instant::now();
        let ttl = Duration::from_secs(100);
        for _ in 0..50 {
            let points = requery_points(start, ttl);
            for (point, fraction) in points.iter().zip(REQUERY_FRACTIONS) {
                let at = point.duration_since(start).as_secs_f64();
                assert!(at >= fraction * 100.0 && at <= (fraction + REQUERY_JITTER) * 100.0);
            }
        }
        let spread: std::collections::HashSet<_> =
            (0..20).map(|_| requery_points(start, ttl)[0]).collect();
        assert!(spread.len() > 1, "jittered");
    }

    #[test]
    fn queries_pack_questions_and_bound_their_size() {
        let many: Vec<Question> = (0..2000)
            .map(|i| {
                let mut q = question(&format!("service-{i}.micro."));
                q.known_answers.push(Record::from_rdata(
                    q.name.clone(),
                    60,
                    hickory_proto::rr::RData::PTR(hickory_proto::rr::rdata::PTR(
                        Name::from_ascii(format!("node-{i}.service-{i}.micro.")).unwrap(),
                    )),
                ));
                q
            })
            .collect();
        let messages = encode_queries(many).unwrap();
        assert!(messages.len() > 1);
        let mut questions = 0;
        for bytes in &messages {
            assert!(bytes.len() <= MAX_QUERY_BYTES, "{}", bytes.len());
            let message = Message::from_vec(bytes).unwrap();
            assert!(!message.metadata.truncation);
            questions += message.queries.len();
        }
        assert_eq!(questions, 2000);
    }

    #[test]
    fn many_known_answers_of_one_question_continue_in_truncated_datagrams() {
        let mut q = question("service.micro.");
        for i in 0..100 {
            q.known_answers.push(Record::from_rdata(
                q.name.clone(),
                60,
                hickory_proto::rr::RData::PTR(hickory_proto::rr::rdata::PTR(
                    Name::from_ascii(format!(
                        "node-{i}-6a1b2c3d-1111-4222-8333-944455556666.service.micro."
                    ))
                    .unwrap(),
                )),
            ));
        }
        let messages: Vec<Message> = encode_queries(vec![q, question("other.micro.")])
            .unwrap()
            .iter()
            .map(|b| {
                assert!(b.len() <= MAX_QUERY_BYTES);
                Message::from_vec(b).unwrap()
            })
            .collect();
        let (group, rest) = messages.split_at(messages.len() - 1);
        assert!(group.len() > 2);
        assert_eq!(group[0].queries.len(), 1);
        assert!(group[1..].iter().all(|m| m.queries.is_empty()));
        let flags: Vec<bool> = group.iter().map(|m| m.metadata.truncation).collect();
        assert!(flags[..flags.len() - 1].iter().all(|t| *t) && !flags[flags.len() - 1]);
        assert_eq!(group.iter().map(|m| m.answers.len()).sum::<usize>(), 100);
        assert_eq!(rest[0].queries[0].name().to_ascii(), "other.micro.");
    }
}
