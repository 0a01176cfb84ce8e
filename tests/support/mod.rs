//! Shared helpers for integration tests.
#![allow(dead_code)]

pub mod etcd;
pub mod etcd_peers;
pub mod hosts;
pub mod observer;
pub mod sign_soak;
pub mod tcp_relay;

/// Panics unless this process runs in a private network namespace made by
/// tests/netns/isolated (or a host inside it): every interface must be `lo` or
/// one of ours, whose names start with "mr". A networked test calls this first,
/// so that it can never multicast on the machine's real interfaces.
pub fn require_isolated_network() {
    let devices = std::fs::read_to_string("/proc/self/net/dev")
        .expect("cannot read /proc/self/net/dev to check network isolation");
    let foreign: Vec<&str> = devices
        .lines()
        .skip(2)
        .filter_map(|line| line.split(':').next())
        .map(str::trim)
        .filter(|name| *name != "lo" && !name.starts_with("mr"))
        .collect();
    assert!(
        foreign.is_empty(),
        "refusing to run a networked test outside a private network namespace \
         (found interfaces {foreign:?}); run it through `make test` or \
         `tests/netns/isolated cargo test`"
    );
}

/// Child processes killed (and reaped) when this is dropped, so that a failed
/// test leaves none behind.
pub struct Children(pub Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
