//! Production mail goes to the smarthost inside the client's own
//! transaction: at the client's first RCPT the upstream session is opened
//! (EHLO with `POSTERN_SMTP_HOSTNAME`, STARTTLS and AUTH as the URL says,
//! MAIL FROM), and every RCPT is asked of the smarthost before it is
//! answered. A recipient the smarthost refuses is refused to the client with
//! the smarthost's own code, enhanced code and text; the others still get
//! the message. After DATA the client hears `250` only once the smarthost
//! accepted the message. A smarthost that is unreachable, or refuses the
//! session itself (greeting, EHLO, STARTTLS, AUTH), is `451 4.4.1`.
//!
//! The message must end with CRLF and hold no bare CR or LF
//! (`message::normalize_line_endings`): it is dot-stuffed and ends with
//! exactly one `<CRLF>.<CRLF>`, with no byte added.

use std::future::Future;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use super::reply::{self, Reply};

/// Connecting, and each command's reply.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Sending the message and reading the final reply (RFC 5321 4.5.3.2.6).
const DATA_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest smarthost reply text passed on to the client.
const MAX_TEXT: usize = 200;

/// Where and how production mail is relayed (`POSTERN_SMARTHOST`).
pub struct Relay {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
}

impl Relay {
    /// Reads `smtp://[user:pass@]host[:port][?tls=required|opportunistic]`
    /// or `smtps://…`; `hello_name` is said in EHLO unless the URL's path
    /// names another.
    pub fn new(url: &str, hello_name: &str) -> Result<Self, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let host = url.host_str().ok_or("the URL has no host")?.to_owned();
        let params = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
        let tls_mode = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v);
        let (port, tls) = match (url.scheme(), tls_mode.as_deref()) {
            ("smtp", None) => (25, Tls::None),
            ("smtp", Some("required")) => (587, Tls::Required(params()?)),
            ("smtp", Some("opportunistic")) => (587, Tls::Opportunistic(params()?)),
            ("smtps", _) => (465, Tls::Wrapper(params()?)),
            _ => {
                return Err(
                    "use smtp://host:port, smtp://host:port?tls=required or smtps://host:port"
                        .into(),
                );
            }
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|e| e.to_string())
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
            None => None,
        };
        let path_name = url.path().trim_matches('/');
        let hello = if path_name.is_empty() {
            hello_name
        } else {
            path_name
        };
        Ok(Self {
            port: url.port().unwrap_or(port),
            host,
            tls,
            credentials,
            hello: ClientId::Domain(hello.to_owned()),
        })
    }

    /// Where the smarthost is (`host:port`; never its credentials).
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The name this server gives itself in EHLO.
    pub fn hello_name(&self) -> &str {
        match &self.hello {
            ClientId::Domain(name) => name,
            _ => "localhost",
        }
    }

    /// Connects and starts a transaction from `from` (empty: the null sender).
    pub async fn open(&self, from: &str) -> Result<Upstream, Reply> {
        let sender =
            match from {
                "" => None,
                from => Some(from.parse::<Address>().map_err(|_| {
                    Reply::new(553, "5.1.7", "The sender address cannot be relayed")
                })?),
            };
        // A session refused as a whole (greeting, EHLO, STARTTLS, AUTH) is
        // this server's problem, not the client's: temporary.
        let conn = within(COMMAND_TIMEOUT, self.connect())
            .await
            .map_err(|_| reply::SMARTHOST_DOWN)?;
        let mut params = Vec::new();
        if conn.server_info().supports_feature(Extension::EightBitMime) {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if !from.is_ascii() && conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            params.push(MailParameter::SmtpUtfEight);
        }
        let mut upstream = Upstream { conn: Some(conn) };
        upstream
            .command(COMMAND_TIMEOUT, Mail::new(sender, params))
            .await?;
        Ok(upstream)
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        let wrapper = match &self.tls {
            Tls::Wrapper(params) => Some(params.clone()),
            _ => None,
        };
        let (host, port) = (self.host.as_str(), self.port);
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (host, port),
            Some(COMMAND_TIMEOUT),
            &self.hello,
            wrapper,
            None,
        )
        .await?;
        match &self.tls {
            Tls::Required(params) => conn.starttls(params.clone(), &self.hello).await?,
            Tls::Opportunistic(params) if conn.can_starttls() => {
                conn.starttls(params.clone(), &self.hello).await?
            }
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }
}

/// One transaction open on the smarthost. Dropping it ends the upstream
/// session (QUIT, in the background), which discards an unfinished
/// transaction.
pub struct Upstream {
    /// `None` once the connection failed.
    conn: Option<AsyncSmtpConnection>,
}

impl Upstream {
    /// Whether the smarthost can still take the message.
    pub fn is_open(&self) -> bool {
        self.conn.is_some()
    }

    /// Asks the smarthost to accept one more recipient.
    pub async fn recipient(&mut self, to: &str) -> Result<(), Reply> {
        let to = to
            .parse::<Address>()
            .map_err(|_| Reply::new(553, "5.1.3", "The recipient address cannot be relayed"))?;
        self.command(COMMAND_TIMEOUT, Rcpt::new(to, Vec::new()))
            .await
    }

