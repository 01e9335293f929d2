//! Who is asking, and how they reached the dashboard: the client's address
//! (activity log, sign-in throttle, API rate limit), whether the request
//! came over TLS (`Secure` cookies, HSTS), and the dashboard's external URL
//! (invitation links, the API curl example).
//!
//! The rule lives here only: `X-Forwarded-For`, `X-Forwarded-Proto` and
//! `X-Forwarded-Host` count only when the TCP peer is one of
//! `POSTERN_TRUSTED_PROXIES` (none by default). Otherwise the peer's
//! address and the request's own scheme and `Host` count, whatever headers
//! the client sent. `Forwarded` (RFC 7239) is never read. Absolute links use
//! `POSTERN_PUBLIC_URL` when it is set.

use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{FromRequest, HttpRequest, web};
use ipnet::IpNet;

/// What the operator said about the network in front of Postern
/// (registered as app data).
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    /// Peers whose `X-Forwarded-*` headers are honoured.
    pub trusted: Vec<IpNet>,
    /// The dashboard's external URL (`https://host[:port]`, no trailing
    /// slash), for every absolute link.
    pub public_url: Option<String>,
}

impl Proxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }
}

/// The client of one request, as far as it can be believed.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// The client's address: the TCP peer, or what a trusted proxy says.
    pub ip: Option<IpAddr>,
    /// `https` or `http`.
    pub scheme: String,
    /// `host[:port]` the client asked for.
    pub host: String,
    public_url: Option<String>,
}

impl ClientInfo {
    pub fn of(req: &HttpRequest) -> Self {
        let default = Proxies::default();
        let proxies = req
            .app_data::<web::Data<Proxies>>()
            .map(|p| p.get_ref())
            .unwrap_or(&default);
        let peer = req.peer_addr().map(|a| canonical(a.ip()));
        let own_scheme = if req.app_config().secure() {
            "https"
        } else {
            "http"
        };
        let own_host = last_value(req.headers(), header::HOST)
            .filter(|h| is_host(h))
            .or_else(|| req.uri().authority().map(|a| a.to_string()))
            .unwrap_or_else(|| req.app_config().host().to_owned());
        let mut info = Self {
            ip: peer,
            scheme: own_scheme.to_owned(),
            host: own_host,
            public_url: proxies.public_url.clone(),
        };
        if peer.is_some_and(|ip| proxies.trusts(ip)) {
            let headers = req.headers();
            info.ip = forwarded_client(headers, proxies).or(peer);
            if let Some(proto) = last_value(headers, "x-forwarded-proto")
                .map(|p| p.to_ascii_lowercase())
                .filter(|p| p == "https" || p == "http")
            {
                info.scheme = proto;
            }
            if let Some(host) = last_value(headers, "x-forwarded-host").filter(|h| is_host(h)) {
                info.host = host;
            }
        }
        info
    }

    /// The address as the activity log stores it.
    pub fn ip_string(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }

    /// Whether the client reached us over TLS (directly or through a
    /// trusted proxy).
    pub fn over_tls(&self) -> bool {
        self.scheme == "https"
    }

    /// Where the dashboard is reached (`https://host`), for links to pass
    /// on: `POSTERN_PUBLIC_URL`, else the scheme and host of this request.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }

    /// The dashboard's host name without a port (the default SMTP host
    /// shown to users).
    pub fn host_name(&self) -> String {
        let base = self.base_url();
        let authority = base.split_once("://").map_or(base.as_str(), |(_, a)| a);
        match authority.rsplit_once(':') {
            Some((name, port))
                if port.chars().all(|c| c.is_ascii_digit()) && !name.ends_with(':') =>
            {
                name.to_owned()
            }
            _ => authority.to_owned(),
        }
    }
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

/// The client as trusted proxies report it: `X-Forwarded-For` read from
/// the right (each proxy appends the address it saw), skipping trusted
/// proxies; the first other address is the client. An entry that is not an
/// address stops the walk (nothing to its left can be believed).
fn forwarded_client(headers: &HeaderMap, proxies: &Proxies) -> Option<IpAddr> {
    let hops: Vec<String> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().to_owned())
        .collect();
    let mut nearest = None;
    for hop in hops.iter().rev() {
        let ip = parse_hop(hop)?;
        if !proxies.trusts(ip) {
            return Some(ip);
        }
        nearest = Some(ip);
    }
    nearest
}

fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(canonical)
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The last comma-separated value of a header (the one the nearest proxy
/// set), trimmed.
fn last_value(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<String> {
    let value = headers.get_all(name).last()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    (!last.is_empty()).then(|| last.to_owned())
}

/// A plausible `host[:port]` (so a header cannot inject markup or paths
/// into a link).
fn is_host(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 255
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn proxies(trusted: &[&str]) -> web::Data<Proxies> {
        web::Data::new(Proxies {
            trusted: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            public_url: None,
        })
    }

    fn from(peer: &str, trusted: &[&str], headers: &[(&str, &str)]) -> ClientInfo {
        let mut req = TestRequest::get()
            .uri("/")
            .peer_addr(format!("{peer}:40000").parse().unwrap())
            .insert_header(("host", "dash.example:8080"))
            .app_data(proxies(trusted));
        for (name, value) in headers {
            req = req.append_header((*name, *value));
        }
        ClientInfo::of(&req.to_http_request())
    }

    const FORWARDED: &[(&str, &str)] = &[
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "evil.example"),
    ];

    #[test]
    fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
        let info = from("198.51.100.2", &[], FORWARDED);
        assert_eq!(info.ip, Some("198.51.100.2".parse().unwrap()));
        assert!(!info.over_tls());
        assert_eq!(info.base_url(), "http://dash.example:8080");
        let info = from("198.51.100.2", &["10.0.0.0/8"], FORWARDED);
        assert_eq!(info.base_url(), "http://dash.example:8080");
    }

    #[test]
    fn a_trusted_proxy_is_believed() {
        let info = from("10.1.2.3", &["10.0.0.0/8"], FORWARDED);
        assert_eq!(info.ip, Some("203.0.113.7".parse().unwrap()));
        assert!(info.over_tls());
        assert_eq!(info.base_url(), "https://evil.example");
        assert_eq!(info.host_name(), "evil.example");
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        // The client wrote the first entry itself; the proxies appended the rest.
        let hops = [("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.0.0.5")];
        let info = from("10.1.2.3", &["10.0.0.0/8"], &hops);
        assert_eq!(info.ip, Some("203.0.113.7".parse().unwrap()));
        let garbage = [("x-forwarded-for", "203.0.113.7, not-an-ip")];
        let info = from("10.1.2.3", &["10.0.0.0/8"], &garbage);
        assert_eq!(info.ip, Some("10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn the_public_url_wins_for_links() {
        let req = TestRequest::get()
            .peer_addr("10.1.2.3:4000".parse().unwrap())
            .insert_header(("host", "internal:8080"))
            .app_data(web::Data::new(Proxies {
                trusted: vec![],
                public_url: Some("https://postern.example.com".into()),
            }))
            .to_http_request();
        let info = ClientInfo::of(&req);
        assert_eq!(info.base_url(), "https://postern.example.com");
        assert_eq!(info.host_name(), "postern.example.com");
    }

    #[test]
    fn a_host_header_with_markup_is_not_used() {
        let info = from("198.51.100.2", &[], &[("host", "a\"><script>")]);
        assert!(!info.base_url().contains('<'), "{}", info.base_url());
    }
}
