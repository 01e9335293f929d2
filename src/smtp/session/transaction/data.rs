//! The text of a DATA command, read across any number of reads.
//!
//! DATA ends only at `<CRLF>.<CRLF>`: a `.` line ended by anything else
//! (`.<CR><CR><LF>`, `.<LF>`, `.<CR>x`) is message text, so a second
//! transaction hidden behind a near-terminator never starts here (SMTP
//! smuggling). A line starts only after CRLF; the first line starts right
//! after DATA's own CRLF. A `.` opening a line that is not the terminator is
//! removed (RFC 5321 §4.5.2). The message keeps the CRLF before the
//! terminator; bare CR and LF are left for `message::normalize_line_endings`.
//!
//! smtp-proto's `DataReceiver` is not used: it ends DATA at `<CRLF>.<CR>…<CR><LF>`.

use std::slice::Iter;

/// Where the receiver is in the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// After CRLF (or DATA): a `.` here may start the terminator.
    LineStart,
    /// Inside a line.
    Text,
    /// After a CR that may end the line.
    Cr,
    /// After `<CRLF>.`; the dot is held back.
    Dot,
    /// After `<CRLF>.<CR>`; the CR is held back.
    DotCr,
}

#[derive(Debug)]
pub struct DataReceiver {
    position: Position,
}

impl DataReceiver {
    pub fn new() -> Self {
        Self {
            position: Position::LineStart,
        }
    }

    /// Appends the message text in `bytes` to `message`, un-stuffed. Returns
    /// true once the terminator has been read; `bytes` then holds what
    /// follows it (pipelined commands).
    pub fn ingest(&mut self, bytes: &mut Iter<'_, u8>, message: &mut Vec<u8>) -> bool {
        loop {
            if self.position == Position::Text {
                // Fast path: copy up to the next CR at once.
                let rest = bytes.as_slice();
                let end = rest.iter().position(|&b| b == b'\r').unwrap_or(rest.len());
                message.extend_from_slice(&rest[..end]);
                *bytes = rest[end..].iter();
            }
            let Some(&byte) = bytes.next() else {
                return false;
            };
            if self.take(byte, message) {
                return true;
            }
        }
    }

    /// One byte; true at the end of the terminator.
    fn take(&mut self, byte: u8, message: &mut Vec<u8>) -> bool {
        use Position::*;
        self.position = match (self.position, byte) {
            (LineStart, b'.') => Dot,
            (Dot, b'\r') => DotCr,
            (DotCr, b'\n') => {
                self.position = LineStart;
                return true;
            }
            (DotCr, _) => {
                // `.<CR>` then something other than LF: the dot goes, the
                // CR is text, and the byte is read after it.
                message.push(b'\r');
                self.position = Cr;
                return self.take(byte, message);
            }
            (Dot, _) => {
                self.position = Text;
                return self.take(byte, message);
            }
            (Cr, b'\n') => {
                message.push(byte);
                LineStart
            }
            (_, b'\r') => {
                message.push(byte);
                Cr
            }
            (_, _) => {
                message.push(byte);
                Text
            }
        };
        false
    }
}

#[cfg(test)]
mod tests {
    use super::DataReceiver;

    /// The message and what follows the terminator, or `None` without one,
    /// for `input` fed in two reads split at `split`.
    fn receive_split(input: &[u8], split: usize) -> Option<(Vec<u8>, Vec<u8>)> {
        let mut receiver = DataReceiver::new();
        let mut message = Vec::new();
        let (first, second) = input.split_at(split);
        let mut bytes = first.iter();
        if receiver.ingest(&mut bytes, &mut message) {
            let mut rest = bytes.as_slice().to_vec();
            rest.extend_from_slice(second);
            return Some((message, rest));
        }
        assert!(bytes.as_slice().is_empty(), "a read not consumed");
        let mut bytes = second.iter();
        receiver
            .ingest(&mut bytes, &mut message)
            .then(|| (message, bytes.as_slice().to_vec()))
    }

    /// The same result at every split point, byte by byte included.
    fn receive(input: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let whole = receive_split(input, input.len());
        for split in 0..input.len() {
            assert_eq!(
                receive_split(input, split),
                whole,
                "split at {split} of {:?}",
                String::from_utf8_lossy(input)
            );
        }
        let mut receiver = DataReceiver::new();
        let mut message = Vec::new();
        for (i, byte) in input.iter().enumerate() {
            let one = [*byte];
            let mut bytes = one.iter();
            if receiver.ingest(&mut bytes, &mut message) {
                let got = Some((message, input[i + 1..].to_vec()));
                assert_eq!(got, whole, "byte by byte");
                return got;
            }
        }
        assert_eq!(whole, None, "byte by byte");
        whole
    }

    fn ends(input: &[u8], message: &[u8], rest: &[u8]) {
        assert_eq!(
            receive(input),
            Some((message.to_vec(), rest.to_vec())),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }

    fn does_not_end(input: &[u8]) {
        assert_eq!(receive(input), None, "{:?}", String::from_utf8_lossy(input));
    }

    #[test]
    fn data_ends_at_crlf_dot_crlf_and_keeps_what_follows() {
        ends(b"hello\r\n.\r\n", b"hello\r\n", b"");
        ends(b"hello\r\n.\r\nQUIT\r\n", b"hello\r\n", b"QUIT\r\n");
        ends(b".\r\n", b"", b"");
        ends(b"\r\n.\r\n", b"\r\n", b"");
        ends(b"a\r\n\r\n.\r\n.\r\n", b"a\r\n\r\n", b".\r\n");
    }

    #[test]
    fn a_leading_dot_is_removed_from_other_lines() {
        ends(b"..\r\n.\r\n", b".\r\n", b"");
        ends(b"a\r\n..b\r\n.x\r\n.\r\n", b"a\r\n.b\r\nx\r\n", b"");
        ends(b"...\r\n.\r\n", b"..\r\n", b"");
    }

    #[test]
    fn near_terminators_are_message_text() {
        ends(
            b"a\r\n.\r\r\nMAIL FROM:<x@y>\r\n.\r\n",
            b"a\r\n\r\r\nMAIL FROM:<x@y>\r\n",
            b"",
        );
        ends(b"a\r\n.\r\r\r\nb\r\n.\r\n", b"a\r\n\r\r\r\nb\r\n", b"");
        ends(b"a\n.\r\nb\r\n.\r\n", b"a\n.\r\nb\r\n", b"");
        ends(b"a\r.\r\nb\r\n.\r\n", b"a\r.\r\nb\r\n", b"");
        ends(b"a\r\n.\nb\r\n.\r\n", b"a\r\n\nb\r\n", b"");
        ends(b"a\r\n.\rb\r\n.\r\n", b"a\r\n\rb\r\n", b"");
        ends(b"a\r\r\n.\r\n", b"a\r\r\n", b"");
        does_not_end(b"a\r\n.\r\r\n");
        does_not_end(b"a\r\n.\n");
        does_not_end(b"a\n.\n");
        does_not_end(b"a\r\n. \r\n");
        does_not_end(b"a\r\n.\r");
    }
}
