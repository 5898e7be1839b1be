//! Screening of cases' parties against restricted-party lists, and the audit log of every search.
//!
//! The rules — which matches become alerts, who adjudicates, how a false match is remembered and
//! when that lapses, what blocks an approval — are `oversight_domain::screening`'s. This module
//! runs the engine (`oversight-screening`) and stores what the rules decide:
//!
//! - **Submission fails closed**: the cases capability calls [`App::screen_for_submission`] before
//!   `Submit` is decided; if no list was imported or screening fails for any reason, the submission
//!   is refused (503) and nothing is appended. Once the submission is stored the result is recorded
//!   on stream `screening-<case uuid>` (one `case_screened` record and one `screening_alert_raised`
//!   per new alert). The approval gate reads that stream from the store, so a lost write or a
//!   lagging node cannot let an unscreened case through.
//! - **Adjudication**: a licensing officer marks each alert a true or false match with a reason.
//! - **Re-screening**: every list import re-screens the parties of open cases and of cases with an
//!   active or suspended licence against the added and changed entries only; so does a denial
//!   (against the denied case's end users).
//! - **Audit**: every search (submission, re-screening, ad-hoc) is appended to its own stream
//!   `screening-search-<uuid>` with who, what, when, which list versions and the result. The read
//!   model keeps the latest [`SEARCH_LOG_KEPT`] of them; the log keeps all.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};
use oversight_domain::{
    Actor, Application, ApplicationId, ApplicationStatus, CountryCode, OrgKind, PartyId, Role, UserId,
    access,
    application::LicenceStatus,
    party::{Party, PartyRole},
    screening::{self as rules, Candidate, CaseScreening, CaseScreeningEvent, DismissalMemory},
};
use oversight_screening::{DEFAULT_THRESHOLD, Entry, Index, Match, Query, Schema};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use oversight_domain::screening::{Adjudication, Alert, ListVersion, Trigger, Verdict};

use crate::{
    App, AppError,
    app::{Result, decode, new_event},
    enforcement::DEBARMENTS_LIST,
    lists::{DENIALS_LIST, party_schema},
    projections::Fold,
};

/// Searches kept in memory for the audit-log view (the log itself keeps every one).
pub const SEARCH_LOG_KEPT: usize = 1000;

/// One query of a recorded search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<ApplicationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<PartyId>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// One match of a recorded search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedResult {
    /// Position of the query in `queries`.
    pub query: u32,
    pub list: String,
    pub source_id: String,
    pub name: String,
    pub score: f64,
}

/// The audit record of one search: who, what, when, against which list versions, with what result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchRecord {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `None` for the operator (CLI imports).
    pub by: Option<UserId>,
    pub purpose: Trigger,
    pub lists: Vec<ListVersion>,
    pub threshold: f64,
    pub queries: Vec<LoggedQuery>,
    /// Matches at or above the threshold (before dismissals are applied).
    pub results: Vec<LoggedResult>,
    /// Alerts this search raised on cases.
    pub alerts_raised: u32,
}

/// The event of stream `screening-search-<uuid>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SearchEvent {
    ScreeningSearchRecorded(SearchRecord),
}

/// An ad-hoc search.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    pub name: String,
    /// Person, Organization, LegalEntity, Vessel or Aircraft.
    #[serde(default)]
    pub schema: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    pub birth_date: Option<String>,
}

/// One match of an ad-hoc search.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hit {
    pub list: String,
    pub list_version: u64,
    pub source_id: String,
    pub name: String,
    pub score: f64,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub explanation: serde_json::Value,
}

/// The answer to an ad-hoc search.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub search_id: Uuid,
    pub lists: Vec<ListVersion>,
    pub threshold: f64,
    /// Matches at or above the threshold, best first.
    pub matches: Vec<Hit>,
}

/// A match with the content hash of the listed entry it met.
type Scored = (Match, String);

