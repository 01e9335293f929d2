use super::*;

const GOOD_HEADERS: &str = "From: App <app@example.com>\r\nTo: user@example.net\r\n\
    Subject: Welcome\r\nDate: Fri, 27 Nov 2026 23:45:00 +0000\r\n\
    Message-ID: <1@example.com>\r\nMIME-Version: 1.0\r\n";

/// The checks that fire on a message of `headers` and this body.
fn fired(headers: &str, body: &str, recipients: usize) -> Vec<&'static str> {
    let raw = format!("{headers}{body}");
    check(raw.as_bytes(), recipients)
        .findings
        .iter()
        .map(|f| f.check)
        .collect()
}

fn text(body: &str) -> String {
    format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
}

/// A multipart/alternative body of a text part and `html`.
fn alternative(html: &str) -> String {
    format!(
        "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n\
         --a\r\nContent-Type: text/plain\r\n\r\nHello\r\n\
         --a\r\nContent-Type: text/html\r\n\r\n{html}\r\n--a--\r\n"
    )
}

fn html_only(html: &str) -> String {
    format!("Content-Type: text/html\r\n\r\n{html}\r\n")
}

#[test]
fn a_well_formed_text_message_passes_every_check() {
    assert_eq!(fired(GOOD_HEADERS, &text("Hi"), 1), Vec::<&str>::new());
    let report = check(format!("{GOOD_HEADERS}{}", text("Hi")).as_bytes(), 1);
    assert_eq!(report.html_bytes, None);
}

#[test]
fn a_well_formed_html_message_passes_every_check() {
    let html = "<html><head><style>p{color:red}</style></head>\
                <body><p>Hi</p><img src=\"cid:logo\" alt=\"Logo\"></body></html>";
    assert_eq!(
        fired(GOOD_HEADERS, &alternative(html), 1),
        Vec::<&str>::new()
    );
    let report = check(format!("{GOOD_HEADERS}{}", alternative(html)).as_bytes(), 1);
    assert_eq!(report.html_bytes, Some(html.len()));
}

#[test]
fn missing_required_headers_are_errors() {
    let raw = format!("To: user@example.net\r\n{}", text("Hi"));
    let report = check(raw.as_bytes(), 1);
    let checks: Vec<_> = report.findings.iter().map(|f| (f.check, f.level)).collect();
    assert_eq!(
        checks,
        [
            ("missing-from", Level::Error),
            ("missing-date", Level::Error),
            ("missing-message-id", Level::Warning),
            ("missing-subject", Level::Warning),
        ]
    );
}

#[test]
fn a_from_without_a_valid_address_is_an_error() {
    for from in [
        "From: Nobody\r\n",
        "From: <not an address>\r\n",
        "From: a@\r\n",
    ] {
        let headers = GOOD_HEADERS.replace("From: App <app@example.com>\r\n", from);
        assert_eq!(
            fired(&headers, &text("Hi"), 1),
            ["invalid-from"],
            "{from:?}"
        );
    }
}

#[test]
fn an_unreadable_date_is_an_error() {
    let headers = GOOD_HEADERS.replace(
        "Date: Fri, 27 Nov 2026 23:45:00 +0000",
        "Date: yesterday-ish",
    );
    assert_eq!(fired(&headers, &text("Hi"), 1), ["invalid-date"]);
}

#[test]
fn scripts_forms_and_external_css_are_flagged() {
    let html = "<html><head><LINK REL=\"Stylesheet\" href=\"https://x.example/a.css\"></head>\
                <body><script>alert(1)</script><form action=\"/x\"><input></form></body></html>";
    assert_eq!(
        fired(GOOD_HEADERS, &alternative(html), 1),
        ["script", "form", "external-css"]
    );
}

#[test]
fn a_link_that_is_no_style_sheet_is_not_flagged() {
    let html = "<head><link rel=\"icon\" href=\"/favicon.ico\"></head><body>Hi</body>";
    assert_eq!(
        fired(GOOD_HEADERS, &alternative(html), 1),
        Vec::<&str>::new()
    );
}

#[test]
fn style_in_the_body_is_flagged_but_not_in_the_head() {
    let html = "<head><style>a{}</style></head><body><style>p{}</style>Hi</body>";
    assert_eq!(
        fired(GOOD_HEADERS, &alternative(html), 1),
        ["style-in-body"]
    );
}

#[test]
fn tags_inside_comments_do_not_count() {
    let html = "<body><!-- <script>x</script> <form> --><p>Hi</p></body>";
    assert_eq!(
        fired(GOOD_HEADERS, &alternative(html), 1),
        Vec::<&str>::new()
    );
}

#[test]
fn images_without_alt_are_counted() {
    let html =
        "<body><img src=a.png><img src=b.png alt=\"\"><img src=c.png title=\"alt=x\"></body>";
    let report = check(format!("{GOOD_HEADERS}{}", alternative(html)).as_bytes(), 1);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].check, "image-alt");
    assert_eq!(report.findings[0].title, "2 images without alt text");
}

#[test]
fn html_without_a_text_part_is_flagged() {
    assert_eq!(
        fired(GOOD_HEADERS, &html_only("<p>Hi</p>"), 1),
        ["missing-text-part"]
    );
}

#[test]
fn html_past_gmails_clipping_size_is_flagged() {
    let html = format!("<p>{}</p>", "x".repeat(CLIPPED_HTML_BYTES));
    let report = check(
        format!("{GOOD_HEADERS}{}", alternative(&html)).as_bytes(),
        1,
    );
    assert_eq!(report.findings[0].check, "html-size");
    assert_eq!(
        report.findings[0].title,
        "The HTML is 103 KB, over Gmail's 102 KB"
    );
    let small = format!("<p>{}</p>", "x".repeat(CLIPPED_HTML_BYTES - 100));
    assert_eq!(
        fired(GOOD_HEADERS, &alternative(&small), 1),
        Vec::<&str>::new()
    );
}

#[test]
fn bulk_looking_mail_needs_list_unsubscribe() {
    let bulk = format!("{GOOD_HEADERS}Precedence: bulk\r\n");
    assert_eq!(fired(&bulk, &text("Hi"), 1), ["missing-list-unsubscribe"]);
    assert_eq!(
        fired(GOOD_HEADERS, &text("Hi"), BULK_RECIPIENTS),
        ["missing-list-unsubscribe"]
    );
    let listed = format!("{GOOD_HEADERS}List-Id: <news.example.com>\r\n");
    assert_eq!(fired(&listed, &text("Hi"), 1), ["missing-list-unsubscribe"]);
    let with = format!(
        "{bulk}List-Unsubscribe: <https://example.com/u>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    );
    assert_eq!(fired(&with, &text("Hi"), 1), Vec::<&str>::new());
    assert_eq!(
        fired(GOOD_HEADERS, &text("Hi"), BULK_RECIPIENTS - 1),
        Vec::<&str>::new()
    );
}

#[test]
fn garbage_is_reported_without_a_panic() {
    let report = check(b"", 0);
    assert!(!report.findings.is_empty());
    let report = check(&[0xff, 0xfe, b'\n', 0], 0);
    assert!(!report.findings.is_empty());
}
