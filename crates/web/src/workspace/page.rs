//! What every workspace page shares: who is looking ([`Viewer`], [`SignedIn`]), the CSRF-checked
//! form ([`CsrfForm`]), the layout around each page ([`Layout`]), rendering, and error pages.
//!
//! Sessions are the API's: the HttpOnly, SameSite=Strict session cookie. A page form carries the
//! session's CSRF token in a hidden `csrf_token` field. Only the token's hash is stored with the
//! session, so the page login also sets the token in a second HttpOnly, SameSite=Strict cookie
//! ([`CSRF_COOKIE`]) from which forms are rendered; a submitted form is accepted only when its token
//! hashes to the session's (the cookie alone is never enough: a cross-site form cannot read it).

use askama::Template;
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{StatusCode, Uri, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use oversight_app::{AppError, Me};
use oversight_domain::{Actor, OrgKind, Role};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::{AppState, auth::SESSION_COOKIE};

/// The cookie that carries the plain CSRF token of a page session (see the module docs).
pub const CSRF_COOKIE: &str = "oversight_csrf";

/// Largest form body a page accepts (uploads have their own limit).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A signed-in person, as the pages need them.
#[derive(Debug, Clone)]
pub struct Signed {
    pub actor: Actor,
    pub me: Me,
    /// The plain CSRF token to put in forms (empty when the session came from the API, whose
    /// client holds the token itself: such a session can read pages but not submit their forms).
    pub csrf: String,
    csrf_hash: String,
}

impl Signed {
    async fn from_parts(parts: &Parts, state: &AppState) -> Option<Signed> {
        let jar = CookieJar::from_headers(&parts.headers);
        let session = jar.get(SESSION_COOKIE)?;
        let (actor, csrf_hash) = state.app.authenticate_session(session.value()).await?;
        let me = state.app.me(&actor).ok()?;
        let csrf = jar
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|t| token_matches(t, &csrf_hash))
            .unwrap_or_default();
        Some(Signed { actor, me, csrf, csrf_hash })
    }

    pub fn is_authority(&self) -> bool {
        self.actor.org_kind == OrgKind::Authority
    }

    pub fn has(&self, role: Role) -> bool {
        self.actor.has(role)
    }
}

fn token_matches(sent: &str, hash: &str) -> bool {
    !sent.is_empty()
        && bool::from(oversight_app::accounts::secret_hash(sent).as_bytes().ct_eq(hash.as_bytes()))
}

/// Whoever is looking: signed in or the public. Never refuses.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<Signed>);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Viewer(Signed::from_parts(parts, state).await))
    }
}

/// A signed-in person; anyone else is sent to the sign-in page, which brings them back here.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Signed);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Signed::from_parts(parts, state).await.map(SignedIn).ok_or_else(|| to_login(&parts.uri))
    }
}

/// A redirect to the sign-in page that comes back to `uri` afterwards.
pub fn to_login(uri: &Uri) -> Response {
    let back = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let q = form_urlencoded::Serializer::new(String::new()).append_pair("next", back).finish();
    Redirect::to(&format!("/login?{q}")).into_response()
}

/// Where to go after signing in: a path on this site only (never another host).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

/// A submitted form of a signed-in person whose `csrf_token` field matches their session. A person
/// whose session has ended is sent to sign in; a wrong or missing token is refused (403).
#[derive(Debug)]
pub struct CsrfForm<T>(pub Signed, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let CsrfBytes(signed, bytes) = CsrfBytes::from_request(req, state).await?;
        let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            error_page(
                state,
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                &e.to_string(),
                Some(&signed),
            )
        })?;
        Ok(CsrfForm(signed, form))
    }
}

/// As [`CsrfForm`], with the form's bytes as sent (for fields that repeat, such as ticked boxes).
#[derive(Debug)]
pub struct CsrfBytes(pub Signed, pub Bytes);

impl FromRequest<AppState> for CsrfBytes {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let signed = Signed::from_parts(&parts, state).await;
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| {
            error_page(
                state,
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much to send",
                "The form is larger than 64 KB.",
                None,
            )
        })?;
        // A session that ended while the form was being filled in: sign in again, then send
        // what was typed (`session::session_ended`).
        let Some(signed) = signed else {
            return Err(super::session::session_ended(state, parts.uri.path(), &bytes));
        };
        check_csrf(state, &signed, &bytes).map_err(|r| *r)?;
        Ok(CsrfBytes(signed, bytes))
    }
}

fn check_csrf(state: &AppState, signed: &Signed, body: &Bytes) -> Result<(), Box<Response>> {
    let sent = form_urlencoded::parse(body).find(|(k, _)| k == "csrf_token").map(|(_, v)| v.into_owned());
    check_csrf_token(state, signed, sent.as_deref().unwrap_or_default())
}

/// Refuses (403, as a page) a form whose `csrf_token` does not match the session's: for forms read
/// some other way than [`CsrfBytes`] (a file upload's `multipart/form-data`).
pub fn check_csrf_token(state: &AppState, signed: &Signed, sent: &str) -> Result<(), Box<Response>> {
    if token_matches(sent, &signed.csrf_hash) {
        Ok(())
    } else {
        Err(Box::new(error_page(
            state,
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form was not sent from this session. Go back, reload the page and try again.",
            Some(signed),
        )))
    }
}

