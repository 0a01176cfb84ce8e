//! go-micro's mDNS dialect on the wire: answers questions about our nodes,
//! announces them (and says goodbye), asks about others, and listens to all
//! mDNS traffic to keep the live view current.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use hickory_proto::op::{Message, MessageType, OpCode};
use hickory_proto::rr::rdata::PTR;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::net::UdpSocket;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::answer_limiter::AnswerLimiter;
use super::counters::Counters;
use super::domains::{self, KnownDomains};
use super::gomicro_names;
use super::gomicro_parse::{self, Sighting};
use super::gomicro_records;
use super::inflate_budget::InflateBudget;
use super::live_view::{LiveView, NodeKey, Source};
use super::lookup::{self, Asker, Latency, Target};
use super::published::{check_publishable, Change, Published, PublishedNode};
use super::questions::{Purpose, Question, Questions};
use super::signing::{Refusal, Signed, Signer};
use super::transport::{Role, Transport, MAX_DATAGRAM};
use super::wire;
use crate::error::Result;
use crate::model::Service;
use crate::registry::{Action, WILDCARD_DOMAIN};

/// How often expiry, re-queries, lapsed registrations and repeats are checked.
const TICK: Duration = Duration::from_millis(200);
/// Catch-ups (re-asking a service after a burst of unsolicited new nodes, in
/// case some of the burst was lost) running at once at most.
const MAX_CATCH_UPS: usize = 64;
/// How long a catch-up asks at most.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(3);
/// Known answers one question carries at most (they must fit one datagram,
/// see [`super::questions::MAX_QUERY_BYTES`]). A repeated question about a
/// service with more nodes would make every responder send every node again,
/// so it is not repeated (only a lookup's first round asks it).
const MAX_KNOWN_ANSWERS: usize = 100;
/// How long the known answers of a truncated query (RFC 6762 §7.2) are awaited
/// before answering with what came: our queriers send the continuation
/// datagrams back to back, so they arrive within a few milliseconds.
const KNOWN_ANSWER_WAIT: Duration = Duration::from_millis(40);
/// Truncated queries awaiting their continuations at most (then answered at once).
const MAX_PENDING_QUERIES: usize = 256;
/// Service names remembered per domain from listings (to ask again for the
/// ones whose answers were lost).
const MAX_LISTED: usize = 4096;
/// Announcements sent per tick at most (250 a second): nodes registered together
/// fall due together, and their records are built only as they go out.
const MAX_ANNOUNCEMENTS_PER_TICK: usize = 50;
/// An asker offering at least this payload (EDNS(0)) gets packed answers.
const MIN_PACKED_PAYLOAD: u16 = 1232;
/// A goodbye is said once more this long after the first, in case it was
/// lost: a lost goodbye leaves the node on every peer for a record TTL.
/// (Announcements are repeated for the same reason, RFC 6762 §8.3.)
const GOODBYE_REPEAT_AFTER: Duration = Duration::from_secs(1);

/// Answer sets, one per node, that one datagram carries.
type AnswerSets = Vec<Vec<Record>>;

/// The dialect's state; shared by its tasks and the registry.
pub struct GoMicroDialect {
    transport: Transport,
    published: Mutex<Published>,
    view: Arc<LiveView>,
    counters: Arc<Counters>,
    host: Name,
    local_ips: Vec<IpAddr>,
    /// The one gate for every question we send.
    questions: Questions,
    /// Bounds the TXT inflation each datagram and each source can cost us.
    inflation: InflateBudget,
    /// Domains learnt from the wire, for `*`.
    pub domains: Arc<KnownDomains>,
    /// Service names that listings mentioned, per domain.
    listed: Mutex<HashMap<String, BTreeSet<String>>>,
    /// (domain, service) pairs being caught up after a burst.
    catching_up: Mutex<HashSet<(String, String)>>,
    /// Answer latency on this LAN, shared with the registry's lookups.
    pub latency: Arc<Latency>,
    /// Itself, for the tasks it starts.
    this: std::sync::Weak<Self>,
    /// Truncated queries by source, gathering their known answers.
    pending: Mutex<HashMap<SocketAddr, (Message, Instant)>>,
    /// Bounds the answer bytes each destination gets.
    answers: AnswerLimiter,
    /// With registry keys: signs what we send, verifies what we receive.
    signer: Option<Arc<Signer>>,
    /// Held from a change to what we publish (or a check of it) until what it
    /// sends has gone out, so that nothing about a node leaves after its
    /// goodbye: an announcement or answer sent late brings a deregistered
    /// node back on every peer, for a whole record TTL.
    wire_order: tokio::sync::Mutex<()>,
}

