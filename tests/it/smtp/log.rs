//! What a client can put in the served binary's log: its strings are
//! escaped, so no line of its own making appears.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{b64, plain};

const BIN: &str = env!("CARGO_BIN_EXE_postern");

/// Runs `postern serve` (plaintext AUTH allowed from loopback, INFO logs),
/// hands its SMTP address to `visit`, stops it and returns its log.
fn served_log(visit: impl FnOnce(&str)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("stderr.log");
    // A free port: bound, noted and let go just before the server takes it.
    let smtp_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("POSTERN_DATA_DIR", dir.path().join("data"))
        .env("POSTERN_HTTP_ADDR", "127.0.0.1:0")
        .env("POSTERN_SMTP_ADDR", &smtp_addr)
        .env("POSTERN_SMTP_ALLOW_PLAINTEXT_AUTH", "true")
        .env("POSTERN_LOG", "info")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("Postern is running"), "{line}");
    visit(&smtp_addr);
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap();
    std::fs::read_to_string(stderr_path).unwrap()
}

/// A blocking line-by-line SMTP client.
struct Smtp {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

impl Smtp {
    fn connect(addr: &str) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut smtp = Smtp {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        };
        assert!(smtp.read().starts_with("220 "));
        smtp
    }

    fn read(&mut self) -> String {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap() == 0 {
                return text;
            }
            text.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return text;
            }
        }
    }

    fn cmd(&mut self, line: &[u8]) -> String {
        self.stream.write_all(line).unwrap();
        self.stream.write_all(b"\r\n").unwrap();
        self.read()
    }
}

#[test]
fn client_strings_are_logged_escaped_and_cannot_forge_a_log_line() {
    let log = served_log(|addr| {
        let mut smtp = Smtp::connect(addr);
        assert!(smtp.cmd(b"EHLO client.example").starts_with("250"));
        let forged = "\0eve\r\n2026-11-27T15:00:00.000000Z  WARN forged-plain\0pw";
        let reply = smtp.cmd(format!("AUTH PLAIN {}", b64(forged)).as_bytes());
        assert!(reply.starts_with("535 5.7.8"), "{reply}");

        assert!(smtp.cmd(b"AUTH LOGIN").starts_with("334"));
        let user = "eve\n2026-11-27T15:00:00.000000Z ERROR forged-login database unavailable";
        assert!(smtp.cmd(b64(user).as_bytes()).starts_with("334"));
        let reply = smtp.cmd(b64("pw").as_bytes());
        assert!(reply.starts_with("535 5.7.8"), "{reply}");

        assert!(smtp.cmd(b"AUTH LOGIN").starts_with("334"));
        assert!(smtp.cmd(b64("nul\0user").as_bytes()).starts_with("334"));
        let reply = smtp.cmd(b64("pw").as_bytes());
        assert!(reply.starts_with("535 5.7.8"), "{reply}");

        let reply =
            smtp.cmd(format!("AUTH PLAIN {}", plain("esc\x1b[31mred\x07", "pw")).as_bytes());
        assert!(reply.starts_with("535 5.7.8"), "{reply}");
        assert!(smtp.cmd(b"QUIT").starts_with("221"));
        let mut rest = Vec::new();
        let _ = smtp.reader.read_to_end(&mut rest);
    });
    assert!(
        log.contains("SMTP AUTH failed"),
        "the failures are logged: {log}"
    );
    assert!(
        log.contains(r#"username="eve\r\n2026-11-27T15:00:00.000000Z  WARN forged-plain""#),
        "logged escaped: {log}"
    );
    for line in log.lines() {
        if line.contains("forged") {
            assert!(
                line.contains("SMTP AUTH failed"),
                "a line of the client's making: {line:?}\n{log}"
            );
        }
    }
    assert!(
        !log.contains(['\r', '\0', '\x1b', '\x07']),
        "control characters logged raw: {log:?}"
    );
}
