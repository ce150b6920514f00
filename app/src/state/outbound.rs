//! Where Quell may send HTTP requests: the address policy every outbound call obeys (webhooks,
//! contact methods, and every later one).
//!
//! A target must be `http` or `https`, without user name or password, and every address its name
//! resolves to must be public: loopback, private (RFC 1918), CGNAT, link-local, unique-local,
//! multicast, unspecified, reserved and documentation ranges are refused, and so are IPv6 forms
//! that carry one of them (IPv4-mapped, IPv4-compatible, NAT64, 6to4). Self-hosters often run
//! receivers on their own network, so `QUELL_OUTBOUND_ALLOW` lets an admin allow ranges and host
//! names explicitly (`10.0.0.0/8,chat.internal`).
//!
//! The check runs when a URL is saved (`check_url`) and again when it is sent: the server's HTTP
//! client resolves names through `resolve_allowed`, so the address it connects to is the one that
//! was checked (no DNS rebinding between check and connect).

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Ranges and host names an admin allowed beyond the public internet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    networks: Vec<IpNet>,
    hosts: Vec<String>,
}

/// Why a target is refused; the text is what a person reads beside the field or in the delivery
/// log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("Enter an address starting with https:// (or http://).")]
    NotHttp,
    #[error("Put credentials in the webhook's secret, not in its address.")]
    Credentials,
    #[error("{host} is a {kind} address ({ip}); Quell only sends to public addresses unless QUELL_OUTBOUND_ALLOW allows it.")]
    Address { host: String, ip: IpAddr, kind: &'static str },
    #[error("{host} could not be resolved: {reason}")]
    Unresolved { host: String, reason: String },
}

impl OutboundPolicy {
    /// Reads `QUELL_OUTBOUND_ALLOW`: a comma-separated list of addresses, ranges in CIDR notation
    /// and host names.
    pub fn parse(spec: &str) -> Result<OutboundPolicy, String> {
        let mut policy = OutboundPolicy::default();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Ok(network) = entry.parse::<IpNet>() {
                policy.networks.push(network);
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                policy.networks.push(IpNet::from(ip));
            } else if entry.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') && entry.contains(|c: char| c.is_ascii_alphabetic()) {
                policy.hosts.push(entry.trim_end_matches('.').to_ascii_lowercase());
            } else {
                return Err(format!("{entry:?} is neither an address, a range like 10.0.0.0/8, nor a host name"));
            }
        }
        Ok(policy)
    }

    /// A policy that allows everything on this machine (tests whose receivers listen on loopback).
    pub fn loopback_allowed() -> OutboundPolicy {
        OutboundPolicy::parse("127.0.0.0/8,::1/128").unwrap_or_default()
    }

    /// Whether `host` (a name, lower case) is allowed whatever it resolves to.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.contains(&host)
    }

    /// Why `ip` is refused, or `None` when it may be reached.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        let kind = non_public(ip)?;
        let allowed = self.networks.iter().any(|net| net.contains(&ip) || canonical(ip).is_some_and(|v4| net.contains(&IpAddr::V4(v4))));
        (!allowed).then_some(kind)
    }

    fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), Refused> {
        match self.refusal(ip) {
            None => Ok(()),
            Some(kind) => Err(Refused::Address { host: host.to_string(), ip, kind }),
        }
    }

    /// Resolves `host` (a name) to the addresses a request may connect to: all of them, or a
    /// refusal if any is refused (a name with one private address is not half allowed).
    pub async fn resolve_allowed(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refused> {
        let unresolved = |reason: String| Refused::Unresolved { host: host.to_string(), reason };
        let addresses: Vec<SocketAddr> =
            tokio::net::lookup_host((host, port)).await.map_err(|err| unresolved(err.to_string()))?.collect();
        if addresses.is_empty() {
            return Err(unresolved("no addresses".to_string()));
        }
        if !self.allows_host(host) {
            for address in &addresses {
                self.check_ip(host, address.ip())?;
            }
        }
        Ok(addresses)
    }

    /// Checks a URL as it is saved: its form, and the addresses its host names now. A name that
    /// does not resolve at the moment is accepted (the send says why it fails); one that resolves
    /// to a refused address is not.
    pub async fn check_url(&self, text: &str) -> Result<url::Url, Refused> {
        let (url, host) = self.check_form(text)?;
        match host {
            Target::Ip(_) => {}
            Target::Name(name, port) => match self.resolve_allowed(&name, port).await {
                Ok(_) | Err(Refused::Unresolved { .. }) => {}
                Err(refused) => return Err(refused),
            },
        }
        Ok(url)
    }

    /// Checks what can be checked without the network: scheme, credentials, and the address if
    /// the host is one. Returns the URL and its host.
    pub fn check_form(&self, text: &str) -> Result<(url::Url, Target), Refused> {
        let url = url::Url::parse(text.trim()).map_err(|_| Refused::NotHttp)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::NotHttp);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::Credentials);
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let target = match url.host() {
            None => return Err(Refused::NotHttp),
            Some(url::Host::Ipv4(ip)) => Target::Ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Target::Ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => Target::Name(name.to_string(), port),
        };
        if let Target::Ip(ip) = target {
            self.check_ip(&ip.to_string(), ip)?;
        }
        Ok((url, target))
    }
}

/// What a URL's host is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Ip(IpAddr),
    /// A name and the port to connect to.
    Name(String, u16),
}

/// The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any.
fn canonical(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    let s = v6.segments();
    let o = v6.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated)
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] if !v6.is_loopback() && !v6.is_unspecified() => Some(tail),
        // 64:ff9b::a.b.c.d and 64:ff9b:1::/48 (NAT64)
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 1, ..] => Some(tail),
        // 2002:AABB:CCDD::/48 (6to4)
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        _ => None,
    }
}