/// The screening of a case's parties before its submission, handed to the recording after it.
#[derive(Debug)]
pub(crate) struct Screened {
    lists: Vec<ListVersion>,
    results: Vec<(Party, Vec<Scored>)>,
}

/// The screening read model: each case's screening record, the memory of false matches, and the
/// latest searches.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreeningProjection {
    cases: HashMap<ApplicationId, CaseScreening>,
    dismissals: DismissalMemory,
    log: VecDeque<SearchRecord>,
}

impl ScreeningProjection {
    pub(crate) fn fold(&mut self, e: &StoredEvent, fold: &Fold) {
        match fold {
            Fold::CaseScreening(id, event) => {
                self.dismissals.apply(event);
                let state = self.cases.remove(id).unwrap_or_default();
                self.cases.insert(*id, rules::apply(state, event, e.recorded_at));
            }
            Fold::Search(SearchEvent::ScreeningSearchRecorded(r)) => {
                if self.log.len() == SEARCH_LOG_KEPT {
                    self.log.pop_front();
                }
                self.log.push_back(r.clone());
            }
            _ => {}
        }
    }
}

/// Told `(parties re-screened, parties to re-screen)` as a re-screening advances (the CLI's
/// progress bar).
pub type Progress = std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Screens one query, attaching each matched entry's content hash.
fn screen_scored(index: &Index, q: &Query) -> Vec<Scored> {
    crate::observe::screening_query();
    index
        .screen(q, DEFAULT_THRESHOLD)
        .into_iter()
        .map(|m| {
            let hash =
                index.entry_by_source(&m.list, &m.source_id).map(Entry::content_hash).unwrap_or_default();
            (m, hash)
        })
        .collect()
}

/// The review trigger of an alert raised on a licensed party.
fn list_match(a: &Alert) -> oversight_domain::review::Trigger {
    oversight_domain::review::Trigger::ListMatch {
        list: a.list.clone(),
        list_version: a.list_version,
        entry: a.source_id.clone(),
        party: a.party_name.clone(),
        score_percent: (a.score * 100.0).round() as u32,
    }
}

fn list_match_evidence(a: &Alert) -> String {
    format!(
        "Release {} of the list {} names \"{}\" (entry {}), which matches the licensed party \"{}\" ({}) with a score of {:.2}. The screening alert is on the case for adjudication.",
        a.list_version, a.list, a.entry_name, a.source_id, a.party_name, a.party_country, a.score
    )
}

/// Cases whose parties are re-screened when a list changes: open cases and live licences.
fn rescreen_target(a: &Application) -> bool {
    use ApplicationStatus::*;
    matches!(a.status, Submitted | UnderReview | Consultation | PendingDecision | OnHold)
        || a.licence
            .as_ref()
            .is_some_and(|l| matches!(l.status, LicenceStatus::Active | LicenceStatus::Suspended))
}

/// The screening query for a party. Government agencies and companies are organisations; only the
/// `individual` sector is a person.
impl App {
    /// The applicant organisation as a party to screen (name and country as registered).
    fn applicant_party(&self, app: &Application) -> Option<Party> {
        let org = self.orgs().into_iter().find(|o| o.id == app.org)?;
        Some(Party {
            id: PartyId(app.org.0),
            role: PartyRole::Applicant,
            name: org.name,
            address: String::new(),
            country: CountryCode::parse(&org.country).ok()?,
            sector: oversight_domain::party::Sector::Commercial,
        })
    }
}

fn party_query(p: &Party) -> Query {
    Query {
        name: p.name.clone(),
        schema: Some(party_schema(p.sector)),
        country: Some(p.country.to_string()),
        ..Query::default()
    }
}

fn logged_party(case: ApplicationId, p: &Party) -> LoggedQuery {
    let q = party_query(p);
    LoggedQuery {
        application: Some(case),
        party_id: Some(p.id),
        name: q.name,
        schema: q.schema.map(|s| s.to_string()),
        country: q.country,
        birth_date: None,
    }
}

