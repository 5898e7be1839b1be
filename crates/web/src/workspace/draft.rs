//! The exporter's application as a task list: start an application (`/applications/new`), then
//! fill in its parts one page each — details and end use, items from the control list, parties,
//! supporting documents — check the answers and submit. A draft's own page
//! (`/applications/{id}`) is the task list with each part's status.
//!
//! Every page calls the same commands as the JSON API (`Command::Create`, `EditDraft`, `AddItem`, …)
//! and decides nothing: what is required, and what is valid, is the core's answer, shown next to the
//! field it names with everything the person typed kept.

use askama::Template;
use axum::{
    extract::{FromRequest, Multipart, Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::{AppError, ApplicationView};
use oversight_domain::countries::Country;
use oversight_domain::{
    ApplicationId, Command, ItemId, PartyId,
    application::{Application, ApplicationStatus, DocumentKind},
    party::{PartyRole, Sector},
};
use serde::Deserialize;

use super::{
    display::{capitalise, code, humanise, label, thousands},
    page::{CsrfForm, Layout, Signed, SignedIn, app_error, check_csrf_token, error_page, render},
    session::FieldMessage,
};
use crate::AppState;

/// Largest document a page upload accepts: the app's own limit, plus room for the form's fields.
pub(crate) const MAX_UPLOAD_BYTES: usize = oversight_app::MAX_DOCUMENT_BYTES + 64 * 1024;

fn parse_id(s: &str) -> Option<ApplicationId> {
    s.parse::<uuid::Uuid>().ok().map(ApplicationId)
}

/// A choice in a select or a set of radios.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

pub(crate) fn country_choices(selected: &str) -> Vec<Choice> {
    let mut all: Vec<&Country> = Country::all().iter().collect();
    all.sort_by(|a, b| a.name().cmp(b.name()));
    all.into_iter()
        .map(|c| Choice {
            value: c.alpha2().to_string(),
            label: c.name().to_string(),
            selected: c.alpha2().eq_ignore_ascii_case(selected),
        })
        .collect()
}

fn choices<T: serde::Serialize + Copy>(all: &[T], selected: &str) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            let value = code(v);
            Choice { label: humanise(&value), selected: value == selected, value }
        })
        .collect()
}

const PARTY_ROLES: [PartyRole; 7] = [
    PartyRole::EndUser,
    PartyRole::Consignee,
    PartyRole::UltimateEndUser,
    PartyRole::Agent,
    PartyRole::Distributor,
    PartyRole::Integrator,
    PartyRole::FreightForwarder,
];

const DOCUMENT_KINDS: [DocumentKind; 5] = [
    DocumentKind::EndUseUndertaking,
    DocumentKind::TechnicalSpecification,
    DocumentKind::Contract,
    DocumentKind::Correspondence,
    DocumentKind::Other,
];

/// A refused command as messages next to their fields (`field` is the core's name for it, which is
/// also the input's id); anything else is the page's error.
fn field_errors(
    e: AppError,
    fields: &[&'static str],
    fallback: &'static str,
) -> Result<Vec<FieldMessage>, AppError> {
    match e {
        AppError::Invalid(f) => {
            let field = fields.iter().copied().find(|name| *name == f.field).unwrap_or(fallback);
            let message = if field == fallback && f.field != fallback {
                format!("{}: {}", humanise(&f.field), f.message)
            } else {
                capitalise(&f.message)
            };
            Ok(vec![FieldMessage { field, message }])
        }
        other => Err(other),
    }
}

/// The draft the exporter may edit, or the page to show instead (not found, or not a draft any
/// more: then its case page).
fn editable(s: &AppState, v: &Signed, id: &str) -> Result<ApplicationView, Box<Response>> {
    let Some(id) = parse_id(id) else {
        return Err(Box::new(app_error(s, AppError::NotFound, Some(v))));
    };
    let view = s.app.get_application(&v.actor, id).map_err(|e| Box::new(app_error(s, e, Some(v))))?;
    if view.application.status != ApplicationStatus::Draft {
        return Err(Box::new(Redirect::to(&format!("/applications/{id}")).into_response()));
    }
    Ok(view)
}

fn status_for(errors: &[FieldMessage]) -> StatusCode {
    if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }
}

