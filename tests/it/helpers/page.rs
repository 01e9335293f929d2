//! A page as the test client received it, and what tests read from it.

use reqwest::{Response, StatusCode};

/// A page as a user sees it.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    pub async fn from(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap();
        Self {
            status,
            location,
            body,
            headers,
        }
    }

    pub fn csrf_token(&self) -> Option<String> {
        let start = self.body.find("name=\"csrf-token\" content=\"")? + 27;
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_owned())
    }

    #[track_caller]
    pub fn assert_redirect_to(&self, path: &str) {
        assert_eq!(
            self.status,
            StatusCode::SEE_OTHER,
            "expected a redirect, got {}: {}",
            self.status,
            self.body
        );
        assert_eq!(self.location.as_deref(), Some(path));
    }

    /// The text of the first element matching `css`.
    pub fn text_of(&self, css: &str) -> Option<String> {
        let document = scraper::Html::parse_document(&self.body);
        let selector = scraper::Selector::parse(css).unwrap();
        document
            .select(&selector)
            .next()
            .map(|e| e.text().collect::<String>().trim().to_owned())
    }

    /// The values of `attr` on every element matching `css`, in page order.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let document = scraper::Html::parse_document(&self.body);
        let selector = scraper::Selector::parse(css).unwrap();
        document
            .select(&selector)
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "page lacks {text:?}:\n{}",
            self.body
        );
    }
}
