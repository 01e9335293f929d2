//! The layers point down: `domain` is pure; `db`, `service`, `auth` and
//! `smtp` know nothing of the web dashboard, the REST API or how the
//! application is assembled. This test keeps it so.

use std::path::Path;

/// The layers below the web, and what they must not name.
const LOWER: &[&str] = &["auth", "db", "domain", "service", "smtp"];
const UPPER: &[&str] = &[
    "crate::web",
    "crate::startup",
    "super::web",
    "super::startup",
];

fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_lower_layer_imports_from_the_web_or_startup() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in LOWER {
        let dir = src.join(layer);
        if dir.is_dir() {
            sources(&dir, &mut files);
        } else {
            files.push(src.join(format!("{layer}.rs")));
        }
    }
    let mut upward = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if UPPER.iter().any(|name| code.contains(name)) {
                upward.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(upward.is_empty(), "imports upward:\n{}", upward.join("\n"));
    assert!(files.len() > 20, "the layers' files were not found");
}
