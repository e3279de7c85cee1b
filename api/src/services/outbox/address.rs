//! Where a webhook may point. Not at this machine (loopback, the address the
//! server listens on, "unspecified"), not at link-local addresses nor the
//! cloud metadata services, not at multicast — unless the operator names the
//! host in `--webhook-allowed-hosts`. A host name is checked again at every
//! attempt, by the resolver the deliveries connect through, so that a name
//! which later resolves to a forbidden address reaches nothing.

use crate::error::{ApiError, ApiResult};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Host names of metadata services that resolve only inside a cloud.
const METADATA_NAMES: [&str; 3] = ["metadata.google.internal", "metadata", "instance-data"];

/// The rule of where deliveries may go.
#[derive(Debug, Clone)]
pub(crate) struct Destinations {
    /// Hosts named by the operator, lower-cased, IPv6 without brackets.
    allowed: Arc<Vec<String>>,
    /// The address the server listens on.
    own: Option<IpAddr>,
}

impl Destinations {
    pub(crate) fn new(allowed: &[String], listen: SocketAddr) -> Self {
        let allowed = allowed.iter().map(|host| bare(host.trim())).filter(|host| !host.is_empty()).collect();
        Self { allowed: Arc::new(allowed), own: Some(listen.ip()).filter(|ip| !ip.is_unspecified()) }
    }

    fn allows_host(&self, host: &str) -> bool {
        self.allowed.iter().any(|allowed| *allowed == bare(host))
    }

    /// `url` parsed, if a webhook may point there: `http` or `https`, a host,
    /// no credentials, and not a forbidden address unless allowed.
    pub(crate) fn check(&self, url: &str) -> ApiResult<reqwest::Url> {
        let refuse = |why: &str| ApiError::BadUserInput(format!("the webhook's `url` {why}"));
        let parsed = reqwest::Url::parse(url.trim()).map_err(|_| refuse("is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(refuse("must be http or https"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse("must not carry credentials (the signature authenticates the sender)"));
        }
        let host = parsed.host_str().ok_or_else(|| refuse("has no host"))?.to_ascii_lowercase();
        if self.allows_host(&host) {
            return Ok(parsed);
        }
        let named_forbidden = host == "localhost" || host.ends_with(".localhost") || METADATA_NAMES.contains(&&*host);
        let address_forbidden = bare(&host).parse::<IpAddr>().ok().and_then(|ip| self.forbidden(ip));
        if named_forbidden || address_forbidden.is_some() {
            let why = address_forbidden.unwrap_or("this machine or a metadata service");
            return Err(refuse(&format!(
                "points at {why}; an operator may allow `{host}` with --webhook-allowed-hosts"
            )));
        }
        Ok(parsed)
    }

    /// Why deliveries may not go to `ip`, if they may not.
    fn forbidden(&self, ip: IpAddr) -> Option<&'static str> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        if Some(ip) == self.own {
            return Some("this server");
        }
        match ip {
            IpAddr::V4(v4) => forbidden_v4(v4),
            IpAddr::V6(v6) => forbidden_v6(v6),
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    if ip.is_loopback() || ip.is_unspecified() || ip.octets()[0] == 0 {
        Some("this machine")
    } else if ip.is_link_local() {
        Some("a link-local address (where cloud metadata services answer)")
    } else if ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("a cloud metadata service")
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some("a multicast or broadcast address")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_loopback() || ip.is_unspecified() {
        Some("this machine")
    } else if segments[0] & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some("a cloud metadata service")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else {
        None
    }
}

/// `host` lower-cased, without an IPv6 literal's brackets.
fn bare(host: &str) -> String {
    host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

/// The resolver deliveries connect through: a name's forbidden addresses
/// are dropped, and a name left with none fails to resolve.
impl Resolve for Destinations {
    fn resolve(&self, name: Name) -> Resolving {
        let destinations = self.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = destinations.allows_host(&host);
            let usable: Vec<SocketAddr> =
                found.into_iter().filter(|address| allowed || destinations.forbidden(address.ip()).is_none()).collect();
            if usable.is_empty() {
                return Err(format!("`{host}` resolves to no address a webhook may reach").into());
            }
            let addresses: Addrs = Box::new(usable.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destinations(allowed: &[&str]) -> Destinations {
        let allowed: Vec<String> = allowed.iter().map(|host| host.to_string()).collect();
        Destinations::new(&allowed, "10.1.2.3:8080".parse().unwrap())
    }

    #[test]
    fn this_machine_link_local_and_metadata_addresses_are_refused_unless_allowed() {
        let rule = destinations(&[]);
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://[::1]/hook",
            "http://0.0.0.0/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fd00:ec2::254]/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://10.1.2.3:8080/graphql",
            "http://10.1.2.3:9000/",
            "ftp://example.org/",
            "http://user:pass@example.org/",
            "not a url",
        ] {
            assert!(rule.check(url).is_err(), "{url} is accepted");
        }
        for url in ["https://hooks.example.org/motcua", "http://10.20.30.40:8443/in"] {
            assert!(rule.check(url).is_ok(), "{url} is refused");
        }
        let allowing = destinations(&["127.0.0.1", "LOCALHOST", "[::1]"]);
        for url in ["http://127.0.0.1:9000/hook", "http://localhost:1/", "http://[::1]:2/"] {
            assert!(allowing.check(url).is_ok(), "{url} is refused although allowed");
        }
        assert!(allowing.check("http://169.254.169.254/").is_err());
    }
}
