//! Public participation in rule-making, and the rules in force.
//!
//! Stream `rule-proposal-<uuid>`, events `oversight_domain::rulemaking::RuleEvent`. An approver
//! proposes a new version of the assessment policy, the control list or the embargo list; anyone
//! comments during the period (no account; the store's throttle counters limit how many comments
//! one address sends an hour, shared by every node; evidence files are checked by type and size
//! before anything is stored); an administrator publishes or rejects each comment; after the
//! period the approver responds and adopts (or withdraws). An adoption appends, in the same
//! transaction, a `rule_change` record to the register and the transparency log with the rule's
//! version and content hash.
//!
//! The rules in force are derived from the adopted proposals: the bundled version of each kind
//! until one is adopted, then the latest adopted. Assessments use the policy and embargo list in
//! force when they are made (the policy's hash is recorded in each assessment; a replay finds the
//! recorded policy among every version ever in force); cases check items against the control list
//! in force. Parsed rules are cached by content hash.
//!
//! Read model: every proposal (the public sees each without contacts or rejected comments' words).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use oversight_domain::{
    Actor, ControlList,
    compliance::EvidenceFile,
    rulemaking::{
        self as rules, InForce, ModerationDecision, Proposal, ProposalStatus, PublicProposal, RuleCommand,
        RuleEvent, RuleKind, RuleVersion,
    },
};
use oversight_risk::{Policy, embargo::Embargoes};
use oversight_store::Expect;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    App, AppError,
    app::{Result, decode, new_event},
    projections::Fold,
};

/// Comments one address may send in an hour (on all proposals together).
pub const COMMENTS_PER_HOUR: u64 = 5;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulemakingProjection {
    proposals: BTreeMap<Uuid, Proposal>,
}

impl RulemakingProjection {
    pub(crate) fn fold(&mut self, fold: &Fold) {
        let Fold::RuleProposal(id, event) = fold else { return };
        if let Some(p) = rules::apply(self.proposals.remove(id), event) {
            self.proposals.insert(*id, p);
        }
    }
}

/// The text of the version of `kind` shipped with Oversight.
fn bundled_text(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::AssessmentPolicy => Policy::bundled_text(),
        RuleKind::ControlList => ControlList::bundled_text(),
        RuleKind::EmbargoList => Embargoes::bundled_text(),
    }
}

/// The version of `kind` shipped with Oversight, in force until another is adopted.
pub fn bundled_version(kind: RuleKind) -> RuleVersion {
    static V: OnceLock<Vec<RuleVersion>> = OnceLock::new();
    let all = V.get_or_init(|| {
        RuleKind::ALL
            .iter()
            .map(|k| RuleVersion {
                kind: *k,
                version: rules::check_content(*k, "content", bundled_text(*k))
                    .expect("the bundled rules are valid"),
                sha256: rules::content_hash(bundled_text(*k)),
                in_force_from: None,
                proposal: None,
            })
            .collect()
    });
    all.iter().find(|v| v.kind == kind).cloned().expect("every kind is bundled")
}

/// Every version of `kind` ever in force, oldest first, with its text: the bundled one, then
/// each adopted one in order of adoption.
fn versions_of(proposals: &[&Proposal], kind: RuleKind) -> Vec<(RuleVersion, String)> {
    let mut adopted: Vec<(RuleVersion, String)> = proposals
        .iter()
        .filter(|p| p.kind == kind)
        .filter_map(|p| p.adopted().map(|v| (v, p.content.clone())))
        .collect();
    adopted.sort_by_key(|(v, _)| v.in_force_from);
    let mut out = vec![(bundled_version(kind), bundled_text(kind).to_string())];
    out.extend(adopted);
    out
}

/// A parsed rule, cached by content hash (parsing a policy takes a millisecond or so; the
/// assessment and each case command would otherwise parse it every time).
fn cached<T: Send + Sync + 'static>(
    cache: &'static OnceLock<Mutex<HashMap<String, Arc<T>>>>,
    sha: &str,
    parse: impl FnOnce() -> std::result::Result<T, String>,
) -> Result<Arc<T>> {
    let map = cache.get_or_init(Default::default);
    if let Some(hit) = map.lock().expect("cache lock").get(sha) {
        return Ok(hit.clone());
    }
    let parsed = Arc::new(parse().map_err(|e| AppError::Internal(anyhow::anyhow!("a rule in force: {e}")))?);
    map.lock().expect("cache lock").insert(sha.to_string(), parsed.clone());
    Ok(parsed)
}

static POLICIES: OnceLock<Mutex<HashMap<String, Arc<Policy>>>> = OnceLock::new();
static CONTROL_LISTS: OnceLock<Mutex<HashMap<String, Arc<ControlList>>>> = OnceLock::new();
static EMBARGO_LISTS: OnceLock<Mutex<HashMap<String, Arc<Embargoes>>>> = OnceLock::new();

