//! A mail server on a local port that speaks enough SMTP (RFC 5321) for a
//! real client to deliver to it, keeps what it received, and can refuse
//! for a while (451, a temporary failure) — with the decoding a test needs
//! to read a message: MIME headers' encoded words (RFC 2047), base64 and
//! quoted-printable bodies.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message the server took.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent, headers and body.
    pub data: String,
}

impl Mail {
    /// A header's value, unfolded and decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.data.split_once("\r\n\r\n")?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        let prefix = format!("{}:", name.to_ascii_lowercase());
        unfolded
            .split("\r\n")
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| decode_words(line[prefix.len()..].trim()))
    }

    /// The body, decoded from its transfer encoding.
    pub fn body(&self) -> String {
        let (_, body) = self.data.split_once("\r\n\r\n").unwrap_or_default();
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
        match encoding.as_str() {
            "base64" => {
                let compact: String = body.split_whitespace().collect();
                String::from_utf8(STANDARD.decode(compact).unwrap_or_default()).unwrap_or_default()
            }
            "quoted-printable" => quoted_printable(body),
            _ => body.to_owned(),
        }
        .replace("\r\n", "\n")
    }
}

/// Text with RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`)
/// decoded; whitespace between two encoded words is dropped.
fn decode_words(text: &str) -> String {
    let mut out = String::new();
    let mut last_was_word = false;
    for (index, token) in text.split(' ').enumerate() {
        let decoded = token.strip_prefix("=?").and_then(|t| t.strip_suffix("?=")).and_then(|t| {
            let mut parts = t.splitn(3, '?');
            let (_charset, encoding, payload) = (parts.next()?, parts.next()?, parts.next()?);
            match encoding.to_ascii_lowercase().as_str() {
                "b" => String::from_utf8(STANDARD.decode(payload).ok()?).ok(),
                "q" => Some(quoted_printable(&payload.replace('_', " "))),
                _ => None,
            }
        });
        match decoded {
            Some(word) => {
                if index > 0 && !last_was_word {
                    out.push(' ');
                }
                out.push_str(&word);
                last_was_word = true;
            }
            None => {
                if index > 0 {
                    out.push(' ');
                }
                out.push_str(token);
                last_was_word = false;
            }
        }
    }
    out
}

/// Quoted-printable decoded (soft line breaks joined).
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'=' && index + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or_default();
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Default)]
struct Shared {
    mails: Mutex<Vec<Mail>>,
    /// Answer 451 to this many `MAIL FROM` commands.
    refusals_left: Mutex<usize>,
}

/// The mail server, listening on 127.0.0.1.
pub struct MailServer {
    /// `smtp://127.0.0.1:port`, for `--smtp-url`.
    pub url: String,
    shared: Arc<Shared>,
}

impl MailServer {
    /// Starts a server that takes every message.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port for the mail server");
        let url = format!("smtp://{}", listener.local_addr().expect("an address"));
        let shared = Arc::new(Shared::default());
        let serving = shared.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(converse(socket, serving.clone()));
            }
        });
        Self { url, shared }
    }

    /// Refuses the next `n` messages for now (451).
    pub fn refuse_next(&self, n: usize) {
        *self.shared.refusals_left.lock().unwrap() = n;
    }

    /// Every message taken so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.shared.mails.lock().unwrap().clone()
    }

    /// The messages taken, once `until` holds of them, waiting at most `within`.
    pub async fn wait_until(&self, within: std::time::Duration, until: impl Fn(&[Mail]) -> bool) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mails = self.mails();
            if until(&mails) || tokio::time::Instant::now() > deadline {
                return mails;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// One SMTP session.
async fn converse(socket: tokio::net::TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 mail.test ESMTP ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command.split([' ', ':']).next().unwrap_or_default().to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => b"250-mail.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 mail.test\r\n",
            "MAIL" => {
                let mut left = shared.refusals_left.lock().unwrap();
                if *left > 0 {
                    *left -= 1;
                    b"451 4.3.0 mailbox busy, try again later\r\n"
                } else {
                    from = command[10..].trim().to_owned();
                    to.clear();
                    b"250 2.1.0 OK\r\n"
                }
            }
            "RCPT" => {
                to.push(command[8..].trim().to_owned());
                b"250 2.1.5 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    // A leading dot was doubled by the client (RFC 5321 4.5.2).
                    data.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
                }
                shared.mails.lock().unwrap().push(Mail { from: from.clone(), to: to.clone(), data });
                b"250 2.0.0 queued\r\n"
            }
            "RSET" | "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not recognised\r\n",
        };
        write.write_all(answer).await?;
    }
}
