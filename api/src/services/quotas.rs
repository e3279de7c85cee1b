//! Requests per minute per client: each service account and official by
//! its id, anonymous callers by address (an IPv6 address by its /64, which
//! one household or host holds whole). Every operation counts — a batch of
//! ten is ten requests — whatever it selects (aliases are bounded by the
//! request's cost, docs/LIMITS.md). The defaults per kind of client are
//! settings; a service account may have its own (`setClientLimits`). A
//! generic cell rate (GCRA, the `governor` crate) allows the minute's
//! requests in a burst and gives them back evenly; the count is this
//! instance's (docs/LIMITS.md "Quotas").

use crate::config::Limits;
use entity::{official, OfficialKind};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Whom a request is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Client {
    /// An anonymous caller, by address.
    Address(IpAddr),
    /// A signed-in official or service account.
    Official(Uuid),
}

impl Client {
    /// An anonymous caller at `ip`: an IPv6 address counted by its /64.
    pub(crate) fn at(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::Address(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    Self::Address(IpAddr::V6(prefix.into()))
                }
            },
            v4 => Self::Address(v4),
        }
    }
}

/// The limiters, one per distinct rate (keys move between them when a
/// service account's own rate changes).
#[derive(Default)]
pub(crate) struct Quotas {
    limiters: Mutex<HashMap<u32, Arc<DefaultKeyedRateLimiter<Client>>>>,
}

impl std::fmt::Debug for Quotas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quotas").finish_non_exhaustive()
    }
}

impl Quotas {
    /// The rate of a client: a service account's own, else its kind's
    /// setting; `None` (0 in a setting): unlimited.
    pub(crate) fn rate_of(limits: &Limits, official: Option<&official::Model>) -> Option<NonZeroU32> {
        let rate = match official {
            None => limits.requests_per_minute_anonymous,
            Some(official) => match (official.kind, official.requests_per_minute) {
                (_, Some(own)) => u32::try_from(own).unwrap_or(0),
                (OfficialKind::Service, None) => limits.requests_per_minute_service,
                (OfficialKind::Person, None) => limits.requests_per_minute_official,
            },
        };
        NonZeroU32::new(rate)
    }

    /// Counts `operations` requests of `client` at `rate` a minute: `Err`
    /// with how long to wait when the minute's are spent (or when more are
    /// asked at once than a minute allows).
    pub(crate) fn take(&self, client: Client, rate: Option<NonZeroU32>, operations: usize) -> Result<(), Duration> {
        let Some(rate) = rate else { return Ok(()) };
        let limiter = {
            let mut limiters = self.limiters.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            limiters
                .entry(rate.get())
                .or_insert_with(|| Arc::new(DefaultKeyedRateLimiter::dashmap(Quota::per_minute(rate))))
                .clone()
        };
        let n = NonZeroU32::new(u32::try_from(operations).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN);
        let per_request = Duration::from_secs(60) / rate.get();
        match limiter.check_key_n(&client, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                use governor::clock::Clock;
                Err(not_until.wait_time_from(governor::clock::DefaultClock::default().now()).max(per_request))
            }
            Err(_) => Err(Duration::from_secs(60)),
        }
    }

    /// Forgets the clients whose count is back to nothing (every minute):
    /// the memory a flood of addresses takes lasts a minute.
    pub(crate) fn forget_idle(&self) {
        let limiters: Vec<_> =
            self.limiters.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).values().cloned().collect();
        for limiter in limiters {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_s_requests_pass_then_the_next_waits() {
        let quotas = Quotas::default();
        let client = Client::Official(Uuid::nil());
        let rate = NonZeroU32::new(6);
        for _ in 0..6 {
            assert!(quotas.take(client, rate, 1).is_ok());
        }
        let wait = quotas.take(client, rate, 1).unwrap_err();
        assert!(wait > Duration::from_secs(5) && wait <= Duration::from_secs(10), "{wait:?}");
        assert!(quotas.take(Client::Official(Uuid::max()), rate, 6).is_ok(), "another client has its own");
        assert!(quotas.take(Client::Official(Uuid::max()), rate, 7).is_err(), "more than a minute's at once");
        assert!(quotas.take(client, None, 1000).is_ok(), "unlimited");
    }

    #[test]
    fn an_ipv6_household_counts_as_one_address() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Client::at(a), Client::at(b));
        assert_ne!(Client::at(a), Client::at(other));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(Client::at(mapped), Client::at("10.0.0.1".parse().unwrap()));
    }
}
