//! go-micro's mDNS dialect on the wire: answers questions about our nodes,
//! announces them (and says goodbye), asks about others, and listens to all
//! mDNS traffic to keep the live view current.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode};
use hickory_proto::rr::{Name, Record, RecordType};
use tokio::net::UdpSocket;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::answer_limiter::AnswerLimiter;
use super::counters::Counters;
use super::gomicro_names;
use super::gomicro_parse::{self, Sighting};
use super::gomicro_records;
use super::inflate_budget::InflateBudget;
use super::live_view::{LiveView, NodeKey, Source};
use super::published::{check_publishable, Change, Published, PublishedNode};
use super::question_limiter::{Purpose, QuestionLimiter};
use super::signing::{Refusal, Signed, Signer};
use super::transport::{Role, Transport, MAX_DATAGRAM};
use super::wire;
use crate::error::Result;
use crate::model::Service;

/// How often expiry, re-queries, lapsed registrations and repeats are checked.
const TICK: Duration = Duration::from_millis(200);
/// Announcements sent per tick at most (250 a second): nodes registered together
/// fall due together, and their records are built only as they go out.
const MAX_ANNOUNCEMENTS_PER_TICK: usize = 50;
/// An asker offering at least this payload (EDNS(0)) gets packed answers.
const MIN_PACKED_PAYLOAD: u16 = 1232;

/// The dialect's state; shared by its tasks and the registry.
pub struct GoMicroDialect {
    transport: Transport,
    published: Mutex<Published>,
    view: Arc<LiveView>,
    counters: Arc<Counters>,
    host: Name,
    local_ips: Vec<IpAddr>,
    /// Every question we multicast passes this gate (RFC 6762 §5.2/§7 pacing).
    questions: Arc<QuestionLimiter>,
    /// Bounds the TXT inflation each datagram and each source can cost us.
    inflation: InflateBudget,
    /// Bounds the answer bytes each destination gets.
    answers: AnswerLimiter,
    /// With registry keys: signs what we send, verifies what we receive.
    signer: Option<Arc<Signer>>,
}

impl GoMicroDialect {
    /// Starts the receive loops and the timer on the current runtime.
    pub fn start(
        transport: Transport,
        view: Arc<LiveView>,
        counters: Arc<Counters>,
        signer: Option<Arc<Signer>>,
    ) -> (Arc<Self>, Vec<AbortHandle>) {
        let local_ips = transport
            .interfaces
            .iter()
            .flat_map(|i| i.v4.iter().map(|a| IpAddr::V4(*a)))
            .take(1)
            .collect();
        let dialect = Arc::new(GoMicroDialect {
            published: Mutex::new(Published::default()),
            host: gomicro_names::host_name(),
            local_ips,
            questions: Arc::new(QuestionLimiter::new()),
            inflation: InflateBudget::default(),
            answers: AnswerLimiter::default(),
            signer,
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
            let single = Service {
                nodes: vec![node.clone()],
                ..service.clone()
            };
            prepared.push(PublishedNode::new(
                domain,
                single,
                ttl,
                &self.host,
                &self.local_ips,
                self.signer.as_ref(),
            )?);
        }
        // Every node was prepared (and so checked) before any is published; each
        // is then announced as it goes in, so 1000 nodes never sit in memory
        // twice as records waiting to be sent.
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
        for node in removed {
            self.view.forget(&node.key, Source::GoMicro);
            self.goodbye(&node).await;
        }
    }

    /// Asks who serves `service` in `domain` (go-micro's GetService question).
    pub async fn query_service(&self, domain: &str, service: &str, purpose: Purpose) {
        if let Ok(name) = gomicro_names::service_name(service, domain) {
            self.ask(name, RecordType::PTR, purpose).await;
        }
    }

    /// Asks for every service name in `domain` (go-micro's ListServices question).
    pub async fn query_listing(&self, domain: &str) {
        if let Ok(name) = gomicro_names::listing_name(domain) {
            self.ask(name, RecordType::PTR, Purpose::Lookup).await;
        }
    }

    /// The gate every question of this dialect passes.
    pub fn questions(&self) -> &Arc<QuestionLimiter> {
        &self.questions
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

    pub fn published_len(&self) -> usize {
        self.published().len()
    }

    /// Multicasts one question, if the limiter lets it go now.
    async fn ask(&self, name: Name, kind: RecordType, purpose: Purpose) {
        if !self.questions.permit(&name, kind, purpose) {
            Counters::add(&self.counters.questions_held, 1);
            return;
        }
        match gomicro_records::query(name, kind) {
            Ok(bytes) => self.transport.multicast_query(&bytes).await,
            Err(error) => tracing::debug!(%error, "cannot build an mDNS query"),
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
            MessageType::Query if role == Role::Mdns => self.answer(&message, from).await,
            MessageType::Query => {}
            MessageType::Response => self.learn(&message, from.ip()).await,
        }
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
        {
            let published = self.published();
            if published.is_empty() {
                return;
            }
            for question in &query.queries {
                unicast_bit |= question.mdns_unicast_response();
                sets.extend(published.answers(question, &self.host));
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
        let payload = query.edns.as_ref().map_or(0, |e| e.max_payload());
        let encoded = if payload >= MIN_PACKED_PAYLOAD {
            let limit = usize::from(payload.min(gomicro_records::PACKED_PAYLOAD));
            gomicro_records::packed_responses(id, &query.queries, sets, limit)
        } else {
            sets.into_iter()
                .map(|set| gomicro_records::response(id, &query.queries, set))
                .collect()
        };
        let datagrams = match encoded {
            Ok(datagrams) => datagrams,
            Err(error) => {
                tracing::debug!(%error, "cannot encode an answer");
                return;
            }
        };
        Counters::add(&self.counters.queries_answered, 1);
        for bytes in datagrams {
            if !self.answers.take(from.ip(), bytes.len()) {
                Counters::add(&self.counters.answers_held, 1);
                return;
            }
            self.transport.unicast(&bytes, from).await;
        }
    }

    /// Feeds node sightings into the live view and asks about what is incomplete.
    async fn learn(&self, message: &Message, source: IpAddr) {
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
                                    continue;
                                }
                            }
                        }
                    };
                    let ttl = Duration::from_secs(u64::from(ttl));
                    self.view
                        .observe_received(&domain, service, Source::GoMicro, ttl, signed);
                }
                Sighting::Listing {
                    domain, service, ..
                } => {
                    if self.view.get(&service, &domain).is_empty() {
                        if let Ok(name) = gomicro_names::service_name(&service, &domain) {
                            self.ask(name, RecordType::PTR, Purpose::FollowUp).await;
                        }
                    }
                }
                Sighting::Unresolved(instance) => {
                    self.ask(instance, RecordType::ANY, Purpose::FollowUp).await;
                }
            }
        }
    }

    /// Expiry, re-queries, lapsed registrations and repeated announcements.
    async fn on_tick(&self) {
        let now = Instant::now();
        for (domain, service) in self.view.expire(now) {
            self.query_service(&domain, &service, Purpose::Refresh)
                .await;
        }
        let (lapsed, due) = {
            let mut published = self.published();
            (
                published.take_lapsed(now),
                published.due_announcements(now, MAX_ANNOUNCEMENTS_PER_TICK),
            )
        };
        for node in lapsed {
            self.view.forget(&node.key, Source::GoMicro);
            self.goodbye(&node).await;
        }
        for records in due {
            self.announce(records).await;
        }
    }
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
