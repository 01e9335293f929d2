//! Production mail goes to the smarthost; the client hears `250` only after
//! the smarthost accepted it, and the smarthost's refusal otherwise.

use lettre::address::Envelope;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::reply::{self, Reply};

pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Relay {
    pub fn new(url: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| e.to_string())?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(Self { transport })
    }

    /// Hands the message to the smarthost and says what to tell the client.
    pub async fn send(&self, from: &str, to: &[String], message: &[u8]) -> Reply {
        let parse = |a: &str| a.parse::<Address>().ok();
        let recipients: Option<Vec<Address>> = to.iter().map(|a| parse(a)).collect();
        let sender = if from.is_empty() { None } else { parse(from) };
        let envelope = match recipients.map(|r| Envelope::new(sender, r)) {
            Some(Ok(envelope)) => envelope,
            _ => return Reply::new(553, "5.1.3", "An address cannot be relayed"),
        };
        match self.transport.send_raw(&envelope, message).await {
            Ok(response) => Reply::new(
                250,
                "2.0.0",
                format!("Accepted by the relay ({})", response.code()),
            ),
            Err(error) => match error.status() {
                Some(code) if error.is_permanent() => {
                    tracing::warn!(%error, "the smarthost refused a message");
                    Reply::new(
                        code.to_string().parse().unwrap_or(554),
                        "5.0.0",
                        "The relay refused the message",
                    )
                }
                Some(code) => {
                    tracing::warn!(%error, "the smarthost deferred a message");
                    Reply::new(
                        code.to_string().parse().unwrap_or(451),
                        "4.0.0",
                        "The relay deferred the message, try again later",
                    )
                }
                None => {
                    tracing::warn!(%error, "the smarthost is unreachable");
                    reply::SMARTHOST_DOWN
                }
            },
        }
    }
}
