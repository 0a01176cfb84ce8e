//! Standard DNS-SD through the mdns-sd crate, so that avahi, Bonjour and
//! python-zeroconf see our nodes and we see theirs.
//!
//! Mapping: domain `micro` -> service type `_micro._tcp.local.`; instance name =
//! node id; SRV port and A/AAAA from the node address; TXT = `service=<name>`,
//! `version=<version>` and the node metadata as `key=value`, each string within
//! 255 bytes and the record within [`MAX_TXT_BYTES`]. What does not fit (large
//! metadata, endpoints) is left out and `more=1` says so: microreg peers get the
//! full data from go-micro's dialect, merged by node id.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mdns_sd::{IfKind, ServiceDaemon, ServiceEvent, ServiceInfo};
use tokio::time::Instant;

use super::counters::Counters;
use super::interfaces::NetInterface;
use super::live_view::{LiveView, NodeKey, Source};
use crate::error::{Error, Result};
use crate::model::{split_host_port, Metadata, Node, Service};

/// RFC 6763 §6.2: keep the whole TXT record small (one packet).
pub const MAX_TXT_BYTES: usize = 1300;
/// RFC 6763 §7.2: service labels are at most 15 characters (with the `_`).
const MAX_SERVICE_LABEL: usize = 15;
const KEY_SERVICE: &str = "service";
const KEY_VERSION: &str = "version";
const KEY_MORE: &str = "more";
/// How often registrations with a lapsed TTL are withdrawn.
const LAPSE_CHECK: Duration = Duration::from_millis(250);
/// How long a fresh browse takes to hear the first answers of what is already
/// on the LAN: responders delay shared (PTR) answers by 20–120 ms (RFC 6762 §6),
/// and mdns-sd resolves an instance from the answer's additional records.
pub const BROWSE_FIRST_ANSWERS: Duration = Duration::from_millis(150);
/// How long a fresh browse takes to hear everything: a responder that multicast
/// the same records less than a second ago stays silent (RFC 6762 §6), so the
/// answer may be its next one, a second later. Lookups wait this long only when
/// DNS-SD is the only dialect; with go-micro's, microreg peers answer unicast
/// at once and [`BROWSE_FIRST_ANSWERS`] is enough for the others.
pub const BROWSE_SETTLE: Duration = Duration::from_millis(1500);
/// mdns-sd's command queue is bounded; a full queue is retried this often.
const RETRY_FULL_QUEUE: Duration = Duration::from_millis(2);

