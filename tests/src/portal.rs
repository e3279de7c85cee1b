//! A fake national portal on a local port: it takes status changes as the
//! connector sends them (docs/PORTAL.md), and can be down (503), refuse a
//! change (`error_code` in a 200 answer), answer slowly or not in time.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One exchange the portal got.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The `Authorization` header.
    pub authorization: String,
    /// The `idempotency-key` header: the same for every attempt at one change.
    pub key: String,
    /// The change: `data[0]` of the body.
    pub change: Value,
    /// Whether the portal took it.
    pub taken: bool,
}

impl Exchange {
    /// `MaHoSo`.
    pub fn dossier(&self) -> &str {
        self.change["MaHoSo"].as_str().unwrap_or_default()
    }

    /// `TrangThaiHoSo`.
    pub fn status(&self) -> i64 {
        self.change["TrangThaiHoSo"].as_i64().unwrap_or_default()
    }
}

/// What the portal does with the next requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Takes every change: 200 `{"error_code": "0"}`.
    Up,
    /// Answers 503 to everything.
    Down,
    /// Answers 200 with `error_code` -1: the change is refused.
    Refusing,
}

struct Behaviour {
    mode: Mode,
    delay: Duration,
}

#[derive(Clone)]
struct Shared {
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

/// The fake portal, listening on 127.0.0.1.
pub struct FakePortal {
    pub url: String,
    shared: Shared,
}

impl FakePortal {
    /// Starts a portal that takes every change at once.
    pub async fn start() -> Self {
        let shared = Shared {
            exchanges: Arc::default(),
            behaviour: Arc::new(Mutex::new(Behaviour { mode: Mode::Up, delay: Duration::ZERO })),
        };
        let router = axum::Router::new().route("/api/dongbo", axum::routing::post(exchange)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port for the portal");
        let url = format!("http://{}/api/dongbo", listener.local_addr().expect("an address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, shared }
    }

    /// What it does from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.behaviour.lock().unwrap().mode = mode;
    }

    /// Waits `delay` before answering each request.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.behaviour.lock().unwrap().delay = delay;
    }

    /// Every exchange so far, in the order it answered them.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.exchanges.lock().unwrap().clone()
    }

    /// The changes it took of dossier `code`, in the order it took them.
    pub fn taken_of(&self, code: &str) -> Vec<Exchange> {
        self.exchanges().into_iter().filter(|e| e.taken && e.dossier() == code).collect()
    }
}

async fn exchange(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (mode, delay) = {
        let behaviour = shared.behaviour.lock().unwrap();
        (behaviour.mode, behaviour.delay)
    };
    tokio::time::sleep(delay).await;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.exchanges.lock().unwrap().push(Exchange {
        authorization: header("authorization"),
        key: header("idempotency-key"),
        change: body["data"][0].clone(),
        taken: mode == Mode::Up,
    });
    match mode {
        Mode::Up => (StatusCode::OK, axum::Json(json!({ "error_code": "0", "message": "Thành công" }))),
        Mode::Refusing => {
            (StatusCode::OK, axum::Json(json!({ "error_code": "-1", "message": "Mã thủ tục không tồn tại trên Cổng" })))
        }
        Mode::Down => (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "message": "bảo trì" }))),
    }
}