/// A link in the header's navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the layout around every page needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page's own title ("Work queue"); the document title adds the service's name.
    pub title: String,
    pub authority: String,
    pub user_name: Option<String>,
    pub organisation: Option<String>,
    pub csrf: String,
    pub nav: Vec<NavLink>,
}

impl Layout {
    pub fn new(state: &AppState, title: impl Into<String>, viewer: Option<&Signed>, here: &str) -> Layout {
        let mut nav = Vec::new();
        let mut link = |href: &'static str, label: &'static str| {
            nav.push(NavLink { href, label, current: here == href });
        };
        if let Some(v) = viewer {
            if v.is_authority() && oversight_app::queue::QUEUE_ROLES.iter().any(|r| v.has(*r)) {
                link("/work", "Work queue");
            }
            if v.actor.org_kind == OrgKind::Exporter {
                link("/applications", "Applications");
                link("/reports", "Reports");
                link("/notices", "Notices");
                link("/appeals", "Appeals");
            }
            if v.is_authority() && v.has(Role::ReviewPanelMember) {
                link("/appeals", "Appeals");
            }
            if v.is_authority() && v.has(Role::Ombudsperson) {
                link("/ombudsperson", "Complaints");
            }
            if v.is_authority() && (v.has(Role::EnforcementOfficer) || v.has(Role::Approver)) {
                link("/enforcement", "Enforcement");
            }
            if v.is_authority() && (v.has(Role::LicensingOfficer) || v.has(Role::EnforcementOfficer)) {
                link("/reports", "Reports");
            }
            if v.is_authority() && (v.has(Role::Approver) || v.has(Role::LicensingOfficer)) {
                link("/notices", "Notices");
            }
            if v.is_authority() && v.has(Role::Administrator) {
                link("/admin/users", "Users");
                link("/admin/lists", "Lists");
                link("/admin/calendar", "Holidays");
            }
            if v.is_authority() && (v.has(Role::Approver) || v.has(Role::Administrator)) {
                link("/rule-making", "Rule-making");
            }
            if v.is_authority() {
                link("/admin/basis", "Method and data");
            }
        }
        link("/register", "Public register");
        link("/consultations", "Consultations");
        Layout {
            title: title.into(),
            authority: state.authority_name.clone(),
            user_name: viewer.map(|v| v.me.name.clone()),
            organisation: viewer.map(|v| v.me.organisation_name.clone()),
            csrf: viewer.map(|v| v.csrf.clone()).unwrap_or_default(),
            nav,
        }
    }
}

/// Renders a template as a full page with `status`.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("rendering a page failed: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
    signed_in: bool,
}

/// An error as a page: a heading and what to do.
pub fn error_page(
    state: &AppState,
    status: StatusCode,
    title: &str,
    message: &str,
    viewer: Option<&Signed>,
) -> Response {
    let layout = Layout::new(state, title, viewer, "");
    render(status, &ErrorPage { layout, message: message.to_string(), signed_in: viewer.is_some() })
}

/// An app error as a page. A case you may not see is "Page not found", like a page that does not
/// exist.
pub fn app_error(state: &AppState, e: AppError, viewer: Option<&Signed>) -> Response {
    let api = crate::error::ApiError::from(e);
    let (title, message) = match api.status {
        StatusCode::NOT_FOUND => {
            ("Page not found", "If you typed the address, check it is correct.".to_string())
        }
        StatusCode::FORBIDDEN => ("You cannot do this", api.message.clone()),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
            ("Check what you entered", api.message.clone())
        }
        StatusCode::CONFLICT => ("This could not be done", api.message.clone()),
        s if s.is_server_error() => (
            "Sorry, there is a problem with the service",
            "Try again later. What you entered has not been saved.".to_string(),
        ),
        _ => ("This could not be done", api.message.clone()),
    };
    error_page(state, api.status, title, &message, viewer)
}

/// A `multipart/form-data` form: its text fields and the uploaded `file` (absent when none was
/// chosen).
#[derive(Debug, Default)]
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub file: Option<(String, Vec<u8>)>,
}

impl MultipartForm {
    /// A text field's value ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

/// Reads a multipart form; one that cannot be read is answered with the error page (400).
pub async fn read_multipart(
    req: Request,
    state: &AppState,
    viewer: Option<&Signed>,
) -> Result<MultipartForm, Response> {
    use axum::extract::Multipart;
    let unreadable =
        |why: String| error_page(state, StatusCode::BAD_REQUEST, "The form could not be read", &why, viewer);
    let mut m = Multipart::from_request(req, state).await.map_err(|e| unreadable(e.body_text()))?;
    let mut form = MultipartForm::default();
    while let Some(field) = m.next_field().await.map_err(|e| unreadable(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let filename = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|e| unreadable(e.body_text()))?;
            if !bytes.is_empty() {
                form.file = Some((filename, bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(|e| unreadable(e.body_text()))?;
            form.fields.push((name, text));
        }
    }
    Ok(form)
}