fn logged_results<'a>(per_query: impl Iterator<Item = &'a [Scored]>) -> Vec<LoggedResult> {
    per_query
        .enumerate()
        .flat_map(|(i, ms)| {
            ms.iter().map(move |(m, _)| LoggedResult {
                query: i as u32,
                list: m.list.clone(),
                source_id: m.source_id.clone(),
                name: m.name.clone(),
                score: m.score,
            })
        })
        .collect()
}

fn check_birth_date(d: &str) -> Result<()> {
    let parts: Vec<&str> = d.split('-').collect();
    let num = |s: &str, len: usize, range: std::ops::RangeInclusive<u32>| {
        s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) && s.parse().is_ok_and(|n| range.contains(&n))
    };
    let ok = match parts.as_slice() {
        [y] => num(y, 4, 1000..=2999),
        [y, m] => num(y, 4, 1000..=2999) && num(m, 2, 1..=12),
        [y, m, day] => num(y, 4, 1000..=2999) && num(m, 2, 1..=12) && num(day, 2, 1..=31),
        _ => false,
    };
    if ok { Ok(()) } else { Err(AppError::invalid("birth_date", "write YYYY, YYYY-MM or YYYY-MM-DD")) }
}

impl App {
    /// Screens a case's parties against the full index: the check before a submission. Any failure
    /// is "screening unavailable" (503): the submission waits until its parties can be screened.
    pub(crate) async fn screen_for_submission(&self, app: &Application) -> Result<Screened> {
        self.screen_parties(app).await.map_err(|e| {
            let why = match e {
                AppError::Unavailable(m) => m,
                other => other.to_string(),
            };
            AppError::Unavailable(format!(
                "screening is unavailable ({why}); the application was not submitted and cannot be until its parties can be screened"
            ))
        })
    }

    async fn screen_parties(&self, app: &Application) -> Result<Screened> {
        let built = self.current_index().await?;
        if built.imported == 0 || built.index.is_empty() {
            return Err(AppError::Unavailable("the screening index is empty".into()));
        }
        let parties = app.parties.clone();
        let applicant = self.applicant_party(app);
        let b = built.clone();
        let results = tokio::task::spawn_blocking(move || {
            let mut results: Vec<(Party, Vec<Scored>)> = parties
                .into_iter()
                .map(|p| {
                    let m = screen_scored(&b.index, &party_query(&p));
                    (p, m)
                })
                .collect();
            // The applicant itself, against the authority's debarments only.
            if let Some(a) = applicant {
                let mut m = screen_scored(&b.index, &party_query(&a));
                m.retain(|(m, _)| m.list == DEBARMENTS_LIST);
                results.push((a, m));
            }
            results
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("screening failed: {e}")))?;
        Ok(Screened { lists: built.key.clone(), results })
    }

