//! Administration pages: users and their roles (`/admin/users`), restricted-party lists and their
//! imports with progress (`/admin/lists`), and the assessment method and data in force
//! (`/admin/basis`, readable by every authority user).
//!
//! Every action is the same use case as the admin API (`App::create_user`, `disable_user`,
//! `propose_role_grant`, `approve_role_grant`, `import_list_bytes_with_progress`, ...); the app
//! refuses what the person may not do, and the page shows the refusal.
//!
//! A list import runs in the background: the upload answers at once with the address of its
//! progress page, which reloads itself every second (a `<meta http-equiv="refresh">`, no script)
//! until the import is done, then shows what it found. The progress lives in this node's memory:
//! after a restart the release is there (or not, all or nothing) but its progress page is gone.

use askama::Template;
use axum::{
    extract::{FromRequest, Multipart, Path, Query, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::{AppError, accounts::UserInfo, lists::ImportReport};
use oversight_domain::{OrgKind, Role, UserId};
use parking_lot::Mutex;
use serde::Deserialize;
use std::{collections::HashMap, sync::Arc};

use super::{
    display::{capitalise, code, date_time, humanise, label, thousands},
    page::{CsrfForm, Layout, Signed, SignedIn, app_error, check_csrf_token, error_page, render},
    session::FieldMessage,
};
use crate::AppState;

const AUTHORITY_ROLES: [Role; 5] = [
    Role::LicensingOfficer,
    Role::HumanRightsAssessor,
    Role::Approver,
    Role::EnforcementOfficer,
    Role::Administrator,
];

// ----- users and roles ------------------------------------------------------------------------------

struct UserRow {
    id: String,
    name: String,
    email: String,
    organisation: String,
    roles: String,
    disabled: bool,
    /// Authority roles the user does not hold yet (a grant may be proposed).
    grantable: Vec<(String, String)>,
    is_me: bool,
}

struct GrantRow {
    id: String,
    user: String,
    role: String,
    proposed_by: String,
    mine: bool,
}

/// What was typed into the new-user form.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    users: Vec<UserRow>,
    grants: Vec<GrantRow>,
    organisations: Vec<(String, String, bool)>,
    roles: Vec<(String, String, bool)>,
    form: NewUserForm,
}

fn users_page(
    s: &AppState,
    v: &Signed,
    form: NewUserForm,
    ticked: &[String],
    errors: Vec<FieldMessage>,
) -> Response {
    let users: Vec<UserInfo> = match s.app.users(&v.actor) {
        Ok(u) => u,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let grants = match s.app.pending_role_grants(&v.actor) {
        Ok(g) => g,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let name_of = |id: UserId| users.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_default();
    let title = if errors.is_empty() { "Users and roles" } else { "Error: Users and roles" };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &UsersPage {
            layout: Layout::new(s, title, Some(v), "/admin/users"),
            grants: grants
                .iter()
                .map(|g| GrantRow {
                    id: g.id.to_string(),
                    user: format!("{} ({})", name_of(g.user), g.user_email),
                    role: label(&g.role),
                    proposed_by: name_of(g.proposed_by),
                    mine: g.proposed_by == v.actor.user,
                })
                .collect(),
            users: users
                .iter()
                .map(|u| UserRow {
                    id: u.id.to_string(),
                    name: u.name.clone(),
                    email: u.email.clone(),
                    organisation: u.organisation_name.clone(),
                    roles: u.roles.iter().map(label).collect::<Vec<_>>().join(", "),
                    disabled: u.disabled,
                    grantable: if u.organisation_kind == OrgKind::Authority {
                        AUTHORITY_ROLES
                            .iter()
                            .filter(|r| !u.roles.contains(r))
                            .map(|r| (code(r), label(r)))
                            .collect()
                    } else {
                        Vec::new()
                    },
                    is_me: u.id == v.actor.user,
                })
                .collect(),
            organisations: s
                .app
                .orgs()
                .into_iter()
                .map(|o| {
                    let id = o.id.to_string();
                    let selected = id == form.organisation;
                    (id, format!("{} ({})", o.name, label(&o.kind)), selected)
                })
                .collect(),
            roles: [
                Role::LicensingOfficer,
                Role::HumanRightsAssessor,
                Role::Approver,
                Role::EnforcementOfficer,
                Role::Administrator,
                Role::Exporter,
            ]
            .iter()
            .map(|r| {
                let c = code(r);
                let ticked = ticked.contains(&c);
                (c, label(r), ticked)
            })
            .collect(),
            form,
            errors,
        },
    )
}

/// `GET /admin/users`.
pub async fn users(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    users_page(&s, &v, NewUserForm::default(), &[], Vec::new())
}

/// `POST /admin/users`: creates a user (roles ticked; `roles` may repeat).
pub async fn create_user(
    State(s): State<AppState>,
    super::page::CsrfBytes(v, body): super::page::CsrfBytes,
) -> Response {
    let form: NewUserForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let ticked: Vec<String> =
        form_urlencoded::parse(&body).filter(|(k, _)| k == "roles").map(|(_, v)| v.into_owned()).collect();
    let mut errors = Vec::new();
    let org = form.organisation.parse::<uuid::Uuid>().ok().map(oversight_domain::OrgId);
    if org.is_none() {
        errors.push(FieldMessage { field: "organisation", message: "Choose the user's organisation".into() });
    }
    let roles: Vec<Role> = ticked
        .iter()
        .filter_map(|r| serde_json::from_value(serde_json::Value::String(r.clone())).ok())
        .collect();
    if roles.len() != ticked.len() || roles.is_empty() {
        errors.push(FieldMessage { field: "roles", message: "Tick at least one role".into() });
    }
    let Some(org) = org.filter(|_| errors.is_empty()) else {
        let kept = NewUserForm { password: String::new(), ..form };
        return users_page(&s, &v, kept, &ticked, errors);
    };
    match s.app.create_user(Some(&v.actor), org, &form.email, &form.name, &roles, &form.password).await {
        Ok(_) => Redirect::to("/admin/users").into_response(),
        Err(AppError::Invalid(f)) => {
            let field = ["email", "name", "password", "roles", "organisation"]
                .into_iter()
                .find(|n| *n == f.field)
                .unwrap_or("email");
            let kept = NewUserForm { password: String::new(), ..form };
            users_page(&s, &v, kept, &ticked, vec![FieldMessage { field, message: f.message }])
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

fn user_id(s: &AppState, v: &Signed, id: &str) -> Result<UserId, Box<Response>> {
    id.parse::<uuid::Uuid>().map(UserId).map_err(|_| Box::new(app_error(s, AppError::NotFound, Some(v))))
}

/// `POST /admin/users/{id}/disable` and `/enable`.
pub async fn set_disabled(
    State(s): State<AppState>,
    Path((id, what)): Path<(String, String)>,
    CsrfForm(v, _): CsrfForm<Empty>,
) -> Response {
    let user = match user_id(&s, &v, &id) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let result = match what.as_str() {
        "disable" => s.app.disable_user(&v.actor, user).await,
        "enable" => s.app.enable_user(&v.actor, user).await,
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(()) => Redirect::to("/admin/users").into_response(),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    role: String,
}

/// `POST /admin/users/{id}/role-grants`: proposes a role (a second administrator approves it).
pub async fn propose_grant(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<GrantForm>,
) -> Response {
    let user = match user_id(&s, &v, &id) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let Ok(role) = serde_json::from_value::<Role>(serde_json::Value::String(form.role)) else {
        let errors = vec![FieldMessage { field: "users", message: "Choose the role to propose".into() }];
        return users_page(&s, &v, NewUserForm::default(), &[], errors);
    };
    match s.app.propose_role_grant(&v.actor, user, role).await {
        Ok(_) => Redirect::to("/admin/users#grants").into_response(),
        Err(AppError::Invalid(f)) => users_page(
            &s,
            &v,
            NewUserForm::default(),
            &[],
            vec![FieldMessage { field: "users", message: f.message }],
        ),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// `POST /admin/role-grants/{id}/approve` and `/withdraw`.
pub async fn decide_grant(
    State(s): State<AppState>,
    Path((id, what)): Path<(String, String)>,
    CsrfForm(v, _): CsrfForm<Empty>,
) -> Response {
    let Ok(grant) = id.parse::<uuid::Uuid>() else {
        return app_error(&s, AppError::NotFound, Some(&v));
    };
    let result = match what.as_str() {
        "approve" => s.app.approve_role_grant(&v.actor, grant).await,
        "withdraw" => s.app.withdraw_role_grant(&v.actor, grant).await,
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(()) => Redirect::to("/admin/users#grants").into_response(),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

// ----- lists and their imports --------------------------------------------------------------------

/// Where an import stands.
#[derive(Debug, Clone)]
enum Stage {
    Reading,
    Rescreening { done: u64, total: u64 },
    Done(Box<ImportReport>),
    Failed(String),
}

#[derive(Debug, Clone)]
struct Job {
    by: UserId,
    name: String,
    file: String,
    stage: Stage,
}

/// The imports started on this node, by id (see the module docs).
#[derive(Debug, Default, Clone)]
pub struct Imports(Arc<Mutex<HashMap<uuid::Uuid, Job>>>);

/// How many finished imports keep their page (the oldest are forgotten first; ids are UUIDv7).
const FINISHED_KEPT: usize = 100;

impl Imports {
    /// Forgets the oldest finished imports beyond [`FINISHED_KEPT`]; running ones are kept.
    fn forget_finished(&self) {
        let mut jobs = self.0.lock();
        let mut finished: Vec<uuid::Uuid> = jobs
            .iter()
            .filter(|(_, j)| matches!(j.stage, Stage::Done(_) | Stage::Failed(_)))
            .map(|(id, _)| *id)
            .collect();
        if finished.len() > FINISHED_KEPT {
            finished.sort();
            for id in &finished[..finished.len() - FINISHED_KEPT] {
                jobs.remove(id);
            }
        }
    }
}

struct ReleaseRow {
    version: u64,
    file: String,
    format: String,
    entries: String,
    imported: String,
    /// What its re-screening found: alerts raised on open cases and live licences, and open ones.
    found: String,
}

struct ListRow {
    name: String,
    builtin: bool,
    entries: String,
    releases: Vec<ReleaseRow>,
}

#[derive(Template)]
#[template(path = "admin_lists.html")]
struct ListsPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    lists: Vec<ListRow>,
    formats: Vec<(&'static str, &'static str, bool)>,
    name: String,
}

const FORMATS: [(&str, &str); 5] = [
    ("csl-csv", "US Consolidated Screening List (CSV)"),
    ("bis-dpl", "US Denied Persons List (tab-separated)"),
    ("un-xml", "UN Security Council list (XML)"),
    ("ofac-xml", "OFAC SDN list (XML, or zipped)"),
    ("ftm-json", "FollowTheMoney entities (JSON lines)"),
];

fn lists_page(s: &AppState, v: &Signed, name: &str, format: &str, errors: Vec<FieldMessage>) -> Response {
    let lists = match s.app.lists(&v.actor) {
        Ok(l) => l,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let findings = match s.app.rescreen_findings(&v.actor) {
        Ok(f) => f,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &ListsPage {
            layout: Layout::new(
                s,
                if errors.is_empty() { "Restricted-party lists" } else { "Error: Restricted-party lists" },
                Some(v),
                "/admin/lists",
            ),
            errors,
            lists: lists
                .into_iter()
                .map(|l| ListRow {
                    name: l.name,
                    builtin: l.builtin,
                    entries: thousands(l.entry_count),
                    releases: l
                        .releases
                        .iter()
                        .rev()
                        .map(|r| ReleaseRow {
                            version: r.version,
                            file: r.source_file.clone(),
                            format: r.format.clone(),
                            entries: thousands(r.entry_count),
                            imported: date_time(r.imported_at),
                            found: match findings.get(&(r.name.clone(), r.version)) {
                                None => "No alert".into(),
                                Some((1, open)) => format!("1 alert ({open} open)"),
                                Some((n, open)) => format!("{n} alerts ({open} open)"),
                            },
                        })
                        .collect(),
                })
                .collect(),
            formats: FORMATS.iter().map(|(c, l)| (*c, *l, *c == format)).collect(),
            name: name.to_string(),
        },
    )
}

/// `GET /admin/lists`.
pub async fn lists(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    lists_page(&s, &v, "", "csl-csv", Vec::new())
}

#[derive(Default)]
struct ListUpload {
    csrf: String,
    name: String,
    format: String,
    filename: String,
    content: Vec<u8>,
}

async fn read_list_upload(mut m: Multipart) -> Result<ListUpload, String> {
    let mut u = ListUpload::default();
    while let Some(field) = m.next_field().await.map_err(|e| e.body_text())? {
        match field.name().unwrap_or_default() {
            "csrf_token" => u.csrf = field.text().await.map_err(|e| e.body_text())?,
            "name" => u.name = field.text().await.map_err(|e| e.body_text())?,
            "format" => u.format = field.text().await.map_err(|e| e.body_text())?,
            "file" => {
                u.filename = field.file_name().unwrap_or_default().to_string();
                u.content = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
            }
            _ => {}
        }
    }
    Ok(u)
}

/// `POST /admin/lists` (`multipart/form-data`: `csrf_token`, `name`, `format`, `file`): starts an
/// import in the background and answers with its progress page.
pub async fn import(State(s): State<AppState>, SignedIn(v): SignedIn, req: Request) -> Response {
    let upload = match Multipart::from_request(req, &s).await {
        Ok(m) => read_list_upload(m).await,
        Err(e) => Err(e.body_text()),
    };
    let u = match upload {
        Ok(u) => u,
        Err(why) => {
            return error_page(&s, StatusCode::BAD_REQUEST, "The upload could not be read", &why, Some(&v));
        }
    };
    if let Err(r) = check_csrf_token(&s, &v, &u.csrf) {
        return *r;
    }
    // Refuse at once what needs no parsing (who, the name, the format, an empty file); the rest is
    // the import's answer on its progress page.
    if let Err(e) = s.app.may_import_lists(&v.actor) {
        return app_error(&s, e, Some(&v));
    }
    let name = u.name.trim().to_string();
    let mut errors = Vec::new();
    if let Err(AppError::Invalid(f)) = oversight_app::lists::check_list_name(&name) {
        errors.push(FieldMessage { field: "name", message: f.message });
    }
    if !FORMATS.iter().any(|(c, _)| *c == u.format) {
        errors.push(FieldMessage { field: "format", message: "Choose the file's format".into() });
    }
    if u.filename.is_empty() || u.content.is_empty() {
        errors.push(FieldMessage { field: "file", message: "Choose the list file to import".into() });
    }
    if !errors.is_empty() {
        return lists_page(&s, &v, &name, &u.format, errors);
    }
    let id = s.app.new_id();
    s.imports.forget_finished();
    s.imports.0.lock().insert(
        id,
        Job { by: v.actor.user, name: name.clone(), file: u.filename.clone(), stage: Stage::Reading },
    );
    let (app, imports, actor) = (s.app.clone(), s.imports.clone(), v.actor.clone());
    tokio::spawn(async move {
        let progress_jobs = imports.clone();
        let progress: oversight_app::screening::Progress = Arc::new(move |done, total| {
            if let Some(j) = progress_jobs.0.lock().get_mut(&id) {
                j.stage = Stage::Rescreening { done, total };
            }
        });
        let result = app
            .import_list_bytes_with_progress(
                &actor,
                &name,
                &u.format,
                &u.filename,
                &u.content,
                Some(progress),
            )
            .await;
        if let Some(j) = imports.0.lock().get_mut(&id) {
            j.stage = match result {
                Ok(report) => Stage::Done(Box::new(report)),
                Err(AppError::Invalid(f)) => Stage::Failed(format!("{}: {}", humanise(&f.field), f.message)),
                Err(e) => Stage::Failed(e.to_string()),
            };
        }
    });
    Redirect::to(&format!("/admin/lists/imports/{id}")).into_response()
}

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    layout: Layout,
    name: String,
    file: String,
    running: bool,
    progress: Option<(u64, u64, u32)>,
    failed: Option<String>,
    report: Option<Vec<(&'static str, String)>>,
}

/// `GET /admin/lists/imports/{id}`: the import's progress, reloading itself until it is done.
pub async fn import_progress(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let job = id.parse::<uuid::Uuid>().ok().and_then(|id| s.imports.0.lock().get(&id).cloned());
    // Only the administrator who started it sees an import's page.
    let Some(job) = job.filter(|j| j.by == v.actor.user) else {
        return app_error(&s, AppError::NotFound, Some(&v));
    };
    let (running, progress, failed, report) = match job.stage {
        Stage::Reading => (true, None, None, None),
        Stage::Rescreening { done, total } => {
            let pct = (done * 100).checked_div(total).map_or(100, |p| p as u32);
            (true, Some((done, total, pct)), None, None)
        }
        Stage::Failed(why) => (false, None, Some(why), None),
        Stage::Done(r) => {
            let lines = vec![
                ("Release", format!("{} version {}", r.release.name, r.release.version)),
                ("Entries", thousands(r.release.entry_count)),
                (
                    "Already imported",
                    if r.already_imported { "Yes: nothing was stored again".into() } else { "No".into() },
                ),
                ("Added, changed, removed", format!("{}, {}, {}", r.added, r.changed, r.removed)),
                ("Cases re-screened", thousands(r.cases_rescreened)),
                ("Parties re-screened", thousands(r.parties_rescreened)),
                ("Alerts raised", thousands(r.alerts_raised)),
                ("Re-screening", r.rescreen_error.clone().unwrap_or_else(|| "Completed".into())),
            ];
            (false, None, None, Some(lines))
        }
    };
    let title = if running {
        "Importing a list"
    } else if failed.is_some() {
        "The import failed"
    } else {
        "List imported"
    };
    render(
        StatusCode::OK,
        &ImportPage {
            layout: Layout::new(&s, title, Some(&v), "/admin/lists"),
            name: job.name,
            file: job.file,
            running,
            progress,
            failed,
            report,
        },
    )
}

// ----- the assessment basis -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_basis.html")]
struct BasisPage {
    layout: Layout,
    basis: oversight_app::assessment::AssessmentBasis,
}

/// `GET /admin/basis`: the policy and indicator data in force (every authority user).
pub async fn basis(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    if !v.is_authority() {
        return app_error(&s, AppError::NotFound, Some(&v));
    }
    match s.app.assessment_basis() {
        Ok(basis) => render(
            StatusCode::OK,
            &BasisPage {
                layout: Layout::new(&s, "Assessment method and data", Some(&v), "/admin/basis"),
                basis,
            },
        ),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    country: String,
    year: i32,
    years: Vec<i32>,
    holidays: Vec<(String, String, String, bool)>,
    removed: Vec<(String, String, String)>,
    date: String,
    name: String,
    can_edit: bool,
}

fn calendar_page(
    s: &AppState,
    v: &Signed,
    year: Option<i32>,
    errors: Vec<FieldMessage>,
    date: &str,
    name: &str,
) -> Response {
    let cal = match s.app.calendar(&v.actor) {
        Ok(c) => c,
        Err(e) => return app_error(s, e, Some(v)),
    };
    use chrono::Datelike;
    let this_year = s.app.now().year();
    let year = year.unwrap_or(this_year);
    let fmt = |d: chrono::NaiveDate| (d.to_string(), d.format("%A %-d %B %Y").to_string());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &CalendarPage {
            layout: Layout::new(s, "Public holidays", Some(v), "/admin/calendar"),
            errors,
            country: cal.country.clone().unwrap_or_else(|| "not known yet".into()),
            year,
            years: (this_year - 1..=this_year + 3).collect(),
            holidays: cal
                .holidays
                .iter()
                .filter(|h| h.date.year() == year)
                .map(|h| {
                    let (iso, long) = fmt(h.date);
                    (iso, long, h.name.clone(), h.shipped)
                })
                .collect(),
            removed: cal
                .removed
                .iter()
                .filter(|h| h.date.year() == year)
                .map(|h| {
                    let (iso, long) = fmt(h.date);
                    (iso, long, h.name.clone())
                })
                .collect(),
            date: date.to_string(),
            name: name.to_string(),
            can_edit: v.is_authority() && v.has(Role::Administrator),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    year: Option<String>,
}

/// `GET /admin/calendar?year=`: the holidays the working-day clock skips (administrators change
/// them; every authority user may read them).
pub async fn calendar(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let year = q.year.as_deref().and_then(|y| y.parse().ok()).filter(|y| (2000..=2100).contains(y));
    calendar_page(&s, &v, year, vec![], "", "")
}

#[derive(Debug, Deserialize)]
pub struct HolidayForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    remove: bool,
}

/// `POST /admin/calendar`: add (`date`, `name`) or remove (`date`, `remove=true`) a holiday.
pub async fn change_calendar(
    State(s): State<AppState>,
    CsrfForm(v, form): CsrfForm<HolidayForm>,
) -> Response {
    use chrono::Datelike;
    let Ok(date) = chrono::NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d") else {
        let errors = vec![FieldMessage { field: "date", message: "Enter the date, like 2026-12-24".into() }];
        return calendar_page(&s, &v, None, errors, &form.date, &form.name);
    };
    let result = if form.remove {
        s.app.remove_holiday(&v.actor, date).await
    } else {
        s.app.add_holiday(&v.actor, date, &form.name).await
    };
    match result {
        Ok(_) => Redirect::to(&format!("/admin/calendar?year={}", date.year())).into_response(),
        Err(AppError::Invalid(f)) => {
            let field = if f.field == "name" { "name" } else { "date" };
            let errors =
                vec![FieldMessage { field, message: format!("{}: {}", capitalise(&f.field), f.message) }];
            calendar_page(&s, &v, Some(date.year()), errors, &form.date, &form.name)
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}
