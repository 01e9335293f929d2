//! A tiny SMTP server standing in for the smarthost.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub struct Sink {
    pub url: String,
    /// Messages accepted (their DATA), in order.
    pub received: Arc<Mutex<Vec<String>>>,
}

/// Starts a sink that answers the end of DATA with `final_reply`
/// (e.g. `250 2.0.0 queued` or `550 5.7.1 rejected`).
pub async fn start(final_reply: &'static str) -> Sink {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = &mut data {
                        if line == "." {
                            if final_reply.starts_with('2') {
                                store.lock().unwrap().push(std::mem::take(message));
                            }
                            data = None;
                            write
                                .write_all(format!("{final_reply}\r\n").as_bytes())
                                .await
                                .ok();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    Sink { url, received }
}
