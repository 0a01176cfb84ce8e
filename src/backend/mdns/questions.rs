//! Every question microreg multicasts, and when: one gate,
//! [`Questions::admit`], that every part that asks goes through (lookups'
//! rounds in `lookup`, lease re-queries, follow-ups of what the LAN
//! mentions, the discovery of domains for `*`), so that no packet of the LAN
//! can make us multicast more than a bounded number of questions; and
//! [`requery_points`], when a lease is asked about again (RFC 6762 §5.2).
//!
//! The gate, in order:
//! - RFC 6762 §5.2/§7: the same question (name and type) is not asked again
//!   within a minimum interval that depends on why it is asked. (§7.3's
//!   suppression of a question someone else just asked does not apply:
//!   go-micro's dialect answers the asker alone, by unicast, so their answer
//!   would never reach us.)
//! - Follow-ups and catch-ups, the questions the network triggers, have their
//!   own small budget ([`MAX_FOLLOW_UPS_PER_SECOND`]): one datagram naming 400
//!   unknown instances does not become 400 questions, nor a flood of fake
//!   newcomers a catch-up lookup each.
//! - Overall, questions per second ([`MAX_QUESTIONS_PER_SECOND`]) and query
//!   datagrams per second ([`MAX_QUERY_DATAGRAMS_PER_SECOND`]) are bounded.
//!   Questions are packed into few datagrams ([`MAX_QUERY_BYTES`] each), so a
//!   lookup round that asks about a hundred services costs a datagram or two,
//!   and its re-asks under loss are not starved.
//!
//! Questions carry their known answers, so a responder that suppresses known
//! answers (RFC 6762 §7.1; microreg does) only sends what the asker lacks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, Record, RecordType};
use tokio::time::Instant;

use super::counters::Counters;
use super::sent_queries::SentQueries;
use super::lookup::MIN_ROUND;
use crate::error::{Error, Result};

/// Why a question is asked; decides its minimum interval and budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A caller is waiting for the answer: a round of a lookup (the first
    /// question or a re-ask while answers may be missing).
    Lookup,
    /// A lease reached one of its re-query points (RFC 6762 §5.2: 80–95 %).
    Requery,
    /// Something the LAN mentioned (a listing entry, an incomplete instance):
    /// the network asked us to ask. Budgeted separately and most tightly.
    FollowUp,
    /// A round of a catch-up: a lookup that unsolicited announcements of new
    /// nodes started (some of a burst may have been lost). Its rounds are as
    /// close as a lookup's, but the network triggered it, so it is paid from
    /// the follow-up budget: a flood of fake newcomers cannot make us ask more.
    CatchUp,
}

impl Purpose {
    /// The same question (name and type) is not sent again sooner than this.
    fn min_interval(self) -> Duration {
        match self {
            // Merges the rounds of concurrent lookups of one name, and stays
            // below the shortest lookup round, so that a lookup's own re-asks
            // under loss always go out.
            Purpose::Lookup | Purpose::CatchUp => MIN_ROUND / 2,
            // RFC 6762 §5.2: re-queries of one record are 5 % of its TTL
            // apart; this is 5 % of a 10 s TTL.
            Purpose::Requery => Duration::from_millis(500),
            // Unsolicited traffic must not make us ask the same thing often.
            Purpose::FollowUp => Duration::from_secs(1),
        }
    }

    /// The longest minimum interval (what the gate must remember).
    const LONGEST: Duration = Duration::from_secs(1);