/// One kind of rule: the version in force and every version ever in force (public).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleHistory {
    pub kind: RuleKind,
    pub in_force: RuleVersion,
    /// Oldest first; each is in force from its `in_force_from` until the next one's.
    pub versions: Vec<RuleVersion>,
}

/// A proposal as an approver sends it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalRequest {
    pub kind: RuleKind,
    pub title: String,
    /// Why the change is proposed (published).
    pub explanation: String,
    /// The full text of the proposed rule (TOML, as the file of the rule in force).
    pub content: String,
}

/// A comment as anyone sends it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentRequest {
    pub text: String,
    /// The name to publish the comment under (optional).
    #[serde(default)]
    pub name: Option<String>,
    /// How to reach the commenter (optional; never published).
    #[serde(default)]
    pub contact: Option<String>,
}

/// The answer to a comment: its number, and that it is held for moderation.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentReceipt {
    pub proposal: String,
    pub number: u32,
    pub received_at: DateTime<Utc>,
    pub status: &'static str,
}

impl App {
    /// Calendar days a proposal is open for comment (`cases.comment_period_days`).
    pub fn comment_period_days(&self) -> u32 {
        self.comment_period_days
    }

    fn proposals_read(&self) -> Vec<Proposal> {
        self.read().rulemaking.proposals.values().cloned().collect()
    }

    /// The version of `kind` in force now, and its text.
    pub fn rule_in_force(&self, kind: RuleKind) -> (RuleVersion, String) {
        let p = self.read();
        let all: Vec<&Proposal> = p.rulemaking.proposals.values().collect();
        versions_of(&all, kind).pop().expect("the bundled version at least")
    }

    /// Every kind of rule: the version in force and its history (anyone).
    pub fn rules_in_force(&self) -> Vec<RuleHistory> {
        let p = self.read();
        let all: Vec<&Proposal> = p.rulemaking.proposals.values().collect();
        RuleKind::ALL
            .iter()
            .map(|k| {
                let versions: Vec<RuleVersion> = versions_of(&all, *k).into_iter().map(|(v, _)| v).collect();
                RuleHistory { kind: *k, in_force: versions.last().cloned().expect("bundled"), versions }
            })
            .collect()
    }

    /// The assessment policy in force now.
    pub fn policy_in_force(&self) -> Result<Arc<Policy>> {
        let (v, text) = self.rule_in_force(RuleKind::AssessmentPolicy);
        cached(&POLICIES, &v.sha256, || Policy::from_toml(&text).map_err(|e| e.to_string()))
    }

    /// The assessment policy with this content hash, if it was ever in force (replays).
    pub fn policy_by_hash(&self, sha256: &str) -> Result<Option<Arc<Policy>>> {
        let p = self.read();
        let all: Vec<&Proposal> = p.rulemaking.proposals.values().collect();
        let Some((_, text)) =
            versions_of(&all, RuleKind::AssessmentPolicy).into_iter().find(|(v, _)| v.sha256 == sha256)
        else {
            return Ok(None);
        };
        drop(p);
        cached(&POLICIES, sha256, || Policy::from_toml(&text).map_err(|e| e.to_string())).map(Some)
    }

    /// The control list in force now: items are checked, and the register names goods, by it.
    pub fn control_list(&self) -> Arc<ControlList> {
        let (v, text) = self.rule_in_force(RuleKind::ControlList);
        cached(&CONTROL_LISTS, &v.sha256, || ControlList::parse(&text).map_err(|e| e.to_string()))
            .unwrap_or_else(|e| {
                tracing::error!("the control list in force cannot be read, the bundled one is used: {e}");
                Arc::new(ControlList::bundled().clone())
            })
    }

    /// The embargo list in force now.
    pub fn embargoes_in_force(&self) -> Result<Arc<Embargoes>> {
        let (v, text) = self.rule_in_force(RuleKind::EmbargoList);
        cached(&EMBARGO_LISTS, &v.sha256, || Embargoes::from_toml(&text).map_err(|e| e.to_string()))
    }