impl GoMicroDialect {
    /// Starts the receive loops and the timer on the current runtime.
    pub fn start(
        transport: Transport,
        view: Arc<LiveView>,
        counters: Arc<Counters>,
        domains: Arc<KnownDomains>,
        latency: Arc<Latency>,
        signer: Option<Arc<Signer>>,
    ) -> (Arc<Self>, Vec<AbortHandle>) {
        let local_ips = transport
            .interfaces
            .iter()
            .flat_map(|i| i.v4.iter().map(|a| IpAddr::V4(*a)))
            .take(1)
            .collect();
        let dialect = Arc::new_cyclic(|this| GoMicroDialect {
            this: this.clone(),
            pending: Mutex::new(HashMap::new()),
            published: Mutex::new(Published::default()),
            host: gomicro_names::host_name(),
            local_ips,
            questions: Questions::new(counters.clone()),
            inflation: InflateBudget::default(),
            domains,
            listed: Mutex::new(HashMap::new()),
            catching_up: Mutex::new(HashSet::new()),
            latency,
            answers: AnswerLimiter::default(),
            signer,
            wire_order: tokio::sync::Mutex::new(()),
            view,
            counters,
            transport,
        });
        let mut tasks = Vec::new();
        for (socket, role) in dialect.transport.sockets() {
            tasks.push(tokio::spawn(receive(dialect.clone(), socket, role)).abort_handle());
        }
        tasks.push(tokio::spawn(tick(dialect.clone())).abort_handle());
        (dialect, tasks)
    }

    fn published(&self) -> std::sync::MutexGuard<'_, Published> {
        self.published.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes every node of `service` and announces new, changed and refreshed
    /// nodes at once (node ids are unique by go-micro's convention, so there is
    /// no probing in this dialect; go-micro probes but never acts on conflicts).
    pub async fn publish(
        &self,
        domain: &str,
        service: &Service,
        ttl: Option<Duration>,
    ) -> Result<()> {
        check_publishable(domain, service)?;
        let mut prepared = Vec::with_capacity(service.nodes.len());
        for node in &service.nodes {
            prepared.push(PublishedNode::new(
                domain,
                service.for_node(node),
                ttl,
                &self.host,
                &self.local_ips,
                self.signer.as_ref(),
            )?);
        }
        // Every node was prepared (and so checked) before any is published; each
        // is then announced as it goes in, so 1000 nodes never sit in memory
        // twice as records waiting to be sent.
        let _order = self.wire_order.lock().await;
        for node in prepared {
            let records = node.answer_records(node.ttl);
            let record_ttl = Duration::from_secs(u64::from(node.ttl));
            let single = node.service.clone();
            let change = self.published().upsert(node);
            self.view
                .observe(domain, single, Source::GoMicro, record_ttl);
            if change != Change::Refreshed || ttl.is_some() {
                self.announce(records).await;
            }
        }
        Ok(())
    }

    /// Removes the listed nodes (every node at that version when none is listed)
    /// and says goodbye for each.
    pub async fn unpublish(&self, domain: &str, service: &Service) {
        let _order = self.wire_order.lock().await;
        let removed = {
            let mut published = self.published();
            if service.nodes.is_empty() {
                published.remove_version(domain, &service.name, &service.version)
            } else {
                service
                    .nodes
                    .iter()
                    .filter_map(|n| {
                        published.remove(&NodeKey {
                            domain: domain.to_string(),
                            service: service.name.clone(),
                            node_id: n.id.clone(),
                        })
                    })
                    .collect()
            }
        };
        self.say_goodbye(removed).await;
    }

    /// Asks who serves `service` in `domain` (go-micro's GetService question).
    pub async fn query_service(&self, domain: &str, service: &str, purpose: Purpose) {
        let question = self.service_question(domain, service, Instant::now());
        self.ask(question.into_iter().collect(), purpose).await;
    }

    /// Asks for every service name in `domain` (go-micro's ListServices question).
    pub async fn query_listing(&self, domain: &str, purpose: Purpose) {
        let question = self.listing_question(domain, Instant::now());
        self.ask(question.into_iter().collect(), purpose).await;
    }