fn titled(title: &str, errors: &[FieldMessage]) -> String {
    if errors.is_empty() { title.to_string() } else { format!("Error: {title}") }
}

// ----- details: a new application, or its details edited ----------------------------------------

/// What the person typed into the details form.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    end_use: String,
}

#[derive(Template)]
#[template(path = "draft_details.html")]
struct DetailsPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    /// Where the form posts: `/applications/new` or the draft's details page.
    action: String,
    /// The draft's task list, when editing one.
    back: Option<String>,
    form: DetailsForm,
    countries: Vec<Choice>,
}

fn details_page(
    s: &AppState,
    v: &Signed,
    draft: Option<ApplicationId>,
    form: DetailsForm,
    errors: Vec<FieldMessage>,
) -> Response {
    let heading = if draft.is_some() { "Application details" } else { "Start an application" };
    let page = DetailsPage {
        layout: Layout::new(s, titled(heading, &errors), Some(v), "/applications"),
        action: match draft {
            Some(id) => format!("/applications/{id}/details"),
            None => "/applications/new".into(),
        },
        back: draft.map(|id| format!("/applications/{id}")),
        countries: country_choices(&form.destination),
        form,
        errors,
    };
    render(status_for(&page.errors), &page)
}

const DETAILS_FIELDS: [&str; 3] = ["title", "destination", "end_use"];

/// `GET /applications/new`.
pub async fn new_form(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    details_page(&s, &v, None, DetailsForm::default(), Vec::new())
}

/// `POST /applications/new`: creates the draft and opens its task list.
pub async fn create(State(s): State<AppState>, CsrfForm(v, form): CsrfForm<DetailsForm>) -> Response {
    match s
        .app
        .create_application(&v.actor, form.title.trim(), form.end_use.trim(), form.destination.trim())
        .await
    {
        Ok(view) => Redirect::to(&format!("/applications/{}", view.application.id)).into_response(),
        Err(e) => match field_errors(e, &DETAILS_FIELDS, "title") {
            Ok(errors) => details_page(&s, &v, None, form, errors),
            Err(e) => app_error(&s, e, Some(&v)),
        },
    }
}

/// `GET /applications/{id}/details`.
pub async fn details_form(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let view = match editable(&s, &v, &id) {
        Ok(view) => view,
        Err(r) => return *r,
    };
    let a = view.application;
    let form =
        DetailsForm { title: a.title, destination: a.destination.alpha2().to_string(), end_use: a.end_use };
    details_page(&s, &v, Some(a.id), form, Vec::new())
}

/// `POST /applications/{id}/details`.
pub async fn edit_details(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<DetailsForm>,
) -> Response {
    let view = match editable(&s, &v, &id) {
        Ok(view) => view,
        Err(r) => return *r,
    };
    let id = view.application.id;
    let cmd = Command::EditDraft {
        title: Some(form.title.trim().to_string()),
        end_use: Some(form.end_use.trim().to_string()),
        destination: Some(form.destination.trim().to_string()),
    };
    match s.app.execute(&v.actor, id, cmd).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}")).into_response(),
        Err(e) => match field_errors(e, &DETAILS_FIELDS, "title") {
            Ok(errors) => details_page(&s, &v, Some(id), form, errors),
            Err(e) => app_error(&s, e, Some(&v)),
        },
    }
}

// ----- the task list ------------------------------------------------------------------------------

struct Task {
    href: String,
    name: &'static str,
    hint: String,
    done: bool,
    optional: bool,
}

#[derive(Template)]
#[template(path = "draft_tasks.html")]
struct TasksPage {
    layout: Layout,
    id: String,
    title: String,
    destination: String,
    tasks: Vec<Task>,
    completed: usize,
    required: usize,
    ready: bool,
}