    /// Every proposal as the public sees it, newest first.
    pub fn proposals(&self) -> Vec<PublicProposal> {
        let mut out: Vec<PublicProposal> = self.proposals_read().iter().map(Proposal::public).collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.proposed_at));
        out
    }

    /// One proposal as the public sees it.
    pub fn proposal(&self, reference: &str) -> Result<PublicProposal> {
        Ok(self.proposal_full(reference)?.public())
    }

    fn proposal_full(&self, reference: &str) -> Result<Proposal> {
        let r = reference.trim().to_uppercase();
        self.read()
            .rulemaking
            .proposals
            .values()
            .find(|p| p.reference == r)
            .cloned()
            .ok_or(AppError::NotFound)
    }

    /// Every proposal with its held comments and contacts (approvers and administrators).
    pub fn proposals_for_authority(&self, actor: &Actor) -> Result<Vec<Proposal>> {
        let roles: Vec<_> = rules::PROPOSER_ROLES.iter().chain(&rules::MODERATOR_ROLES).copied().collect();
        oversight_domain::access::require_authority(actor, &roles, "the rule-making queue")?;
        let mut out = self.proposals_read();
        out.sort_by_key(|p| std::cmp::Reverse(p.proposed_at));
        Ok(out)
    }

    /// The proposals of `kind` as stored, each with its stream version, so that an adoption is
    /// decided on the rule in force as stored and commits only if none of them changed meanwhile.
    async fn proposals_of_kind_from_store(&self, kind: RuleKind) -> Result<Vec<(Proposal, u64)>> {
        let ids: Vec<Uuid> =
            self.read().rulemaking.proposals.values().filter(|p| p.kind == kind).map(|p| p.id).collect();
        let mut out = Vec::new();
        for id in ids {
            let (state, version) = self.proposal_from_store(id).await?;
            if let Some(p) = state {
                out.push((p, version));
            }
        }
        Ok(out)
    }

    async fn proposal_from_store(&self, id: Uuid) -> Result<(Option<Proposal>, u64)> {
        let stored = self.store.read_stream(&rules::stream(id)).await?;
        let state = stored.iter().try_fold(None, |s, e| {
            let event: RuleEvent = decode(e).map_err(AppError::Internal)?;
            Ok::<_, AppError>(rules::apply(s, &event))
        })?;
        Ok((state, stored.len() as u64))
    }

    /// An approver publishes a proposed change of rule, open for comment for the configured period.
    pub async fn propose_rule(&self, actor: &Actor, req: ProposalRequest) -> Result<Proposal> {
        self.propose_rule_at(actor, req, self.now()).await
    }

    pub(crate) async fn propose_rule_at(
        &self,
        actor: &Actor,
        req: ProposalRequest,
        at: DateTime<Utc>,
    ) -> Result<Proposal> {
        let id = self.new_uuid_at(at);
        let (version, text) = self.rule_in_force(req.kind);
        let history = {
            let p = self.read();
            let all: Vec<&Proposal> = p.rulemaking.proposals.values().collect();
            versions_of(&all, req.kind).into_iter().map(|(v, _)| v.version).collect::<Vec<_>>()
        };
        let in_force = InForce {
            version: &version,
            text: &text,
            versions: history.iter().map(String::as_str).collect(),
        };
        let cmd = RuleCommand::Propose {
            id,
            kind: req.kind,
            title: req.title,
            explanation: req.explanation,
            content: req.content,
            period_days: self.comment_period_days,
        };
        let events = rules::decide(None, cmd, Some(actor), &in_force, at)?;
        let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), at)).collect();
        self.append(&rules::stream(id), 0, new, &[], &[]).await?;
        events.iter().fold(None, rules::apply).ok_or(AppError::NotFound)
    }

    /// Anyone comments on a proposal in its period, with evidence files (name, bytes), from
    /// `client` (the address it came from, for the hourly limit). The comment is held for moderation.
    pub async fn comment_on_rule(
        &self,
        client: &str,
        reference: &str,
        req: CommentRequest,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<CommentReceipt> {
        self.comment_on_rule_at(client, reference, req, files, self.now()).await
    }

    pub(crate) async fn comment_on_rule_at(
        &self,
        client: &str,
        reference: &str,
        req: CommentRequest,
        files: Vec<(String, Vec<u8>)>,
        now: DateTime<Utc>,
    ) -> Result<CommentReceipt> {
        let id = self.proposal_full(reference)?.id;
        let mut evidence = Vec::new();
        for (i, (name, bytes)) in files.iter().enumerate() {
            let field = format!("evidence[{i}]");
            oversight_domain::complaint::check_file(&field, name, bytes)?;
            evidence.push(EvidenceFile {
                filename: oversight_domain::parse_filename(&field, name)?,
                sha256: oversight_store::sha256_hex(bytes),
                size: bytes.len() as u64,
            });
        }
        let cmd = RuleCommand::Comment { text: req.text, name: req.name, contact: req.contact, evidence };
        // The address's count is reserved once, even if the append is retried.
        let reserved = std::sync::atomic::AtomicBool::new(false);
        self.retrying("the proposal", || async {
            let (state, version) = self.proposal_from_store(id).await?;
            let (v, t) = bundled_pair(state.as_ref());
            let in_force = InForce { version: &v, text: &t, versions: vec![] };
            // Refused content changes nothing, not even the address's count.
            let events = rules::decide(state.as_ref(), cmd.clone(), None, &in_force, now)?;
            if !reserved.load(std::sync::atomic::Ordering::SeqCst) {
                let key = format!("rule-comment:{client}");
                let counts = self.store.throttle_reserve(std::slice::from_ref(&key), now, 3600).await?;
                if let Some(c) = counts.first().filter(|c| c.count > COMMENTS_PER_HOUR) {
                    let retry =
                        (c.window_start + chrono::Duration::hours(1) - now).num_seconds().max(1) as u64;
                    return Err(AppError::Throttled(retry));
                }
                reserved.store(true, std::sync::atomic::Ordering::SeqCst);
                for (_, bytes) in &files {
                    self.store.put_blob(bytes, now).await?;
                }
            }
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, None, now)).collect();
            self.append(&rules::stream(id), version, new, &[], &[]).await?;
            let p = events.iter().fold(state, rules::apply).ok_or(AppError::NotFound)?;
            let c = p.comments.last().ok_or(AppError::NotFound)?;
            Ok(CommentReceipt {
                proposal: p.reference.clone(),
                number: c.number,
                received_at: c.received_at,
                status: "held_for_moderation",
            })
        })
        .await
    }

    /// A command of the authority on a proposal (moderation, adoption, withdrawal), decided on the
    /// proposal and the rule in force as stored. An adoption appends its `rule_change` record.
    async fn rule_command(
        &self,
        actor: &Actor,
        reference: &str,
        cmd: RuleCommand,
        at: DateTime<Utc>,
    ) -> Result<Proposal> {
        let id = self.proposal_full(reference)?.id;
        let kind = self.proposal_full(reference)?.kind;
        self.retrying("the proposal", || async {
            let (state, version) = self.proposal_from_store(id).await?;
            let others = self.proposals_of_kind_from_store(kind).await?;
            let all: Vec<&Proposal> = others.iter().map(|(p, _)| p).collect();
            let (in_force, text) = versions_of(&all, kind).pop().expect("bundled");
            let f = InForce { version: &in_force, text: &text, versions: vec![] };
            let events = rules::decide(state.as_ref(), cmd.clone(), Some(actor), &f, at)?;
            let after = events.iter().fold(state.clone(), rules::apply).ok_or(AppError::NotFound)?;
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), at)).collect();
            let mut leaves = Vec::new();
            let mut expect = Vec::new();
            if let Some(record) = rules::adoption_record(&after, self.new_uuid_at(at).to_string())
                && state.as_ref().is_some_and(|s| s.status == ProposalStatus::Open)
            {
                leaves.push((new.len() - 1, record.to_leaf()));
                expect = others
                    .iter()
                    .filter(|(p, _)| p.id != id)
                    .map(|(p, v)| Expect { stream: rules::stream(p.id), version: *v })
                    .collect();
            }
            self.append(&rules::stream(id), version, new, &leaves, &expect).await?;
            Ok(after)
        })
        .await
    }

    /// An administrator publishes or rejects a held comment (a rejection needs a reason, which is
    /// published; the comment's words are not).
    pub async fn moderate_comment(
        &self,
        actor: &Actor,
        reference: &str,
        number: u32,
        decision: ModerationDecision,
        reason: Option<String>,
    ) -> Result<Proposal> {
        self.moderate_comment_at(actor, reference, number, decision, reason, self.now()).await
    }

    pub(crate) async fn moderate_comment_at(
        &self,
        actor: &Actor,
        reference: &str,
        number: u32,
        decision: ModerationDecision,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Proposal> {
        self.rule_command(actor, reference, RuleCommand::Moderate { number, decision, reason }, at).await
    }

    /// After the period, an approver publishes the response to the comments and adopts the rule: it
    /// is in force from now, and a `rule_change` record is published in the register and the log.
    pub async fn adopt_rule(&self, actor: &Actor, reference: &str, response: &str) -> Result<Proposal> {
        self.adopt_rule_at(actor, reference, response, self.now()).await
    }

    pub(crate) async fn adopt_rule_at(
        &self,
        actor: &Actor,
        reference: &str,
        response: &str,
        at: DateTime<Utc>,
    ) -> Result<Proposal> {
        let cmd = RuleCommand::Adopt { response: response.to_string() };
        self.rule_command(actor, reference, cmd, at).await
    }

    /// An approver withdraws a proposal, with the reason published.
    pub async fn withdraw_rule(&self, actor: &Actor, reference: &str, reason: &str) -> Result<Proposal> {
        let cmd = RuleCommand::Withdraw { reason: reason.to_string() };
        self.rule_command(actor, reference, cmd, self.now()).await
    }
}

/// The bundled version and text of the proposal's kind: what a comment's decision is given (it
/// does not look at the rule in force).
fn bundled_pair(p: Option<&Proposal>) -> (RuleVersion, String) {
    let kind = p.map_or(RuleKind::AssessmentPolicy, |p| p.kind);
    (bundled_version(kind), bundled_text(kind).to_string())
}
