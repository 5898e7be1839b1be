//! Complaints from the public to the ombudsperson (DOMAIN.md §1 item 12; issue 12 part 2).
//!
//! Anyone — no account needed — complains about a published decision or reports misuse of licensed
//! technology (who, what, where, when, with evidence files). The complaint gets a reference number
//! to follow it by; contact details are optional and never published. The ombudsperson examines it
//! and records findings with an action: none, a licence review, a referral to enforcement, or a
//! recommended change of rule. Its status and outcome are public by reference, without the
//! complainant's identity or words ([`PublicComplaint`]).
//!
//! Stream `complaint-<uuid>`; [`decide`] and [`apply`], time and ids passed in. What is accepted
//! at all (sizes, file types) is [`check_file`] and the text limits; how often one address may
//! complain is the app's throttle.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    FieldError, UserId,
    access::require_authority,
    compliance::EvidenceFile,
    lifecycle::Rejection,
    parse_multiline_text, parse_text,
    roles::{Actor, Role},
};

pub fn stream(id: Uuid) -> String {
    format!("complaint-{id}")
}

/// The reference a complainant follows a complaint by: `C-` and the id's last 12 hex digits, upper case.
pub fn reference(id: Uuid) -> String {
    let hex = id.simple().to_string().to_uppercase();
    format!("C-{}", &hex[hex.len() - 12..])
}

/// Largest evidence file, and how many a complaint may carry.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_FILES: usize = 5;

/// What a complaint is about.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ComplaintKind {
    /// A published decision (named in `about`: a register record or licence number).
    Decision,
    /// Misuse of licensed technology.
    Misuse,
}

/// What the ombudsperson did.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ComplaintAction {
    NoAction,
    /// A licence review was opened.
    LicenceReview,
    ReferredToEnforcement,
    /// A change of rule was recommended to the authority.
    RuleChangeRecommended,
}

impl ComplaintAction {
    pub const ALL: [ComplaintAction; 4] = oversight_vocab::all_variants();

    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Received,
    UnderExamination,
    Concluded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Findings {
    /// Published (the ombudsperson writes them for the public).
    pub findings: String,
    pub action: ComplaintAction,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A complaint as the ombudsperson sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complaint {
    pub id: Uuid,
    pub reference: String,
    pub kind: ComplaintKind,
    /// The decision complained about (a register record or licence number), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// Who misused it, what, where, when — in the complainant's words.
    pub account: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceFile>,
    /// Never published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub received_at: DateTime<Utc>,
    pub status: ComplaintStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<Findings>,
}

/// What anyone may see of a complaint, by its reference: never who complained or what they wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicComplaint {
    pub reference: String,
    pub kind: ComplaintKind,
    pub received_at: DateTime<Utc>,
    pub status: ComplaintStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<ComplaintAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concluded_at: Option<DateTime<Utc>>,
}

impl Complaint {
    pub fn public(&self) -> PublicComplaint {
        PublicComplaint {
            reference: self.reference.clone(),
            kind: self.kind,
            received_at: self.received_at,
            status: self.status,
            findings: self.findings.as_ref().map(|f| f.findings.clone()),
            action: self.findings.as_ref().map(|f| f.action),
            concluded_at: self.findings.as_ref().map(|f| f.at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ComplaintCommand {
    Submit {
        id: Uuid,
        kind: ComplaintKind,
        about: Option<String>,
        account: String,
        evidence: Vec<EvidenceFile>,
        contact: Option<String>,
    },
    Examine,
    Conclude {
        findings: String,
        action: ComplaintAction,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ComplaintEvent {
    ComplaintReceived { complaint: Complaint },
    ComplaintExamined,
    ComplaintConcluded { findings: Findings },
}

impl ComplaintEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ComplaintEvent::ComplaintReceived { .. } => "complaint_received",
            ComplaintEvent::ComplaintExamined => "complaint_examined",
            ComplaintEvent::ComplaintConcluded { .. } => "complaint_concluded",
        }
    }
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

/// A file type the ombudsperson's office opens safely, by its first bytes (not its name): PDF,
/// PNG, JPEG, or plain UTF-8 text. Everything else is refused.
pub fn check_file(field: &str, name: &str, bytes: &[u8]) -> Result<(), FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new(field, "the file is empty"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FieldError::new(field, format!("{name}: files are limited to {MAX_FILE_BYTES} bytes")));
    }
    let known = bytes.starts_with(b"%PDF-")
        || bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"\xff\xd8\xff")
        || (std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0));
    if known {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("{name}: only PDF, PNG, JPEG or plain text files are accepted")))
    }
}

