//! Licence reviews: new evidence about a live licence opens a review; an approver decides it.
//!
//! Stream `review-<uuid>`, events `oversight_domain::review::ReviewEvent`. Reviews are opened by
//! the capabilities that find the evidence — a list release that matches a licensed party
//! (screening's re-screen), an evidence-register entry about a licence's destination (evidence),
//! a breach past its grace period (compliance's sweep) — or by an officer. The approver's outcome
//! acts on the licence through the lifecycle (suspend, revoke, add conditions: published at once
//! on the register), then the review records the decision and its reason.
//!
//! Read model: every review (the queue lists the open ones).

use std::collections::BTreeMap;

use oversight_domain::{
    Actor, ApplicationId, Role, access,
    compliance::ObligationTerm,
    lifecycle::Command,
    review::{self as rules, Review, ReviewCommand, ReviewEvent, ReviewOutcomeTag, Trigger},
};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    App, AppError,
    app::{Result, actor_of_event, decode, new_event},
    cases::fold_case,
    projections::Fold,
};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewsProjection {
    reviews: BTreeMap<Uuid, Review>,
}

impl ReviewsProjection {
    pub(crate) fn fold(&mut self, e: &StoredEvent, fold: &Fold) {
        let Fold::Review(id, event) = fold else { return };
        let before = self.reviews.remove(id);
        if let Some(after) = rules::apply(before, event, actor_of_event(e), e.recorded_at) {
            self.reviews.insert(*id, after);
        }
    }
}

/// An approver's decision on a review, as sent.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewDecisionRequest {
    pub outcome: ReviewOutcomeTag,
    pub reason: String,
    /// For `add_conditions`: conditions in words.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// For `add_conditions`: conditions that become obligations.
    #[serde(default)]
    pub obligations: Vec<ObligationTerm>,
}

/// The authority's roles that see licence reviews.
const REVIEW_ROLES: [Role; 4] =
    [Role::LicensingOfficer, Role::Approver, Role::HumanRightsAssessor, Role::EnforcementOfficer];

fn require_reader(actor: &Actor) -> Result<()> {
    access::require_authority(actor, &REVIEW_ROLES, "seeing licence reviews").map_err(AppError::from)
}

impl App {
    /// Opens a review of a case's live licence (an officer, or a capability that found evidence).
    pub async fn open_review(
        &self,
        actor: &Actor,
        case: ApplicationId,
        trigger: Trigger,
        evidence: &str,
        proposed: Option<ReviewOutcomeTag>,
    ) -> Result<Review> {
        let id = self.new_uuid();
        let now = self.now();
        let stored = fold_case(&self.store.read_stream(&case.stream()).await?)?.ok_or(AppError::NotFound)?;
        let cmd = ReviewCommand::Open { id, trigger, evidence: evidence.to_string(), proposed };
        let events = rules::decide(None, &stored, cmd, actor, now)?;
        let by = (!actor.is_platform()).then_some(actor.user);
        let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, by, now)).collect();
        self.append(&rules::stream(id), 0, new, &[], &[]).await?;
        events
            .iter()
            .fold(None, |r, e| rules::apply(r, e, by, now))
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the review was not opened")))
    }

    /// Opens a review for every live licence a finding concerns (`cases`) as `actor` (the
    /// platform, for a capability's finding), logging failures: the
    /// finding itself is stored by its own capability, and a licence no longer live has nothing
    /// to review.
    pub(crate) async fn open_reviews(
        &self,
        actor: &Actor,
        cases: Vec<(ApplicationId, Trigger, String)>,
    ) -> usize {
        let mut opened = 0;
        for (case, trigger, evidence) in cases {
            match self.open_review(actor, case, trigger, &evidence, None).await {
                Ok(_) => opened += 1,
                Err(AppError::Conflict(why)) => tracing::info!("no review of {case}: {why}"),
                Err(e) => tracing::error!("opening a review of {case} failed: {e}"),
            }
        }
        opened
    }

    /// The approver decides a review. The act on the licence (suspension, revocation, conditions)
    /// is taken first through the lifecycle and published; then the review records the decision.
    pub async fn decide_review(&self, actor: &Actor, id: Uuid, req: ReviewDecisionRequest) -> Result<Review> {
        let now = self.now();
        let stored = self.store.read_stream(&rules::stream(id)).await?;
        let review = fold_review(&stored)?.ok_or(AppError::NotFound)?;
        let case =
            fold_case(&self.store.read_stream(&review.case.stream()).await?)?.ok_or(AppError::NotFound)?;
        let cmd = ReviewCommand::Decide {
            outcome: req.outcome,
            reason: req.reason.clone(),
            conditions: req.conditions.clone(),
            obligations: req.obligations.clone(),
        };
        let events = rules::decide(Some(&review), &case, cmd, actor, now)?;
        let reason = format!("Licence review: {}", req.reason.trim());
        let act = match req.outcome {
            ReviewOutcomeTag::Continue => None,
            ReviewOutcomeTag::Suspend => Some(Command::SuspendLicence { reason }),
            ReviewOutcomeTag::Revoke => Some(Command::RevokeLicence { reason }),
            ReviewOutcomeTag::AddConditions => Some(Command::AddLicenceConditions {
                conditions: req.conditions,
                obligations: req.obligations,
                reason,
            }),
        };
        if let Some(cmd) = act {
            self.execute_at(actor, review.case, cmd, now).await?;
        }
        let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
        self.append(&rules::stream(id), review.version, new, &[], &[]).await?;
        let decided = events.iter().try_fold(review, |r, e| rules::apply(Some(r), e, Some(actor.user), now));
        decided.ok_or_else(|| AppError::Internal(anyhow::anyhow!("the review was lost in its own decision")))
    }

    /// Reviews, newest first: open ones only, or all; of one case, or every case.
    pub fn reviews(
        &self,
        actor: &Actor,
        open_only: bool,
        case: Option<ApplicationId>,
    ) -> Result<Vec<Review>> {
        require_reader(actor)?;
        let mut out: Vec<Review> = self
            .read()
            .reviews
            .reviews
            .values()
            .filter(|r| !open_only || r.is_open())
            .filter(|r| case.is_none_or(|c| r.case == c))
            .cloned()
            .collect();
        out.sort_by_key(|r| std::cmp::Reverse(r.opened_at));
        Ok(out)
    }

    /// The live licences (case id, licence number, case title), for choosing the one a report or
    /// concern is about.
    pub fn licences_live(&self) -> Vec<(ApplicationId, String, String)> {
        self.cases_where(|a| a.licence.as_ref().is_some_and(|l| rules::is_live(l.status)))
            .into_iter()
            .filter_map(|a| a.licence.as_ref().map(|l| (a.id, l.number.clone(), a.title.clone())))
            .collect()
    }

    pub fn review(&self, actor: &Actor, id: Uuid) -> Result<Review> {
        require_reader(actor)?;
        self.read().reviews.reviews.get(&id).cloned().ok_or(AppError::NotFound)
    }
}

fn fold_review(stored: &[StoredEvent]) -> Result<Option<Review>> {
    stored.iter().try_fold(None, |r, e| {
        let event: ReviewEvent = decode(e).map_err(AppError::Internal)?;
        Ok(rules::apply(r, &event, actor_of_event(e), e.recorded_at))
    })
}
