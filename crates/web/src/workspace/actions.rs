//! Actions on a case after submission, each behind a confirmation page that says what it does and
//! asks why: withdrawing an application and surrendering a licence (the exporter); holds and
//! consultations (officers); suspending, reinstating and revoking a licence (approvers, and
//! enforcement officers for suspension and revocation); concurring in a departure (a second approver);
//! releasing an exporter's statement to the register (officers).
//!
//! `GET /applications/{id}/actions/{action}` is the confirmation page, `POST` does it. The page
//! offers an action by the viewer's role and the case's state only as a convenience: whether it may
//! be done is the core's answer, shown on the page when it refuses.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::AppError;
use oversight_domain::{
    ApplicationId, Command, OrgKind, Role,
    application::{Application, ApplicationStatus, LicenceStatus},
};
use serde::Deserialize;

use super::{
    display::{humanise, label},
    page::{CsrfForm, Layout, Signed, SignedIn, app_error, render},
    session::FieldMessage,
};
use crate::AppState;

/// One action: its address, words, and the command it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Withdraw,
    Surrender,
    Hold,
    Resume,
    Consult,
    EndConsultation,
    Suspend,
    Reinstate,
    Revoke,
    Concur,
    ReleaseStatement,
}

impl Action {
    const ALL: [Action; 11] = [
        Action::Withdraw,
        Action::Surrender,
        Action::Hold,
        Action::Resume,
        Action::Consult,
        Action::EndConsultation,
        Action::Suspend,
        Action::Reinstate,
        Action::Revoke,
        Action::Concur,
        Action::ReleaseStatement,
    ];