    /// `<service>.<domain>.` PTR, with the nodes we hold as known answers.
    fn service_question(&self, domain: &str, service: &str, now: Instant) -> Option<Question> {
        let name = gomicro_names::service_name(service, domain).ok()?;
        let mut question = Question::new(name.clone(), RecordType::PTR);
        for (node_id, ttl) in self.view.known_answers(domain, service, now) {
            if let Ok(instance) = gomicro_names::instance_name(&node_id, service, domain) {
                question.known_answers.push(Record::from_rdata(
                    name.clone(),
                    ttl,
                    RData::PTR(PTR(instance)),
                ));
            }
        }
        Some(question)
    }

    /// `_services.<domain>.` PTR, with the services we hold as known answers.
    fn listing_question(&self, domain: &str, now: Instant) -> Option<Question> {
        let name = gomicro_names::listing_name(domain).ok()?;
        let mut question = Question::new(name.clone(), RecordType::PTR);
        for (service, ttl) in self.view.services_in(domain, now) {
            if ttl == 0 {
                continue; // DNS-SD only: go-micro's listing may still be worth hearing
            }
            if let Ok(entry) = gomicro_names::listing_instance(&service, domain) {
                question.known_answers.push(Record::from_rdata(
                    name.clone(),
                    ttl,
                    RData::PTR(PTR(entry)),
                ));
            }
        }
        Some(question)
    }

    /// The domains a lookup in `domain` covers: itself, or for `*` the
    /// domains followed (bounded; see [`KnownDomains::followed`]).
    pub fn domains_of(&self, domain: &str) -> Vec<String> {
        self.domains.followed(domain, self.view.domains())
    }

    /// The questions of one lookup round for `target` over `domains`
    /// (`purpose`: a caller's lookup, or a catch-up the LAN triggered). Only a
    /// first round asks about services whose nodes are too many to list as
    /// known answers.
    pub async fn ask_lookup_round(
        &self,
        target: &Target,
        domains: &[String],
        first: bool,
        purpose: Purpose,
    ) {
        let now = Instant::now();
        let repeatable = |q: &Question| first || q.known_answers.len() <= MAX_KNOWN_ANSWERS;
        let mut questions = Vec::new();
        if target.domain() == WILDCARD_DOMAIN {
            questions.push(domains::service_types_question());
        }
        for domain in domains {
            match target {
                Target::Service { name, .. } => {
                    questions.extend(self.service_question(domain, name, now).filter(repeatable));
                }
                Target::Listing { .. } => {
                    questions.extend(self.listing_question(domain, now).filter(repeatable));
                    let mut services: BTreeSet<String> =
                        self.view.services_in(domain, now).into_keys().collect();
                    if let Some(listed) = self.lock_listed().get(domain) {
                        services.extend(listed.iter().cloned());
                    }
                    for service in services {
                        questions.extend(
                            self.service_question(domain, &service, now)
                                .filter(repeatable),
                        );
                    }
                }
            }
        }
        self.ask(questions, purpose).await;
    }

    fn lock_listed(&self) -> std::sync::MutexGuard<'_, HashMap<String, BTreeSet<String>>> {
        self.listed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Goodbyes for everything still published, without waiting (for `Drop`).
    pub fn goodbye_all_now(&self) {
        let nodes = self.published().take_all();
        for node in nodes {
            if let Ok(bytes) = gomicro_records::announcement(node.answer_records(0)) {
                self.transport.try_multicast_from_mdns(&bytes);
                Counters::add(&self.counters.goodbyes, 1);
            }
        }
    }

    /// Sends what the gate admits, packed into few messages, from our query port.
    async fn ask(&self, questions: Vec<Question>, purpose: Purpose) {
        if questions.is_empty() {
            return;
        }
        for bytes in self.questions.admit(questions, purpose) {
            self.transport.multicast_query(&bytes).await;
        }
    }

    async fn announce(&self, records: Vec<Record>) {
        if let Ok(bytes) = gomicro_records::announcement(records) {
            self.transport.multicast_from_mdns(&bytes).await;
            Counters::add(&self.counters.announcements, 1);
        }
    }

    async fn goodbye(&self, node: &PublishedNode) {
        if let Ok(bytes) = gomicro_records::announcement(node.answer_records(0)) {
            self.transport.multicast_from_mdns(&bytes).await;
            Counters::add(&self.counters.goodbyes, 1);
        }
    }