/// What kind of non-public address `ip` is, or `None` for a public one.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => match canonical(ip) {
            // The IPv4 address it carries decides (DNS64 hands out NAT64 forms of public ones).
            Some(v4) => non_public_v4(v4),
            None => non_public_v6(v6),
        },
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "unspecified",
        (127, _, _) => "loopback",
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => "private",
        (100, 64..=127, _) => "shared (CGNAT)",
        (169, 254, _) => "link-local",
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => "reserved",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        _ => return None,
    })
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    Some(if ip.is_unspecified() {
        "unspecified"
    } else if ip.is_loopback() {
        "loopback"
    } else if first & 0xfe00 == 0xfc00 {
        "unique-local"
    } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
        "link-local"
    } else if first & 0xff00 == 0xff00 {
        "multicast"
    } else if first == 0x2001 && (ip.segments()[1] == 0x0db8 || ip.segments()[1] == 0) {
        // Documentation (2001:db8::/32) and Teredo (2001::/32), which tunnels to any IPv4.
        "reserved"
    } else if first == 0x0100 && ip.segments()[1..4] == [0, 0, 0] {
        "reserved"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(policy: &OutboundPolicy, url: &str) -> Option<&'static str> {
        match policy.check_form(url) {
            Err(Refused::Address { kind, .. }) => Some(kind),
            Err(other) => panic!("{url}: {other}"),
            Ok(_) => None,
        }
    }

    #[test]
    fn loopback_private_link_local_and_their_spellings_are_refused() {
        let policy = OutboundPolicy::default();
        for (url, kind) in [
            ("http://127.0.0.1:5432/", "loopback"),
            ("http://127.1/", "loopback"),
            ("http://2130706433/", "loopback"),
            ("http://0x7f000001/", "loopback"),
            ("http://0x7f.0.0.1/", "loopback"),
            ("http://017700000001/", "loopback"),
            ("http://0.0.0.0/", "unspecified"),
            ("http://0/", "unspecified"),
            ("http://169.254.169.254/latest/meta-data/", "link-local"),
            ("http://10.1.2.3/", "private"),
            ("http://172.31.255.255/", "private"),
            ("http://192.168.0.1/", "private"),
            ("http://100.64.0.1/", "shared (CGNAT)"),
            ("http://224.0.0.1/", "multicast"),
            ("http://255.255.255.255/", "reserved"),
            ("http://[::1]/", "loopback"),
            ("http://[::]/", "unspecified"),
            ("http://[::ffff:127.0.0.1]/", "loopback"),
            ("http://[::ffff:7f00:1]/", "loopback"),
            ("http://[::127.0.0.1]/", "loopback"),
            ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),
            ("http://[2002:7f00:1::]/", "loopback"),
            ("http://[fd00::1]/", "unique-local"),
            ("http://[fe80::1]/", "link-local"),
            ("http://[ff02::1]/", "multicast"),
            ("http://[2001::1]/", "reserved"),
            ("http://[64:ff9b::7f00:1]/", "loopback"),
            ("http://[2002:a00:1::]/", "private"),
        ] {
            assert_eq!(refused(&policy, url), Some(kind), "{url}");
        }
        for url in [
            "https://93.184.215.14/",
            "http://8.8.8.8:8080/hook",
            "https://[2606:4700::1111]/",
            "https://hooks.example.com/x",
            "https://[64:ff9b::808:808]/",
        ] {
            assert_eq!(refused(&policy, url), None, "{url}");
        }
    }

    #[test]
    fn only_http_without_credentials_is_accepted() {
        let policy = OutboundPolicy::default();
        for url in ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com", "javascript:alert(1)", "not a url", "http://"] {
            assert_eq!(policy.check_form(url).unwrap_err(), Refused::NotHttp, "{url}");
        }
        assert_eq!(policy.check_form("https://user:pw@example.com/").unwrap_err(), Refused::Credentials);
    }

    #[test]
    fn an_admin_can_allow_ranges_and_host_names() {
        let policy = OutboundPolicy::parse(" 10.0.0.0/8, chat.internal ,192.168.1.5,fd00::/8").unwrap();
        assert_eq!(refused(&policy, "http://10.20.30.40/"), None);
        assert_eq!(refused(&policy, "http://[::ffff:10.0.0.1]/"), None, "a mapped form of an allowed address");
        assert_eq!(refused(&policy, "http://192.168.1.5/"), None);
        assert_eq!(refused(&policy, "http://192.168.1.6/"), Some("private"));
        assert_eq!(refused(&policy, "http://[fd12::1]/"), None);
        assert_eq!(refused(&policy, "http://127.0.0.1/"), Some("loopback"));
        assert!(policy.allows_host("Chat.Internal."));
        assert!(!policy.allows_host("evil.internal"));
        assert!(OutboundPolicy::parse("10.0.0.0/33").is_err());
        assert!(OutboundPolicy::parse("http://x").is_err());
    }

    #[tokio::test]
    async fn names_are_checked_by_what_they_resolve_to() {
        let policy = OutboundPolicy::default();
        let err = policy.check_url("http://localhost:5432/").await.unwrap_err();
        assert!(matches!(err, Refused::Address { kind: "loopback", .. }), "{err}");
        assert!(err.to_string().starts_with("localhost is a loopback address"), "{err}");
        assert!(OutboundPolicy::loopback_allowed().check_url("http://localhost:5432/").await.is_ok());
        // A name that does not resolve now is accepted when saved; the send says why it fails.
        assert!(policy.check_url("https://does-not-exist.invalid/hook").await.is_ok());
        assert!(matches!(policy.resolve_allowed("does-not-exist.invalid", 443).await, Err(Refused::Unresolved { .. })));
    }
}
