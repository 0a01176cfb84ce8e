//! The UDP sockets of go-micro's dialect: one on port 5353 per IP family (shared
//! with mdns-sd, avahi and go-micro through SO_REUSEADDR/SO_REUSEPORT, joined to
//! the mDNS groups on the chosen interfaces) that hears queries and announcements
//! and sends answers and announcements, and one on an ephemeral port per family
//! that sends our queries, so that unicast answers come back to us alone.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::Arc;

use socket2::{Domain, Protocol, SockRef, Socket, Type};
use tokio::net::UdpSocket;

use super::counters::Counters;
use super::interfaces::NetInterface;

pub const MDNS_PORT: u16 = 5353;
pub const MDNS_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);
pub const MDNS_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfb);
/// Datagrams up to the largest UDP payload are accepted (big endpoint lists).
pub const MAX_DATAGRAM: usize = 65536;
/// Large enough to absorb a burst of 1000 node announcements.
const RECV_BUFFER: usize = 4 << 20;

/// Which socket a datagram came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Port 5353: queries to answer, announcements to read.
    Mdns,
    /// Our ephemeral query port: answers to our questions.
    Querier,
}

/// The dialect's sockets and the interfaces they use.
pub struct Transport {
    pub interfaces: Vec<NetInterface>,
    pub mdns_v4: Option<Arc<UdpSocket>>,
    pub mdns_v6: Option<Arc<UdpSocket>>,
    pub query_v4: Option<Arc<UdpSocket>>,
    pub query_v6: Option<Arc<UdpSocket>>,
    /// Serialises "pick the outgoing interface, then send" on a socket.
    send_lock: tokio::sync::Mutex<()>,
    counters: Arc<Counters>,
}

impl Transport {
    /// Opens the sockets; must run inside the tokio runtime. IPv4 is required,
    /// IPv6 is used where the interfaces have it and the kernel allows it.
    pub fn open(interfaces: Vec<NetInterface>, counters: Arc<Counters>) -> io::Result<Self> {
        let mdns_v4 = mdns_socket_v4(&interfaces)?;
        let query_v4 = query_socket(Domain::IPV4)?;
        let has_v6 = interfaces.iter().any(|i| !i.v6.is_empty());
        let (mdns_v6, query_v6) = if has_v6 {
            match (mdns_socket_v6(&interfaces), query_socket(Domain::IPV6)) {
                (Ok(m), Ok(q)) => (Some(m), Some(q)),
                (m, q) => {
                    tracing::debug!(?m, ?q, "mDNS over IPv6 unavailable; using IPv4 only");
                    (None, None)
                }
            }
        } else {
            (None, None)
        };
        let wrap = |s: Socket| -> io::Result<Arc<UdpSocket>> {
            Ok(Arc::new(UdpSocket::from_std(s.into())?))
        };
        Ok(Transport {
            interfaces,
            mdns_v4: Some(wrap(mdns_v4)?),
            mdns_v6: mdns_v6.map(wrap).transpose()?,
            query_v4: Some(wrap(query_v4)?),
            query_v6: query_v6.map(wrap).transpose()?,
            send_lock: tokio::sync::Mutex::new(()),
            counters,
        })
    }

    /// Whether `ip` is on the link of one of our interfaces, or ours.
    pub fn is_on_link(&self, ip: IpAddr) -> bool {
        ip.is_loopback() || self.interfaces.iter().any(|i| i.is_on_link(ip))
    }

    /// Every socket with its role, for the receive loops.
    pub fn sockets(&self) -> Vec<(Arc<UdpSocket>, Role)> {
        let mut all = Vec::new();
        for (socket, role) in [
            (&self.mdns_v4, Role::Mdns),
            (&self.mdns_v6, Role::Mdns),
            (&self.query_v4, Role::Querier),
            (&self.query_v6, Role::Querier),
        ] {
            if let Some(socket) = socket {
                all.push((socket.clone(), role));
            }
        }
        all
    }

    /// Multicasts from port 5353 (announcements, goodbyes) on every interface.
    pub async fn multicast_from_mdns(&self, bytes: &[u8]) {
        self.multicast(&self.mdns_v4, &self.mdns_v6, bytes).await;
    }

    /// Multicasts a query from our ephemeral port on every interface.
    pub async fn multicast_query(&self, bytes: &[u8]) {
        self.multicast(&self.query_v4, &self.query_v6, bytes).await;
    }

    /// Sends to one address (an answer to a query) from the 5353 socket of its family.
    pub async fn unicast(&self, bytes: &[u8], to: SocketAddr) {
        let socket = match to.ip() {
            IpAddr::V4(_) => &self.mdns_v4,
            IpAddr::V6(_) => &self.mdns_v6,
        };
        if let Some(socket) = socket {
            self.count(socket.send_to(bytes, to).await);
        }
    }