    /// Reacts to a case's stored events: records the submission's screening, and re-screens open
    /// cases against a denied case's end users.
    pub(crate) async fn screening_react(
        &self,
        actor: &Actor,
        app: &Application,
        appended: &[StoredEvent],
        screened: Option<Screened>,
    ) -> Result<()> {
        let mut screened = screened;
        for e in appended {
            match e.kind.as_str() {
                "submitted" => {
                    // A list imported between the check and now re-screened only submitted cases,
                    // not this one: screen it again against the current releases.
                    let current = self.current_index().await?.key.clone();
                    // So is a case whose parties are not the ones screened (the check read this
                    // node's read model; the submission was decided on the stored case).
                    let screened_parties = |s: &Screened| {
                        s.results
                            .iter()
                            .map(|(p, _)| p)
                            .filter(|p| p.role != PartyRole::Applicant)
                            .eq(app.parties.iter())
                    };
                    let result = match screened.take() {
                        Some(s) if s.lists == current && screened_parties(&s) => s,
                        _ => self.screen_parties(app).await?,
                    };
                    self.record_submission_screening(actor, app, result, e.recorded_at).await?;
                }
                "decided" if app.status == ApplicationStatus::Denied => {
                    let prefix = format!("{}/", app.id.0);
                    let mut denied = self.denial_entries();
                    let version = denied.len() as u64;
                    denied.retain(|d| d.source_id.starts_with(&prefix));
                    let lists = vec![ListVersion { name: DENIALS_LIST.into(), version }];
                    self.rescreen(Some(actor), Trigger::Denial, denied, lists, None).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The case's screening record, folded from the store (authoritative, whatever this node's read
    /// model has reached), with its stream version.
    pub(crate) async fn case_screening_from_store(&self, id: ApplicationId) -> Result<(CaseScreening, u64)> {
        let stored = self.store.read_stream(&rules::stream(id)).await?;
        let mut state = CaseScreening::default();
        for e in &stored {
            let event: CaseScreeningEvent = decode(e).map_err(AppError::Internal)?;
            state = rules::apply(state, &event, e.recorded_at);
        }
        Ok((state, stored.len() as u64))
    }

    /// Decides a screening command on the case's record as stored and appends what the rules say,
    /// deciding again if another writer got there first. Returns the events appended.
    async fn screening_command(
        &self,
        actor: Option<&Actor>,
        case: &Application,
        cmd: rules::Command,
        at: DateTime<Utc>,
    ) -> Result<Vec<CaseScreeningEvent>> {
        // The operator (CLI import) acts as the platform itself: its commands raise alerts only.
        let operator = Actor {
            user: UserId(Uuid::nil()),
            org: case.org,
            org_kind: OrgKind::Authority,
            roles: Vec::new(),
        };
        let who = actor.unwrap_or(&operator);
        self.retrying("the screening record", || {
            let cmd = cmd.clone();
            async move {
                let (state, version) = self.case_screening_from_store(case.id).await?;
                // Decided under the read guard (no await while it is held), so the dismissal memory
                // is consulted in place rather than copied.
                let events = {
                    let p = self.read();
                    let ctx = rules::Context {
                        actor: who,
                        now: at,
                        case: case.id,
                        case_owner: case.org,
                        dismissals: &p.screening.dismissals,
                    };
                    rules::decide(&state, cmd, &ctx)?
                };
                if events.is_empty() {
                    return Ok(events);
                }
                let new = events.iter().map(|e| new_event(e.kind(), e, actor.map(|a| a.user), at)).collect();
                self.append(&rules::stream(case.id), version, new, &[], &[]).await?;
                Ok(events)
            }
        })
        .await
    }

    fn candidates(
        &self,
        results: &[(Party, Vec<Scored>)],
        versions: &HashMap<String, u64>,
    ) -> Vec<Candidate> {
        results
            .iter()
            .flat_map(|(party, matches)| matches.iter().map(move |(m, hash)| (party, m, hash)))
            .map(|(party, m, hash)| Candidate {
                alert_id: self.new_uuid(),
                party_id: party.id,
                party_name: party.name.clone(),
                party_country: party.country.to_string(),
                list: m.list.clone(),
                list_version: versions.get(&m.list).copied().unwrap_or(0),
                source_id: m.source_id.clone(),
                entry_name: m.name.clone(),
                entry_hash: hash.clone(),
                score: m.score,
                explanation: serde_json::to_value(&m.explanation).unwrap_or_default(),
            })
            .collect()
    }

    async fn record_submission_screening(
        &self,
        actor: &Actor,
        case: &Application,
        screened: Screened,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let queries: Vec<LoggedQuery> =
            screened.results.iter().map(|(p, _)| logged_party(case.id, p)).collect();
        let results = logged_results(screened.results.iter().map(|(_, m)| m.as_slice()));
        let versions: HashMap<String, u64> =
            screened.lists.iter().map(|l| (l.name.clone(), l.version)).collect();
        let cmd = rules::Command::Record {
            trigger: Trigger::Submission,
            lists: screened.lists.clone(),
            parties: screened.results.len() as u32,
            candidates: self.candidates(&screened.results, &versions),
        };
        let events = self.screening_command(Some(actor), case, cmd, at).await?;
        let raised =
            events.iter().filter(|e| matches!(e, CaseScreeningEvent::ScreeningAlertRaised(_))).count();
        self.log_search(SearchRecord {
            id: self.new_uuid_at(at),
            at,
            by: Some(actor.user),
            purpose: Trigger::Submission,
            lists: screened.lists,
            threshold: DEFAULT_THRESHOLD,
            queries,
            results,
            alerts_raised: raised as u32,
        })
        .await
    }

    /// Re-screens the parties of open cases and live licences against `changed` entries only,
    /// raising new alerts. Returns (cases, parties, alerts raised).
    pub(crate) async fn rescreen(
        &self,
        by: Option<&Actor>,
        trigger: Trigger,
        changed: Vec<Entry>,
        lists: Vec<ListVersion>,
        progress: Option<Progress>,
    ) -> Result<(u64, u64, u64)> {
        if changed.is_empty() {
            return Ok((0, 0, 0));
        }
        let cases: BTreeMap<ApplicationId, Application> =
            self.cases_where(rescreen_target).into_iter().map(|a| (a.id, a)).collect();
        let targets: Vec<(ApplicationId, Party)> =
            cases.values().flat_map(|a| a.parties.iter().map(move |p| (a.id, p.clone()))).collect();
        let (targets, matches) = tokio::task::spawn_blocking(move || {
            let index = Index::build(changed);
            let total = targets.len() as u64;
            let m: Vec<Vec<Scored>> = targets
                .iter()
                .enumerate()
                .map(|(i, (_, p))| {
                    let scored = screen_scored(&index, &party_query(p));
                    if let Some(progress) = &progress {
                        progress(i as u64 + 1, total);
                    }
                    scored
                })
                .collect();
            (targets, m)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("re-screening failed: {e}")))?;
        let versions: HashMap<String, u64> =
            self.list_versions().into_iter().map(|l| (l.name, l.version)).collect();
        let now = self.now();
        let mut by_case: BTreeMap<ApplicationId, Vec<(Party, Vec<Scored>)>> = BTreeMap::new();
        for ((case, party), m) in targets.iter().zip(&matches) {
            if !m.is_empty() {
                by_case.entry(*case).or_default().push((party.clone(), m.clone()));
            }
        }
        let mut raised = 0u64;
        let mut reviews = Vec::new();
        for (id, results) in by_case {
            let cmd =
                rules::Command::RaiseAlerts { trigger, candidates: self.candidates(&results, &versions) };
            let events = self.screening_command(by, &cases[&id], cmd, now).await?;
            raised += events.len() as u64;
            // A match on a party of a live licence is new evidence: the licence goes to review.
            if cases[&id].licence.as_ref().is_some_and(|l| oversight_domain::review::is_live(l.status)) {
                reviews.extend(events.iter().filter_map(|e| match e {
                    CaseScreeningEvent::ScreeningAlertRaised(a) => {
                        Some((id, list_match(a), list_match_evidence(a)))
                    }
                    _ => None,
                }));
            }
        }
        if !reviews.is_empty() {
            // Opened by the platform: the release's importer is on the release's own record.
            self.open_reviews(&Actor::platform(), reviews).await;
        }
        let queries = targets.iter().map(|(case, p)| logged_party(*case, p)).collect();
        self.log_search(SearchRecord {
            id: self.new_uuid(),
            at: now,
            by: by.map(|a| a.user),
            purpose: trigger,
            lists,
            threshold: DEFAULT_THRESHOLD,
            queries,
            results: logged_results(matches.iter().map(Vec::as_slice)),
            alerts_raised: raised as u32,
        })
        .await?;
        let case_count = targets.iter().map(|(id, _)| *id).collect::<HashSet<_>>().len() as u64;
        Ok((case_count, targets.len() as u64, raised))
    }

    /// Records one search. Each search is a stream of its own, so concurrent searches (every
    /// submission screens) never contend for one stream's version.
    async fn log_search(&self, record: SearchRecord) -> Result<()> {
        let stream = format!("screening-search-{}", self.new_uuid());
        let event = SearchEvent::ScreeningSearchRecorded(record.clone());
        let new = vec![new_event("screening_search_recorded", &event, record.by, record.at)];
        self.append(&stream, 0, new, &[], &[]).await.map(drop)
    }

    /// The case, if the actor may see it, for a screening action only the authority takes.
    fn screening_case(&self, actor: &Actor, id: ApplicationId, what: &str) -> Result<Application> {
        let case = self.case(id).ok_or(AppError::NotFound)?;
        access::require_on_case(actor, case.org, &access::CASE_FILE_ROLES, what)?;
        Ok(case)
    }

    /// The screening alerts on a case. Authority users only: screening results are internal (the
    /// applicant is answered 403, so it is not told which of its parties are flagged).
    pub fn alerts(&self, actor: &Actor, id: ApplicationId) -> Result<Vec<Alert>> {
        self.screening_case(actor, id, "seeing screening alerts")?;
        Ok(self.read().screening.cases.get(&id).map(|c| c.alerts.clone()).unwrap_or_default())
    }

    /// The cases with an alert that still blocks approval (unadjudicated or a true match): the
    /// screening capability's answer to the work queue.
    /// What each list release's re-screening found (administrators): for `(list, version)`, the
    /// alerts it raised on cases when imported, and how many of them are still open.
    pub fn rescreen_findings(
        &self,
        actor: &Actor,
    ) -> Result<std::collections::HashMap<(String, u64), (u64, u64)>> {
        if !(actor.org_kind == OrgKind::Authority && actor.has(Role::Administrator)) {
            return Err(AppError::Forbidden("the lists' findings are for administrators".into()));
        }
        let mut found: std::collections::HashMap<(String, u64), (u64, u64)> = Default::default();
        for case in self.read().screening.cases.values() {
            for a in case.alerts.iter().filter(|a| a.trigger == Trigger::ListImport) {
                let e = found.entry((a.list.clone(), a.list_version)).or_default();
                e.0 += 1;
                e.1 += u64::from(a.adjudication.is_none());
            }
        }
        Ok(found)
    }

    pub(crate) fn cases_with_open_alerts(&self) -> std::collections::HashSet<ApplicationId> {
        let p = self.read();
        p.screening
            .cases
            .iter()
            .filter(|(_, c)| c.alerts.iter().any(|a| a.adjudication.is_none()))
            .map(|(id, _)| *id)
            .collect()
    }

    /// The screening hits on a case, for its risk assessment: every alert with its finding.
    pub(crate) async fn screening_hits(
        &self,
        id: ApplicationId,
    ) -> Result<Vec<oversight_risk::assess::ScreeningHit>> {
        use oversight_risk::assess::{HitStatus, ScreeningHit};
        let (state, _) = self.case_screening_from_store(id).await?;
        Ok(state
            .alerts
            .into_iter()
            .map(|a| ScreeningHit {
                party: a.party_name,
                list: a.list,
                entry_id: a.source_id,
                score: a.score,
                status: match a.adjudication.map(|j| j.verdict) {
                    None => HitStatus::Unreviewed,
                    Some(Verdict::TrueMatch) => HitStatus::ConfirmedMatch,
                    Some(Verdict::FalseMatch) => HitStatus::FalseMatch,
                },
            })
            .collect())
    }

    /// A licensing officer's finding on an alert, with a reason. A false match is remembered and
    /// not raised again for the same party until the listed entry changes. An alert is adjudicated
    /// once (a second finding is a conflict).
    pub async fn adjudicate_alert(
        &self,
        actor: &Actor,
        id: ApplicationId,
        alert_id: Uuid,
        verdict: Verdict,
        reason: &str,
    ) -> Result<Alert> {
        let case = self.case(id).ok_or(AppError::NotFound)?;
        let cmd = rules::Command::Adjudicate { alert_id, verdict, reason: reason.to_string() };
        self.screening_command(Some(actor), &case, cmd, self.now()).await?;
        let (state, _) = self.case_screening_from_store(id).await?;
        state.alerts.into_iter().find(|a| a.id == alert_id).ok_or(AppError::NotFound)
    }

    /// Screens one name against the current lists (authority users, and exporters screening their
    /// own customers). Recorded in the audit log. Exporters do not see the authority's denials.
    pub async fn screening_search(&self, actor: &Actor, req: &SearchRequest) -> Result<SearchResponse> {
        let authority = actor.org_kind == OrgKind::Authority;
        if !(authority || (actor.org_kind == OrgKind::Exporter && actor.has(Role::Exporter))) {
            return Err(AppError::Forbidden("screening searches are for the authority and exporters".into()));
        }
        let name = oversight_domain::parse_text("name", &req.name, 300)?;
        let schema = match req.schema.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(s.parse::<Schema>().map_err(|e| AppError::invalid("schema", e))?),
        };
        let country = match req.country.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => Some(CountryCode::parse(c)?.to_string()),
        };
        let birth_date =
            req.birth_date.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(d) = &birth_date {
            check_birth_date(d)?;
        }
        let query = Query {
            name: name.clone(),
            schema,
            country: country.clone(),
            birth_date: birth_date.clone(),
            identifiers: vec![],
        };
        let built = self.current_index().await?;
        let b = built.clone();
        let q = query.clone();
        let mut matches = tokio::task::spawn_blocking(move || screen_scored(&b.index, &q))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("screening failed: {e}")))?;
        let mut lists = built.key.clone();
        if !authority {
            matches.retain(|(m, _)| m.list != DENIALS_LIST);
            lists.retain(|l| l.name != DENIALS_LIST);
        }
        let versions: HashMap<&str, u64> = lists.iter().map(|l| (l.name.as_str(), l.version)).collect();
        let record = SearchRecord {
            id: self.new_uuid(),
            at: self.now(),
            by: Some(actor.user),
            purpose: Trigger::Search,
            lists: lists.clone(),
            threshold: DEFAULT_THRESHOLD,
            queries: vec![LoggedQuery {
                application: None,
                party_id: None,
                name,
                schema: schema.map(|s| s.to_string()),
                country,
                birth_date,
            }],
            results: logged_results(std::iter::once(matches.as_slice())),
            alerts_raised: 0,
        };
        let search_id = record.id;
        self.log_search(record).await?;
        let matches = matches
            .into_iter()
            .map(|(m, _)| Hit {
                list_version: versions.get(m.list.as_str()).copied().unwrap_or(0),
                list: m.list,
                source_id: m.source_id,
                name: m.name,
                score: m.score,
                explanation: serde_json::to_value(&m.explanation).unwrap_or_default(),
            })
            .collect();
        Ok(SearchResponse { search_id, lists, threshold: DEFAULT_THRESHOLD, matches })
    }

    /// The latest searches of the audit log, newest first (authority users; at most
    /// [`SEARCH_LOG_KEPT`]).
    pub fn screening_log(&self, actor: &Actor, limit: usize) -> Result<Vec<SearchRecord>> {
        if actor.org_kind != OrgKind::Authority {
            return Err(AppError::Forbidden("the screening log is shown to the authority only".into()));
        }
        Ok(self.read().screening.log.iter().rev().take(limit).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_are_year_month_or_day_precise() {
        for ok in ["1970", "1970-01", "1970-01-31"] {
            assert!(check_birth_date(ok).is_ok(), "{ok}");
        }
        for bad in ["70", "1970-1", "1970-13", "1970-01-32", "x", "1970-01-01-01"] {
            assert!(check_birth_date(bad).is_err(), "{bad}");
        }
    }
}