    async fn handle(&self, bytes: &[u8], from: SocketAddr, role: Role) {
        Counters::add(&self.counters.packets_received, 1);
        let message = match wire::decode(bytes) {
            Ok(message) => message,
            Err(error) => {
                tracing::trace!(%error, %from, "malformed mDNS packet dropped");
                Counters::add(&self.counters.malformed_packets, 1);
                return;
            }
        };
        // RFC 6762 §18.3/§18.11: other opcodes and non-zero rcodes are ignored.
        if message.metadata.op_code != OpCode::Query
            || u16::from(message.metadata.response_code) != 0
        {
            return;
        }
        match message.metadata.message_type {
            MessageType::Query if role == Role::Mdns => {
                if let Some(query) = self.gather_known_answers(message, from) {
                    self.answer(&query, from).await;
                }
            }
            MessageType::Query => {}
            MessageType::Response => self.learn(&message, from.ip(), role).await,
        }
    }

    /// A query whose known answers continue in further datagrams (TC bit) is
    /// held until its last datagram or [`KNOWN_ANSWER_WAIT`]; returns the query
    /// to answer now, if any.
    fn gather_known_answers(&self, message: Message, from: SocketAddr) -> Option<Message> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let truncated = message.metadata.truncation;
        let Some((held, _)) = pending.get_mut(&from) else {
            if !truncated || pending.len() >= MAX_PENDING_QUERIES {
                return Some(message);
            }
            let started = Instant::now();
            pending.insert(from, (message, started));
            drop(pending);
            if let Some(dialect) = self.weak_self() {
                tokio::spawn(async move {
                    tokio::time::sleep(KNOWN_ANSWER_WAIT).await;
                    let query = {
                        let mut pending = dialect.pending.lock().unwrap_or_else(|e| e.into_inner());
                        match pending.get(&from) {
                            Some((_, at)) if *at == started => pending.remove(&from),
                            _ => None,
                        }
                    };
                    if let Some((query, _)) = query {
                        dialect.answer(&query, from).await;
                    }
                });
            }
            return None;
        };
        held.queries.extend(message.queries);
        held.answers.extend(message.answers);
        if truncated {
            return None;
        }
        pending.remove(&from).map(|(query, _)| query)
    }

    /// Answers questions about our nodes, unicast to the asker: one node per
    /// message (go-micro's querier keeps only a message's last node), or packed
    /// into few datagrams for askers that offer a large payload (EDNS(0), as
    /// microreg's querier does). Only on-link askers are answered (RFC 6762
    /// §11), and each destination within a byte rate, so a forged source
    /// cannot turn us into an amplifier.
    async fn answer(&self, query: &Message, from: SocketAddr) {
        let mut sets = Vec::new();
        let mut unicast_bit = false;
        // A question repeated N times would otherwise be answered N times,
        // each answer echoing all N: N² work from one datagram.
        let questions = gomicro_records::unique_questions(&query.queries);
        {
            let published = self.published();
            if published.is_empty() {
                return;
            }
            for question in &questions {
                unicast_bit |= question.mdns_unicast_response();
                for answers in published.answers(question, &self.host) {
                    // RFC 6762 §7.1: the asker holds this one for long enough.
                    if !is_known(&answers, &query.answers) {
                        sets.push(answers);
                    }
                }
            }
        }
        if sets.is_empty() {
            return;
        }
        if !self.transport.is_on_link(from.ip()) {
            Counters::add(&self.counters.queries_off_link, 1);
            return;
        }
        // RFC 6762 §18.1 (and go-micro): id 0, or the query's id for a unicast reply.
        let id = if unicast_bit || from.port() != super::transport::MDNS_PORT {
            query.metadata.id
        } else {
            0
        };
        // Each datagram with the answer sets it carries: packed for askers that
        // offer a large payload, else one node per message.
        let payload = query.edns.as_ref().map_or(0, |e| e.max_payload());
        let datagrams: Vec<(AnswerSets, Option<Vec<u8>>)> = if payload >= MIN_PACKED_PAYLOAD {
            let limit = usize::from(payload.min(gomicro_records::PACKED_PAYLOAD));
            match gomicro_records::packed_batches(id, &questions, sets, limit) {
                Ok(packed) => packed
                    .into_iter()
                    .map(|(sets, bytes)| (sets, Some(bytes)))
                    .collect(),
                Err(error) => {
                    tracing::debug!(%error, "cannot encode an answer");
                    return;
                }
            }
        } else {
            sets.into_iter().map(|set| (vec![set], None)).collect()
        };
        Counters::add(&self.counters.queries_answered, 1);
        for (sets, encoded) in datagrams {
            // A long answer burst can outlast a deregistration: an answer sent
            // after the node's goodbye would bring it back on every peer.
            let total = sets.len();
            let _order = self.wire_order.lock().await;
            let live: Vec<Vec<Record>> = {
                let published = self.published();
                sets.into_iter()
                    .filter(|set| published.still_answers(set))
                    .collect()
            };
            if live.is_empty() {
                continue;
            }
            let bytes = match encoded {
                Some(bytes) if live.len() == total => bytes,
                _ => match gomicro_records::response(id, &questions, live.concat()) {
                    Ok(bytes) => bytes,
                    Err(error) => {
                        tracing::debug!(%error, "cannot encode an answer");
                        continue;
                    }
                },
            };
            if !self.answers.take(from.ip(), bytes.len()) {
                Counters::add(&self.counters.answers_held, 1);
                return;
            }
            self.transport.unicast(&bytes, from).await;
        }
    }

    /// Feeds node sightings into the live view and asks about what is incomplete.
    async fn learn(&self, message: &Message, source: IpAddr, role: Role) {
        for domain in domains::domains_in(message) {
            if self.domains.learn(&domain) {
                self.view.hint();
            }
        }
        let mut follow_ups = Vec::new();
        let mut bursts = BTreeSet::new();
        // An answer to our question is as old as the question (see farewells.rs).
        let asked = match role {
            Role::Querier => self.questions.asked_at(message.metadata.id),
            Role::Mdns => None,
        };
        let budget = self.inflation.grant(source);
        let (sightings, inflated) = gomicro_parse::read_within(message, budget);
        self.inflation.spend(source, inflated);
        for sighting in sightings {
            match sighting {
                Sighting::Node {
                    domain,
                    service,
                    ttl,
                    signature,
                } => {
                    Counters::add(&self.counters.nodes_seen, 1);
                    let signed = match &self.signer {
                        None => false,
                        Some(signer) => {
                            let content = Signed {
                                domain: &domain,
                                service: &service,
                                alive: ttl > 0,
                            };
                            match signer.verify(&content, signature.as_deref()) {
                                Ok(()) => true,
                                Err(Refusal::Unsigned) => false,
                                Err(Refusal::Duplicate) => continue,
                                Err(refusal) => {
                                    tracing::debug!(?refusal, node = ?service.nodes.first().map(|n| &n.id), "signed record refused");
                                    Counters::add(&self.counters.signatures_rejected, 1);
                                    match refusal {
                                        Refusal::Stale => {
                                            Counters::add(&self.counters.signatures_stale, 1)
                                        }
                                        Refusal::Replayed => {
                                            Counters::add(&self.counters.signatures_replayed, 1)
                                        }
                                        _ => {}
                                    }
                                    continue;
                                }
                            }
                        }
                    };
                    let stale = role == Role::Querier
                        && ttl > 0
                        && service.nodes.first().is_some_and(|node| {
                            self.view.answer_predates_goodbye(
                                &domain,
                                &service.name,
                                &node.id,
                                asked,
                            )
                        });
                    if stale {
                        continue;
                    }
                    let ttl = Duration::from_secs(u64::from(ttl));
                    let name = service.name.clone();
                    let action = self.view.observe_received(
                        &domain,
                        service,
                        Source::GoMicro,
                        ttl,
                        signed,
                    );
                    // New nodes announced unasked come in bursts (a process
                    // registering many); some of a burst may have been lost.
                    if action == Some(Action::Create) && role == Role::Mdns {
                        bursts.insert((domain, name));
                    }
                }
                Sighting::Listing {
                    domain, service, ..
                } => {
                    let new = {
                        let mut listed = self.lock_listed();
                        let names = listed.entry(domain.clone()).or_default();
                        names.len() < MAX_LISTED && names.insert(service.clone())
                    };
                    if self.view.count(Some(&service), &domain) == 0 {
                        if new {
                            self.view.hint();
                        }
                        if let Ok(name) = gomicro_names::service_name(&service, &domain) {
                            follow_ups.push(Question::new(name, RecordType::PTR));
                        }
                    }
                }
                Sighting::Unresolved(instance) => {
                    follow_ups.push(Question::new(instance, RecordType::ANY));
                }
            }
        }
        self.ask(follow_ups, Purpose::FollowUp).await;
        for (domain, service) in bursts {
            self.catch_up(domain, service);
        }
    }

    /// Asks about a service again, in lookup rounds, shortly after a burst of
    /// its nodes was announced, so that nodes whose announcement was lost are
    /// found now rather than at the announcer's repeat (or never, for peers
    /// that announce once).
    fn catch_up(&self, domain: String, service: String) {
        let Some(dialect) = self.weak_self() else {
            return;
        };
        {
            let mut running = self.catching_up.lock().unwrap_or_else(|e| e.into_inner());
            if running.len() >= MAX_CATCH_UPS || !running.insert((domain.clone(), service.clone()))
            {
                return;
            }
        }
        tokio::spawn(async move {
            // Let the burst itself arrive first.
            tokio::time::sleep(dialect.latency.get() * 2).await;
            let target = Target::Service {
                name: service.clone(),
                domain: domain.clone(),
            };
            lookup::settle(
                &dialect.view,
                &*dialect,
                &dialect.latency,
                &target,
                lookup::NotBefore::now(),
                Instant::now() + CATCH_UP_LIMIT,
            )
            .await;
            dialect
                .catching_up
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&(domain, service));
        });
    }

    /// Forgets `nodes` (already unpublished) and says goodbye for each, now
    /// and once more after [`GOODBYE_REPEAT_AFTER`] unless published again.
    /// The caller holds `wire_order`.
    async fn say_goodbye(&self, nodes: Vec<PublishedNode>) {
        if nodes.is_empty() {
            return;
        }
        for node in &nodes {
            self.view.forget(&node.key, Source::GoMicro);
            self.goodbye(node).await;
        }
        let this = self.this.clone();
        tokio::spawn(async move {
            tokio::time::sleep(GOODBYE_REPEAT_AFTER).await;
            let Some(dialect) = this.upgrade() else {
                return;
            };
            let _order = dialect.wire_order.lock().await;
            for node in nodes {
                if dialect.published().get(&node.key).is_none() {
                    dialect.goodbye(&node).await;
                }
            }
        });
    }

    fn weak_self(&self) -> Option<Arc<Self>> {
        self.this.upgrade()
    }

    /// Expiry, re-queries, lapsed registrations and repeated announcements.
    async fn on_tick(&self) {
        let now = Instant::now();
        for (domain, service) in self.view.expire(now) {
            self.query_service(&domain, &service, Purpose::Requery)
                .await;
        }
        let _order = self.wire_order.lock().await;
        let (lapsed, due) = {
            let mut published = self.published();
            (
                published.take_lapsed(now),
                published.due_announcements(now, MAX_ANNOUNCEMENTS_PER_TICK),
            )
        };
        self.say_goodbye(lapsed).await;
        for records in due {
            self.announce(records).await;
        }
    }
}

