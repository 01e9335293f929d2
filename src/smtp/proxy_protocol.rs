//! The PROXY protocol (v1 text, v2 binary) that TCP proxies such as HAProxy
//! and nginx's `stream` module put before the client's bytes, so that the
//! client's own address survives the proxy. Only peers listed in
//! `POSTERN_TRUSTED_PROXIES` are asked for it, and from them it is
//! required: anyone else could claim any address. The header is read to its
//! exact end, never further, so the SMTP bytes after it stay in the socket.

use std::net::SocketAddr;

use ppp::v1;
use ppp::v2;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Why no client address was read.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    #[error("the connection did not start with a PROXY protocol header")]
    Missing,
    #[error("malformed PROXY protocol header: {0}")]
    Invalid(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The longest v1 header, `\r\n` included.
const V1_MAX: usize = 107;
/// A v2 header's fixed part: signature, version and command, family,
/// length.
const V2_FIXED: usize = 16;
/// The shortest v1 header: `PROXY UNKNOWN\r\n`.
const V1_MIN: usize = 15;

/// Reads the header from the start of `stream`: the client's address as the
/// proxy saw it, or `peer` (the proxy itself) for its own health checks
/// (v2 `LOCAL`, v1 `UNKNOWN`, or a non-IP address family).
pub async fn read_client<S: AsyncRead + Unpin>(
    stream: &mut S,
    peer: SocketAddr,
) -> Result<SocketAddr, HeaderError> {
    let mut header = vec![0; V1_MIN];
    stream.read_exact(&mut header).await?;
    if header.starts_with(v2::PROTOCOL_PREFIX) {
        header.resize(V2_FIXED, 0);
        stream.read_exact(&mut header[V1_MIN..]).await?;
        let length = usize::from(u16::from_be_bytes([header[14], header[15]]));
        header.resize(V2_FIXED + length, 0);
        stream.read_exact(&mut header[V2_FIXED..]).await?;
        let parsed =
            v2::Header::try_from(&header[..]).map_err(|e| HeaderError::Invalid(e.to_string()))?;
        Ok(match (parsed.command, parsed.addresses) {
            (v2::Command::Proxy, v2::Addresses::IPv4(a)) => {
                (a.source_address, a.source_port).into()
            }
            (v2::Command::Proxy, v2::Addresses::IPv6(a)) => {
                (a.source_address, a.source_port).into()
            }
            _ => peer,
        })
    } else if header.starts_with(b"PROXY ") {
        while !header.ends_with(b"\r\n") {
            if header.len() >= V1_MAX {
                return Err(HeaderError::Invalid("longer than 107 bytes".into()));
            }
            let mut byte = [0];
            stream.read_exact(&mut byte).await?;
            header.push(byte[0]);
        }
        let parsed = v1::Header::try_from(&header[..])
            .map_err(|e| HeaderError::Invalid(format!("{e:?}")))?;
        Ok(match parsed.addresses {
            v1::Addresses::Tcp4(a) => (a.source_address, a.source_port).into(),
            v1::Addresses::Tcp6(a) => (a.source_address, a.source_port).into(),
            v1::Addresses::Unknown => peer,
        })
    } else {
        Err(HeaderError::Missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    /// What `read_client` makes of `bytes`, and what it left unread.
    async fn read(bytes: &[u8]) -> (Result<SocketAddr, HeaderError>, Vec<u8>) {
        let (mut client, mut server) = tokio::io::duplex(4096);
        client.write_all(bytes).await.unwrap();
        drop(client);
        let result = read_client(&mut server, addr("10.0.0.1:40000")).await;
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        (result, rest)
    }

    fn v2_header(command: v2::Command, source: &str, destination: &str) -> Vec<u8> {
        v2::Builder::with_addresses(
            v2::Version::Two | command,
            v2::Protocol::Stream,
            (addr(source), addr(destination)),
        )
        .build()
        .unwrap()
    }

    #[tokio::test]
    async fn a_v1_header_gives_the_client_and_leaves_the_smtp_bytes() {
        let (client, rest) = read(b"PROXY TCP4 203.0.113.7 10.0.0.2 51000 25\r\nEHLO a\r\n").await;
        assert_eq!(client.unwrap(), addr("203.0.113.7:51000"));
        assert_eq!(rest, b"EHLO a\r\n");
        let (client, _) = read(b"PROXY TCP6 2001:db8::7 2001:db8::1 51000 25\r\n").await;
        assert_eq!(client.unwrap(), addr("[2001:db8::7]:51000"));
    }

    #[tokio::test]
    async fn a_v2_header_gives_the_client_and_leaves_the_smtp_bytes() {
        let mut bytes = v2_header(v2::Command::Proxy, "198.51.100.4:6000", "10.0.0.2:25");
        bytes.extend_from_slice(b"QUIT\r\n");
        let (client, rest) = read(&bytes).await;
        assert_eq!(client.unwrap(), addr("198.51.100.4:6000"));
        assert_eq!(rest, b"QUIT\r\n");
        let bytes = v2_header(v2::Command::Proxy, "[2001:db8::9]:7000", "[2001:db8::1]:25");
        assert_eq!(read(&bytes).await.0.unwrap(), addr("[2001:db8::9]:7000"));
    }

    #[tokio::test]
    async fn the_proxys_own_checks_keep_the_proxys_address() {
        let local = v2_header(v2::Command::Local, "198.51.100.4:6000", "10.0.0.2:25");
        assert_eq!(read(&local).await.0.unwrap(), addr("10.0.0.1:40000"));
        let unknown = read(b"PROXY UNKNOWN\r\n").await.0;
        assert_eq!(unknown.unwrap(), addr("10.0.0.1:40000"));
    }

    #[tokio::test]
    async fn smtp_without_a_header_or_a_broken_header_is_refused() {
        assert!(matches!(
            read(b"EHLO client.example\r\n").await.0,
            Err(HeaderError::Missing)
        ));
        assert!(matches!(
            read(b"PROXY TCP4 not-an-address 10.0.0.2 1 25\r\n").await.0,
            Err(HeaderError::Invalid(_))
        ));
        let endless = format!("PROXY TCP4 {}\r\n", "1".repeat(200));
        assert!(matches!(
            read(endless.as_bytes()).await.0,
            Err(HeaderError::Invalid(_))
        ));
        assert!(matches!(
            read(b"PROXY TCP4 1.2.3.4").await.0,
            Err(HeaderError::Io(_))
        ));
    }
}
