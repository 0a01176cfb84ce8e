//! Which network interfaces mDNS uses: every multicast-capable interface that is
//! up, or the ones the configuration names (by name or by address).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

/// Linux `IFF_UP` and `IFF_MULTICAST`.
const IFF_UP: u32 = 0x1;
const IFF_MULTICAST: u32 = 0x1000;

/// One interface with the addresses mDNS needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetInterface {
    pub name: String,
    pub index: u32,
    pub v4: Vec<Ipv4Addr>,
    pub v6: Vec<Ipv6Addr>,
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
                });
                chosen.last_mut().expect("just pushed")
            }
        };
        match addr.ip() {
            IpAddr::V4(v4) => slot.v4.push(v4),
            IpAddr::V6(v6) => slot.v6.push(v6),
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
    fn an_unknown_interface_is_an_error() {
        assert!(select(&["no-such-if0".to_string()]).is_err());
    }
}
