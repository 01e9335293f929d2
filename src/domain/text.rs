//! Text that people type: names, labels, descriptions. A single-line field
//! refuses every control character (`char::is_control`: NUL, tab, line
//! breaks, ESC, DEL …); a multi-line one allows line breaks and tabs only.
//! PostgreSQL's `text` cannot hold NUL at all, and a control character in a
//! name ends up in HTTP headers, logs and terminals, so neither is stored.

use validator::ValidationError;

/// Beside a single-line field that holds a control character.
pub const SINGLE_LINE_MESSAGE: &str =
    "Use printable characters only: no line breaks, tabs or other control characters.";

/// Beside a multi-line field that holds a control character.
pub const MULTI_LINE_MESSAGE: &str =
    "Use printable characters, line breaks and tabs only: no other control characters.";

/// Whether `text` is one line of printable characters.
pub fn is_single_line(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// Whether `text` is printable apart from line breaks and tabs.
pub fn is_multi_line(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// For `#[validate(custom(function = …))]` on a single-line field.
pub fn single_line(text: &str) -> Result<(), ValidationError> {
    if is_single_line(text) {
        Ok(())
    } else {
        Err(ValidationError::new("single_line").with_message(SINGLE_LINE_MESSAGE.into()))
    }
}

/// For `#[validate(custom(function = …))]` on a multi-line field.
pub fn multi_line(text: &str) -> Result<(), ValidationError> {
    if is_multi_line(text) {
        Ok(())
    } else {
        Err(ValidationError::new("multi_line").with_message(MULTI_LINE_MESSAGE.into()))
    }
}

/// Why a [`Line`] was refused; the form words the message for its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// Empty once trimmed, or longer than allowed.
    Length,
    /// Holds a control character.
    ControlCharacter,
}

/// One trimmed line of 1 to `max` printable characters: a name or a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line(String);

impl Line {
    pub fn parse(raw: &str, max: usize) -> Result<Self, LineError> {
        let text = raw.trim();
        if !is_single_line(text) {
            return Err(LineError::ControlCharacter);
        }
        if text.is_empty() || text.chars().count() > max {
            return Err(LineError::Length);
        }
        Ok(Self(text.to_owned()))
    }

    /// The message beside the field: `length` for a bad length, else the
    /// single-line rule.
    pub fn message(error: LineError, length: &str) -> String {
        match error {
            LineError::Length => length.to_owned(),
            LineError::ControlCharacter => SINGLE_LINE_MESSAGE.to_owned(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::{Line, LineError, is_multi_line, is_single_line};

    const CONTROLS: [&str; 7] = ["\0", "\u{7f}", "\u{1b}", "\n", "\r", "\t", "\u{85}"];

    #[test]
    fn a_line_refuses_every_control_character() {
        for c in CONTROLS {
            let raw = format!("Bill{c}ing");
            assert_eq!(
                Line::parse(&raw, 100),
                Err(LineError::ControlCharacter),
                "{raw:?}"
            );
            assert!(!is_single_line(&raw), "{raw:?}");
        }
    }

    #[test]
    fn a_line_is_trimmed_and_bounded_in_characters() {
        assert_eq!(Line::parse("  Café 🚀 ", 6).unwrap().as_str(), "Café 🚀");
        assert_eq!(Line::parse("   ", 6), Err(LineError::Length));
        assert_eq!(Line::parse("abcdefg", 6), Err(LineError::Length));
        // Surrounding line breaks are whitespace, trimmed like spaces.
        assert_eq!(Line::parse("Billing\r\n", 10).unwrap().as_str(), "Billing");
    }

    #[test]
    fn multi_line_text_keeps_line_breaks_and_tabs_only() {
        assert!(is_multi_line("one\r\ntwo\tthree"));
        for c in ["\0", "\u{7f}", "\u{1b}", "\u{85}", "\u{8}"] {
            assert!(!is_multi_line(&format!("a{c}b")), "{c:?}");
        }
    }
}
