//! How much TXT decompression the LAN can make us do. One datagram may inflate
//! at most [`PER_DATAGRAM`] bytes in all (not 1 MiB per TXT record it
//! carries), and one source at most [`PER_SOURCE_PER_SECOND`]; what is over
//! budget is skipped unread (and counted), so a flood of zlib bombs costs a
//! bounded amount of CPU.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::gomicro_txt::MAX_INFLATED_LEN;

/// Bytes one datagram may inflate to, over all its TXT records.
pub const PER_DATAGRAM: u64 = MAX_INFLATED_LEN;
/// Bytes one source address may make us inflate per second.
pub const PER_SOURCE_PER_SECOND: u64 = 4 * MAX_INFLATED_LEN;
const WINDOW: Duration = Duration::from_secs(1);
/// Sources tracked at most; beyond it, windows that ended are forgotten.
const MAX_SOURCES: usize = 4096;

/// Per-source spending in the current one-second window.
#[derive(Default)]
pub struct InflateBudget {
    sources: Mutex<HashMap<IpAddr, (Instant, u64)>>,
}

impl InflateBudget {
    /// The bytes a datagram from `source` may inflate now.
    pub fn grant(&self, source: IpAddr) -> u64 {
        let now = Instant::now();
        let sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        let spent = match sources.get(&source) {
            Some((start, spent)) if now < *start + WINDOW => *spent,
            _ => 0,
        };
        PER_SOURCE_PER_SECOND
            .saturating_sub(spent)
            .min(PER_DATAGRAM)
    }

    /// Counts what a datagram from `source` inflated.
    pub fn spend(&self, source: IpAddr, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let now = Instant::now();
        let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        if sources.len() >= MAX_SOURCES && !sources.contains_key(&source) {
            sources.retain(|_, (start, _)| now < *start + WINDOW);
            if sources.len() >= MAX_SOURCES {
                sources.clear();
            }
        }
        let entry = sources.entry(source).or_insert((now, 0));
        if now >= entry.0 + WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_gets_a_bounded_share_per_second() {
        let budget = InflateBudget::default();
        let attacker: IpAddr = "10.0.0.66".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(budget.grant(attacker), PER_DATAGRAM);
        let mut total = 0;
        for _ in 0..20 {
            let granted = budget.grant(attacker);
            budget.spend(attacker, granted);
            total += granted;
        }
        assert_eq!(total, PER_SOURCE_PER_SECOND);
        assert_eq!(budget.grant(attacker), 0);
        assert_eq!(budget.grant(other), PER_DATAGRAM, "others are not starved");
    }
}