    fn slug(self) -> &'static str {
        match self {
            Action::Withdraw => "withdraw",
            Action::Surrender => "surrender",
            Action::Hold => "hold",
            Action::Resume => "resume",
            Action::Consult => "consult",
            Action::EndConsultation => "end-consultation",
            Action::Suspend => "suspend",
            Action::Reinstate => "reinstate",
            Action::Revoke => "revoke",
            Action::Concur => "concur",
            Action::ReleaseStatement => "release-statement",
        }
    }

    fn parse(slug: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.slug() == slug)
    }

    /// The confirmation page's heading and its button.
    fn title(self) -> &'static str {
        match self {
            Action::Withdraw => "Withdraw this application",
            Action::Surrender => "Surrender this licence",
            Action::Hold => "Put this case on hold",
            Action::Resume => "Resume this case",
            Action::Consult => "Start a consultation",
            Action::EndConsultation => "End the consultation",
            Action::Suspend => "Suspend this licence",
            Action::Reinstate => "Reinstate this licence",
            Action::Revoke => "Revoke this licence",
            Action::Concur => "Concur in the proposed decision",
            Action::ReleaseStatement => "Publish the exporter's statement",
        }
    }

    /// What happens, in a sentence the person reads before they confirm.
    fn consequence(self) -> &'static str {
        match self {
            Action::Withdraw => {
                "The application is closed and cannot be reopened. Your reason is kept with the case; it is published only if an officer releases it, marked as your words."
            }
            Action::Surrender => {
                "The licence ends today and cannot be used again. The surrender is published on the register; your reason only if an officer releases it, marked as your words."
            }
            Action::Hold => "The case waits until it is resumed. The exporter sees that it is on hold.",
            Action::Resume => "The case returns to where it was before the hold.",
            Action::Consult => "The case waits for the consulted body's answer before a recommendation.",
            Action::EndConsultation => "The case returns to review; the summary is kept with the case.",
            Action::Suspend => {
                "The licence cannot be used until it is reinstated. The suspension and its reason are published on the register."
            }
            Action::Reinstate => {
                "The licence can be used again. The reinstatement is published on the register."
            }
            Action::Revoke => {
                "The licence ends for good. The revocation and its reason are published on the register."
            }
            Action::Concur => {
                "The decision another approver proposed (departing from the assessment towards approval, or approving a case under senior review) is taken and the licence issued. Both approvers are recorded; the register says when the decision departed from the assessment."
            }
            Action::ReleaseStatement => {
                "The exporter's own words are published beside the record, marked as the exporter's statement. Read them first: nothing misleading may go on the register."
            }
        }
    }

    /// The text fields the action asks for: `(name, label)`.
    fn fields(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Action::Consult => &[("with", "Who is consulted"), ("reason", "What they are asked, and why")],
            Action::EndConsultation => &[("summary", "What the consultation found")],
            Action::Concur | Action::ReleaseStatement => &[],
            Action::Withdraw | Action::Surrender => &[("reason", "Why (your own words)")],
            Action::Suspend | Action::Revoke | Action::Reinstate => {
                &[("reason", "Reason (published on the register)")]
            }
            Action::Hold | Action::Resume => &[("reason", "Reason")],
        }
    }

    /// Whether to offer the action to `v` on `a` (the core decides whether it may be done).
    fn offered(self, v: &Signed, a: &Application) -> bool {
        use ApplicationStatus as S;
        let authority = v.actor.org_kind == OrgKind::Authority;
        let exporter = v.actor.org_kind == OrgKind::Exporter;
        let licence = a.licence.as_ref().map(|l| l.status);
        let live = matches!(licence, Some(LicenceStatus::Active | LicenceStatus::Suspended));
        match self {
            Action::Withdraw => exporter && a.status.can_hold(),
            Action::Surrender => exporter && live,
            Action::Hold => authority && v.has(Role::LicensingOfficer) && a.status.can_hold(),
            Action::Resume => {
                authority && (v.has(Role::LicensingOfficer) || v.has(Role::Approver)) && a.status == S::OnHold
            }
            Action::Consult => authority && v.has(Role::LicensingOfficer) && a.status == S::UnderReview,
            Action::EndConsultation => {
                authority && v.has(Role::LicensingOfficer) && a.status == S::Consultation
            }
            Action::Suspend => {
                authority
                    && (v.has(Role::Approver) || v.has(Role::EnforcementOfficer))
                    && licence == Some(LicenceStatus::Active)
            }
            Action::Reinstate => {
                authority && v.has(Role::Approver) && licence == Some(LicenceStatus::Suspended)
            }
            Action::Revoke => authority && (v.has(Role::Approver) || v.has(Role::EnforcementOfficer)) && live,
            Action::Concur => {
                authority
                    && v.has(Role::Approver)
                    && a.proposed_decision.as_ref().is_some_and(|d| d.by != v.actor.user)
            }
            Action::ReleaseStatement => {
                authority
                    && (v.has(Role::LicensingOfficer) || v.has(Role::Approver))
                    && a.exporter_statement.as_ref().is_some_and(|s| !s.released)
            }
        }
    }

    /// The command for what was typed; `None` for concurring, which is its own use case (it
    /// computes the licence).
    fn command(self, form: &ActionForm) -> Option<Command> {
        let reason = form.reason.trim().to_string();
        Some(match self {
            Action::Withdraw => Command::Withdraw { reason },
            Action::Surrender => Command::SurrenderLicence { reason },
            Action::Hold => Command::PutOnHold { reason, stops_clock: form.stops_clock.is_some() },
            Action::Resume => Command::Resume { reason },
            Action::Consult => Command::StartConsultation { with: form.with.trim().to_string(), reason },
            Action::EndConsultation => Command::EndConsultation { summary: form.summary.trim().to_string() },
            Action::Suspend => Command::SuspendLicence { reason },
            Action::Reinstate => Command::ReinstateLicence { reason },
            Action::Revoke => Command::RevokeLicence { reason },
            Action::ReleaseStatement => Command::ReleaseExporterStatement,
            Action::Concur => return None,
        })
    }
}

/// A link to an action, as the case page lists them.
pub struct ActionLink {
    pub href: String,
    pub label: &'static str,
}

/// The actions to offer `v` on case `a`.
pub fn offered(v: &Signed, a: &Application) -> Vec<ActionLink> {
    Action::ALL
        .into_iter()
        .filter(|x| x.offered(v, a))
        .map(|x| ActionLink {
            href: format!("/applications/{}/actions/{}", a.id, x.slug()),
            label: x.title(),
        })
        .collect()
}

/// What the person typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    with: String,
    #[serde(default)]
    summary: String,
    /// A hold for the exporter's reasons (the checkbox of the hold page): the clock stops.
    #[serde(default)]
    stops_clock: Option<String>,
}

struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    single_line: bool,
}

#[derive(Template)]
#[template(path = "action.html")]
struct ActionPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    case_title: String,
    status: String,
    licence: Option<String>,
    statement: Option<String>,
    proposed: Option<String>,
    heading: &'static str,
    consequence: &'static str,
    slug: &'static str,
    fields: Vec<Field>,
    danger: bool,
    /// The hold page's "for the exporter's reasons" checkbox, and whether it is ticked.
    clock_choice: Option<bool>,
}

fn page(
    s: &AppState,
    v: &Signed,
    a: &Application,
    action: Action,
    form: &ActionForm,
    errors: Vec<FieldMessage>,
) -> Response {
    let title =
        if errors.is_empty() { action.title().to_string() } else { format!("Error: {}", action.title()) };
    let value = |name: &str| match name {
        "with" => form.with.clone(),
        "summary" => form.summary.clone(),
        _ => form.reason.clone(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &ActionPage {
            layout: Layout::new(s, title, Some(v), ""),
            errors,
            id: a.id.to_string(),
            case_title: a.title.clone(),
            status: humanise(a.status.as_str()),
            licence: a.licence.as_ref().map(|l| format!("{} ({})", l.number, label(&l.status))),
            statement: a.exporter_statement.as_ref().map(|st| st.text.clone()),
            proposed: a.proposed_decision.as_ref().map(|d| {
                let by = s.app.user_name(Some(d.by)).unwrap_or_default();
                format!("Proposed by {by}: {}", d.public_rationale)
            }),
            heading: action.title(),
            consequence: action.consequence(),
            slug: action.slug(),
            fields: action
                .fields()
                .iter()
                .map(|(name, label)| Field { name, label, value: value(name), single_line: *name == "with" })
                .collect(),
            danger: matches!(action, Action::Withdraw | Action::Surrender | Action::Suspend | Action::Revoke),
            clock_choice: (action == Action::Hold).then(|| form.stops_clock.is_some()),
        },
    )
}

fn load(s: &AppState, v: &Signed, id: &str, action: &str) -> Result<(Application, Action), Box<Response>> {
    let (Some(id), Some(action)) = (id.parse::<uuid::Uuid>().ok().map(ApplicationId), Action::parse(action))
    else {
        return Err(Box::new(app_error(s, AppError::NotFound, Some(v))));
    };
    let view = s.app.get_application(&v.actor, id).map_err(|e| Box::new(app_error(s, e, Some(v))))?;
    Ok((view.application, action))
}

/// `GET /applications/{id}/actions/{action}`: the confirmation page.
pub async fn confirm(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    match load(&s, &v, &id, &action) {
        Ok((a, action)) => page(&s, &v, &a, action, &ActionForm::default(), Vec::new()),
        Err(r) => *r,
    }
}

/// `POST /applications/{id}/actions/{action}`: does it, or shows why not with what was typed kept.
pub async fn act(
    State(s): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(v, form): CsrfForm<ActionForm>,
) -> Response {
    let (a, action) = match load(&s, &v, &id, &action) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let result = match action.command(&form) {
        Some(cmd) => s.app.execute(&v.actor, a.id, cmd).await,
        None => s.app.concur_in_departure(&v.actor, a.id).await,
    };
    match result {
        Ok(_) => Redirect::to(&format!("/applications/{}#summary", a.id)).into_response(),
        Err(AppError::Invalid(f)) => {
            let field = action.fields().iter().map(|(n, _)| *n).find(|n| *n == f.field).unwrap_or("confirm");
            let message =
                if field == "confirm" { format!("{}: {}", humanise(&f.field), f.message) } else { f.message };
            page(&s, &v, &a, action, &form, vec![FieldMessage { field, message }])
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_address_and_words() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.slug()), Some(a));
            assert!(!a.title().is_empty() && !a.consequence().is_empty());
        }
        assert_eq!(Action::parse("delete"), None);
        let slugs: std::collections::BTreeSet<_> = Action::ALL.iter().map(|a| a.slug()).collect();
        assert_eq!(slugs.len(), Action::ALL.len());
    }
}
