//! `/applications/{id}/installations` (the licence holder registers and withdraws installations of
//! the licensed product and sees the tokens issued to each) and `/register/tokens` (anyone: how many
//! tokens each licence got, and the current revocation list). Each form calls the same `App` use
//! case as the API; the pages decide nothing.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::AppError;
use oversight_domain::ApplicationId;

use super::{
    display::{capitalise, date_time, label},
    page::{CsrfForm, Layout, Signed, SignedIn, Viewer, app_error, render},
    session::FieldMessage,
};
use crate::AppState;

struct TokenRow {
    sequence: u64,
    issued: String,
    expires: String,
    digest: String,
}

struct InstallationRow {
    id: String,
    public_key: String,
    deployment: String,
    registered: String,
    withdrawn: Option<String>,
    tokens: Vec<TokenRow>,
}

#[derive(Template)]
#[template(path = "installations.html")]
struct InstallationsPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    case_id: String,
    licence_number: String,
    licence_status: String,
    can_register: bool,
    rows: Vec<InstallationRow>,
    typed_key: String,
    typed_deployment: String,
}

fn page_for(
    s: &AppState,
    v: &Signed,
    id: ApplicationId,
    errors: Vec<FieldMessage>,
    typed: (String, String),
) -> Response {
    let view = match s.app.get_application(&v.actor, id) {
        Ok(view) => view,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let Some(licence) = view.application.licence.clone() else {
        return app_error(s, AppError::NotFound, Some(v));
    };
    let list = match s.app.installations(&v.actor, id) {
        Ok(l) => l,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &InstallationsPage {
            layout: Layout::new(
                s,
                format!("Installations under {}", licence.number),
                Some(v),
                "/applications",
            ),
            errors,
            case_id: id.to_string(),
            licence_number: licence.number.clone(),
            licence_status: label(&licence.status),
            can_register: v.actor.has(oversight_domain::Role::Exporter)
                && v.actor.org == view.application.org,
            rows: list
                .iter()
                .rev()
                .map(|i| InstallationRow {
                    id: i.id.to_string(),
                    public_key: i.public_key.clone(),
                    deployment: i.deployment.clone(),
                    registered: date_time(i.registered_at),
                    withdrawn: i.withdrawn.as_ref().map(|w| date_time(w.at)),
                    tokens: i
                        .tokens
                        .iter()
                        .rev()
                        .take(20)
                        .map(|t| TokenRow {
                            sequence: t.sequence,
                            issued: date_time(t.issued_at),
                            expires: date_time(t.expires),
                            digest: t.digest[..16].to_string(),
                        })
                        .collect(),
                })
                .collect(),
            typed_key: typed.0,
            typed_deployment: typed.1,
        },
    )
}

fn parse_id(raw: &str) -> Option<ApplicationId> {
    raw.parse::<uuid::Uuid>().ok().map(ApplicationId)
}

/// `GET /applications/{id}/installations`.
pub async fn page(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    match parse_id(&id) {
        Some(id) => page_for(&s, &v, id, vec![], Default::default()),
        None => app_error(&s, AppError::NotFound, Some(&v)),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    public_key: String,
    #[serde(default)]
    deployment: String,
}

/// `POST /applications/{id}/installations` (`public_key`, `deployment`).
pub async fn register(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<RegisterForm>,
) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let req = oversight_app::tokens::RegisterInstallation {
        public_key: form.public_key.clone(),
        deployment: form.deployment.clone(),
    };
    match s.app.register_installation(&v.actor, id, req).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}/installations")).into_response(),
        Err(AppError::Invalid(f)) => {
            let field = if f.field == "deployment" { "deployment" } else { "public_key" };
            let message = format!("{}: {}", capitalise(&f.field.replace('_', " ")), f.message);
            page_for(&s, &v, id, vec![FieldMessage { field, message }], (form.public_key, form.deployment))
        }
        Err(AppError::Conflict(why)) => page_for(
            &s,
            &v,
            id,
            vec![FieldMessage { field: "public_key", message: capitalise(&why) }],
            (form.public_key, form.deployment),
        ),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

/// `POST /installations/{id}/withdraw` (`reason`).
pub async fn withdraw(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<WithdrawForm>,
) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else { return app_error(&s, AppError::NotFound, Some(&v)) };
    match s.app.withdraw_installation(&v.actor, id, &form.reason).await {
        Ok(i) => Redirect::to(&format!("/applications/{}/installations", i.case)).into_response(),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

struct PublicRow {
    licence_number: String,
    case_id: String,
    status: String,
    installations: usize,
    holding: usize,
    issued: usize,
    last_issued: String,
    last_expires: String,
}

#[derive(Template)]
#[template(path = "register/tokens.html")]
struct PublicPage {
    layout: Layout,
    rows: Vec<PublicRow>,
    revocation: Option<(u64, String, String, Vec<String>, usize)>,
}

/// `GET /register/tokens`: tokens per licence and the revocation list (anyone).
pub async fn public(State(s): State<AppState>, Viewer(v): Viewer) -> Response {
    let rows = s
        .app
        .licence_tokens()
        .into_iter()
        .map(|r| PublicRow {
            status: label(&r.licence_status),
            licence_number: r.licence_number,
            case_id: r.case_id,
            installations: r.installations,
            holding: r.holding_tokens,
            issued: r.tokens_issued,
            last_issued: r.last_issued.map(date_time).unwrap_or_default(),
            last_expires: r.last_token_expires.map(date_time).unwrap_or_default(),
        })
        .collect();
    let revocation = match s.app.revocation_list().await {
        Ok(l) => Some((
            l.sequence,
            date_time(l.issued_at),
            date_time(l.expires),
            l.licences,
            l.installations.len(),
        )),
        Err(e) => {
            tracing::warn!("the revocation list could not be served on the register page: {e}");
            None
        }
    };
    render(
        StatusCode::OK,
        &PublicPage {
            layout: Layout::new(&s, "Operating tokens", v.as_ref(), "/register"),
            rows,
            revocation,
        },
    )
}