/// A catch-up asks in its one domain.
#[async_trait]
impl Asker for GoMicroDialect {
    async fn ask_round(&self, target: &Target, _round: u32) {
        let domains = self.domains_of(target.domain());
        // A catch-up follows a burst already heard: never a first round. The
        // LAN triggered it: the follow-up budget pays.
        self.ask_lookup_round(target, &domains, false, Purpose::CatchUp)
            .await;
    }
}

/// Whether the PTR that opens `answers` is among the asker's known answers with
/// at least half our TTL left (RFC 6762 §7.1).
fn is_known(answers: &[Record], known: &[Record]) -> bool {
    let Some(first) = answers.first() else {
        return false;
    };
    let RData::PTR(ours) = &first.data else {
        return false;
    };
    known.iter().any(|k| {
        matches!(&k.data, RData::PTR(theirs) if theirs.0 == ours.0)
            && k.name == first.name
            && k.ttl >= first.ttl / 2
    })
}

async fn receive(dialect: Arc<GoMicroDialect>, socket: Arc<UdpSocket>, role: Role) {
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    loop {
        match socket.recv_from(&mut buffer).await {
            Ok((len, from)) => dialect.handle(&buffer[..len], from, role).await,
            Err(error) => {
                tracing::debug!(%error, "mDNS receive failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn tick(dialect: Arc<GoMicroDialect>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        dialect.on_tick().await;
    }
}
