//! Where webhooks may go. A target is checked when it is registered and again at every
//! connection: its host is resolved here, every address that is not public unicast is dropped
//! (loopback, private, shared, link-local, unique-local, multicast, documentation, reserved,
//! IPv4-mapped and the tunnelling prefixes that embed an IPv4 address), and the HTTP client
//! connects to the addresses that passed, never resolving the name again (no DNS rebinding).
//! The URL parser (WHATWG) turns decimal, octal and hexadecimal IPv4 hosts into addresses first,
//! so `http://2130706433/` is 127.0.0.1 here too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

/// The longest a name may take to resolve (a registration waits for it).
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// What the configuration allows beyond public HTTPS targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// `http://` targets (development and tests; production takes HTTPS only).
    pub allow_http: bool,
    /// Loopback addresses (127.0.0.0/8, ::1): the tests' receivers. Private networks stay refused.
    pub allow_loopback: bool,
}

/// Why a target is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("is not a URL: {0}")]
    Malformed(String),
    #[error("must be https (http is allowed only by ORGCMS_WEBHOOK_ALLOW_HTTP)")]
    Scheme,
    #[error("must not carry a user name or password")]
    Userinfo,
    #[error("must not have a fragment")]
    Fragment,
    #[error("has no host")]
    NoHost,
    #[error("names {0}, which is not a public address")]
    NotPublic(IpAddr),
    #[error("resolves to no public address ({0})")]
    ResolvesPrivate(String),
    #[error("could not be resolved: {0}")]
    Unresolvable(String),
}

impl TargetPolicy {
    /// Whether orgcms may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.allow_loopback && ip.is_loopback() {
            return true;
        }
        is_public(ip)
    }

    /// The URL's own checks (scheme, userinfo, an address given as the host); a host name is
    /// checked by resolving it ([`TargetPolicy::resolve`]).
    pub fn check_url(&self, text: &str) -> Result<Url, TargetError> {
        let url = Url::parse(text).map_err(|e| TargetError::Malformed(e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err(TargetError::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::Userinfo);
        }
        if url.fragment().is_some() {
            return Err(TargetError::Fragment);
        }
        match url.host() {
            None => return Err(TargetError::NoHost),
            Some(Host::Ipv4(ip)) if !self.allows(IpAddr::V4(ip)) => {
                return Err(TargetError::NotPublic(IpAddr::V4(ip)))
            }
            Some(Host::Ipv6(ip)) if !self.allows(IpAddr::V6(ip)) => {
                return Err(TargetError::NotPublic(IpAddr::V6(ip)))
            }
            _ => {}
        }
        Ok(url)
    }

    /// The addresses of `host` that may be connected to; an error when there are none.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, TargetError> {
        let lookup = tokio::net::lookup_host((host, port));
        let found: Vec<SocketAddr> = tokio::time::timeout(RESOLVE_TIMEOUT, lookup)
            .await
            .map_err(|_| TargetError::Unresolvable("no answer in time".into()))?
            .map_err(|e| TargetError::Unresolvable(e.to_string()))?
            .collect();
        let allowed: Vec<SocketAddr> = found
            .iter()
            .copied()
            .filter(|addr| self.allows(addr.ip()))
            .collect();
        if allowed.is_empty() {
            let names: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
            return Err(TargetError::ResolvesPrivate(names.join(", ")));
        }
        Ok(allowed)
    }

    /// The full check of a registration: the URL, then (for a name) its resolution.
    pub async fn check_target(&self, text: &str) -> Result<Url, TargetError> {
        let url = self.check_url(text)?;
        if let Some(Host::Domain(name)) = url.host() {
            self.resolve(name, url.port_or_known_default().unwrap_or(443))
                .await?;
        }
        Ok(url)
    }
}

/// Public unicast: an address any host on the internet could be. Everything else is refused.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network"
        || a == 10                             // private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // shared (carrier-grade NAT)
        || (a == 169 && b == 254)              // link-local (cloud metadata)
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // documentation
        || (a == 192 && b == 88 && c == 99)    // 6to4 relay anycast
        || (a == 192 && b == 168)              // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100)   // documentation
        || (a == 203 && b == 0 && c == 113)    // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    // Global unicast is 2000::/3; inside it, documentation, Teredo, 6to4 (which embed or
    // stand for other addresses) and ORCHID are not somewhere to send a webhook.
    (segments[0] & 0xe000) == 0x2000
        && !(segments[0] == 0x2001 && segments[1] == 0x0db8)
        && !(segments[0] == 0x2001 && segments[1] == 0x0000)
        && !(segments[0] == 0x2001 && (segments[1] & 0xfff0) == 0x0010)
        && !(segments[0] == 0x2001 && (segments[1] & 0xfff0) == 0x0020)
        && segments[0] != 0x2002
}

/// The resolver the webhook client connects through: every name is resolved and checked here,
/// and the client connects to exactly the addresses that passed.
#[derive(Clone, Debug)]
pub struct CheckedResolver(pub TargetPolicy);

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0;
        Box::pin(async move {
            let addrs = policy
                .resolve(name.as_str(), 0)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

impl CheckedResolver {
    pub fn shared(policy: TargetPolicy) -> Arc<Self> {
        Arc::new(Self(policy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: TargetPolicy = TargetPolicy {
        allow_http: false,
        allow_loopback: false,
    };
    const TESTS: TargetPolicy = TargetPolicy {
        allow_http: true,
        allow_loopback: true,
    };

    #[test]
    fn only_public_unicast_is_public() {
        for private in [
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "127.0.0.1",
            "127.9.9.9",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "2002:7f00:1::1",
        ] {
            let ip: IpAddr = private.parse().unwrap();
            assert!(!is_public(ip), "{private}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            let ip: IpAddr = public.parse().unwrap();
            assert!(is_public(ip), "{public}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_connection() {
        use TargetError::*;
        let refused = |policy: TargetPolicy, url: &str| policy.check_url(url).unwrap_err();
        assert_eq!(refused(STRICT, "http://example.org/hook"), Scheme);
        assert_eq!(refused(STRICT, "ftp://example.org/"), Scheme);
        assert_eq!(refused(STRICT, "https://user:pw@example.org/"), Userinfo);
        assert_eq!(refused(STRICT, "https://user@example.org/"), Userinfo);
        assert_eq!(refused(STRICT, "https://example.org/#x"), Fragment);
        assert!(matches!(refused(STRICT, "not a url"), Malformed(_)));
        // Decimal, octal and hexadecimal spellings of 127.0.0.1 are 127.0.0.1.
        for loopback in [
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://0x7f.1/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:7f00:1]/",
        ] {
            assert!(
                matches!(refused(STRICT, loopback), NotPublic(_)),
                "{loopback}"
            );
        }
        assert!(matches!(refused(TESTS, "http://10.0.0.1/"), NotPublic(_)));
        assert!(matches!(
            refused(TESTS, "http://[::ffff:127.0.0.1]/"),
            NotPublic(_)
        ));
        assert!(TESTS.check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(STRICT.check_url("https://hooks.example.org/orgcms").is_ok());
    }

    #[tokio::test]
    async fn names_that_resolve_to_private_addresses_are_refused() {
        assert!(matches!(
            STRICT.check_target("https://localhost/").await,
            Err(TargetError::ResolvesPrivate(_))
        ));
        assert!(TESTS.check_target("http://localhost:9/").await.is_ok());
        assert!(matches!(
            STRICT.check_target("https://name.invalid/").await,
            Err(TargetError::Unresolvable(_))
        ));
    }
}
