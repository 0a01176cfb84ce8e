//! Which network interfaces mDNS uses: every multicast-capable interface that is
//! up, or the ones the configuration names (by name or by address).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

/// Linux `IFF_UP` and `IFF_MULTICAST`.
const IFF_UP: u32 = 0x1;
const IFF_MULTICAST: u32 = 0x1000;

/// One interface the mDNS backend uses, with the addresses mDNS needs
/// ([`MdnsRegistry::interfaces`](super::MdnsRegistry::interfaces)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetInterface {
    /// Its name, e.g. `eth0`.
    pub name: String,
    /// The kernel's interface index (joins and sends name it).
    pub index: u32,
    /// Its IPv4 addresses (224.0.0.251 is joined on it when there is one).
    pub v4: Vec<Ipv4Addr>,
    /// Its IPv6 addresses (ff02::fb is joined on it when there is one).
    pub v6: Vec<Ipv6Addr>,
    /// The on-link networks, as (address, prefix length).
    pub networks: Vec<(IpAddr, u8)>,
}

impl NetInterface {
    /// Whether `ip` is on one of this interface's links (RFC 6762 §11: only
    /// such a source is answered). IPv6 link-local addresses always are.
    pub fn is_on_link(&self, ip: IpAddr) -> bool {
        if let IpAddr::V6(v6) = ip {
            if v6.segments()[0] & 0xffc0 == 0xfe80 {
                return true;
            }
        }
        self.networks
            .iter()
            .any(|(network, prefix)| same_network(*network, ip, *prefix))
    }
}

/// Whether `a` and `b` share their first `prefix` bits.
fn same_network(a: IpAddr, b: IpAddr, prefix: u8) -> bool {
    let (a, b, bits) = match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (
            u128::from(u32::from(a)) << 96,
            u128::from(u32::from(b)) << 96,
            32,
        ),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let prefix = u32::from(prefix).min(bits);
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    a & mask == b & mask
}

/// The interfaces to use. `wanted` empty = all that are up and multicast-capable;
/// otherwise each entry names an interface or one of its addresses.
pub fn select(wanted: &[String]) -> Result<Vec<NetInterface>> {
    let addrs = if_addrs::get_if_addrs()
        .map_err(|e| Error::unavailable(format!("cannot list network interfaces: {e}")))?;
    let mut chosen: Vec<NetInterface> = Vec::new();
    for addr in addrs {
        let matches = if wanted.is_empty() {
            is_up_multicast(&addr.name)
        } else {
            wanted
                .iter()
                .any(|w| *w == addr.name || w.parse::<IpAddr>().ok() == Some(addr.ip()))
        };
        if !matches {
            continue;
        }
        let slot = match chosen.iter_mut().position(|i| i.name == addr.name) {
            Some(at) => &mut chosen[at],
            None => {
                chosen.push(NetInterface {
                    name: addr.name.clone(),
                    index: addr.index.unwrap_or(0),
                    v4: Vec::new(),
                    v6: Vec::new(),
                    networks: Vec::new(),
                });
                chosen.last_mut().expect("just pushed")
            }
        };
        match &addr.addr {
            if_addrs::IfAddr::V4(v4) => {
                slot.v4.push(v4.ip);
                slot.networks.push((IpAddr::V4(v4.ip), v4.prefixlen));
            }
            if_addrs::IfAddr::V6(v6) => {
                slot.v6.push(v6.ip);
                slot.networks.push((IpAddr::V6(v6.ip), v6.prefixlen));
            }
        }
    }
    if chosen.is_empty() {
        return Err(Error::unavailable(if wanted.is_empty() {
            "no network interface is up and multicast-capable".to_string()
        } else {
            format!("none of the interfaces {wanted:?} exists or has an address")
        }));
    }
    Ok(chosen)
}

/// Reads the interface flags from sysfs; an interface we cannot read is skipped.
fn is_up_multicast(name: &str) -> bool {
    std::fs::read_to_string(format!("/sys/class/net/{name}/flags"))
        .ok()
        .and_then(|text| u32::from_str_radix(text.trim().trim_start_matches("0x"), 16).ok())
        .is_some_and(|flags| flags & IFF_UP != 0 && flags & IFF_MULTICAST != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_select_loopback() {
        let by_name = select(&["lo".to_string()]).unwrap();
        assert_eq!(by_name[0].name, "lo");
        assert!(by_name[0].v4.contains(&Ipv4Addr::LOCALHOST));
        let by_address = select(&["127.0.0.1".to_string()]).unwrap();
        assert_eq!(by_address[0].name, "lo");
    }

    #[test]
    fn on_link_sources_are_told_apart_from_the_rest() {
        let iface = NetInterface {
            name: "mr0".into(),
            index: 2,
            v4: vec![Ipv4Addr::new(10, 77, 0, 1)],
            v6: vec![],
            networks: vec![
                ("10.77.0.1".parse().unwrap(), 24),
                ("fd77::1".parse().unwrap(), 64),
            ],
        };
        assert!(iface.is_on_link("10.77.0.200".parse().unwrap()));
        assert!(!iface.is_on_link("10.78.0.2".parse().unwrap()));
        assert!(!iface.is_on_link("8.8.8.8".parse().unwrap()));
        assert!(iface.is_on_link("fd77::9".parse().unwrap()));
        assert!(iface.is_on_link("fe80::1".parse().unwrap()));
        assert!(!iface.is_on_link("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn an_unknown_interface_is_an_error() {
        assert!(select(&["no-such-if0".to_string()]).is_err());
    }
}
