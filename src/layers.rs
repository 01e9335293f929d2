//! The layers point down: `domain` is pure; `db`, `service`, `auth` and
//! `smtp` know nothing of the web dashboard, the REST API or how the
//! application is assembled; the web, SMTP and the CLI reach the database
//! only through `service`. These tests keep it so.

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

/// Every line of the layers' sources that names one of `names`.
fn lines_naming(layers: &[&str], names: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in layers {
        let dir = src.join(layer);
        if dir.is_dir() {
            sources(&dir, &mut files);
        } else {
            files.push(src.join(format!("{layer}.rs")));
        }
    }
    assert!(
        files.len() >= layers.len(),
        "the layers' files were not found"
    );
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if names.iter().any(|name| code.contains(name)) {
                found.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn no_lower_layer_imports_from_the_web_or_startup() {
    let upward = lines_naming(LOWER, UPPER);
    assert!(upward.is_empty(), "imports upward:\n{}", upward.join("\n"));
}

#[test]
fn the_web_smtp_and_cli_reach_rows_only_through_services() {
    let names = ["db::models", "db::schema", "diesel::"];
    let direct = lines_naming(&["web", "smtp", "cli"], &names);
    assert!(
        direct.is_empty(),
        "bypasses the services:\n{}",
        direct.join("\n")
    );
}
