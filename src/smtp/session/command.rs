//! Answering one parsed command (see `transaction` for MAIL, RCPT and DATA,
//! `auth` for AUTH).

use smtp_proto::{Error as ParseError, Request};

use super::{Next, Session, arguments};
use crate::smtp::reply::{self, Reply};

impl Session<'_> {
    /// Answers one parsed command; `line` is the command as sent, for the
    /// checks smtp-proto does not make (see `arguments`).
    pub(super) fn command(&mut self, request: Request<String>, line: &[u8]) -> Next {
        match request {
            Request::Ehlo { .. } | Request::Helo { .. } | Request::Lhlo { .. } => {
                // smtp-proto takes the first word only, whatever it holds.
                let Some(name) = arguments::helo_name(line) else {
                    return self.error(reply::INVALID_DOMAIN);
                };
                self.helo = Some(name.to_owned());
                self.reset_transaction();
                if matches!(request, Request::Ehlo { .. }) {
                    self.ehlo();
                } else {
                    self.reply(Reply::new(250, "", self.settings.hostname.to_owned()));
                }
            }
            Request::StartTls if self.tls => return self.error(reply::ALREADY_TLS),
            Request::StartTls => {
                self.reply(reply::READY_FOR_TLS);
                return Next::StartTls;
            }
            Request::Auth {
                mechanism,
                initial_response,
            } => return self.auth(mechanism, initial_response),
            Request::Mail { from } if arguments::has_unadvertised_mail_parameter(&from) => {
                return self.error(reply::PARAMETER_NOT_SUPPORTED);
            }
            Request::Mail { from } => return self.mail(from.address, from.size),
            Request::Rcpt { to } if arguments::has_rcpt_parameter(&to) => {
                return self.error(reply::PARAMETER_NOT_SUPPORTED);
            }
            Request::Rcpt { to } => return self.rcpt(to.address),
            Request::Data => return self.data(),
            Request::Rset => {
                self.reset_transaction();
                self.reply(reply::RESET);
            }
            Request::Noop { .. } => self.reply(reply::OK),
            Request::Quit => {
                self.reply(reply::BYE);
                return Next::Close;
            }
            Request::Vrfy { .. } => self.reply(reply::VRFY),
            Request::Help { .. } => self.reply(reply::HELP),
            Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. }
            | Request::Bdat { .. } => {
                return self.error(reply::NOT_IMPLEMENTED);
            }
        }
        Next::Continue
    }

    /// `250-hostname` and the extensions, STARTTLS only before TLS and AUTH
    /// only where it is allowed.
    fn ehlo(&mut self) {
        let mut lines = vec![format!("{} Hello", self.settings.hostname)];
        if !self.tls {
            lines.push("STARTTLS".into());
        }
        if self.auth_allowed() {
            lines.push("AUTH PLAIN LOGIN".into());
        }
        lines.push(format!("SIZE {}", self.settings.max_message_bytes));
        lines.extend(["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"].map(String::from));
        let last = lines.len() - 1;
        for (i, line) in lines.iter().enumerate() {
            let separator = if i == last { ' ' } else { '-' };
            self.out
                .extend_from_slice(format!("250{separator}{line}\r\n").as_bytes());
        }
    }

    pub(super) fn parse_error(&mut self, error: ParseError) -> Next {
        let reply = match error {
            ParseError::UnknownCommand => reply::UNKNOWN_COMMAND,
            ParseError::ResponseTooLong => reply::LINE_TOO_LONG,
            ParseError::InvalidSenderAddress => Reply::new(501, "5.1.7", "Invalid sender address"),
            ParseError::InvalidRecipientAddress => {
                Reply::new(501, "5.1.3", "Invalid recipient address")
            }
            ParseError::SyntaxError { syntax } => {
                Reply::new(501, "5.5.4", format!("Syntax: {syntax}"))
            }
            ParseError::InvalidParameter { param } => {
                Reply::new(501, "5.5.4", format!("Invalid parameter {param}"))
            }
            ParseError::UnsupportedParameter { param } => Reply::new(
                555,
                "5.5.4",
                format!(
                    "Unsupported parameter {}",
                    param.chars().take(40).collect::<String>()
                ),
            ),
            _ => reply::UNKNOWN_COMMAND,
        };
        self.error(reply)
    }
}
