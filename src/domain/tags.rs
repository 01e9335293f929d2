//! A sandbox message's tags: from its `X-Tags` header at ingest
//! (comma-separated) and from the tags field on its page. Each is trimmed,
//! keeps its case and is unique on a message ignoring case; a filter
//! compares them ignoring case (by [`Tag::key`]).

/// Most tags on one message.
pub const MAX_TAGS: usize = 10;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// One tag: 1 to [`MAX_TAG_CHARS`] printable characters, no comma.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag(String);

/// Why a tags field was refused; `message` says it beside the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagsError {
    TooMany,
    TooLong(String),
    Control,
}

impl TagsError {
    pub fn message(&self) -> String {
        match self {
            Self::TooMany => format!("A message holds at most {MAX_TAGS} tags."),
            Self::TooLong(tag) => {
                format!("“{tag}” is longer than {MAX_TAG_CHARS} characters: shorten it.")
            }
            Self::Control => {
                "Use printable characters only: no line breaks, tabs or other control characters."
                    .to_owned()
            }
        }
    }
}

impl Tag {
    /// One tag as typed in a filter: trimmed, `None` when empty, too long
    /// or holding a comma or a control character.
    pub fn parse(raw: &str) -> Option<Self> {
        let tag = raw.trim();
        let ok = !tag.is_empty()
            && tag.chars().count() <= MAX_TAG_CHARS
            && !tag.chars().any(|c| c == ',' || c.is_control());
        ok.then(|| Self(tag.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What a filter compares and what makes two tags the same: lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A message's tags, in the order given, without duplicates (ignoring case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags(Vec<Tag>);

impl Tags {
    /// The tags field: comma-separated; empty entries are skipped, a
    /// duplicate keeps its first spelling; anything else out of bounds is
    /// refused.
    pub fn parse(raw: &str) -> Result<Self, TagsError> {
        let mut tags = Self::default();
        for entry in raw.split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            if entry.chars().any(char::is_control) {
                return Err(TagsError::Control);
            }
            let Some(tag) = Tag::parse(entry) else {
                return Err(TagsError::TooLong(
                    entry.chars().take(MAX_TAG_CHARS).collect(),
                ));
            };
            tags.push(tag);
        }
        match tags.0.len() {
            n if n > MAX_TAGS => Err(TagsError::TooMany),
            _ => Ok(tags),
        }
    }

    /// An `X-Tags` header's values, leniently: what [`Tags::parse`] would
    /// refuse is dropped, and tags past [`MAX_TAGS`] are ignored, so a
    /// message is never refused for its tags.
    pub fn from_header<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut tags = Self::default();
        for entry in values.into_iter().flat_map(|v| v.split(',')) {
            if tags.0.len() == MAX_TAGS {
                break;
            }
            if let Some(tag) = Tag::parse(entry) {
                tags.push(tag);
            }
        }
        tags
    }

    fn push(&mut self, tag: Tag) {
        let key = tag.key();
        if !self.0.iter().any(|t| t.key() == key) {
            self.0.push(tag);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(tags: &Tags) -> Vec<&str> {
        tags.iter().map(Tag::as_str).collect()
    }

    #[test]
    fn a_header_gives_trimmed_tags_keeping_case_and_dropping_what_is_out_of_bounds() {
        let long = "x".repeat(MAX_TAG_CHARS + 1);
        let header = format!(" Signup , welcome,,SIGNUP, {long}, a\u{7}b ");
        let tags = Tags::from_header([header.as_str(), "Second header"]);
        assert_eq!(names(&tags), ["Signup", "welcome", "Second header"]);
        let many: String = (0..20).map(|i| format!("t{i},")).collect();
        assert_eq!(Tags::from_header([many.as_str()]).iter().count(), MAX_TAGS);
    }

    #[test]
    fn the_field_refuses_what_the_header_would_drop() {
        assert_eq!(names(&Tags::parse("a, b ,, A").unwrap()), ["a", "b"]);
        assert_eq!(Tags::parse("").unwrap(), Tags::default());
        let long = "y".repeat(MAX_TAG_CHARS + 1);
        assert!(matches!(Tags::parse(&long), Err(TagsError::TooLong(_))));
        assert_eq!(Tags::parse("a\nb"), Err(TagsError::Control));
        let many: String = (0..=MAX_TAGS).map(|i| format!("t{i},")).collect();
        assert_eq!(Tags::parse(&many), Err(TagsError::TooMany));
    }

    #[test]
    fn tags_compare_in_any_case() {
        assert_eq!(Tag::parse(" Été ").unwrap().key(), "été");
        assert_eq!(Tag::parse("a,b"), None);
        assert_eq!(Tag::parse("   "), None);
    }
}
