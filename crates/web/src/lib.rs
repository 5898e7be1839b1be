//! Oversight's HTTP face: the JSON API (with its OpenAPI document) and, later, public pages.
//!
//! Responsible for: turning HTTP requests into calls on [`oversight_app::App`] and results into
//! responses; authentication (session cookies with CSRF protection, bearer API tokens); input limits;
//! the mapping of errors to status codes ([`error::ApiError`]).
//!
//! Must not depend on: a storage backend or the CLI; no business rule lives here — a handler
//! extracts its input, calls one app function, and renders the result.
//!
//! Start reading at [`router`], then `routes/applications.rs`.

#![forbid(unsafe_code)]

pub mod auth;
pub mod consistency;
pub mod error;
pub mod json;
pub mod observe;
pub mod openapi;
pub mod public_url;
pub mod query;
pub mod routes;
pub mod workspace;

use axum::{Router, extract::DefaultBodyLimit};
use oversight_app::App;
pub use public_url::PublicUrl;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Largest JSON body accepted anywhere (uploads have their own limit).
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// Shared state of every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: Arc<App>,
    /// Mark cookies `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    /// The configured public base URL; `None` means `http://<listen address>` (see
    /// [`public_url::PublicBase`]). The request's `Host` header is never used.
    pub public_url: Option<PublicUrl>,
    /// The licensing authority's name, shown on every page.
    pub authority_name: String,
    /// List imports started from the administration pages on this node, with their progress.
    pub imports: workspace::admin::Imports,
}

/// How the HTTP application is configured.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    /// The base of every absolute URL the server writes (Atom feed, verification instructions);
    /// `None` means `http://<listen address>`.
    pub public_url: Option<PublicUrl>,
    /// The licensing authority's name, shown on every page; `None` is [`DEFAULT_AUTHORITY_NAME`].
    pub authority_name: Option<String>,
}

/// The name pages show when none is configured.
pub const DEFAULT_AUTHORITY_NAME: &str = "Export Licensing Authority";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Oversight API",
        description = "Export-control licensing of surveillance technology. Authenticate with a session \
            cookie from POST /api/session (then send the CSRF token in X-CSRF-Token on every state-changing \
            request) or with `Authorization: Bearer <API token>`.\n\nRead-your-writes across nodes: every \
            response carries the header `Oversight-Seq`, the sequence number of the event log the node had \
            reached (after a write: at least the write's own). Send it back as the request header \
            `Oversight-Seq: N` to any node and the request is served only once that node has reached N; \
            a node that cannot within 2 s answers 503 with `Retry-After: 1` and does nothing. A value \
            that is not a whole number is refused with 422 naming the field `Oversight-Seq`.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "health", description = "Liveness"),
        (name = "session", description = "Login, logout, API tokens"),
        (name = "applications", description = "Licence applications and their lifecycle"),
        (name = "admin", description = "Administration"),
        (name = "enforcement", description = "Investigations of exporters, penalties and debarments"),
        (name = "reference", description = "Public reference data"),
        (name = "register", description = "The public register of decisions (no login)"),
        (name = "log", description = "The transparency log behind the register (no login)"),
        (name = "rules", description = "The rules in force and public consultations on changing them"),
        (name = "tokens", description = "Installations of licensed products and their operating tokens")
    )
)]
struct ApiDoc;

/// The API router and its OpenAPI description, built from the same handler list.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::session::router())
        .merge(routes::applications::router())
        .merge(routes::licences::router())
        .merge(routes::reports::router())
        .merge(routes::appeals::router())
        .merge(routes::complaints::router())
        .merge(routes::enforcement::router())
        .merge(routes::rulemaking::router())
        .merge(routes::tokens::router())
        .merge(routes::admin::router())
        .merge(routes::reference::router())
        .merge(routes::register::router())
        .merge(routes::log::router())
        .merge(routes::screening::router())
        .merge(routes::assessment::router())
        .split_for_parts();
    crate::openapi::add_shared_responses(&mut openapi);
    (router, openapi)
}

/// The whole HTTP application, without a configured public URL (absolute URLs use the listen
/// address). See [`router_with`].
pub fn router(app: Arc<App>, secure_cookies: bool) -> Router {
    router_with(app, WebConfig { secure_cookies, ..WebConfig::default() })
}

/// The whole HTTP application.
pub fn router_with(app: Arc<App>, config: WebConfig) -> Router {
    let state = AppState {
        app,
        secure_cookies: config.secure_cookies,
        public_url: config.public_url,
        authority_name: config.authority_name.unwrap_or_else(|| DEFAULT_AUTHORITY_NAME.to_string()),
        imports: workspace::admin::Imports::default(),
    };
    let (api, openapi) = api();
    let api = api.merge(routes::pages::router()).merge(workspace::router());
    let openapi = Arc::new(openapi);
    api.route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let doc = openapi.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    )
    .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
    .layer(axum::middleware::from_fn_with_state(state.clone(), consistency::read_your_writes))
    // Outside the panic handler, so that a 500 carries the headers too.
    // A panicking handler fails its own request with a JSON 500, not the connection.
    .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
    .layer(axum::middleware::from_fn(security_headers))
    // Outermost: one log line, a request id and the request metrics for every answer.
    .layer(axum::middleware::from_fn_with_state(state.clone(), observe::observe))
    .with_state(state)
}

/// The Content-Security-Policy of every response. The pages load one stylesheet and one script of
/// their own (`/static/oversight.css`, htmx at `/static/htmx.min.js`, which talks only to this
/// site); they have no inline script, no inline `style` attribute or `<style>` block (the inline
/// SVG charts are styled by classes from the stylesheet), no frames, and forms that submit to this
/// site only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
    style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Security headers on every response (issue 15): the CSP above, `nosniff`, no framing, no
/// referrer; and `Cache-Control: no-store` on everything authenticated — any request carrying a
/// session cookie or an `Authorization` header (document downloads among them) and any response
/// that sets a cookie (the login answer, which carries the CSRF token).
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let has_session = request.headers().get_all(header::COOKIE).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(';').any(|c| c.trim().starts_with(&format!("{}=", auth::SESSION_COOKIE))))
    });
    let authenticated = has_session || request.headers().contains_key(header::AUTHORIZATION);
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if authenticated || h.contains_key(header::SET_COOKIE) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Serves until the shutdown future resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The default public URL when none is configured: this listener's address.
    let router = router.layer(axum::Extension(public_url::ListenAddr(listener.local_addr()?)));
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