/// The DNS-SD service type of a domain, when the domain fits in one.
pub fn service_type(domain: &str) -> Option<String> {
    let label = format!("_{domain}");
    (label.len() <= MAX_SERVICE_LABEL
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    .then(|| format!("{label}._tcp.local."))
}

/// What we registered with mdns-sd: enough to withdraw it and to tell whether a
/// registration changes it (mdns-sd keeps the full record; no second copy here).
struct Registered {
    fullname: String,
    version: String,
    fingerprint: u64,
    expires: Option<Instant>,
}

/// The DNS-SD side: an mdns-sd daemon limited to our interfaces.
pub struct DnsSd {
    daemon: ServiceDaemon,
    host: String,
    view: Arc<LiveView>,
    registered: Mutex<HashMap<NodeKey, Registered>>,
    /// No registration lapses before this (a lower bound); `None`: none has a
    /// TTL, so the lapse check has nothing to scan.
    next_lapse: Mutex<Option<Instant>>,
    /// service type -> when browsing it began.
    browsing: Mutex<HashMap<String, Instant>>,
    /// fullname -> node, to turn mdns-sd's removals into node keys.
    resolved: Mutex<HashMap<String, Resolved>>,
    max_nodes: usize,
    counters: Arc<Counters>,
    /// Set by [`DnsSd::shutdown`]: closed browses are not restarted.
    stopping: std::sync::atomic::AtomicBool,
    /// Types whose browse we stopped on purpose, to refresh it (not counted
    /// as a browse that mdns-sd dropped).
    refreshing: Mutex<std::collections::HashSet<String>>,
}

/// A DNS-SD instance in view.
struct Resolved {
    key: NodeKey,
    /// Last resolved (or verified) at.
    seen: Instant,
    /// The browse (first = 0, then one per restart) that last reported it.
    generation: u64,
}

/// Service types (domains) browsed at most: `*` follows the domains it hears,
/// and a LAN can plant thousands.
pub const MAX_BROWSED_TYPES: usize = 32;
/// How long mdns-sd waits for an answer when verifying an old record.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(2);
/// How often instances are checked against the view's TTL cap.
const VERIFY_CHECK: Duration = Duration::from_secs(5);
/// Records of one type verified one by one per check at most (each
/// verification multicasts questions); more, and the type's browse is
/// refreshed instead.
const MAX_VERIFIES_PER_CHECK: usize = 20;
/// A browse that mdns-sd dropped is restarted after this pause (it drops one
/// whose event queue filled, i.e. under a flood).
const BROWSE_RESTART_PAUSE: Duration = Duration::from_millis(500);

/// Follows one service type until the daemon shuts down or `DnsSd` is dropped.
async fn follow_type(dnssd: std::sync::Weak<DnsSd>, ty: String, domain: String) {
    let mut generation = 0u64;
    loop {
        let events = {
            let Some(this) = dnssd.upgrade() else { return };
            match retry_async(|| this.daemon.browse(&ty)).await {
                Ok(events) => events,
                Err(error) => {
                    tracing::warn!(%error, ty, "cannot browse DNS-SD");
                    return;
                }
            }
        };
        if generation > 0 {
            // The replay of mdns-sd's cache comes first; what it leaves out was
            // removed while the browse was down.
            let weak = dnssd.clone();
            let (ty, settle) = (ty.clone(), BROWSE_SETTLE);
            tokio::spawn(async move {
                tokio::time::sleep(settle).await;
                if let Some(this) = weak.upgrade() {
                    this.forget_unheard(&ty, generation);
                }
            });
        }
        while let Ok(event) = events.recv_async().await {
            let Some(this) = dnssd.upgrade() else { return };
            match event {
                ServiceEvent::ServiceResolved(info) => {
                    this.resolved(&ty, &domain, &info, generation)
                }
                ServiceEvent::ServiceRemoved(_, fullname) => this.removed(&fullname),
                _ => {}
            }
        }
        let Some(this) = dnssd.upgrade() else { return };
        if this.stopping.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        if !this.lock_refreshing().remove(&ty) {
            Counters::add(&this.counters.browse_restarts, 1);
        }
        tracing::debug!(
            ty,
            "a DNS-SD browse ended (mdns-sd dropped it, or we refreshed it); browsing again"
        );
        drop(this);
        generation += 1;
        tokio::time::sleep(BROWSE_RESTART_PAUSE).await;
    }
}

impl DnsSd {
    /// Starts mdns-sd on exactly `interfaces` (it would otherwise use all,
    /// loopback included).
    pub fn start(
        interfaces: &[NetInterface],
        view: Arc<LiveView>,
        max_nodes: usize,
        counters: Arc<Counters>,
    ) -> Result<Arc<Self>> {
        let daemon = ServiceDaemon::new()
            .map_err(|e| Error::unavailable(format!("cannot start mdns-sd: {e}")))?;
        retry(|| daemon.disable_interface(IfKind::All))?;
        let names: Vec<IfKind> = interfaces
            .iter()
            .map(|i| IfKind::Name(i.name.clone()))
            .collect();
        retry(|| daemon.enable_interface(names.clone()))?;
        let host = format!(
            "{}.local.",
            super::gomicro_names::to_text(&super::gomicro_names::host_name())
        );
        let dnssd = Arc::new(DnsSd {
            daemon,
            host,
            view,
            registered: Mutex::new(HashMap::new()),
            next_lapse: Mutex::new(None),
            browsing: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
            max_nodes,
            counters,
            stopping: std::sync::atomic::AtomicBool::new(false),
            refreshing: Mutex::new(Default::default()),
        });
        let weak = Arc::downgrade(&dnssd);
        tokio::spawn(async move {
            let mut since_verify = Duration::ZERO;
            loop {
                tokio::time::sleep(LAPSE_CHECK).await;
                let Some(dnssd) = weak.upgrade() else { return };
                dnssd.withdraw_lapsed();
                since_verify += LAPSE_CHECK;
                if since_verify >= VERIFY_CHECK {
                    since_verify = Duration::ZERO;
                    dnssd.verify_old();
                }
            }
        });
        Ok(dnssd)
    }

    /// Publishes each node; ids with a UUID skip probing (unique by construction).
    pub async fn publish(
        &self,
        domain: &str,
        service: &Service,
        ttl: Option<Duration>,
        fallback: &[IpAddr],
    ) -> Result<()> {
        let Some(ty) = service_type(domain) else {
            return Ok(()); // the domain has no DNS-SD form; go-micro's dialect carries it
        };
        for node in &service.nodes {
            let (host, port) = split_host_port(&node.address)?;
            let ips: Vec<IpAddr> = match host.parse::<IpAddr>() {
                Ok(ip) if !ip.is_unspecified() => vec![ip],
                _ => fallback.to_vec(),
            };
            let properties = txt_properties(service, node);
            let mut info =
                ServiceInfo::new(&ty, &node.id, &self.host, &ips[..], port, &properties[..])
                    .map_err(|e| {
                        Error::invalid(format!(
                            "node {:?} cannot be published over DNS-SD: {e}",
                            node.id
                        ))
                    })?;
            info.set_requires_probe(!has_uuid(&node.id));
            let key = NodeKey {
                domain: domain.to_string(),
                service: service.name.clone(),
                node_id: node.id.clone(),
            };
            let fullname = info.get_fullname().to_string();
            let fingerprint = fingerprint(&fullname, port, &ips, &properties);
            let unchanged = {
                let registered = self.lock_registered();
                registered
                    .get(&key)
                    .is_some_and(|r| r.fingerprint == fingerprint)
            };
            if !unchanged {
                let daemon = &self.daemon;
                retry_async(|| daemon.register(info.clone())).await?;
            }
            let expires = ttl.map(|t| Instant::now() + t);
            self.lock_registered().insert(
                key,
                Registered {
                    fullname,
                    version: service.version.clone(),
                    fingerprint,
                    expires,
                },
            );
            // After the insert: a lapse check that clears the bound meanwhile
            // finds the registration in its scan.
            if let Some(at) = expires {
                let mut next = self.next_lapse.lock().unwrap_or_else(|e| e.into_inner());
                *next = Some(next.map_or(at, |n| n.min(at)));
            }
            let single = Service {
                endpoints: Vec::new(),
                ..service.for_node(node)
            };
            self.view
                .observe(domain, single, Source::DnsSd, Duration::ZERO);
        }
        Ok(())
    }

    /// Withdraws the listed nodes (every node at that version when none is listed).
    pub async fn unpublish(&self, domain: &str, service: &Service) {
        let removed: Vec<(NodeKey, Registered)> = {
            let mut registered = self.lock_registered();
            let keys: Vec<NodeKey> = registered
                .iter()
                .filter(|(k, r)| {
                    k.domain == domain
                        && k.service == service.name
                        && if service.nodes.is_empty() {
                            r.version == service.version
                        } else {
                            service.nodes.iter().any(|n| n.id == k.node_id)
                        }
                })
                .map(|(k, _)| k.clone())
                .collect();
            keys.into_iter()
                .filter_map(|k| registered.remove(&k).map(|r| (k, r)))
                .collect()
        };
        for (key, registration) in removed {
            let daemon = &self.daemon;
            let _ = retry_async(|| daemon.unregister(&registration.fullname)).await;
            self.view.forget(&key, Source::DnsSd);
        }
    }

    /// Browses the domain's service type (once), feeding the live view. At most
    /// [`MAX_BROWSED_TYPES`] types are followed; each is a task on the shared
    /// runtime (no thread per type), restarted when mdns-sd drops it.
    pub fn browse(self: &Arc<Self>, domain: &str) {
        let Some(ty) = service_type(domain) else {
            return;
        };
        {
            let mut browsing = self.browsing.lock().unwrap_or_else(|e| e.into_inner());
            if browsing.contains_key(&ty) {
                return;
            }
            if browsing.len() >= MAX_BROWSED_TYPES {
                Counters::add(&self.counters.domains_not_followed, 1);
                return;
            }
            browsing.insert(ty.clone(), Instant::now());
        }
        let weak = Arc::downgrade(self);
        crate::runtime::handle().spawn(follow_type(weak, ty, domain.to_string()));
    }

    /// Stops every browse of ours in mdns-sd, as if it had dropped them: for
    /// tests of the recovery.
    pub fn drop_browses(&self) {
        let types = self.browsed_types();
        for ty in types {
            let _ = retry(|| self.daemon.stop_browse(&ty));
        }
    }

    /// One resolved instance: into the view, remembered for its removal.
    fn resolved(&self, ty: &str, domain: &str, info: &mdns_sd::ResolvedService, generation: u64) {
        let Some(service) = node_of(&info.fullname, ty, info) else {
            return;
        };
        let key = NodeKey {
            domain: domain.to_string(),
            service: service.name.clone(),
            node_id: service.nodes[0].id.clone(),
        };
        {
            let mut map = self.lock_resolved();
            if map.len() < self.max_nodes || map.contains_key(&info.fullname) {
                map.insert(
                    info.fullname.clone(),
                    Resolved {
                        key,
                        seen: Instant::now(),
                        generation,
                    },
                );
            }
        }
        // DNS-SD records carry no signature.
        self.view
            .observe_received(domain, service, Source::DnsSd, Duration::ZERO, false);
    }

    fn removed(&self, fullname: &str) {
        let gone = self.lock_resolved().remove(fullname);
        if let Some(gone) = gone {
            self.view.forget_received(&gone.key, Source::DnsSd);
        }
    }

    /// After a restarted browse has replayed mdns-sd's cache: instances of `ty`
    /// not heard since the restart were removed while nobody listened.
    fn forget_unheard(&self, ty: &str, generation: u64) {
        let stale: Vec<String> = self
            .lock_resolved()
            .iter()
            .filter(|(name, r)| r.generation < generation && name.ends_with(ty))
            .map(|(name, _)| name.clone())
            .collect();
        for fullname in stale {
            self.removed(&fullname);
        }
    }

    /// Records held past the view's TTL cap: mdns-sd keeps a record as long as
    /// it claimed (up to 2³¹ s). A few are verified one by one (RFC 6762
    /// §10.4: if nobody answers, mdns-sd removes them); when a type has more
    /// (a flood's fakes), its browse is refreshed instead: mdns-sd drops the
    /// type's cache and asks the LAN again, live nodes answer, and what is not
    /// heard again is forgotten (as after a restart).
    fn verify_old(&self) {
        let now = Instant::now();
        let cap = self.view.limits().max_ttl;
        let types = self.browsed_types();
        let mut by_type: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut map = self.lock_resolved();
            for (name, resolved) in map.iter_mut().filter(|(_, r)| now >= r.seen + cap) {
                resolved.seen = now;
                if let Some(ty) = types.iter().find(|ty| name.ends_with(ty.as_str())) {
                    by_type.entry(ty.clone()).or_default().push(name.clone());
                }
            }
        }
        for (ty, names) in by_type {
            if names.len() > MAX_VERIFIES_PER_CHECK {
                self.lock_refreshing().insert(ty.clone());
                let _ = self.daemon.stop_browse(&ty);
            } else {
                for fullname in names {
                    let _ = self.daemon.verify(fullname, VERIFY_TIMEOUT);
                }
            }
        }
    }

    /// The service types being browsed.
    fn browsed_types(&self) -> Vec<String> {
        let browsing = self.browsing.lock().unwrap_or_else(|e| e.into_inner());
        browsing.keys().cloned().collect()
    }

    fn lock_refreshing(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.refreshing.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_resolved(&self) -> std::sync::MutexGuard<'_, HashMap<String, Resolved>> {
        self.resolved.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When browsing `domain` began; `None` if not browsed.
    pub fn browse_started(&self, domain: &str) -> Option<Instant> {
        let ty = service_type(domain)?;
        let browsing = self.browsing.lock().unwrap_or_else(|e| e.into_inner());
        browsing.get(&ty).copied()
    }

    /// Unregisters everything (sends goodbyes) and stops the daemon.
    pub fn shutdown(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::Release);
        let all: Vec<Registered> = self.lock_registered().drain().map(|(_, r)| r).collect();
        for registration in all {
            let _ = retry(|| self.daemon.unregister(&registration.fullname));
        }
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(Duration::from_secs(1));
        }
    }

    fn withdraw_lapsed(&self) {
        let now = Instant::now();
        {
            let mut next = self.next_lapse.lock().unwrap_or_else(|e| e.into_inner());
            if next.is_none_or(|at| now < at) {
                return;
            }
            // Recomputed below from what stays; a registration made meanwhile
            // lowers it again.
            *next = None;
        }
        let lapsed: Vec<(NodeKey, Registered)> = {
            let mut registered = self.lock_registered();
            let keys: Vec<NodeKey> = registered
                .iter()
                .filter(|(_, r)| r.expires.is_some_and(|e| e <= now))
                .map(|(k, _)| k.clone())
                .collect();
            let remaining = registered
                .values()
                .filter_map(|r| r.expires.filter(|e| *e > now))
                .min();
            if let Some(at) = remaining {
                let mut next = self.next_lapse.lock().unwrap_or_else(|e| e.into_inner());
                *next = Some(next.map_or(at, |n| n.min(at)));
            }
            keys.into_iter()
                .filter_map(|k| registered.remove(&k).map(|r| (k, r)))
                .collect()
        };
        for (key, registration) in lapsed {
            let _ = retry(|| self.daemon.unregister(&registration.fullname));
            self.view.forget(&key, Source::DnsSd);
        }
    }

    fn lock_registered(&self) -> std::sync::MutexGuard<'_, HashMap<NodeKey, Registered>> {
        self.registered.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `service`, `version`, then node metadata, within RFC 6763's limits.
