//! Public participation in rule-making (DOMAIN.md §6 and §9; issue 12 part 4).
//!
//! An approver publishes a proposed change of rule — a new version of the assessment policy, of
//! the control list or of the embargo list — with its full text, its difference from the rule in
//! force (computed here, line by line), an explanation, and a comment period. Anyone — no account
//! needed — comments during the period; a comment after it closes is refused with the time it
//! closed. Every comment is held until an administrator publishes or rejects it with the decision
//! recorded (a rejected comment's words are never published; the fact and the reason are). Once
//! the period is over and no comment is held, the approver publishes the response to the comments
//! and adopts the rule, which is in force from that moment; or withdraws the proposal. An
//! adoption is refused when another version of the same rule was adopted since the proposal (its
//! difference would no longer be the one commented on).
//!
//! Stream `rule-proposal-<uuid>`; [`decide`] and [`apply`], time and ids passed in. The texts are
//! parsed and validated as the rule they propose ([`check_content`]) before anything is recorded.

use chrono::{DateTime, Duration, Utc};
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
    format!("rule-proposal-{id}")
}

/// The reference a proposal is known by: `P-` and the id's last 12 hex digits, upper case.
pub fn reference(id: Uuid) -> String {
    let hex = id.simple().to_string().to_uppercase();
    format!("P-{}", &hex[hex.len() - 12..])
}

/// The comment period when the configuration says nothing.
pub const DEFAULT_PERIOD_DAYS: u32 = 30;
/// Longest proposed rule text, in characters.
pub const MAX_CONTENT_CHARS: usize = 200_000;
/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// Most evidence files a comment may carry (each checked as a complaint's, by
/// [`crate::complaint::check_file`]).
pub const MAX_FILES: usize = 5;

/// Who proposes, responds, adopts and withdraws.
pub const PROPOSER_ROLES: [Role; 1] = [Role::Approver];
/// Who moderates the public's comments.
pub const MODERATOR_ROLES: [Role; 1] = [Role::Administrator];

/// Which rule a proposal changes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RuleKind {
    /// The assessment policy: factor weights, bands, thresholds, outcomes, red-flag rules.
    AssessmentPolicy,
    /// The control list: the entries an item must cite, with their tiers.
    ControlList,
    /// The destinations under an embargo.
    EmbargoList,
}

impl RuleKind {
    pub const ALL: [RuleKind; 3] = oversight_vocab::all_variants();

    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    /// "the assessment policy", for sentences.
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::AssessmentPolicy => "the assessment policy",
            RuleKind::ControlList => "the control list",
            RuleKind::EmbargoList => "the embargo list",
        }
    }
}

/// SHA-256 (hex) of a rule's exact text: what assessments and the register record.
pub fn content_hash(text: &str) -> String {
    oversight_risk::indicators::sha256_hex(text)
}

/// Parses `text` as a rule of `kind` and answers with the version it declares; a text that is not
/// a valid rule of that kind is refused naming `field` and saying where it is wrong.
pub fn check_content(kind: RuleKind, field: &str, text: &str) -> Result<String, FieldError> {
    let bad = |m: String| FieldError::new(field, m);
    match kind {
        RuleKind::AssessmentPolicy => oversight_risk::Policy::from_toml(text)
            .map(|p| p.version().to_string())
            .map_err(|e| bad(format!("not a valid assessment policy: {e}"))),
        RuleKind::ControlList => crate::control_list::ControlList::parse(text)
            .map(|l| l.version().to_string())
            .map_err(|e| bad(format!("not a valid control list: {e}"))),
        RuleKind::EmbargoList => oversight_risk::embargo::Embargoes::from_toml(text)
            .map(|l| l.version)
            .map_err(|e| bad(format!("not a valid embargo list: {e}"))),
    }
}

/// A version of a rule: the bundled one, or one adopted after consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RuleVersion))]
pub struct RuleVersion {
    pub kind: RuleKind,
    /// The version the text declares.
    pub version: String,
    /// SHA-256 of the exact text.
    pub sha256: String,
    /// When it came into force (`None`: the version shipped with Oversight, in force from the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force_from: Option<DateTime<Utc>>,
    /// The proposal it was adopted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<String>,
}

/// One line of a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Unchanged,
    Removed,
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub change: LineChange,
    /// 1-based line in the rule in force (absent for an added line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<u32>,
    /// 1-based line in the proposed text (absent for a removed line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<u32>,
    pub text: String,
}

/// A run of changed lines with up to [`CONTEXT`] unchanged lines either side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hunk {
    pub lines: Vec<DiffLine>,
}

/// Unchanged lines shown around a change.
pub const CONTEXT: usize = 2;