    /// Sends the message (ending with CRLF) and returns what to tell the client.
    pub async fn data(mut self, message: &[u8]) -> Reply {
        if let Err(reply) = self.command(COMMAND_TIMEOUT, Data).await {
            return reply;
        }
        let Some(conn) = self.conn.as_mut() else {
            return reply::SMARTHOST_DOWN;
        };
        // lettre ends the content with CRLF.CRLF: leave out the message's own
        // final CRLF so that exactly the message's bytes arrive.
        let content = message.strip_suffix(b"\r\n").unwrap_or(message);
        match within(DATA_TIMEOUT, conn.message(content)).await {
            Ok(response) => Reply::new(
                250,
                "2.0.0",
                format!("Accepted by the relay ({})", text_of(response.message())),
            ),
            Err(error) => self.failed(error),
        }
    }

    async fn command(
        &mut self,
        limit: Duration,
        command: impl std::fmt::Display,
    ) -> Result<(), Reply> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(reply::SMARTHOST_DOWN);
        };
        match within(limit, conn.command(command)).await {
            Ok(_) => Ok(()),
            Err(error) => Err(self.failed(error)),
        }
    }

    /// The reply for a failed step; a connection that broke is dropped.
    fn failed(&mut self, failure: Failure) -> Reply {
        if matches!(failure, Failure::Down) {
            self.conn = None;
        }
        failure.into_reply()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = tokio::time::timeout(COMMAND_TIMEOUT, conn.abort()).await;
            });
        }
    }
}

/// Why an upstream step failed.
enum Failure {
    /// The smarthost answered with a refusal: the client's reply.
    Refused(Reply),
    /// No answer (connection lost, TLS, timeout): the connection is unusable.
    Down,
}

impl Failure {
    fn into_reply(self) -> Reply {
        match self {
            Failure::Refused(reply) => reply,
            Failure::Down => reply::SMARTHOST_DOWN,
        }
    }
}

impl From<SmtpError> for Failure {
    fn from(error: SmtpError) -> Self {
        match refusal(&error) {
            Some(reply) => {
                // The reply may echo what the client sent: escaped.
                tracing::warn!(error = %error.to_string().escape_debug(), "the smarthost refused");
                Failure::Refused(reply)
            }
            None => {
                tracing::warn!(error = %error.to_string().escape_debug(), "the smarthost is unreachable");
                Failure::Down
            }
        }
    }
}

/// Runs one upstream step; running out of time counts as a lost connection.
async fn within<T>(
    limit: Duration,
    step: impl Future<Output = Result<T, SmtpError>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(limit, step).await {
        Ok(result) => result.map_err(Failure::from),
        Err(_) => {
            tracing::warn!("the smarthost did not answer in time");
            Err(Failure::Down)
        }
    }
}

/// The smarthost's refusal as the client's reply: its code, its enhanced
/// code (or `X.0.0`) and its text; `None` when it did not answer.
fn refusal(error: &SmtpError) -> Option<Reply> {
    let code: u16 = error.status()?.to_string().parse().ok()?;
    let class = if code >= 500 { "5" } else { "4" };
    let text = std::error::Error::source(error)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let (status, text) = match text.split_once(' ') {
        Some((status, rest)) if is_enhanced_code(status, class) => (status.to_owned(), rest),
        _ => (format!("{class}.0.0"), text.as_str()),
    };
    let text = match text_of([text].into_iter()) {
        text if text.is_empty() => "Refused by the relay".to_owned(),
        text => text,
    };
    Some(Reply::new(code, status, text))
}

/// `class.subject.detail` (RFC 3463) of the reply's class.
fn is_enhanced_code(word: &str, class: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && parts[0] == class
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Reply text safe to pass on: one line of printable ASCII, bounded.
fn text_of<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let joined = lines.collect::<Vec<_>>().join(" ");
    joined
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(MAX_TEXT)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_codes_of_the_reply_class_are_recognised() {
        assert!(is_enhanced_code("5.1.1", "5"));
        assert!(is_enhanced_code("4.7.123", "4"));
        assert!(!is_enhanced_code("4.1.1", "5"));
        assert!(!is_enhanced_code("5.1", "5"));
        assert!(!is_enhanced_code("no", "5"));
        assert!(!is_enhanced_code("5.1.1234", "5"));
    }

    #[test]
    fn reply_text_is_one_bounded_printable_line() {
        let long = "x".repeat(500);
        assert_eq!(text_of(["a\r\nb\0c", "d"].into_iter()), "a??b?c d");
        assert_eq!(text_of([long.as_str()].into_iter()).len(), MAX_TEXT);
    }

    #[test]
    fn the_hello_name_is_the_configured_one_unless_the_url_names_one() {
        let relay = Relay::new("smtp://127.0.0.1:2525", "mx.example").unwrap();
        assert_eq!(relay.hello, ClientId::Domain("mx.example".into()));
        let relay = Relay::new("smtp://127.0.0.1:2525/relay.example", "mx.example").unwrap();
        assert_eq!(relay.hello, ClientId::Domain("relay.example".into()));
        assert!(Relay::new("smtp://127.0.0.1?tls=sometimes", "mx.example").is_err());
    }
}
