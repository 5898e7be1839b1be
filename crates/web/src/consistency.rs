//! Read-your-writes across nodes (issue 16, part 7).
//!
//! Every response carries `Oversight-Seq`: the global sequence number of the event log this node
//! had folded when it answered — after a write, at least the sequence of the write's own events. A
//! request that carries `Oversight-Seq: N` (the number from an earlier answer, perhaps of another
//! node) is served only once this node has folded event N: it waits, catching up from the
//! database, for at most [`WAIT`], and is otherwise answered 503 with `Retry-After: 1` (nothing
//! was done). Without the header a request is served at once from what the node has folded.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

/// The header, on responses (the sequence reached) and on requests (the sequence to wait for).
pub const SEQ_HEADER: &str = "oversight-seq";

/// The longest a request waits for its node to reach the sequence it asks for.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn read_your_writes(State(s): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(value) = request.headers().get(SEQ_HEADER) {
        let Some(seq) = value.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()) else {
            return ApiError::invalid(
                "Oversight-Seq",
                "must be a sequence number (a whole number from an earlier response's Oversight-Seq)",
            )
            .into_response();
        };
        match s.app.wait_for_seq(seq, WAIT).await {
            Ok(true) => {}
            Ok(false) => {
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    format!(
                        "this node has not yet caught up to sequence {seq} (it is at {}); nothing was done; retry",
                        s.app.last_seq()
                    ),
                );
                e.field = Some("Oversight-Seq".into());
                e.retry_after = Some(1);
                return e.into_response();
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    let mut response = next.run(request).await;
    response.headers_mut().insert(SEQ_HEADER, HeaderValue::from(s.app.last_seq()));
    // Caches must not serve one node's answer for a request that asks for a later sequence.
    response.headers_mut().append(header::VARY, HeaderValue::from_static("Oversight-Seq"));
    response
}
