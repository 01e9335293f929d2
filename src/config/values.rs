//! Parsers for the values of single settings.

use std::net::SocketAddr;

pub(super) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{value:?} is not true or false")),
    }
}

pub(super) fn parse_number(value: &str, min: usize, max: usize) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{value:?} is not a number from {min} to {max}")),
    }
}

pub(super) fn parse_addr(value: &str) -> Result<SocketAddr, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not an address like 127.0.0.1:8080 or [::]:8080"))
}

/// An origin like `https://postern.example.com` (a trailing `/` is allowed);
/// the dashboard is served at the root, so no path, query or credentials.
/// `host:port` (a name or an address, resolved when used).
pub(super) fn parse_host_port(value: &str) -> Result<String, String> {
    let value = value.trim();
    let hint = "use host:port, like 127.0.0.1:783";
    let (host, port) = value.rsplit_once(':').ok_or(hint)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    match port.parse::<u16>() {
        Ok(port) if port > 0 && host_ok => Ok(value.to_owned()),
        _ => Err(hint.to_owned()),
    }
}

pub(super) fn parse_public_url(value: &str) -> Result<String, String> {
    let hint = "use the dashboard's external URL, like https://postern.example.com";
    let url = url::Url::parse(value.trim()).map_err(|e| format!("not a URL ({e}); {hint}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("must not contain a user name or password; {hint}"));
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{value:?} is not an http(s) URL; {hint}"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{value:?} has a path, query or fragment; the dashboard is served at the root: {hint}"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// Comma-separated addresses (`10.0.0.1`) and CIDR ranges (`10.0.0.0/8`).
pub(super) fn parse_networks(value: &str) -> Result<Vec<ipnet::IpNet>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or CIDR range like 10.0.0.0/8"))
        })
        .collect()
}

/// A size in bytes: a whole number, optionally followed by `KB`, `MB`,
/// `GB`, `TB` (powers of 1000) or `KiB`, `MiB`, `GiB`, `TiB` (of 1024).
pub(super) fn parse_bytes(value: &str) -> Result<u64, String> {
    let text = value.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => 0,
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{value:?} is not a size like 5000000000, 5GB or 500MiB"))
}
