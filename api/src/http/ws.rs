//! Subscriptions on `/graphql/ws` (graphql-transport-ws, and the older
//! graphql-ws protocol). The token travels in the `connection_init` payload
//! (`{"Authorization": "Bearer …"}`); a bad one closes the connection with
//! 4403. A session lasts no longer than its token: the connection closes
//! with 4403 when the token expires, and within
//! [`crate::auth::authn::OFFICIAL_FRESH_FOR`] of its official being
//! deactivated.

use super::HttpState;
use crate::error::ApiError;
use crate::graphql::context::RequestData;
use async_graphql::http::{WebSocketProtocols, WsMessage, ALL_WEBSOCKET_PROTOCOLS};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// The close code of a refused or ended session (graphql-ws's `Forbidden`).
const FORBIDDEN: u16 = 4403;
/// The close code of a connection that never sent `connection_init` (graphql-ws's).
const INIT_TIMEOUT: u16 = 4408;
/// How long a connection may stay open before `connection_init`.
const INIT_WITHIN: Duration = Duration::from_secs(10);

pub(super) async fn upgrade(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|name| WebSocketProtocols::from_str(name.trim()).ok());
    let Some(protocol) = protocol else {
        return ApiError::bad_request(format!(
            "/graphql/ws speaks the WebSocket subprotocols {}",
            ALL_WEBSOCKET_PROTOCOLS.join(", ")
        ))
        .into_response();
    };
    // A message is a GraphQL request: held to the body limit of `POST /graphql`.
    let max_message = state.limits.max_body_bytes;
    upgrade
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(state, client, protocol, socket))
        .into_response()
}

/// What the connection learnt at `connection_init`.
#[derive(Default)]
struct Session {
    /// The `Authorization` value, to check the official again.
    authorization: Option<String>,
    expires: Option<SystemTime>,
    refused: bool,
    /// `connection_init` was answered (either way).
    initialised: bool,
}

async fn serve(state: Arc<HttpState>, client: SocketAddr, protocol: WebSocketProtocols, socket: WebSocket) {
    let (mut sink, stream) = socket.split();
    let input = stream.take_while(|message| futures_util::future::ready(message.is_ok())).filter_map(|message| {
        futures_util::future::ready(match message {
            Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
            _ => None,
        })
    });
    let session = Arc::new(Mutex::new(Session::default()));
    let on_init = connection_init(state.clone(), client, session.clone());
    let mut messages =
        async_graphql::http::WebSocket::new(state.schema.clone(), input, protocol).on_connection_init(on_init);
    let mut check = tokio::time::interval(crate::auth::authn::OFFICIAL_FRESH_FOR);
    // An official deactivated or changed, on any instance: checked at once.
    let mut signed_out = state.app.signed_out.subscribe();
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let init_deadline = tokio::time::Instant::now() + INIT_WITHIN;
    loop {
        let expires_in = session_left(&session);
        let waiting_for_init = !session.lock().unwrap_or_else(|p| p.into_inner()).initialised;
        tokio::select! {
            () = tokio::time::sleep_until(init_deadline), if waiting_for_init => {
                close(&mut sink, INIT_TIMEOUT, "Connection initialisation timeout".into()).await;
                return;
            }
            message = messages.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let refused = session.lock().unwrap_or_else(|p| p.into_inner()).refused;
                    let code = if refused { FORBIDDEN } else { code };
                    close(&mut sink, code, reason).await;
                    return;
                }
                None => return,
            },
            () = sleep_for(expires_in) => {
                close(&mut sink, FORBIDDEN, "Forbidden: the token expired".into()).await;
                return;
            }
            _ = futures_util::future::select(Box::pin(check.tick()), Box::pin(signed_out.recv())) => {
                if let Err(reason) = still_signed_in(&state, &session).await {
                    close(&mut sink, FORBIDDEN, reason).await;
                    return;
                }
            }
        }
    }
}

/// What answers `connection_init`: the token in its payload, identified as
/// on HTTP; the session remembers it, and whether it was refused.
fn connection_init(
    state: Arc<HttpState>,
    client: SocketAddr,
    session: Arc<Mutex<Session>>,
) -> impl FnOnce(serde_json::Value) -> BoxFuture<'static, async_graphql::Result<async_graphql::Data>> {
    move |payload: serde_json::Value| {
        Box::pin(async move {
            let authorization = ["Authorization", "authorization"]
                .into_iter()
                .find_map(|key| payload.get(key).and_then(|value| value.as_str()).map(str::to_owned));
            let identified = state.authenticator.identify_until(&state.app.db, authorization.as_deref()).await;
            let mut session = session.lock().unwrap_or_else(|p| p.into_inner());
            session.initialised = true;
            match identified {
                Ok((identity, expires)) => {
                    session.authorization = authorization;
                    session.expires = expires;
                    let mut data = async_graphql::Data::default();
                    data.insert(Arc::new(RequestData::new(&state.app, identity, client.ip())));
                    Ok(data)
                }
                Err(error) => {
                    session.refused = true;
                    Err(async_graphql::Error::new(format!("Forbidden: {}", error.client_message("ws"))))
                }
            }
        })
    }
}

/// The session's token identified again (its official may have been
/// deactivated): `Err` with the reason to close the connection with.
async fn still_signed_in(state: &HttpState, session: &Mutex<Session>) -> Result<(), String> {
    let authorization = session.lock().unwrap_or_else(|p| p.into_inner()).authorization.clone();
    let Some(authorization) = authorization else { return Ok(()) };
    match state.authenticator.identify(&state.app.db, Some(&authorization)).await {
        Ok(_) => Ok(()),
        Err(ApiError::Internal(error)) => {
            tracing::warn!(?error, "checking a subscriber's token failed; the session goes on");
            Ok(())
        }
        Err(error) => Err(format!("Forbidden: {}", error.client_message("ws"))),
    }
}

/// How long until the session's token expires (`None`: it does not, or nobody signed in yet).
fn session_left(session: &Mutex<Session>) -> Option<Duration> {
    let expires = session.lock().unwrap_or_else(|p| p.into_inner()).expires?;
    Some(expires.duration_since(SystemTime::now()).unwrap_or_default())
}

async fn sleep_for(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
        None => std::future::pending().await,
    }
}

async fn close(sink: &mut (impl SinkExt<Message> + Unpin), code: u16, reason: String) {
    // A close frame's reason holds at most 123 bytes.
    let mut cut = reason.len().min(120);
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    let reason = &reason[..cut];
    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    let _ = sink.close().await;
}