/// A draft's own page: its task list. The case page shows it for a draft the viewer may edit.
pub(crate) fn task_list(s: &AppState, v: &Signed, a: &Application) -> Response {
    let end_user = a.parties.iter().any(|p| p.role == PartyRole::EndUser);
    let tasks = vec![
        Task {
            href: format!("/applications/{}/details", a.id),
            name: "Application details and end use",
            hint: format!("{}, to {}", a.title, a.destination.name()),
            done: true,
            optional: false,
        },
        Task {
            href: format!("/applications/{}/items", a.id),
            name: "Items",
            hint: match a.items.len() {
                0 => "What you will export, from the control list".into(),
                1 => "1 item".into(),
                n => format!("{n} items"),
            },
            done: !a.items.is_empty(),
            optional: false,
        },
        Task {
            href: format!("/applications/{}/parties", a.id),
            name: "Parties",
            hint: match (a.parties.len(), end_user) {
                (0, _) => "The end user, and anyone else the items pass through".into(),
                (_, false) => "Add the end user".into(),
                (1, true) => "1 party".into(),
                (n, true) => format!("{n} parties"),
            },
            done: end_user,
            optional: false,
        },
        Task {
            href: format!("/applications/{}/documents", a.id),
            name: "Supporting documents",
            hint: match a.documents.len() {
                0 => "An end-use undertaking, specifications, contracts".into(),
                1 => "1 document".into(),
                n => format!("{n} documents"),
            },
            done: !a.documents.is_empty(),
            optional: true,
        },
    ];
    let required = tasks.iter().filter(|t| !t.optional).count();
    let completed = tasks.iter().filter(|t| !t.optional && t.done).count();
    render(
        StatusCode::OK,
        &TasksPage {
            layout: Layout::new(s, format!("Application: {}", a.title), Some(v), "/applications"),
            id: a.id.to_string(),
            title: a.title.clone(),
            destination: a.destination.name().to_string(),
            ready: completed == required,
            tasks,
            completed,
            required,
        },
    )
}

// ----- items ----------------------------------------------------------------------------------------

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    control_code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    value_eur: String,
}

struct ItemLine {
    id: String,
    code: String,
    entry: String,
    description: String,
    quantity: u32,
    value: String,
}

struct EntryOption {
    code: String,
    title: String,
}

#[derive(Template)]
#[template(path = "draft_items.html")]
struct ItemsPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    title: String,
    items: Vec<ItemLine>,
    entries: Vec<EntryOption>,
    form: ItemForm,
}

fn items_page(
    s: &AppState,
    v: &Signed,
    a: &Application,
    form: ItemForm,
    errors: Vec<FieldMessage>,
) -> Response {
    let list = s.app.control_list();
    let mut entries: Vec<EntryOption> =
        list.entries().map(|e| EntryOption { code: e.code.clone(), title: e.title.clone() }).collect();
    entries.push(EntryOption {
        code: oversight_domain::control_list::CATCH_ALL.into(),
        title: "Not listed: a cyber-surveillance item under the catch-all".into(),
    });
    let page = ItemsPage {
        layout: Layout::new(s, titled("Items", &errors), Some(v), "/applications"),
        id: a.id.to_string(),
        title: a.title.clone(),
        items: item_lines(s, a),
        entries,
        form,
        errors,
    };
    render(status_for(&page.errors), &page)
}

/// `GET /applications/{id}/items`.
pub async fn items(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    match editable(&s, &v, &id) {
        Ok(view) => items_page(&s, &v, &view.application, ItemForm::default(), Vec::new()),
        Err(r) => *r,
    }
}

/// A whole number typed by a person, or the message for its field.
fn whole<T: std::str::FromStr>(text: &str, field: &'static str, what: &str) -> Result<T, FieldMessage> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != ' ').collect();
    if cleaned.is_empty() {
        return Err(FieldMessage { field, message: format!("Enter the {what}") });
    }
    cleaned.parse().map_err(|_| FieldMessage {
        field,
        message: format!("Enter the {what} as a whole number, like 12 or 250000"),
    })
}