    /// Whether the network triggered it (paid from the follow-up budget).
    fn triggered_by_the_network(self) -> bool {
        matches!(self, Purpose::FollowUp | Purpose::CatchUp)
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

/// Query datagrams multicast per second at most (the burst is as large).
pub const MAX_QUERY_DATAGRAMS_PER_SECOND: u32 = 100;
/// Questions per second at most, whatever they are packed into.
pub const MAX_QUESTIONS_PER_SECOND: u32 = 1000;
/// Follow-up questions per second at most (part of the questions above).
pub const MAX_FOLLOW_UPS_PER_SECOND: u32 = 20;
/// Remembered (question, time) pairs at most; older ones are forgotten first.
const MAX_REMEMBERED: usize = 4096;
/// Queries are packed up to this size: one Ethernet frame, since a datagram
/// split into IP fragments is lost when any fragment is (five times as often
/// at 20 % loss for an 8 KB query).
pub const MAX_QUERY_BYTES: usize = 1400;
/// Continuation datagrams of one question's known answers at most.
pub const MAX_CONTINUATIONS: usize = 8;
/// The response size our queries offer (EDNS(0)): one frame too, for the same
/// reason. A microreg responder then packs its answers into few datagrams of
/// this size (go-micro's ignore it and answer one node per message).
pub const ANSWER_PAYLOAD: u16 = MAX_QUERY_BYTES as u16;
/// The header and the EDNS(0) OPT record of every query.
const HEADER_BYTES: usize = 12 + 11;

/// A token bucket refilled continuously. A caller that finds a token may
/// overdraw it (one lookup round's datagrams go out together); later callers
/// then wait until the debt is repaid, so the rate holds over time.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    per_second: f64,
    updated: Instant,
}

impl Bucket {
    fn new(per_second: u32, now: Instant) -> Self {
        Bucket {
            tokens: f64::from(per_second),
            per_second: f64::from(per_second),
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        self.updated = now;
    }

    fn has_token(&self) -> bool {
        self.tokens >= 1.0
    }

    fn take(&mut self) {
        self.tokens -= 1.0;
    }
}

struct State {
    /// (lowercase name, type) -> when we last asked it.
    asked: HashMap<(String, RecordType), Instant>,
    questions: Bucket,
    follow_ups: Bucket,
    datagrams: Bucket,
    /// The id and time of each query sent, to date the answers.
    sent: SentQueries,
}

/// Counts of what the gate held back.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// Asked again within the purpose's minimum interval.
    pub repeated: u64,
    /// Over a rate bound (questions, follow-ups or datagrams).
    pub over_rate: u64,
}

/// The one gate for outgoing questions; shared by every part that asks.
pub struct Questions {
    state: Mutex<State>,
    held: Mutex<Held>,
    counters: Arc<Counters>,
}

impl Questions {
    /// A gate that adds what it holds back to `counters.questions_held`.
    pub fn new(counters: Arc<Counters>) -> Self {
        let now = Instant::now();
        Questions {
            state: Mutex::new(State {
                asked: HashMap::new(),
                questions: Bucket::new(MAX_QUESTIONS_PER_SECOND, now),
                follow_ups: Bucket::new(MAX_FOLLOW_UPS_PER_SECOND, now),
                datagrams: Bucket::new(MAX_QUERY_DATAGRAMS_PER_SECOND, now),
                sent: SentQueries::default(),
            }),
            held: Mutex::new(Held::default()),
            counters,
        }
    }

    /// When we sent the query that an answer with `id` answers (`None`: not
    /// one of ours, or too old to tell).
    pub fn asked_at(&self, id: u16) -> Option<Instant> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.sent.asked_at(id)
    }

    /// The query datagrams to multicast now for the questions of `wanted`
    /// that may go out for `purpose` (packed, with their known answers); the
    /// others were asked too recently or are over a rate bound.
    pub fn admit(&self, wanted: Vec<Question>, purpose: Purpose) -> Vec<Vec<u8>> {
        self.admit_at(wanted, purpose, Instant::now())
    }

