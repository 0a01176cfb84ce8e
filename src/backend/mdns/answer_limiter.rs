//! How much we answer one destination: a forged question (its source set to
//! a victim's address) must not turn a publisher of many nodes into an
//! amplifier. Each destination address gets a token bucket of bytes per
//! second; answers over it are not sent (and counted).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use tokio::time::Instant;

/// Bytes of answers one destination may receive at once: a full answer of
/// about 1500 small go-micro nodes, packed.
pub const BURST_BYTES: u64 = 512 << 10;
/// Bytes per second a destination's allowance refills by.
pub const BYTES_PER_SECOND: u64 = 256 << 10;
/// Destinations tracked at most; full buckets are forgotten first.
const MAX_DESTINATIONS: usize = 4096;

/// Per-destination byte buckets.
#[derive(Default)]
pub struct AnswerLimiter {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl AnswerLimiter {
    /// Takes `bytes` from `to`'s bucket; false (nothing taken) when it lacks them.
    pub fn take(&self, to: IpAddr, bytes: usize) -> bool {
        self.take_at(to, bytes, Instant::now())
    }

    fn take_at(&self, to: IpAddr, bytes: usize, now: Instant) -> bool {
        let rate = BYTES_PER_SECOND as f64;
        let burst = BURST_BYTES as f64;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_DESTINATIONS && !buckets.contains_key(&to) {
            // A full bucket says nothing a new one would not.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
            if buckets.len() >= MAX_DESTINATIONS {
                buckets.clear();
            }
        }
        let (tokens, at) = buckets.entry(to).or_insert((burst, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens < bytes as f64 {
            return false;
        }
        *tokens -= bytes as f64;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn one_destination_gets_a_bounded_rate() {
        let limiter = AnswerLimiter::default();
        let victim: IpAddr = "10.77.0.9".parse().unwrap();
        let now = Instant::now();
        let sent = (0..10_000)
            .take_while(|_| limiter.take_at(victim, 250, now))
            .count();
        assert_eq!(sent as u64, BURST_BYTES / 250);
        assert!(limiter.take_at("10.77.0.8".parse().unwrap(), 250, now));
        assert!(limiter.take_at(victim, 250, now + Duration::from_millis(10)));
    }
}