fn txt_properties(service: &Service, node: &Node) -> Vec<(String, String)> {
    let mut properties = vec![
        (KEY_SERVICE.to_string(), service.name.clone()),
        (KEY_VERSION.to_string(), service.version.clone()),
    ];
    let mut total: usize = properties.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut left_out = !service.endpoints.is_empty();
    for (key, value) in &node.metadata {
        let size = key.len() + value.len() + 2;
        let reserved =
            [KEY_SERVICE, KEY_VERSION, KEY_MORE].contains(&key.to_ascii_lowercase().as_str());
        if reserved
            || key.is_empty()
            || key.contains('=')
            || size > 256
            || total + size > MAX_TXT_BYTES - 8
        {
            left_out = true;
            continue;
        }
        total += size;
        properties.push((key.clone(), value.clone()));
    }
    if left_out {
        properties.push((KEY_MORE.to_string(), "1".to_string()));
    }
    properties
}

/// A resolved DNS-SD instance as a one-node service, if it is one of ours.
fn node_of(fullname: &str, ty: &str, info: &mdns_sd::ResolvedService) -> Option<Service> {
    let instance = fullname.strip_suffix(ty)?.strip_suffix('.')?;
    let node_id = instance.replace("\\.", ".").replace("\\\\", "\\");
    let name = info.get_property_val_str(KEY_SERVICE)?.to_string();
    if name.is_empty() || node_id.is_empty() {
        return None;
    }
    let version = info
        .get_property_val_str(KEY_VERSION)
        .unwrap_or_default()
        .to_string();
    let mut ips: Vec<IpAddr> = info
        .get_addresses()
        .iter()
        .map(|s| s.to_ip_addr())
        .collect();
    ips.sort_by_key(|ip| (!ip.is_ipv4(), *ip));
    let address = match ips.first()? {
        IpAddr::V4(v4) => format!("{v4}:{}", info.get_port()),
        IpAddr::V6(v6) => format!("[{v6}]:{}", info.get_port()),
    };
    let metadata: Metadata = info
        .get_properties()
        .iter()
        .filter(|p| ![KEY_SERVICE, KEY_VERSION, KEY_MORE].contains(&p.key()))
        .map(|p| (p.key().to_string(), p.val_str().to_string()))
        .collect();
    Some(Service {
        name,
        version,
        metadata: Metadata::new(),
        endpoints: Vec::new(),
        nodes: vec![Node {
            id: node_id,
            address,
            metadata,
        }],
    })
}

