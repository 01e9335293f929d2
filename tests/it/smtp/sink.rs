//! A small SMTP server standing in for the smarthost.
//!
//! Like Sendmail or Exchange it ends DATA at a `.` line whatever ended the
//! line before (`<LF>.<CRLF>`, `<CR>.<CRLF>`, `<LF>.<LF>`), so a transaction
//! smuggled behind a bare line ending shows up here as a second one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// One transaction the sink finished (DATA ended), accepted or not.
#[derive(Debug, Clone, Default)]
pub struct Transaction {
    /// What the client said in EHLO/HELO.
    pub helo: String,
    pub mail_from: String,
    /// The recipients the sink accepted.
    pub rcpt_to: Vec<String>,
    /// DATA as on the wire (still dot-stuffed), without the final `.` line.
    pub data: Vec<u8>,
}

impl Transaction {
    /// DATA un-stuffed, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).replace("\r\n..", "\r\n.")
    }
}

#[derive(Clone)]
pub struct Options {
    /// Answer to the end of DATA, e.g. `250 2.0.0 queued`.
    pub final_reply: &'static str,
    /// Recipients refused at RCPT, with the refusal.
    pub refuse: Vec<(&'static str, &'static str)>,
}

pub struct Sink {
    pub url: String,
    transactions: Arc<Mutex<Vec<Transaction>>>,
    /// Every command line received, in order.
    commands: Arc<Mutex<Vec<String>>>,
    sessions_ended: watch::Receiver<usize>,
}

impl Sink {
    /// Transactions finished so far, in order.
    pub fn transactions(&self) -> Vec<Transaction> {
        self.transactions.lock().unwrap().clone()
    }

    pub fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }

    /// Waits until `count` client sessions have ended (QUIT or disconnect).
    pub async fn sessions_ended(&self, count: usize) {
        let mut ended = self.sessions_ended.clone();
        tokio::time::timeout(Duration::from_secs(60), ended.wait_for(|n| *n >= count))
            .await
            .expect("the relay ends its smarthost sessions")
            .unwrap();
    }
}

/// Starts a sink that accepts every recipient and answers the end of DATA
/// with `final_reply` (e.g. `250 2.0.0 queued` or `550 5.7.1 rejected`).
pub async fn start(final_reply: &'static str) -> Sink {
    start_with(Options {
        final_reply,
        refuse: Vec::new(),
    })
    .await
}

pub async fn start_with(options: Options) -> Sink {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (ended_tx, sessions_ended) = watch::channel(0);
    let sink = Sink {
        url,
        transactions: Arc::default(),
        commands: Arc::default(),
        sessions_ended,
    };
    let (transactions, commands) = (sink.transactions.clone(), sink.commands.clone());
    tokio::spawn(async move {
        let ended = Arc::new(ended_tx);
        while let Ok((stream, _)) = listener.accept().await {
            let (options, transactions, commands, ended) = (
                options.clone(),
                transactions.clone(),
                commands.clone(),
                ended.clone(),
            );
            tokio::spawn(async move {
                serve(stream, &options, &transactions, &commands).await;
                ended.send_modify(|n| *n += 1);
            });
        }
    });
    sink
}

async fn serve(
    mut stream: TcpStream,
    options: &Options,
    transactions: &Mutex<Vec<Transaction>>,
    commands: &Mutex<Vec<String>>,
) {
    let _ = stream.write_all(b"220 sink ESMTP\r\n").await;
    let mut buf = Vec::new();
    let mut helo = String::new();
    let mut current: Option<Transaction> = None;
    let mut in_data = false;
    loop {
        let mut out = Vec::new();
        loop {
            if in_data {
                let Some((len, consumed)) = end_of_data(&buf) else {
                    break;
                };
                let mut done = current.take().unwrap_or_default();
                done.data = buf[..len].to_vec();
                buf.drain(..consumed);
                transactions.lock().unwrap().push(done);
                in_data = false;
                out.extend_from_slice(format!("{}\r\n", options.final_reply).as_bytes());
                continue;
            }
            let Some(pos) = buf.iter().position(|b| *b == b'\n') else {
                break;
            };
            let line: Vec<u8> = buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line)
                .trim_end_matches(['\r', '\n'])
                .to_owned();
            commands.lock().unwrap().push(line.clone());
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let argument = || {
                line.split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(address, _)| address.to_owned())
                    .unwrap_or_default()
            };
            let reply: String = match verb.as_str() {
                "EHLO" | "HELO" => {
                    helo = line[4..].trim().to_owned();
                    "250-sink\r\n250-8BITMIME\r\n250 PIPELINING".into()
                }
                "MAIL" => {
                    current = Some(Transaction {
                        helo: helo.clone(),
                        mail_from: argument(),
                        ..Transaction::default()
                    });
                    "250 2.1.0 ok".into()
                }
                "RCPT" => {
                    let to = argument();
                    match options.refuse.iter().find(|(address, _)| *address == to) {
                        Some((_, refusal)) => (*refusal).into(),
                        None => {
                            if let Some(current) = &mut current {
                                current.rcpt_to.push(to);
                            }
                            "250 2.1.5 ok".into()
                        }
                    }
                }
                "DATA" => {
                    in_data = true;
                    "354 go ahead".into()
                }
                "RSET" => {
                    current = None;
                    "250 2.0.0 ok".into()
                }
                "QUIT" => {
                    out.extend_from_slice(b"221 2.0.0 bye\r\n");
                    let _ = stream.write_all(&out).await;
                    return;
                }
                _ => "250 2.0.0 ok".into(),
            };
            out.extend_from_slice(format!("{reply}\r\n").as_bytes());
        }
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return;
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Where DATA ends: the length of the message and of what it used up. A `.`
/// line ends it after any line ending, bare CR and LF included.
fn end_of_data(buf: &[u8]) -> Option<(usize, usize)> {
    (0..buf.len()).find_map(|at| {
        let line_start = at == 0 || matches!(buf[at - 1], b'\r' | b'\n');
        if buf[at] != b'.' || !line_start {
            return None;
        }
        match &buf[at + 1..] {
            [b'\r', b'\n', ..] => Some((at, at + 3)),
            [b'\n', ..] => Some((at, at + 2)),
            _ => None,
        }
    })
}
