//! Request logging, request ids and request metrics, and the operators' `/metrics` router.
//!
//! Every request gets one log line (target `oversight::request`, level INFO) with its method, path
//! (never the query string, which may carry secrets), status, latency and request id. The id is
//! the caller's `X-Request-Id` when it is a plausible id (1–128 characters of letters, digits and
//! `-_.:`), otherwise a fresh one; it is returned in the response's `X-Request-Id`.
//!
//! Metrics go through the `metrics` facade: `oversight_http_requests_total` and
//! `oversight_http_request_duration_seconds`, labelled by method, route template (never the raw
//! path, so ids do not multiply the series) and status. Without an installed recorder (tests, or a
//! server started without `--metrics-addr`) they cost nothing.

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use oversight_app::App;
use std::sync::Arc;

use crate::AppState;

/// The request id header, read and written.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Route label of a request no route matched (a 404), so unknown paths cannot create series.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Whether an incoming `X-Request-Id` is kept: 1–128 characters of ASCII letters, digits and `-_.:`.
pub fn valid_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The middleware: request id, one log line, request metrics.
pub(crate) async fn observe(State(s): State<AppState>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map_or_else(|| s.app.new_id().simple().to_string(), str::to_string);
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED_ROUTE.to_string(), |m| m.as_str().to_string());
    let mut response = next.run(request).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    tracing::info!(
        target: "oversight::request",
        method = %method,
        path = %path,
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        request_id = %id,
        "request"
    );
    let labels = [("method", method.to_string()), ("route", route), ("status", status.to_string())];
    metrics::counter!("oversight_http_requests_total", &labels).increment(1);
    metrics::histogram!("oversight_http_request_duration_seconds", &labels).record(latency.as_secs_f64());
    response
}

/// Renders the metrics registry in the Prometheus text format (the exporter's handle, given by
/// the binary that installed the recorder).
pub type RenderMetrics = Arc<dyn Fn() -> String + Send + Sync>;

/// The operators' router: `GET /metrics` only. It is meant for a listener of its own
/// (`--metrics-addr`), never the public port: the gauges are refreshed from the app at each
/// scrape, then the registry is rendered.
pub fn metrics_router(app: Arc<App>, render: RenderMetrics) -> Router {
    Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let app = app.clone();
            let render = render.clone();
            async move {
                app.record_gauges().await;
                let mut response = (StatusCode::OK, render()).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                );
                response
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::valid_request_id;

    #[test]
    fn request_ids_are_short_and_plain() {
        assert!(valid_request_id("3f2c1a9e-0b7d-4c1e-9a55-2d8f6b1c0e42"));
        assert!(valid_request_id("lb:abc.123_x"));
        assert!(!valid_request_id(""));
        assert!(!valid_request_id(&"a".repeat(129)));
        assert!(!valid_request_id("abc def"));
        assert!(!valid_request_id("abc\"}{\"x"));
        assert!(!valid_request_id("été"));
    }
}
