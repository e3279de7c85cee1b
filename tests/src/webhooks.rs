//! A webhook receiver on a local port, as a third party would run one, and
//! a verifier of its signatures written from the Standard Webhooks
//! specification (<https://www.standardwebhooks.com/>), not from the
//! server's code.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub answered: u16,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// `data.dossierCode`.
    pub fn dossier(&self) -> String {
        self.json()["data"]["dossierCode"].as_str().unwrap_or_default().to_owned()
    }

    /// `data.action`.
    pub fn action(&self) -> String {
        self.json()["data"]["action"].as_str().unwrap_or_default().to_owned()
    }
}

#[derive(Default)]
struct Behaviour {
    /// Answer 500 to this many requests before answering 200 again.
    failures_left: usize,
    /// Answer 503 to every request.
    failing: bool,
    /// Wait this long before answering.
    delay: Duration,
}

#[derive(Clone, Default)]
struct Shared {
    /// Requests being answered.
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

/// A receiver listening on 127.0.0.1.
pub struct Receiver {
    pub url: String,
    shared: Shared,
}

impl Receiver {
    /// Starts a receiver that answers 204 to every request.
    pub async fn start() -> Self {
        let shared = Shared::default();
        let router = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port for the receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("an address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, shared }
    }

    /// Fails the next `n` requests (500), then takes them again.
    pub fn fail_next(&self, n: usize) {
        self.shared.behaviour.lock().unwrap().failures_left = n;
    }

    /// Fails every request (503) while `failing`.
    pub fn set_failing(&self, failing: bool) {
        self.shared.behaviour.lock().unwrap().failing = failing;
    }

    /// Waits `delay` before answering each request.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.behaviour.lock().unwrap().delay = delay;
    }

    /// How many requests it is answering now.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// What it took (answered 2xx), once `until` holds of it, waiting at most `within`.
    pub async fn wait_until(&self, within: Duration, until: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let taken: Vec<Received> = self.received().into_iter().filter(|r| r.answered < 300).collect();
            if until(&taken) || tokio::time::Instant::now() > deadline {
                return taken;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (delay, answer) = {
        let mut behaviour = shared.behaviour.lock().unwrap();
        let answer = if behaviour.failing {
            StatusCode::SERVICE_UNAVAILABLE
        } else if behaviour.failures_left > 0 {
            behaviour.failures_left -= 1;
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::NO_CONTENT
        };
        (behaviour.delay, answer)
    };
    shared.in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(delay).await;
    shared.in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    shared.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: body.to_vec(),
        answered: answer.as_u16(),
    });
    answer
}

/// Why a request is not what the specification calls authentic, if it is
/// not: the secret is `whsec_` and base64; the signed content is
/// `id.timestamp.body`; the header is a space-separated list of
/// `v1,base64(HMAC-SHA256)`, any of which may match; a timestamp more than
/// five minutes from `now` is refused (replays).
pub fn verify(secret: &str, received: &Received, now: i64) -> Result<(), String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| "the secret is not base64".to_owned())?;
    let timestamp: i64 = received.timestamp.parse().map_err(|_| "no timestamp".to_owned())?;
    if (now - timestamp).abs() > 5 * 60 {
        return Err("the timestamp is too far from now".into());
    }
    for signature in received.signature.split(' ') {
        let Some(("v1", encoded)) = signature.split_once(',') else { continue };
        let Ok(expected) = STANDARD.decode(encoded) else { continue };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
        mac.update(format!("{}.{}.", received.id, received.timestamp).as_bytes());
        mac.update(&received.body);
        if mac.verify_slice(&expected).is_ok() {
            return Ok(());
        }
    }
    Err("no signature matches".into())
}
