//! What a stored message is made of, read from its raw bytes when a page
//! asks (never on the SMTP reply path): headers, the text and HTML bodies,
//! attachments; and thumbnails of image attachments.

use std::io::Cursor;

use mail_parser::{MessageParser, MimeHeaders};

/// A message's parts as the message page shows them.
#[derive(Debug, Default)]
pub struct Parts {
    pub headers: Vec<(String, String)>,
    pub text: String,
    /// The HTML body, decoded (its source, shown as text).
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// An attachment as listed: its place among the message's attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub index: usize,
    pub name: String,
    pub content_type: String,
    pub size: usize,
}

impl Attachment {
    /// Whether a thumbnail is offered (the formats [`thumbnail`] decodes).
    pub fn is_image(&self) -> bool {
        matches!(
            self.content_type.as_str(),
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        )
    }
}

/// Reads a message's parts; an unparsable message has none.
pub fn parts(raw: &[u8]) -> Parts {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Parts::default();
    };
    let headers = message
        .headers_raw()
        .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
        .collect();
    let text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    // Only a real HTML part: mail-parser otherwise makes HTML of the text.
    let html = message.html_bodies().find_map(|part| match &part.body {
        mail_parser::PartType::Html(html) => Some(html.clone().into_owned()),
        _ => None,
    });
    let attachments = message
        .attachments()
        .enumerate()
        .map(|(index, part)| describe(index, part))
        .collect();
    Parts {
        headers,
        text,
        html,
        attachments,
    }
}

fn describe(index: usize, part: &mail_parser::MessagePart<'_>) -> Attachment {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        })
        .unwrap_or_else(|| "application/octet-stream".to_owned())
        .to_ascii_lowercase();
    let name = part
        .attachment_name()
        .map(|n| super::storable(n, 200))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("attachment-{}", index + 1));
    Attachment {
        index,
        name,
        content_type,
        size: part.contents().len(),
    }
}

/// The `index`-th attachment: how it is listed, and its decoded bytes.
pub fn attachment(raw: &[u8], index: usize) -> Option<(Attachment, Vec<u8>)> {
    let message = MessageParser::default().parse(raw)?;
    let part = message.attachments().nth(index)?;
    Some((describe(index, part), part.contents().to_vec()))
}

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 160;
/// Images wider or taller than this are not decoded.
const MAX_SIDE: u32 = 10_000;
/// The most memory one decode may take.
const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

/// A PNG thumbnail of an image, or `None` when it is not a PNG, JPEG, GIF
/// or WebP image within bounds. The bounds are checked from the header
/// before any pixel is decoded, so a small file declaring a huge image (a
/// decompression bomb) is refused without allocating it. CPU-bound: call
/// it off the async threads.
pub fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let small = image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
    let mut out = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 PNG, as any encoder writes it (IHDR first).
    fn pixel_png() -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbaImage::new(1, 1)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    /// The 1×1 PNG with its header saying `width`×`height` (CRC fixed).
    fn declaring(width: u32, height: u32) -> Vec<u8> {
        let mut png = pixel_png();
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_small_image_gets_a_png_thumbnail() {
        let thumb = thumbnail(&pixel_png()).expect("a thumbnail");
        assert_eq!(&thumb[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(declaring(1, 1), pixel_png(), "the CRC is recomputed right");
    }

    #[test]
    fn an_image_declaring_a_huge_size_is_refused_before_decoding() {
        assert!(thumbnail(&declaring(100_000, 100_000)).is_none());
        assert!(thumbnail(&declaring(9_000, 9_000)).is_none(), "over 64 MiB");
        assert!(thumbnail(b"GIF89a not really").is_none());
        assert!(thumbnail(b"<svg onload=alert(1)>").is_none());
    }

    #[test]
    fn attachments_are_listed_with_name_type_and_size() {
        let raw = "From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\nHello\r\n\
            --b\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n\
            --b\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\n\
            Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--b--\r\n";
        let parts = parts(raw.as_bytes());
        assert_eq!(parts.text.trim(), "Hello");
        assert_eq!(parts.html.as_deref().map(str::trim), Some("<p>Hello</p>"));
        assert_eq!(
            parts.attachments,
            [Attachment {
                index: 0,
                name: "invoice.pdf".into(),
                content_type: "application/pdf".into(),
                size: 8,
            }]
        );
        let (listed, bytes) = attachment(raw.as_bytes(), 0).unwrap();
        assert_eq!(
            (listed.name.as_str(), bytes.as_slice()),
            ("invoice.pdf", &b"%PDF-1.4"[..])
        );
        assert!(attachment(raw.as_bytes(), 1).is_none());
    }
}