/// The difference between the rule in force and the proposed text, line by line (longest common
/// subsequence), as hunks of changes with context. Empty when the texts have the same lines.
pub fn difference(old: &str, new: &str) -> Vec<Hunk> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common prefix and suffix first: a rule change touches a few lines of a long text.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    // lcs[i][j]: the longest common subsequence of am[i..] and bm[j..].
    let mut lcs = vec![vec![0u32; bm.len() + 1]; am.len() + 1];
    for i in (0..am.len()).rev() {
        for j in (0..bm.len()).rev() {
            lcs[i][j] = if am[i] == bm[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut all: Vec<DiffLine> = Vec::with_capacity(a.len().max(b.len()));
    let line = |change, old: Option<usize>, new: Option<usize>, text: &str| DiffLine {
        change,
        old: old.map(|n| n as u32 + 1),
        new: new.map(|n| n as u32 + 1),
        text: text.to_string(),
    };
    for (k, t) in a[..prefix].iter().enumerate() {
        all.push(line(LineChange::Unchanged, Some(k), Some(k), t));
    }
    let (mut i, mut j) = (0, 0);
    while i < am.len() || j < bm.len() {
        if i < am.len() && j < bm.len() && am[i] == bm[j] {
            all.push(line(LineChange::Unchanged, Some(prefix + i), Some(prefix + j), am[i]));
            i += 1;
            j += 1;
        } else if i < am.len() && (j == bm.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // A removed line before the line that replaces it.
            all.push(line(LineChange::Removed, Some(prefix + i), None, am[i]));
            i += 1;
        } else {
            all.push(line(LineChange::Added, None, Some(prefix + j), bm[j]));
            j += 1;
        }
    }
    for k in 0..suffix {
        let (o, n) = (a.len() - suffix + k, b.len() - suffix + k);
        all.push(line(LineChange::Unchanged, Some(o), Some(n), a[o]));
    }
    // Keep the changes and their context.
    let changed: Vec<usize> =
        all.iter().enumerate().filter(|(_, l)| l.change != LineChange::Unchanged).map(|(k, _)| k).collect();
    let mut hunks: Vec<Hunk> = Vec::new();
    let mut last_end = 0usize;
    for &k in &changed {
        let start = k.saturating_sub(CONTEXT);
        let end = (k + CONTEXT + 1).min(all.len());
        match hunks.last_mut() {
            Some(h) if start <= last_end => {
                h.lines.extend(all[last_end..end].iter().cloned());
            }
            _ => hunks.push(Hunk { lines: all[start..end].to_vec() }),
        }
        last_end = end.max(last_end);
    }
    hunks
}

/// What a moderator decided about a comment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ModerationDecision {
    Published,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Moderation {
    pub decision: ModerationDecision,
    /// Required for a rejection (published with the comment's number); optional for publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A comment as the authority holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RuleComment))]
pub struct Comment {
    /// 1, 2, … in the order received.
    pub number: u32,
    pub text: String,
    /// The name the commenter chose to be published under (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How to reach the commenter (optional; never published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceFile>,
    pub received_at: DateTime<Utc>,
    /// `None`: held for moderation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<Moderation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Published; comments are taken until `closes_at`.
    Open,
    Adopted,
    Withdrawn,
}

/// The authority's closing word: its response to the comments (adoption) or why it withdrew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RuleResponse))]
pub struct Response {
    pub text: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A proposed change of rule, as the authority holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub id: Uuid,
    pub reference: String,
    pub kind: RuleKind,
    pub title: String,
    pub explanation: String,
    /// The full proposed text.
    pub content: String,
    /// The version the proposed text declares, and its SHA-256.
    pub version: String,
    pub sha256: String,
    /// The rule in force when it was proposed (the difference is from it).
    pub base: RuleVersion,
    pub difference: Vec<Hunk>,
    pub proposed_by: UserId,
    pub proposed_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    pub status: ProposalStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
}

impl Proposal {
    pub fn period_open(&self, now: DateTime<Utc>) -> bool {
        self.status == ProposalStatus::Open && now < self.closes_at
    }

    pub fn held(&self) -> usize {
        self.comments.iter().filter(|c| c.moderation.is_none()).count()
    }

    /// The version this proposal put in force, once adopted.
    pub fn adopted(&self) -> Option<RuleVersion> {
        (self.status == ProposalStatus::Adopted).then(|| RuleVersion {
            kind: self.kind,
            version: self.version.clone(),
            sha256: self.sha256.clone(),
            in_force_from: self.response.as_ref().map(|r| r.at),
            proposal: Some(self.reference.clone()),
        })
    }

    /// What anyone may see: the proposal, its difference, the published comments (without contact
    /// details), the rejected ones' numbers and reasons (never their words), how many are held.
    pub fn public(&self) -> PublicProposal {
        let mut published = Vec::new();
        let mut rejected = Vec::new();
        for c in &self.comments {
            match &c.moderation {
                Some(m) if m.decision == ModerationDecision::Published => published.push(PublishedComment {
                    number: c.number,
                    text: c.text.clone(),
                    name: c.name.clone(),
                    evidence: c.evidence.iter().map(|f| f.filename.clone()).collect(),
                    received_at: c.received_at,
                    published_at: m.at,
                }),
                Some(m) => rejected.push(RejectedComment {
                    number: c.number,
                    received_at: c.received_at,
                    reason: m.reason.clone().unwrap_or_default(),
                    decided_at: m.at,
                }),
                None => {}
            }
        }
        PublicProposal {
            reference: self.reference.clone(),
            kind: self.kind,
            title: self.title.clone(),
            explanation: self.explanation.clone(),
            content: self.content.clone(),
            version: self.version.clone(),
            sha256: self.sha256.clone(),
            base: self.base.clone(),
            difference: self.difference.clone(),
            proposed_at: self.proposed_at,
            closes_at: self.closes_at,
            status: self.status,
            comments: published,
            rejected_comments: rejected,
            held_comments: self.held(),
            response: self.response.as_ref().map(|r| r.text.clone()),
            responded_at: self.response.as_ref().map(|r| r.at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedComment {
    pub number: u32,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The names of the evidence files the commenter attached.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    pub received_at: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
}

/// A rejected comment as the public sees it: that it was rejected and why, never its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedComment {
    pub number: u32,
    pub received_at: DateTime<Utc>,
    pub reason: String,
    pub decided_at: DateTime<Utc>,
}

/// A proposal as anyone may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicProposal {
    pub reference: String,
    pub kind: RuleKind,
    pub title: String,
    pub explanation: String,
    pub content: String,
    pub version: String,
    pub sha256: String,
    pub base: RuleVersion,
    pub difference: Vec<Hunk>,
    pub proposed_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub status: ProposalStatus,
    pub comments: Vec<PublishedComment>,
    pub rejected_comments: Vec<RejectedComment>,
    /// Comments received and not yet moderated.
    pub held_comments: usize,
    /// The authority's response to the comments (adopted) or reason (withdrawn).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responded_at: Option<DateTime<Utc>>,
}

/// The rule of the proposal's kind in force now, and every version of it ever in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InForce<'a> {
    pub version: &'a RuleVersion,
    /// Its text (the difference is computed from it).
    pub text: &'a str,
    /// Every version of this kind ever in force (a new one must declare a version of its own).
    pub versions: Vec<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleCommand {
    Propose {
        id: Uuid,
        kind: RuleKind,
        title: String,
        explanation: String,
        content: String,
        period_days: u32,
    },
    Comment {
        text: String,
        name: Option<String>,
        contact: Option<String>,
        evidence: Vec<EvidenceFile>,
    },
    Moderate {
        number: u32,
        decision: ModerationDecision,
        reason: Option<String>,
    },
    Adopt {
        response: String,
    },
    Withdraw {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleEvent {
    RuleProposed { proposal: Box<Proposal> },
    RuleCommentReceived { comment: Comment },
    RuleCommentModerated { number: u32, moderation: Moderation },
    RuleAdopted { response: Response },
    RuleProposalWithdrawn { response: Response },
}

impl RuleEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            RuleEvent::RuleProposed { .. } => "rule_proposed",
            RuleEvent::RuleCommentReceived { .. } => "rule_comment_received",
            RuleEvent::RuleCommentModerated { .. } => "rule_comment_moderated",
            RuleEvent::RuleAdopted { .. } => "rule_adopted",
            RuleEvent::RuleProposalWithdrawn { .. } => "rule_proposal_withdrawn",
        }
    }
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

fn optional(field: &str, v: Option<String>, max: usize) -> Result<Option<String>, FieldError> {
    match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Ok(Some(parse_text(field, s, max)?)),
        _ => Ok(None),
    }
}

/// "30 November 2026 at 09:00 UTC".
fn when(t: DateTime<Utc>) -> String {
    t.format("%-d %B %Y at %H:%M UTC").to_string()
}

/// Decides a command on a proposal (`None`: not proposed yet). `actor` is `None` for the public;
/// `in_force` is the rule of the proposal's kind in force now (for a proposal, of the kind it names).
pub fn decide(
    state: Option<&Proposal>,
    cmd: RuleCommand,
    actor: Option<&Actor>,
    in_force: &InForce<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<RuleEvent>, Rejection> {
    let signed = |what: &str, roles: &[Role]| -> Result<Actor, Rejection> {
        let a = actor.ok_or_else(|| Rejection::Forbidden(format!("{what}: sign in first")))?;
        require_authority(a, roles, what)?;
        Ok(a.clone())
    };
    match (state, cmd) {
        (None, RuleCommand::Propose { id, kind, title, explanation, content, period_days }) => {
            let actor = signed("proposing a change of rule", &PROPOSER_ROLES)?;
            if in_force.version.kind != kind {
                return Err(Rejection::Blocked(format!("the rule in force given is not {}", kind.name())));
            }
            let title = parse_text("title", &title, 200)?;
            let explanation = parse_multiline_text("explanation", &explanation, 20_000)?;
            let content = format!("{}\n", parse_multiline_text("content", &content, MAX_CONTENT_CHARS)?);
            let version = check_content(kind, "content", &content)?;
            if in_force.versions.contains(&version.as_str()) {
                return Err(invalid(
                    "content",
                    &format!(
                        "declares version {version}, which {} already had: give the proposed text a new version",
                        kind.name()
                    ),
                ));
            }
            let difference = difference(in_force.text, &content);
            if difference.is_empty() {
                return Err(invalid(
                    "content",
                    "has the same lines as the rule in force: nothing would change",
                ));
            }
            if !(1..=365).contains(&period_days) {
                return Err(invalid("period_days", "the comment period must be 1 to 365 days"));
            }
            Ok(vec![RuleEvent::RuleProposed {
                proposal: Box::new(Proposal {
                    id,
                    reference: reference(id),
                    kind,
                    title,
                    explanation,
                    sha256: content_hash(&content),
                    content,
                    version,
                    base: in_force.version.clone(),
                    difference,
                    proposed_by: actor.user,
                    proposed_at: now,
                    closes_at: now + Duration::days(i64::from(period_days)),
                    comments: vec![],
                    status: ProposalStatus::Open,
                    response: None,
                }),
            }])
        }
        (Some(_), RuleCommand::Propose { .. }) => Err(Rejection::AlreadyExists),
        (None, _) => Err(Rejection::NotFound),
        (Some(p), RuleCommand::Comment { text, name, contact, evidence }) => {
            if p.status != ProposalStatus::Open {
                return Err(Rejection::Blocked(format!(
                    "the proposal was {}: comments are closed",
                    if p.status == ProposalStatus::Adopted { "adopted" } else { "withdrawn" }
                )));
            }
            if now >= p.closes_at {
                return Err(Rejection::Blocked(format!(
                    "the comment period closed on {}",
                    when(p.closes_at)
                )));
            }
            if evidence.len() > MAX_FILES {
                return Err(invalid("evidence", &format!("at most {MAX_FILES} files")));
            }
            Ok(vec![RuleEvent::RuleCommentReceived {
                comment: Comment {
                    number: p.comments.len() as u32 + 1,
                    text: parse_multiline_text("text", &text, MAX_COMMENT_CHARS)?,
                    name: optional("name", name, 200)?,
                    contact: optional("contact", contact, 300)?,
                    evidence,
                    received_at: now,
                    moderation: None,
                },
            }])
        }
        (Some(p), RuleCommand::Moderate { number, decision, reason }) => {
            let actor = signed("moderating comments", &MODERATOR_ROLES)?;
            if actor.user == p.proposed_by {
                return Err(Rejection::Forbidden(
                    "the proposer of a rule cannot moderate the comments on it".into(),
                ));
            }
            let c = p
                .comments
                .iter()
                .find(|c| c.number == number)
                .ok_or_else(|| invalid("number", &format!("there is no comment {number}")))?;
            if c.moderation.is_some() {
                return Err(Rejection::Blocked(format!("comment {number} is already moderated")));
            }
            let reason = optional("reason", reason, 2_000)?;
            if decision == ModerationDecision::Rejected && reason.is_none() {
                return Err(invalid("reason", "say why the comment is rejected (the reason is published)"));
            }
            Ok(vec![RuleEvent::RuleCommentModerated {
                number,
                moderation: Moderation { decision, reason, by: actor.user, at: now },
            }])
        }
        (Some(p), RuleCommand::Adopt { response }) => {
            let actor = signed("adopting a rule", &PROPOSER_ROLES)?;
            if p.status != ProposalStatus::Open {
                return Err(Rejection::Blocked("the proposal is already adopted or withdrawn".into()));
            }
            if now < p.closes_at {
                return Err(Rejection::Blocked(format!(
                    "the comment period runs until {}: the rule can be adopted only after it closes",
                    when(p.closes_at)
                )));
            }
            if let Some(c) = p.comments.iter().find(|c| c.moderation.is_none()) {
                return Err(Rejection::Blocked(format!(
                    "comment {} is still held for moderation: every comment is published or rejected before the response",
                    c.number
                )));
            }
            if in_force.version.kind != p.kind || in_force.version.sha256 != p.base.sha256 {
                return Err(Rejection::Blocked(format!(
                    "{} in force changed since the proposal (now version {}): propose the change again against it",
                    p.kind.name(),
                    in_force.version.version
                )));
            }
            let text = parse_multiline_text("response", &response, 50_000)?;
            Ok(vec![RuleEvent::RuleAdopted { response: Response { text, by: actor.user, at: now } }])
        }
        (Some(p), RuleCommand::Withdraw { reason }) => {
            let actor = signed("withdrawing a proposal", &PROPOSER_ROLES)?;
            if p.status != ProposalStatus::Open {
                return Err(Rejection::Blocked("the proposal is already adopted or withdrawn".into()));
            }
            let text = parse_multiline_text("reason", &reason, 20_000)?;
            Ok(vec![RuleEvent::RuleProposalWithdrawn {
                response: Response { text, by: actor.user, at: now },
            }])
        }
    }
}

pub fn apply(state: Option<Proposal>, e: &RuleEvent) -> Option<Proposal> {
    match (state, e) {
        (None, RuleEvent::RuleProposed { proposal }) => Some((**proposal).clone()),
        (Some(mut p), RuleEvent::RuleCommentReceived { comment }) => {
            p.comments.push(comment.clone());
            Some(p)
        }
        (Some(mut p), RuleEvent::RuleCommentModerated { number, moderation }) => {
            if let Some(c) = p.comments.iter_mut().find(|c| c.number == *number) {
                c.moderation = Some(moderation.clone());
            }
            Some(p)
        }
        (Some(mut p), RuleEvent::RuleAdopted { response }) => {
            p.status = ProposalStatus::Adopted;
            p.response = Some(response.clone());
            Some(p)
        }
        (Some(mut p), RuleEvent::RuleProposalWithdrawn { response }) => {
            p.status = ProposalStatus::Withdrawn;
            p.response = Some(response.clone());
            Some(p)
        }
        (s, _) => s,
    }
}

/// The public record of an adopted rule: a `rule_change` leaf of the transparency log, with the
/// version and content hash that anyone can match against an assessment's.
pub fn adoption_record(p: &Proposal, record_id: String) -> Option<crate::register::PublicRecord> {
    let adopted = p.adopted()?;
    let at = adopted.in_force_from?;
    Some(crate::register::PublicRecord {
        record_id,
        kind: crate::register::RecordKind::RuleChange,
        published_at: at,
        case_id: None,
        licence_number: None,
        licence_type: None,
        decision_date: Some(at.date_naive()),
        act_date: Some(at.date_naive()),
        acts_on: None,
        destination: None,
        destination_name: None,
        end_user_sector: None,
        control_entries: vec![],
        cyber_surveillance: false,
        goods_summary: None,
        value_band: None,
        refusal_criteria: vec![],
        conditions: vec![],
        processing_working_days: None,
        public_rationale: Some(format!(
            "Adopted {} version {} after public consultation {} ({}).",
            p.kind.name(),
            p.version,
            p.reference,
            p.title
        )),
        exporter_statement: None,
        exporter: None,
        departed_from_recommendation: false,
        first_decision: false,
        excluded_from_statistics: Some("rule change, not a licensing decision".into()),
        penalty: None,
        rule: Some(crate::register::RuleRef {
            kind: p.kind,
            version: p.version.clone(),
            sha256: p.sha256.clone(),
            previous_version: p.base.version.clone(),
            previous_sha256: p.base.sha256.clone(),
            proposal: p.reference.clone(),
            in_force_from: at,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{EXPORTER_ORG, authority};
    use chrono::TimeZone;

    const EMBARGOES: &str = include_str!("../../../data/policy/embargoes-v1.toml");

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    fn bundled() -> RuleVersion {
        RuleVersion {
            kind: RuleKind::EmbargoList,
            version: check_content(RuleKind::EmbargoList, "content", EMBARGOES).unwrap(),
            sha256: content_hash(EMBARGOES),
            in_force_from: None,
            proposal: None,
        }
    }

    fn in_force(v: &RuleVersion) -> InForce<'_> {
        InForce { version: v, text: EMBARGOES, versions: vec![v.version.as_str()] }
    }

    /// The bundled embargo list with one more embargo and a new version.
    fn proposed_text() -> String {
        let v = check_content(RuleKind::EmbargoList, "c", EMBARGOES).unwrap();
        EMBARGOES.replacen(&format!("version = \"{v}\""), "version = \"2026-2\"", 1)
            + "\n[[embargo]]\niso3 = \"MMR\"\nregime = \"EU\"\nreference = \"Council Decision 2013/184/CFSP\"\nurl = \"https://eur-lex.europa.eu/\"\n"
    }

    fn propose_cmd(content: String) -> RuleCommand {
        RuleCommand::Propose {
            id: Uuid::from_u128(0xfeed),
            kind: RuleKind::EmbargoList,
            title: "Add Myanmar".into(),
            explanation: "The EU embargo on Myanmar covers surveillance equipment.".into(),
            content,
            period_days: 30,
        }
    }

    fn approver() -> Actor {
        authority(&[Role::Approver], 3)
    }

    fn admin() -> Actor {
        authority(&[Role::Administrator], 5)
    }

    fn step(
        p: &Proposal,
        cmd: RuleCommand,
        who: Option<&Actor>,
        at: DateTime<Utc>,
    ) -> Result<Proposal, Rejection> {
        let base = bundled();
        let f = in_force(&base);
        Ok(decide(Some(p), cmd, who, &f, at)?.iter().fold(Some(p.clone()), apply).unwrap())
    }

    fn proposed() -> Proposal {
        let base = bundled();
        decide(None, propose_cmd(proposed_text()), Some(&approver()), &in_force(&base), now())
            .unwrap()
            .iter()
            .fold(None, apply)
            .unwrap()
    }

    fn comment(text: &str) -> RuleCommand {
        RuleCommand::Comment {
            text: text.into(),
            name: Some("  Digital Rights Watch ".into()),
            contact: Some("policy@drw.example".into()),
            evidence: vec![],
        }
    }

    #[test]
    fn only_an_approver_proposes_and_the_difference_is_computed_line_by_line() {
        let base = bundled();
        let f = in_force(&base);
        let exporter = Actor {
            user: UserId(Uuid::from_u128(10)),
            org: EXPORTER_ORG,
            org_kind: crate::roles::OrgKind::Exporter,
            roles: vec![Role::Exporter, Role::Approver],
        };
        for who in [None, Some(exporter), Some(admin()), Some(authority(&[Role::LicensingOfficer], 4))] {
            assert!(
                matches!(
                    decide(None, propose_cmd(proposed_text()), who.as_ref(), &f, now()),
                    Err(Rejection::Forbidden(_))
                ),
                "{who:?}"
            );
        }
        let p = proposed();
        assert_eq!(p.reference, "P-00000000FEED");
        assert_eq!(p.version, "2026-2");
        assert_eq!(p.base, base);
        assert_eq!(p.closes_at, now() + Duration::days(30));
        assert_eq!(p.sha256, content_hash(&p.content));
        let changes: Vec<&DiffLine> = p
            .difference
            .iter()
            .flat_map(|h| &h.lines)
            .filter(|l| l.change != LineChange::Unchanged)
            .collect();
        assert!(changes.iter().any(|l| l.change == LineChange::Removed && l.text.starts_with("version")));
        assert!(changes.iter().any(|l| l.change == LineChange::Added && l.text == "version = \"2026-2\""));
        assert!(changes.iter().any(|l| l.change == LineChange::Added && l.text == "iso3 = \"MMR\""));
        assert!(changes.len() < 10, "only the changed lines, not the whole text: {changes:?}");
        assert!(matches!(
            decide(Some(&p), propose_cmd(proposed_text()), Some(&approver()), &f, now()),
            Err(Rejection::AlreadyExists)
        ));
    }

    #[test]
    fn bad_proposals_are_refused_naming_the_field() {
        let base = bundled();
        let f = in_force(&base);
        let refused = |cmd: RuleCommand| match decide(None, cmd, Some(&approver()), &f, now()) {
            Err(Rejection::Invalid(e)) => (e.field, e.message),
            other => panic!("{other:?}"),
        };
        let (field, message) = refused(propose_cmd("version = \"9\"\n[[embargo]]\niso3 = \"QQQ\"\n".into()));
        assert_eq!(field, "content");
        assert!(message.contains("not a valid embargo list") && message.contains("iso3"), "{message}");
        let (field, message) = refused(propose_cmd(EMBARGOES.replace("Belarus", "Belarus (EU)")));
        assert_eq!(field, "content");
        assert!(message.contains("new version"), "{message}");
        let v = &base.version;
        assert_eq!(refused(propose_cmd(EMBARGOES.into())).0, "content");
        let _ = v;
        let mut cmd = propose_cmd(proposed_text());
        if let RuleCommand::Propose { title, .. } = &mut cmd {
            *title = " ".into();
        }
        assert_eq!(refused(cmd).0, "title");
        let mut cmd = propose_cmd(proposed_text());
        if let RuleCommand::Propose { period_days, .. } = &mut cmd {
            *period_days = 0;
        }
        assert_eq!(refused(cmd).0, "period_days");
        let mut cmd = propose_cmd(proposed_text());
        if let RuleCommand::Propose { kind, .. } = &mut cmd {
            *kind = RuleKind::ControlList;
        }
        assert!(matches!(decide(None, cmd, Some(&approver()), &f, now()), Err(Rejection::Blocked(_))));
        let mut cmd = propose_cmd(proposed_text());
        if let RuleCommand::Propose { explanation, .. } = &mut cmd {
            *explanation = "".into();
        }
        assert_eq!(refused(cmd).0, "explanation");
    }

    #[test]
    fn anyone_comments_during_the_period_and_a_late_comment_is_refused_with_the_date_it_closed() {
        let p = proposed();
        let p = step(&p, comment("Please include Myanmar's neighbours."), None, now() + Duration::days(1))
            .unwrap();
        let c = &p.comments[0];
        assert_eq!(
            (c.number, c.name.as_deref(), c.moderation.is_none()),
            (1, Some("Digital Rights Watch"), true)
        );
        let last_second = p.closes_at - Duration::seconds(1);
        let p = step(&p, comment("Second."), Some(&approver()), last_second).unwrap();
        assert_eq!(p.comments[1].number, 2);
        match step(&p, comment("Too late."), None, p.closes_at) {
            Err(Rejection::Blocked(why)) => {
                assert_eq!(why, "the comment period closed on 1 July 2026 at 09:00 UTC")
            }
            other => panic!("{other:?}"),
        }
        match step(&p, comment(" "), None, now()) {
            Err(Rejection::Invalid(e)) => assert_eq!(e.field, "text"),
            other => panic!("{other:?}"),
        }
        let mut long = comment("x");
        if let RuleCommand::Comment { name, .. } = &mut long {
            *name = Some("n".repeat(201));
        }
        assert!(matches!(step(&p, long, None, now()), Err(Rejection::Invalid(e)) if e.field == "name"));
        let files =
            vec![EvidenceFile { filename: "a.pdf".into(), sha256: "0".repeat(64), size: 1 }; MAX_FILES + 1];
        let many = RuleCommand::Comment { text: "t".into(), name: None, contact: None, evidence: files };
        assert!(matches!(step(&p, many, None, now()), Err(Rejection::Invalid(e)) if e.field == "evidence"));
        let unknown = Proposal { id: Uuid::nil(), ..p.clone() };
        let base = bundled();
        assert!(matches!(
            decide(None, comment("x"), None, &in_force(&base), now()),
            Err(Rejection::NotFound)
        ));
        let _ = unknown;
    }

    #[test]
    fn an_administrator_other_than_the_proposer_moderates_and_the_public_never_sees_rejected_words_or_contacts()
     {
        let p = proposed();
        let p = step(&p, comment("A considered comment."), None, now()).unwrap();
        let p = step(&p, comment("Spam spam buy now"), None, now()).unwrap();
        let publish = |n, reason: Option<&str>| RuleCommand::Moderate {
            number: n,
            decision: ModerationDecision::Published,
            reason: reason.map(String::from),
        };
        let reject = |n, reason: &str| RuleCommand::Moderate {
            number: n,
            decision: ModerationDecision::Rejected,
            reason: Some(reason.into()),
        };
        for who in [None, Some(approver()), Some(authority(&[Role::Ombudsperson], 8))] {
            assert!(matches!(step(&p, publish(1, None), who.as_ref(), now()), Err(Rejection::Forbidden(_))));
        }
        let both = authority(&[Role::Approver, Role::Administrator], 3);
        assert!(
            matches!(step(&p, publish(1, None), Some(&both), now()), Err(Rejection::Forbidden(m)) if m.contains("proposer"))
        );
        assert!(
            matches!(step(&p, publish(3, None), Some(&admin()), now()), Err(Rejection::Invalid(e)) if e.field == "number")
        );
        let no_reason =
            RuleCommand::Moderate { number: 2, decision: ModerationDecision::Rejected, reason: None };
        assert!(
            matches!(step(&p, no_reason, Some(&admin()), now()), Err(Rejection::Invalid(e)) if e.field == "reason")
        );
        let p = step(&p, publish(1, None), Some(&admin()), now()).unwrap();
        assert!(matches!(step(&p, publish(1, None), Some(&admin()), now()), Err(Rejection::Blocked(_))));
        let p = step(&p, reject(2, "Advertising, not a comment on the proposal."), Some(&admin()), now())
            .unwrap();
        let public = p.public();
        assert_eq!(public.comments.len(), 1);
        assert_eq!(public.rejected_comments[0].reason, "Advertising, not a comment on the proposal.");
        assert_eq!(public.held_comments, 0);
        let json = serde_json::to_string(&public).unwrap();
        assert!(json.contains("A considered comment.") && json.contains("Digital Rights Watch"));
        assert!(!json.contains("Spam spam") && !json.contains("policy@drw.example"), "{json}");
    }

    #[test]
    fn adoption_waits_for_the_end_of_the_period_and_for_moderation_and_is_the_approvers() {
        let p = proposed();
        let p = step(&p, comment("Support."), None, now()).unwrap();
        let adopt = || RuleCommand::Adopt {
            response: "We received one comment in support; adopted as proposed.".into(),
        };
        let after = p.closes_at;
        match step(&p, adopt(), Some(&approver()), after - Duration::seconds(1)) {
            Err(Rejection::Blocked(why)) => {
                assert!(why.contains("runs until 1 July 2026 at 09:00 UTC"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        match step(&p, adopt(), Some(&approver()), after) {
            Err(Rejection::Blocked(why)) => assert!(why.contains("comment 1 is still held"), "{why}"),
            other => panic!("{other:?}"),
        }
        let p = step(
            &p,
            RuleCommand::Moderate { number: 1, decision: ModerationDecision::Published, reason: None },
            Some(&admin()),
            after,
        )
        .unwrap();
        let exporter = Actor {
            user: UserId(Uuid::from_u128(10)),
            org: EXPORTER_ORG,
            org_kind: crate::roles::OrgKind::Exporter,
            roles: vec![Role::Exporter],
        };
        for who in [None, Some(admin()), Some(exporter)] {
            assert!(matches!(step(&p, adopt(), who.as_ref(), after), Err(Rejection::Forbidden(_))));
        }
        assert!(matches!(
            step(&p, RuleCommand::Adopt { response: "".into() }, Some(&approver()), after),
            Err(Rejection::Invalid(e)) if e.field == "response"
        ));
        // Another version adopted meanwhile: the difference commented on is no longer the change.
        let other = RuleVersion { version: "2026-1b".into(), sha256: "ab".repeat(32), ..bundled() };
        let f = InForce { version: &other, text: EMBARGOES, versions: vec![] };
        assert!(
            matches!(decide(Some(&p), adopt(), Some(&approver()), &f, after), Err(Rejection::Blocked(m)) if m.contains("changed since"))
        );
        let adopted = step(&p, adopt(), Some(&approver()), after + Duration::hours(1)).unwrap();
        assert_eq!(adopted.status, ProposalStatus::Adopted);
        let v = adopted.adopted().unwrap();
        assert_eq!((v.version.as_str(), v.in_force_from), ("2026-2", Some(after + Duration::hours(1))));
        assert!(matches!(step(&adopted, adopt(), Some(&approver()), after), Err(Rejection::Blocked(_))));
        assert!(matches!(step(&adopted, comment("late"), None, now()), Err(Rejection::Blocked(_))));
        let record = adoption_record(&adopted, "r1".into()).unwrap();
        assert_eq!(record.kind, crate::register::RecordKind::RuleChange);
        let rule = record.rule.as_ref().unwrap();
        assert_eq!(
            (rule.sha256.as_str(), rule.proposal.as_str()),
            (adopted.sha256.as_str(), "P-00000000FEED")
        );
        assert_eq!(rule.previous_sha256, bundled().sha256);
        assert_eq!(crate::register::PublicRecord::from_leaf(&record.to_leaf()).unwrap(), record);
        assert!(adoption_record(&p, "r2".into()).is_none(), "no record before adoption");
    }

    #[test]
    fn a_proposal_may_be_withdrawn_at_any_time_before_adoption_by_an_approver_only() {
        let p = proposed();
        let withdraw = || RuleCommand::Withdraw { reason: "Superseded by a wider review.".into() };
        assert!(matches!(step(&p, withdraw(), None, now()), Err(Rejection::Forbidden(_))));
        assert!(matches!(step(&p, withdraw(), Some(&admin()), now()), Err(Rejection::Forbidden(_))));
        let w = step(&p, withdraw(), Some(&approver()), now()).unwrap();
        assert_eq!(w.status, ProposalStatus::Withdrawn);
        assert!(w.adopted().is_none());
        assert!(matches!(step(&w, withdraw(), Some(&approver()), now()), Err(Rejection::Blocked(_))));
        assert!(matches!(
            step(&w, RuleCommand::Adopt { response: "r".into() }, Some(&approver()), w.closes_at),
            Err(Rejection::Blocked(_))
        ));
    }

    #[test]
    fn every_bundled_rule_checks_and_the_difference_of_equal_texts_is_empty() {
        let policy = oversight_risk::Policy::bundled_text();
        assert!(check_content(RuleKind::AssessmentPolicy, "c", policy).is_ok());
        let list = include_str!("../../../data/control-list/surveillance.toml");
        assert!(check_content(RuleKind::ControlList, "c", list).is_ok());
        assert!(check_content(RuleKind::ControlList, "c", policy).is_err());
        assert!(difference(policy, policy).is_empty());
        let d = difference("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "a\nB\nc\nd\ne\nf\ng\nh\nI\nj\n");
        assert_eq!(d.len(), 2, "two changes far apart are two hunks: {d:?}");
        let d = difference("a\nb\nc\n", "a\nX\nc\n");
        assert_eq!(d.len(), 1);
        let kinds: Vec<_> = d[0].lines.iter().map(|l| (l.change, l.old, l.new)).collect();
        assert_eq!(
            kinds,
            vec![
                (LineChange::Unchanged, Some(1), Some(1)),
                (LineChange::Removed, Some(2), None),
                (LineChange::Added, None, Some(2)),
                (LineChange::Unchanged, Some(3), Some(3)),
            ]
        );
    }
}
