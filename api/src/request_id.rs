//! The id of the request being served: given by the HTTP layer to every
//! request (and told to the client in `x-request-id`), read by the logs, the
//! error edge (an `INTERNAL` error shows only it) and the audit log. Its own
//! module, so that what logs it never reaches up into the HTTP layer.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served (`none` outside a request).
pub(crate) fn current() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "none".into())
}

/// Runs `work` as the request `id`.
pub(crate) async fn serve<F: Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}