/// `POST /applications/{id}/items`: adds an item.
pub async fn add_item(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<ItemForm>,
) -> Response {
    let view = match editable(&s, &v, &id) {
        Ok(view) => view,
        Err(r) => return *r,
    };
    let a = view.application;
    let quantity = whole::<u32>(&form.quantity, "quantity", "quantity");
    let value = whole::<u64>(&form.value_eur, "value_eur", "value in euros");
    let (quantity, value_eur) = match (quantity, value) {
        (Ok(q), Ok(v)) => (q, v),
        (q, val) => {
            let errors = [q.err(), val.err()].into_iter().flatten().collect();
            return items_page(&s, &v, &a, form, errors);
        }
    };
    let cmd = Command::AddItem {
        id: ItemId(s.app.new_id()),
        control_code: form.control_code.trim().to_string(),
        description: form.description.trim().to_string(),
        quantity,
        value_eur,
    };
    match s.app.execute(&v.actor, a.id, cmd).await {
        Ok(_) => Redirect::to(&format!("/applications/{}/items", a.id)).into_response(),
        Err(e) => {
            match field_errors(e, &["control_code", "description", "quantity", "value_eur"], "control_code") {
                Ok(errors) => items_page(&s, &v, &a, form, errors),
                Err(e) => app_error(&s, e, Some(&v)),
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {}

/// `POST /applications/{id}/items/{item}/remove`.
pub async fn remove_item(
    State(s): State<AppState>,
    Path((id, item)): Path<(String, String)>,
    CsrfForm(v, _): CsrfForm<RemoveForm>,
) -> Response {
    let view = match editable(&s, &v, &id) {
        Ok(view) => view,
        Err(r) => return *r,
    };
    let Ok(item) = item.parse::<uuid::Uuid>() else {
        return app_error(&s, AppError::NotFound, Some(&v));
    };
    let id = view.application.id;
    match s.app.execute(&v.actor, id, Command::RemoveItem { id: ItemId(item) }).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}/items")).into_response(),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

// ----- parties ------------------------------------------------------------------------------------

#[derive(Debug, Default, Clone, Deserialize)]
pub struct PartyForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    sector: String,
}

struct PartyLine {
    id: String,
    role: String,
    name: String,
    address: String,
    country: String,
    sector: String,
}

#[derive(Template)]
#[template(path = "draft_parties.html")]
struct PartiesPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    title: String,
    parties: Vec<PartyLine>,
    roles: Vec<Choice>,
    sectors: Vec<Choice>,
    countries: Vec<Choice>,
    form: PartyForm,
}

fn parties_page(
    s: &AppState,
    v: &Signed,
    a: &Application,
    form: PartyForm,
    errors: Vec<FieldMessage>,
) -> Response {
    let page = PartiesPage {
        layout: Layout::new(s, titled("Parties", &errors), Some(v), "/applications"),
        id: a.id.to_string(),
        title: a.title.clone(),
        parties: party_lines(a),
        roles: choices(&PARTY_ROLES, &form.role),
        sectors: choices(&Sector::ALL, &form.sector),
        countries: country_choices(&form.country),
        form,
        errors,
    };
    render(status_for(&page.errors), &page)
}

/// `GET /applications/{id}/parties`.
pub async fn parties(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    match editable(&s, &v, &id) {
        Ok(view) => {
            let a = view.application;
            // The first party is usually the end user, in the destination country.
            let form = if a.parties.is_empty() {
                PartyForm {
                    role: "end_user".into(),
                    country: a.destination.alpha2().to_string(),
                    ..PartyForm::default()
                }
            } else {
                PartyForm::default()
            };
            parties_page(&s, &v, &a, form, Vec::new())
        }
        Err(r) => *r,
    }
}

/// `POST /applications/{id}/parties`: adds a party.
pub async fn add_party(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<PartyForm>,
) -> Response {
    let view = match editable(&s, &v, &id) {
        Ok(view) => view,
        Err(r) => return *r,
    };
    let a = view.application;
    let role: Option<PartyRole> = serde_json::from_value(serde_json::Value::String(form.role.clone())).ok();
    let sector: Option<Sector> = serde_json::from_value(serde_json::Value::String(form.sector.clone())).ok();
    let mut errors = Vec::new();
    if role.is_none() {
        errors.push(FieldMessage { field: "role", message: "Choose the party's role".into() });
    }
    if sector.is_none() {
        errors.push(FieldMessage { field: "sector", message: "Choose the party's sector".into() });
    }
    let (Some(role), Some(sector)) = (role, sector) else {
        return parties_page(&s, &v, &a, form, errors);
    };
    let cmd = Command::AddParty {
        id: PartyId(s.app.new_id()),
        role,
        name: form.name.trim().to_string(),
        address: form.address.trim().to_string(),
        country: form.country.trim().to_string(),
        sector,
    };
    match s.app.execute(&v.actor, a.id, cmd).await {
        Ok(_) => Redirect::to(&format!("/applications/{}/parties", a.id)).into_response(),
        Err(e) => match field_errors(e, &["role", "name", "address", "country", "sector"], "name") {
            Ok(errors) => parties_page(&s, &v, &a, form, errors),
            Err(e) => app_error(&s, e, Some(&v)),
        },
    }
}

/// `POST /applications/{id}/parties/{party}/remove`.
pub async fn remove_party(
    State(s): State<AppState>,
    Path((id, party)): Path<(String, String)>,
    CsrfForm(v, _): CsrfForm<RemoveForm>,
) -> Response {
    let view = match editable(&s, &v, &id) {
        Ok(view) => view,
        Err(r) => return *r,
    };
    let Ok(party) = party.parse::<uuid::Uuid>() else {
        return app_error(&s, AppError::NotFound, Some(&v));
    };
    let id = view.application.id;
    match s.app.execute(&v.actor, id, Command::RemoveParty { id: PartyId(party) }).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}/parties")).into_response(),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

// ----- documents ----------------------------------------------------------------------------------

struct DocumentLine {
    href: String,
    filename: String,
    kind: String,
    size: String,
}

#[derive(Template)]
#[template(path = "draft_documents.html")]
struct DocumentsPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    title: String,
    documents: Vec<DocumentLine>,
    kinds: Vec<Choice>,
    max_mib: usize,
}

fn documents_page(
    s: &AppState,
    v: &Signed,
    a: &Application,
    kind: &str,
    errors: Vec<FieldMessage>,
) -> Response {
    let page = DocumentsPage {
        layout: Layout::new(s, titled("Supporting documents", &errors), Some(v), "/applications"),
        id: a.id.to_string(),
        title: a.title.clone(),
        documents: document_lines(a),
        kinds: choices(&DOCUMENT_KINDS, if kind.is_empty() { "end_use_undertaking" } else { kind }),
        max_mib: oversight_app::MAX_DOCUMENT_BYTES / (1024 * 1024),
        errors,
    };
    render(status_for(&page.errors), &page)
}

/// `GET /applications/{id}/documents`.
pub async fn documents(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    match editable(&s, &v, &id) {
        Ok(view) => documents_page(&s, &v, &view.application, "", Vec::new()),
        Err(r) => *r,
    }
}

/// The upload form's fields, read from `multipart/form-data`.
#[derive(Default)]
struct Upload {
    csrf: String,
    kind: String,
    filename: String,
    content: Vec<u8>,
}

async fn read_upload(mut m: Multipart) -> Result<Upload, String> {
    let mut u = Upload::default();
    while let Some(field) = m.next_field().await.map_err(|e| e.body_text())? {
        match field.name().unwrap_or_default() {
            "csrf_token" => u.csrf = field.text().await.map_err(|e| e.body_text())?,
            "kind" => u.kind = field.text().await.map_err(|e| e.body_text())?,
            "file" => {
                u.filename = field.file_name().unwrap_or_default().to_string();
                u.content = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
            }
            _ => {}
        }
    }
    Ok(u)
}

/// `POST /applications/{id}/documents` (`multipart/form-data`: `csrf_token`, `kind`, `file`).
pub async fn upload(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let upload = match Multipart::from_request(req, &s).await {
        Ok(m) => read_upload(m).await,
        Err(e) => Err(e.body_text()),
    };
    let upload = match upload {
        Ok(u) => u,
        Err(why) => {
            return error_page(&s, StatusCode::BAD_REQUEST, "The upload could not be read", &why, Some(&v));
        }
    };
    if let Err(r) = check_csrf_token(&s, &v, &upload.csrf) {
        return *r;
    }
    // A draft's documents page, or (after submission) the case page: whether the document may be
    // attached now is the core's answer.
    let Some(id) = parse_id(&id) else {
        return app_error(&s, AppError::NotFound, Some(&v));
    };
    let a = match s.app.get_application(&v.actor, id) {
        Ok(view) => view.application,
        Err(e) => return app_error(&s, e, Some(&v)),
    };
    let draft = a.status == ApplicationStatus::Draft;
    let refused = |errors: Vec<FieldMessage>| async {
        if draft {
            documents_page(&s, &v, &a, &upload.kind, errors)
        } else {
            super::case::case_page_for(&s, &v, a.id, errors).await
        }
    };
    let kind: Option<DocumentKind> =
        serde_json::from_value(serde_json::Value::String(upload.kind.clone())).ok();
    let mut errors = Vec::new();
    if kind.is_none() {
        errors.push(FieldMessage { field: "kind", message: "Choose what kind of document this is".into() });
    }
    if upload.filename.is_empty() || upload.content.is_empty() {
        errors.push(FieldMessage { field: "file", message: "Choose a file to upload".into() });
    }
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return refused(errors).await;
    };
    match s.app.upload_document(&v.actor, a.id, kind, &upload.filename, &upload.content).await {
        Ok(_) if draft => Redirect::to(&format!("/applications/{}/documents", a.id)).into_response(),
        Ok(_) => Redirect::to(&format!("/applications/{}#documents", a.id)).into_response(),
        Err(AppError::Invalid(f)) => {
            refused(vec![FieldMessage { field: "file", message: capitalise(&f.message) }]).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

fn item_lines(s: &AppState, a: &Application) -> Vec<ItemLine> {
    let list = s.app.control_list();
    a.items
        .iter()
        .map(|i| ItemLine {
            id: i.id.to_string(),
            code: i.control_code.clone(),
            entry: list.get(&i.control_code).map(|e| e.title.clone()).unwrap_or_default(),
            description: i.description.clone(),
            quantity: i.quantity,
            value: format!("{} EUR", thousands(i.value_eur)),
        })
        .collect()
}

fn party_lines(a: &Application) -> Vec<PartyLine> {
    a.parties
        .iter()
        .map(|p| PartyLine {
            id: p.id.to_string(),
            role: label(&p.role),
            name: p.name.clone(),
            address: p.address.clone(),
            country: p.country.name().to_string(),
            sector: humanise(p.sector.as_str()),
        })
        .collect()
}

fn document_lines(a: &Application) -> Vec<DocumentLine> {
    a.documents
        .iter()
        .map(|d| DocumentLine {
            href: format!("/api/applications/{}/documents/{}", a.id, d.id),
            filename: d.filename.clone(),
            kind: label(&d.kind),
            size: format!("{:.1} KB", d.size as f64 / 1024.0),
        })
        .collect()
}

// ----- check your answers and submit --------------------------------------------------------------

#[derive(Template)]
#[template(path = "draft_check.html")]
struct CheckPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    title: String,
    destination: String,
    end_use: String,
    items: Vec<ItemLine>,
    parties: Vec<PartyLine>,
    documents: Vec<DocumentLine>,
}

fn check_page(s: &AppState, v: &Signed, a: &Application, errors: Vec<FieldMessage>) -> Response {
    let page = CheckPage {
        layout: Layout::new(s, titled("Check your answers", &errors), Some(v), "/applications"),
        id: a.id.to_string(),
        title: a.title.clone(),
        destination: a.destination.name().to_string(),
        end_use: a.end_use.clone(),
        items: item_lines(s, a),
        parties: party_lines(a),
        documents: document_lines(a),
        errors,
    };
    render(status_for(&page.errors), &page)
}

/// `GET /applications/{id}/submit`: check your answers.
pub async fn check(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    match editable(&s, &v, &id) {
        Ok(view) => check_page(&s, &v, &view.application, Vec::new()),
        Err(r) => *r,
    }
}

#[derive(Debug, Deserialize)]
pub struct SubmitForm {}

/// `POST /applications/{id}/submit`: submits the draft (every party is screened first).
pub async fn submit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, _): CsrfForm<SubmitForm>,
) -> Response {
    let view = match editable(&s, &v, &id) {
        Ok(view) => view,
        Err(r) => return *r,
    };
    let a = view.application;
    match s.app.execute(&v.actor, a.id, Command::Submit).await {
        Ok(_) => Redirect::to(&format!("/applications/{}?submitted=1", a.id)).into_response(),
        Err(AppError::Invalid(f)) => {
            // The core names what is missing: `items`, `parties`, ...; each is a task of the list.
            let field = match f.field.as_str() {
                "items" => "items",
                "parties" => "parties",
                _ => "submit",
            };
            check_page(&s, &v, &a, vec![FieldMessage { field, message: capitalise(&f.message) }])
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}