    fn admit_at(&self, wanted: Vec<Question>, purpose: Purpose, now: Instant) -> Vec<Vec<u8>> {
        let mut held = Held::default();
        let messages = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.questions.refill(now);
            state.follow_ups.refill(now);
            state.datagrams.refill(now);
            let mut admitted = Vec::with_capacity(wanted.len());
            if !state.datagrams.has_token() {
                held.over_rate += wanted.len() as u64;
            } else {
                for question in wanted {
                    let key = (question.name.to_ascii().to_ascii_lowercase(), question.kind);
                    let recent = state
                        .asked
                        .get(&key)
                        .is_some_and(|at| now < *at + purpose.min_interval());
                    if recent {
                        held.repeated += 1;
                        continue;
                    }
                    let budget_left = state.questions.has_token()
                        && (!purpose.triggered_by_the_network() || state.follow_ups.has_token());
                    if !budget_left {
                        held.over_rate += 1;
                        continue;
                    }
                    state.questions.take();
                    if purpose.triggered_by_the_network() {
                        state.follow_ups.take();
                    }
                    remember(&mut state.asked, key, now);
                    admitted.push(question);
                }
            }
            let mut messages = pack(admitted);
            for message in &mut messages {
                state.datagrams.take();
                message.metadata.id = state.sent.stamp(now);
            }
            messages
        };
        if held != Held::default() {
            Counters::add(
                &self.counters.questions_held,
                held.repeated + held.over_rate,
            );
            let mut total = self.held.lock().unwrap_or_else(|e| e.into_inner());
            total.repeated += held.repeated;
            total.over_rate += held.over_rate;
        }
        messages
            .iter()
            .filter_map(|message| match encode(message) {
                Ok(bytes) => Some(bytes),
                Err(error) => {
                    tracing::debug!(%error, "cannot build an mDNS query");
                    None
                }
            })
            .collect()
    }

    /// What was held back so far.
    #[cfg(test)]
    pub fn held(&self) -> Held {
        *self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Inserts, forgetting entries past every interval first when the map is full.
fn remember(
    asked: &mut HashMap<(String, RecordType), Instant>,
    key: (String, RecordType),
    now: Instant,
) {
    if asked.len() >= MAX_REMEMBERED && !asked.contains_key(&key) {
        asked.retain(|_, at| now < *at + Purpose::LONGEST);
        if asked.len() >= MAX_REMEMBERED {
            // All recent (the rate bounds how many that can be): drop the
            // oldest half.
            let mut times: Vec<Instant> = asked.values().copied().collect();
            times.sort_unstable();
            let cut = times[times.len() / 2];
            asked.retain(|_, at| *at > cut);
        }
    }
    asked.insert(key, now);
}

/// Packs questions into as few query datagrams of at most [`MAX_QUERY_BYTES`]
/// as possible. A question whose known answers do not fit one datagram goes
/// out with them spread over continuation datagrams, every one but the last
/// marked truncated (RFC 6762 §7.2), at most [`MAX_CONTINUATIONS`] of them.
fn pack(questions: Vec<Question>) -> Vec<Message> {
    let mut messages = Vec::new();
    let mut current = new_query();
    let mut size = HEADER_BYTES;
    for question in questions {
        let question_size = question.name.len() + 6;
        let answers_size: usize = question.known_answers.iter().map(answer_size).sum();
        if HEADER_BYTES + question_size + answers_size > MAX_QUERY_BYTES {
            if !current.queries.is_empty() {
                messages.push(std::mem::replace(&mut current, new_query()));
                size = HEADER_BYTES;
            }
            messages.extend(multipacket(question));
            continue;
        }
        if !current.queries.is_empty() && size + question_size + answers_size > MAX_QUERY_BYTES {
            messages.push(std::mem::replace(&mut current, new_query()));
            size = HEADER_BYTES;
        }
        size += question_size + answers_size;
        current
            .queries
            .push(Query::query(question.name.clone(), question.kind));
        current.answers.extend(question.known_answers);
    }
    if !current.queries.is_empty() {
        messages.push(current);
    }
    messages
}

/// One question with more known answers than one datagram holds.
fn multipacket(question: Question) -> Vec<Message> {
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
    for (i, packet) in packets.iter_mut().enumerate() {
        packet.metadata.truncation = i < last;
    }
    packets
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
    let mut message = Message::new(0, MessageType::Query, OpCode::Query);
    let mut edns = Edns::new();
    edns.set_max_payload(ANSWER_PAYLOAD);
    message.set_edns(edns);
    message
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

    fn gate() -> Questions {
        Questions::new(Arc::new(Counters::default()))
    }

    fn question(name: &str) -> Question {
        Question::new(Name::from_ascii(name).unwrap(), RecordType::PTR)
    }

    fn numbered(i: usize, kind: RecordType) -> Question {
        Question::new(
            Name::from_ascii(format!("n{i}.greeter.micro.")).unwrap(),
            kind,
        )
    }

    /// The questions in `datagrams`.
    fn asked(datagrams: &[Vec<u8>]) -> usize {
        datagrams
            .iter()
            .map(|bytes| Message::from_vec(bytes).unwrap().queries.len())
            .sum()
    }

    #[test]
    fn the_same_question_waits_its_interval() {
        let gate = gate();
        let now = Instant::now();
        let q = || question("a.micro.");
        assert_eq!(asked(&gate.admit_at(vec![q()], Purpose::FollowUp, now)), 1);
        let again = gate.admit_at(vec![question("A.micro.")], Purpose::FollowUp, now);
        assert!(again.is_empty(), "same name, any case, within a second");
        let other_type = Question::new(q().name, RecordType::ANY);
        assert_eq!(
            asked(&gate.admit_at(vec![other_type], Purpose::FollowUp, now)),
            1,
            "another type is another question"
        );
        let later = now + Duration::from_millis(300);
        assert!(gate
            .admit_at(vec![q()], Purpose::FollowUp, later)
            .is_empty());
        assert_eq!(asked(&gate.admit_at(vec![q()], Purpose::Lookup, later)), 1);
        assert_eq!(gate.held().repeated, 2);
        assert_eq!(gate.counters.snapshot().questions_held, 2);
    }

    #[test]
    fn a_lookups_rounds_are_not_held_by_the_interval() {
        // Rounds are at least MIN_ROUND apart (lookup.rs); under loss every
        // round re-asks the same questions.
        let gate = gate();
        let start = Instant::now();
        for round in 0..10u32 {
            let at = start + MIN_ROUND * round;
            let wanted: Vec<Question> = (0..100).map(|i| numbered(i, RecordType::PTR)).collect();
            let datagrams = gate.admit_at(wanted, Purpose::Lookup, at);
            assert_eq!(asked(&datagrams), 100, "round {round}");
            assert!(datagrams.len() <= 3, "packed: {}", datagrams.len());
        }
        assert_eq!(gate.held(), Held::default());
    }

    #[test]
    fn four_hundred_unknown_names_make_a_bounded_number_of_questions() {
        let gate = gate();
        let now = Instant::now();
        let unknown: Vec<Question> = (0..400).map(|i| numbered(i, RecordType::ANY)).collect();
        let datagrams = gate.admit_at(unknown, Purpose::FollowUp, now);
        assert_eq!(asked(&datagrams), MAX_FOLLOW_UPS_PER_SECOND as usize);
        assert_eq!(datagrams.len(), 1, "packed");
        assert_eq!(
            gate.held().over_rate,
            400 - MAX_FOLLOW_UPS_PER_SECOND as u64
        );
        // Lookups still have the rest of the overall budget.
        let lookups: Vec<Question> = (400..2000).map(|i| numbered(i, RecordType::PTR)).collect();
        let sent = asked(&gate.admit_at(lookups, Purpose::Lookup, now));
        assert_eq!(
            sent,
            (MAX_QUESTIONS_PER_SECOND - MAX_FOLLOW_UPS_PER_SECOND) as usize
        );
        // The budgets refill with time.
        let later = now + Duration::from_secs(1);
        let follow_up = vec![numbered(5000, RecordType::ANY)];
        assert_eq!(
            asked(&gate.admit_at(follow_up, Purpose::FollowUp, later)),
            1
        );
    }

    #[test]
    fn catch_ups_are_paid_from_the_follow_up_budget_but_not_held_by_its_interval() {
        let gate = gate();
        let now = Instant::now();
        // Rounds of one catch-up, MIN_ROUND apart: each goes out.
        for round in 0..3u32 {
            let at = now + MIN_ROUND * round;
            let again = vec![numbered(0, RecordType::PTR)];
            assert_eq!(asked(&gate.admit_at(again, Purpose::CatchUp, at)), 1);
        }
        // Catch-ups of a thousand fake services: the rest of the budget.
        let fakes: Vec<Question> = (1..1000).map(|i| numbered(i, RecordType::PTR)).collect();
        let later = now + Duration::from_millis(60);
        let sent = asked(&gate.admit_at(fakes, Purpose::CatchUp, later));
        assert!(sent <= MAX_FOLLOW_UPS_PER_SECOND as usize, "{sent}");
        assert!(sent >= MAX_FOLLOW_UPS_PER_SECOND as usize - 3, "{sent}");
    }

    #[test]
    fn query_datagrams_are_bounded_per_second() {
        let gate = gate();
        let now = Instant::now();
        let mut datagrams = 0;
        for i in 0..1000 {
            datagrams += gate
                .admit_at(vec![numbered(i, RecordType::PTR)], Purpose::Lookup, now)
                .len();
        }
        assert_eq!(datagrams, MAX_QUERY_DATAGRAMS_PER_SECOND as usize);
        let later = now + Duration::from_millis(100);
        let refilled = (1000..2000)
            .filter(|i| {
                !gate
                    .admit_at(vec![numbered(*i, RecordType::PTR)], Purpose::Lookup, later)
                    .is_empty()
            })
            .count();
        assert_eq!(refilled, MAX_QUERY_DATAGRAMS_PER_SECOND as usize / 10);
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_names() {
        let gate = gate();
        let start = Instant::now();
        for i in 0..20_000 {
            let at = start + Duration::from_millis(i as u64 * 10);
            gate.admit_at(vec![numbered(i, RecordType::PTR)], Purpose::Lookup, at);
        }
        let state = gate.state.lock().unwrap();
        assert!(state.asked.len() <= MAX_REMEMBERED);
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
        let messages = pack(many);
        assert!(messages.len() > 1);
        let mut questions = 0;
        for message in &messages {
            let bytes = encode(message).unwrap();
            assert!(bytes.len() <= MAX_QUERY_BYTES, "{}", bytes.len());
            let message = Message::from_vec(&bytes).unwrap();
            assert!(!message.metadata.truncation);
            questions += message.queries.len();
        }
        assert_eq!(questions, 2000);
    }

    #[test]
    fn our_queries_offer_one_frame_for_packed_answers() {
        let datagrams = gate().admit(vec![question("greeter.micro.")], Purpose::Lookup);
        let message = crate::backend::mdns::wire::decode(&datagrams[0]).unwrap();
        assert_eq!(message.metadata.message_type, MessageType::Query);
        assert_eq!(message.queries[0].name().to_ascii(), "greeter.micro.");
        assert_eq!(message.queries[0].query_type(), RecordType::PTR);
        assert_eq!(message.edns.unwrap().max_payload(), ANSWER_PAYLOAD);
        assert!(message.additionals.is_empty());
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
        let messages: Vec<Message> = gate()
            .admit(vec![q, question("other.micro.")], Purpose::Lookup)
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