fn fingerprint(fullname: &str, port: u16, ips: &[IpAddr], properties: &[(String, String)]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (fullname, port, ips, properties).hash(&mut hasher);
    hasher.finish()
}

/// go-micro's ids are `<name>-<uuid>`: a UUID makes the name unique.
pub fn has_uuid(id: &str) -> bool {
    id.len() >= 36
        && (0..=id.len() - 36).any(|start| {
            id.is_char_boundary(start)
                && id.is_char_boundary(start + 36)
                && uuid::Uuid::try_parse(&id[start..start + 36]).is_ok()
        })
}

fn retry<T>(mut call: impl FnMut() -> mdns_sd::Result<T>) -> Result<T> {
    for _ in 0..5000 {
        match call() {
            Err(mdns_sd::Error::Again) => std::thread::sleep(RETRY_FULL_QUEUE),
            other => return other.map_err(|e| Error::unavailable(format!("mdns-sd: {e}"))),
        }
    }
    Err(Error::unavailable("mdns-sd's command queue stayed full"))
}

async fn retry_async<T>(mut call: impl FnMut() -> mdns_sd::Result<T>) -> Result<T> {
    for _ in 0..5000 {
        match call() {
            Err(mdns_sd::Error::Again) => tokio::time::sleep(RETRY_FULL_QUEUE).await,
            other => return other.map_err(|e| Error::unavailable(format!("mdns-sd: {e}"))),
        }
    }
    Err(Error::unavailable("mdns-sd's command queue stayed full"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_map_to_service_types() {
        assert_eq!(service_type("micro").as_deref(), Some("_micro._tcp.local."));
        assert_eq!(service_type("a-very-long-domain"), None);
    }

    #[test]
    fn uuids_make_ids_unique() {
        assert!(has_uuid("greeter-6a1b2c3d-1111-4222-8333-944455556666"));
        assert!(!has_uuid("greeter-1"));
    }

    #[test]
    fn txt_keeps_within_limits_and_flags_what_is_left_out() {
        let mut service = Service::new("greeter", "1.0");
        let mut node = Node::new("n", "1.2.3.4:5");
        node.metadata.insert("zone".into(), "a".into());
        node.metadata.insert("big".into(), "x".repeat(300));
        for i in 0..100 {
            node.metadata.insert(format!("k{i:03}"), "v".repeat(20));
        }
        service.nodes.push(node.clone());
        let props = txt_properties(&service, &node);
        assert_eq!(props[0], ("service".into(), "greeter".into()));
        assert_eq!(props[1], ("version".into(), "1.0".into()));
        assert!(props.iter().any(|(k, v)| k == "zone" && v == "a"));
        assert!(!props.iter().any(|(k, _)| k == "big"));
        assert_eq!(
            props.last().unwrap(),
            &("more".to_string(), "1".to_string())
        );
        let total: usize = props.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        assert!(total <= MAX_TXT_BYTES, "{total}");
    }
}
