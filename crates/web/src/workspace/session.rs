//! Signing in and out, and the start page that sends each person to their work.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::AppError;
use oversight_domain::OrgKind;
use serde::Deserialize;

use super::page::{CSRF_COOKIE, CsrfForm, Layout, Signed, Viewer, app_error, error_page, render, safe_next};
use crate::{
    AppState,
    auth::{SESSION_COOKIE, session_token},
};

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    /// A form whose session had ended when it was sent (urlencoded, without its CSRF token): sent
    /// again to `next` once the person has signed in (see [`session_ended`]).
    #[serde(default)]
    resume: String,
}

/// One message of an error summary, linked to its field.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    pub field: &'static str,
    pub message: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    errors: Vec<FieldMessage>,
    /// A form kept across an ended session (see [`session_ended`]).
    resume: String,
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    email: String,
    next: &str,
    errors: Vec<FieldMessage>,
) -> Response {
    login_page_resuming(state, status, email, next, errors, String::new())
}

fn login_page_resuming(
    state: &AppState,
    status: StatusCode,
    email: String,
    next: &str,
    errors: Vec<FieldMessage>,
    resume: String,
) -> Response {
    let layout =
        Layout::new(state, if errors.is_empty() { "Sign in" } else { "Error: Sign in" }, None, "/login");
    render(status, &LoginPage { layout, email, next: next.to_string(), errors, resume })
}

/// The answer to a page form sent after its session ended: the sign-in page, carrying what was
/// typed (never the old CSRF token) so that, once signed in, the person sends it again with one
/// click and loses nothing. `path` is where the form was going.
pub fn session_ended(state: &AppState, path: &str, body: &[u8]) -> Response {
    let kept: Vec<(String, String)> = form_urlencoded::parse(body)
        .filter(|(k, _)| k != "csrf_token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let resume = form_urlencoded::Serializer::new(String::new()).extend_pairs(&kept).finish();
    login_page_resuming(
        state,
        StatusCode::UNAUTHORIZED,
        String::new(),
        safe_next(Some(path)),
        Vec::new(),
        resume,
    )
}

#[derive(Template)]
#[template(path = "resend.html")]
struct ResendPage {
    layout: Layout,
    action: String,
    csrf: String,
    fields: Vec<(String, String)>,
}

/// `GET /login`: the sign-in form (someone already signed in goes on to where they were going).
pub async fn login_form(
    State(s): State<AppState>,
    Viewer(v): Viewer,
    Query(q): Query<LoginQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref()).to_string();
    if v.is_some_and(|v| !v.csrf.is_empty()) {
        return Redirect::to(&next).into_response();
    }
    login_page(&s, StatusCode::OK, String::new(), &next, Vec::new())
}

/// `POST /login`: checks the password with the same rules and throttle as `POST /api/session`, sets
/// the session and CSRF cookies, and goes on to `next`.
pub async fn login(
    State(s): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // A sign-in form posted from another site is refused (login CSRF).
    if headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
        return error_page(
            &s,
            StatusCode::FORBIDDEN,
            "Sign in here",
            "Sign in on this site's own page.",
            None,
        );
    }
    let form: LoginForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let next = safe_next(form.next.as_deref()).to_string();
    let mut errors = Vec::new();
    if form.email.trim().is_empty() {
        errors.push(FieldMessage { field: "email", message: "Enter your email address".into() });
    }
    if form.password.is_empty() {
        errors.push(FieldMessage { field: "password", message: "Enter your password".into() });
    }
    if !errors.is_empty() {
        return login_page_resuming(
            &s,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.email,
            &next,
            errors,
            form.resume,
        );
    }
    let client = crate::routes::session::client_address(peer);
    match s.app.login(form.email.trim(), &form.password, &client).await {
        Ok(login) => {
            let max_age = (login.expires_at - s.app.now()).num_seconds().max(0);
            let secure = if s.secure_cookies { "; Secure" } else { "" };
            let cookie = |name: &str, value: &str| {
                HeaderValue::from_str(&format!(
                    "{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
                ))
                .expect("cookie values are URL-safe")
            };
            let mut response = if form.resume.is_empty() {
                Redirect::to(&next).into_response()
            } else {
                let fields = form_urlencoded::parse(form.resume.as_bytes())
                    .filter(|(k, _)| k != "csrf_token")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                // Signed in by this very answer (its cookies): the header says who, as elsewhere.
                let mut layout = Layout::new(&s, "Send your form again", None, "");
                layout.user_name = Some(login.me.name.clone());
                layout.organisation = Some(login.me.organisation_name.clone());
                layout.csrf = login.csrf_token.clone();
                let page =
                    ResendPage { layout, action: next.clone(), csrf: login.csrf_token.clone(), fields };
                render(StatusCode::OK, &page)
            };
            let h = response.headers_mut();
            h.append(header::SET_COOKIE, cookie(SESSION_COOKIE, &login.session_token));
            h.append(header::SET_COOKIE, cookie(CSRF_COOKIE, &login.csrf_token));
            response
        }
        Err(AppError::Unauthenticated(_)) => login_page_resuming(
            &s,
            StatusCode::UNAUTHORIZED,
            form.email,
            &next,
            vec![FieldMessage {
                field: "email",
                message: "The email address or password is not right".into(),
            }],
            form.resume,
        ),
        Err(e @ (AppError::Throttled(_) | AppError::Busy(_))) => {
            let api = crate::error::ApiError::from(e);
            let mut r = login_page(
                &s,
                api.status,
                form.email,
                &next,
                vec![FieldMessage { field: "email", message: api.message }],
            );
            if let Some(secs) = api.retry_after {
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            r
        }
        Err(e) => app_error(&s, e, None),
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {}

/// `POST /logout`: ends the session and clears both cookies.
pub async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    CsrfForm(v, _): CsrfForm<LogoutForm>,
) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(e) = s.app.logout(&token).await
    {
        return app_error(&s, e, Some(&v));
    }
    let mut response = Redirect::to("/login").into_response();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        let expired = format!("{name}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
        response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&expired).expect("ascii"));
    }
    response
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
}

/// Where a signed-in person's work is.
fn start_of(v: &Signed) -> Option<&'static str> {
    match v.actor.org_kind {
        OrgKind::Exporter => Some("/applications"),
        OrgKind::Authority if oversight_app::queue::QUEUE_ROLES.iter().any(|r| v.has(*r)) => Some("/work"),
        OrgKind::Authority if v.has(oversight_domain::Role::Administrator) => Some("/admin/users"),
        _ => None,
    }
}

/// `GET /`: sends a signed-in person to their work; everyone else sees what this service is.
pub async fn home(State(s): State<AppState>, Viewer(v): Viewer) -> Response {
    if let Some(start) = v.as_ref().and_then(start_of) {
        return Redirect::to(start).into_response();
    }
    render(
        StatusCode::OK,
        &HomePage { layout: Layout::new(&s, "Export control of surveillance technology", v.as_ref(), "/") },
    )
}