    /// Best-effort multicast without waiting, for goodbyes sent from `Drop`.
    pub fn try_multicast_from_mdns(&self, bytes: &[u8]) {
        for iface in &self.interfaces {
            if let (Some(socket), Some(addr)) = (&self.mdns_v4, iface.v4.first()) {
                let _ = SockRef::from(socket.as_ref()).set_multicast_if_v4(addr);
                let to = SocketAddr::V4(SocketAddrV4::new(MDNS_GROUP_V4, MDNS_PORT));
                self.count(socket.try_send_to(bytes, to));
            }
            if let (Some(socket), false) = (&self.mdns_v6, iface.v6.is_empty()) {
                let _ = SockRef::from(socket.as_ref()).set_multicast_if_v6(iface.index);
                self.count(socket.try_send_to(bytes, group_v6(iface.index)));
            }
        }
    }

    async fn multicast(
        &self,
        v4: &Option<Arc<UdpSocket>>,
        v6: &Option<Arc<UdpSocket>>,
        bytes: &[u8],
    ) {
        let _one_at_a_time = self.send_lock.lock().await;
        for iface in &self.interfaces {
            if let (Some(socket), Some(addr)) = (v4, iface.v4.first()) {
                if SockRef::from(socket.as_ref())
                    .set_multicast_if_v4(addr)
                    .is_ok()
                {
                    let to = SocketAddr::V4(SocketAddrV4::new(MDNS_GROUP_V4, MDNS_PORT));
                    self.count(socket.send_to(bytes, to).await);
                }
            }
            if let (Some(socket), false) = (v6, iface.v6.is_empty()) {
                if SockRef::from(socket.as_ref())
                    .set_multicast_if_v6(iface.index)
                    .is_ok()
                {
                    self.count(socket.send_to(bytes, group_v6(iface.index)).await);
                }
            }
        }
    }

    fn count(&self, result: io::Result<usize>) {
        match result {
            Ok(_) => Counters::add(&self.counters.datagrams_sent, 1),
            Err(error) => {
                tracing::debug!(%error, "mDNS send failed");
                Counters::add(&self.counters.send_errors, 1);
            }
        }
    }
}

fn group_v6(index: u32) -> SocketAddr {
    SocketAddr::V6(SocketAddrV6::new(MDNS_GROUP_V6, MDNS_PORT, 0, index))
}

fn mdns_socket_v4(interfaces: &[NetInterface]) -> io::Result<Socket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    let _ = socket.set_recv_buffer_size(RECV_BUFFER);
    socket.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, MDNS_PORT)).into())?;
    let mut joined = 0;
    for addr in interfaces.iter().filter_map(|i| i.v4.first()) {
        match socket.join_multicast_v4(&MDNS_GROUP_V4, addr) {
            Ok(()) => joined += 1,
            Err(error) => tracing::debug!(%error, %addr, "cannot join 224.0.0.251"),
        }
    }
    if joined == 0 {
        return Err(io::Error::other(
            "could not join 224.0.0.251 on any chosen interface",
        ));
    }
    socket.set_multicast_loop_v4(true)?;
    socket.set_multicast_ttl_v4(255)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

fn mdns_socket_v6(interfaces: &[NetInterface]) -> io::Result<Socket> {
    let socket = Socket::new(Domain::IPV6, Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_only_v6(true)?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    let _ = socket.set_recv_buffer_size(RECV_BUFFER);
    socket.bind(&SocketAddr::from((Ipv6Addr::UNSPECIFIED, MDNS_PORT)).into())?;
    let mut joined = 0;
    for iface in interfaces.iter().filter(|i| !i.v6.is_empty()) {
        if socket
            .join_multicast_v6(&MDNS_GROUP_V6, iface.index)
            .is_ok()
        {
            joined += 1;
        }
    }
    if joined == 0 {
        return Err(io::Error::other("could not join ff02::fb on any interface"));
    }
    socket.set_multicast_loop_v6(true)?;
    socket.set_multicast_hops_v6(255)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

fn query_socket(domain: Domain) -> io::Result<Socket> {
    let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    let _ = socket.set_recv_buffer_size(RECV_BUFFER);
    if domain == Domain::IPV6 {
        socket.set_only_v6(true)?;
        socket.bind(&SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)).into())?;
        socket.set_multicast_loop_v6(true)?;
        socket.set_multicast_hops_v6(255)?;
    } else {
        socket.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)).into())?;
        socket.set_multicast_loop_v4(true)?;
        socket.set_multicast_ttl_v4(255)?;
    }
    socket.set_nonblocking(true)?;
    Ok(socket)
}