/// Decides a command on a complaint (`None`: not received yet). `actor` is `None` for the public.
pub fn decide(
    state: Option<&Complaint>,
    cmd: ComplaintCommand,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<Vec<ComplaintEvent>, Rejection> {
    match (state, cmd) {
        (None, ComplaintCommand::Submit { id, kind, about, account, evidence, contact }) => {
            let about = match about.as_deref().map(str::trim) {
                Some(a) if !a.is_empty() => Some(parse_text("about", a, 200)?),
                _ => None,
            };
            if kind == ComplaintKind::Decision && about.is_none() {
                return Err(invalid("about", "name the decision: its register record or licence number"));
            }
            if evidence.len() > MAX_FILES {
                return Err(invalid("evidence", &format!("at most {MAX_FILES} files")));
            }
            let contact = match contact.as_deref().map(str::trim) {
                Some(c) if !c.is_empty() => Some(parse_text("contact", c, 300)?),
                _ => None,
            };
            Ok(vec![ComplaintEvent::ComplaintReceived {
                complaint: Complaint {
                    id,
                    reference: reference(id),
                    kind,
                    about,
                    account: parse_multiline_text("account", &account, 10_000)?,
                    evidence,
                    contact,
                    received_at: now,
                    status: ComplaintStatus::Received,
                    findings: None,
                },
            }])
        }
        (Some(_), ComplaintCommand::Submit { .. }) => Err(Rejection::AlreadyExists),
        (None, _) => Err(Rejection::NotFound),
        (Some(c), cmd) => {
            let actor = actor.ok_or_else(|| Rejection::Forbidden("sign in as the ombudsperson".into()))?;
            require_authority(actor, &[Role::Ombudsperson], "examining complaints")?;
            match cmd {
                ComplaintCommand::Submit { .. } => Err(Rejection::AlreadyExists),
                ComplaintCommand::Examine => match c.status {
                    ComplaintStatus::Received => Ok(vec![ComplaintEvent::ComplaintExamined]),
                    _ => {
                        Err(Rejection::Blocked("the complaint is already being examined or concluded".into()))
                    }
                },
                ComplaintCommand::Conclude { findings, action } => {
                    if c.status == ComplaintStatus::Concluded {
                        return Err(Rejection::Blocked("the complaint is concluded".into()));
                    }
                    Ok(vec![ComplaintEvent::ComplaintConcluded {
                        findings: Findings {
                            findings: parse_multiline_text("findings", &findings, 10_000)?,
                            action,
                            by: actor.user,
                            at: now,
                        },
                    }])
                }
            }
        }
    }
}

pub fn apply(state: Option<Complaint>, e: &ComplaintEvent) -> Option<Complaint> {
    match (state, e) {
        (None, ComplaintEvent::ComplaintReceived { complaint }) => Some(complaint.clone()),
        (Some(mut c), ComplaintEvent::ComplaintExamined) => {
            c.status = ComplaintStatus::UnderExamination;
            Some(c)
        }
        (Some(mut c), ComplaintEvent::ComplaintConcluded { findings }) => {
            c.status = ComplaintStatus::Concluded;
            c.findings = Some(findings.clone());
            Some(c)
        }
        (s, _) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::authority;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    fn submit(kind: ComplaintKind, about: Option<&str>) -> ComplaintCommand {
        ComplaintCommand::Submit {
            id: Uuid::from_u128(0xabc),
            kind,
            about: about.map(String::from),
            account:
                "The police used the licensed IMSI catcher at a peaceful protest on 3 May in the capital."
                    .into(),
            evidence: vec![],
            contact: Some("  witness@example.org ".into()),
        }
    }

    #[test]
    fn anyone_complains_and_only_the_ombudsperson_concludes_what_the_public_sees_has_no_identity() {
        assert!(
            matches!(decide(None, submit(ComplaintKind::Decision, None), None, now()), Err(Rejection::Invalid(e)) if e.field == "about")
        );
        let c = decide(None, submit(ComplaintKind::Misuse, None), None, now())
            .unwrap()
            .iter()
            .fold(None, apply)
            .unwrap();
        assert_eq!(c.reference, "C-000000000ABC");
        assert_eq!(c.contact.as_deref(), Some("witness@example.org"));
        for who in [None, Some(authority(&[Role::Approver], 3)), Some(authority(&[Role::Administrator], 5))] {
            assert!(matches!(
                decide(Some(&c), ComplaintCommand::Examine, who.as_ref(), now()),
                Err(Rejection::Forbidden(_))
            ));
        }
        let ombudsperson = authority(&[Role::Ombudsperson], 70);
        let c = decide(Some(&c), ComplaintCommand::Examine, Some(&ombudsperson), now())
            .unwrap()
            .iter()
            .fold(Some(c), apply)
            .unwrap();
        let conclude = ComplaintCommand::Conclude {
            findings: "A licence review was opened.".into(),
            action: ComplaintAction::LicenceReview,
        };
        let c = decide(Some(&c), conclude.clone(), Some(&ombudsperson), now())
            .unwrap()
            .iter()
            .fold(Some(c), apply)
            .unwrap();
        assert!(matches!(decide(Some(&c), conclude, Some(&ombudsperson), now()), Err(Rejection::Blocked(_))));
        let public = serde_json::to_string(&c.public()).unwrap();
        assert!(public.contains("A licence review was opened.") && public.contains("licence_review"));
        assert!(!public.contains("witness@example.org") && !public.contains("peaceful protest"), "{public}");
    }

    #[test]
    fn only_safe_file_types_within_the_size_limit_are_accepted() {
        assert!(check_file("evidence[0]", "a.pdf", b"%PDF-1.7 ...").is_ok());
        assert!(check_file("evidence[0]", "a.png", b"\x89PNG\r\n\x1a\n....").is_ok());
        assert!(check_file("evidence[0]", "a.txt", "Témoignage".as_bytes()).is_ok());
        assert!(
            check_file("evidence[0]", "a.exe", b"MZ\x90\x00\x03\x00").is_err(),
            "an executable, whatever its name"
        );
        assert!(check_file("evidence[0]", "a.txt", b"").is_err());
        assert!(check_file("evidence[0]", "a.txt", &vec![b'a'; MAX_FILE_BYTES + 1]).is_err());
    }
}
