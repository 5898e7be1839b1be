//! The evidence register: documented findings of misuse of surveillance technology and of human-rights
//! violations, by country and by end user, that the risk assessment weighs.
//!
//! Streams `evidence-<entry id>`, one per entry, every event carrying the whole entry as it stands
//! after it. Seeded from the bundled seed (`data/indicators/spyware_evidence_seed.csv`) the first
//! time the register is needed, then edited by human-rights assessors. Entries whose
//! `evidence_type` starts with `established_violation` record findings of a competent UN, EU or
//! Council of Europe body: the assessment reads them as established violations.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use oversight_domain::{Actor, OrgKind, Role, UserId};
use oversight_risk::{self as risk, Confidence, EvidenceEntry, EvidenceScope, Iso3};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};

use crate::{
    App, AppError,
    app::{Result, actor_of_event, new_event},
    projections::Fold,
};

pub fn evidence_stream(id: &str) -> String {
    format!("evidence-{id}")
}

/// Events of stream `evidence-<id>`. Every event carries the whole entry as it stands after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EvidenceEvent {
    /// Loaded from the bundled seed (`data/indicators/spyware_evidence_seed.csv`).
    EvidenceSeeded { entry: EvidenceEntry },
    /// Added by a human-rights assessor.
    EvidenceAdded { entry: EvidenceEntry },
    /// Changed by a human-rights assessor.
    EvidenceRevised { entry: EvidenceEntry },
}

impl EvidenceEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            EvidenceEvent::EvidenceSeeded { .. } => "evidence_seeded",
            EvidenceEvent::EvidenceAdded { .. } => "evidence_added",
            EvidenceEvent::EvidenceRevised { .. } => "evidence_revised",
        }
    }
}

/// One entry of the evidence register with its revision.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceView {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub entry: EvidenceEntry,
    /// Number of recorded versions of the entry (the version to expect when editing).
    pub version: u64,
    /// `seed` while the entry is as loaded from the bundled seed, else `assessor`.
    pub origin: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
    pub updated_by_name: Option<String>,
}

/// A new evidence entry or a change to one: on create, `iso3`, `finding`, `source`, `year` and
/// `confidence` are required; on edit, fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceChange {
    /// Create only: `[A-Za-z0-9._-]`, at most 80 characters; generated when absent.
    pub id: Option<String>,
    /// Country the finding is about: ISO 3166-1 alpha-2 or alpha-3.
    pub iso3: Option<String>,
    /// The named end user (agency) the finding is about; empty for a country-level finding.
    pub end_user: Option<String>,
    pub finding: Option<String>,
    pub evidence_type: Option<String>,
    pub technology: Option<String>,
    pub attributed_actor: Option<String>,
    /// Organisation(s) that published the finding.
    pub source: Option<String>,
    /// Title of the report.
    pub report: Option<String>,
    /// http(s) link to the report; empty to remove.
    pub url: Option<String>,
    pub year: Option<i32>,
    /// Exact date (YYYY-MM-DD) when known; empty to remove.
    pub date: Option<String>,
    /// `low`, `medium`, `medium-high` or `high`.
    pub confidence: Option<String>,
    /// Who reviewed the entry; defaults to the editing assessor's name.
    pub reviewer: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct EvidenceRecord {
    entry: EvidenceEntry,
    version: u64,
    seeded_only: bool,
    at: DateTime<Utc>,
    by: Option<UserId>,
}

/// The evidence register's read model.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceProjection {
    entries: BTreeMap<String, EvidenceRecord>,
}

impl EvidenceProjection {
    pub(crate) fn fold(&mut self, e: &StoredEvent, fold: &Fold) {
        let Fold::Evidence(id, event) = fold else { return };
        let seeded_only = matches!(event, EvidenceEvent::EvidenceSeeded { .. });
        let (EvidenceEvent::EvidenceSeeded { entry }
        | EvidenceEvent::EvidenceAdded { entry }
        | EvidenceEvent::EvidenceRevised { entry }) = event.clone();
        self.entries.insert(
            id.clone(),
            EvidenceRecord {
                entry,
                version: e.version,
                seeded_only,
                at: e.recorded_at,
                by: actor_of_event(e),
            },
        );
    }
}

fn seed() -> Result<&'static [EvidenceEntry]> {
    static S: OnceLock<Result<Vec<EvidenceEntry>, String>> = OnceLock::new();
    S.get_or_init(|| risk::seed_evidence().map_err(|e| e.to_string()))
        .as_deref()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("loading the bundled evidence seed: {e}")))
}

fn valid_evidence_id(id: &str) -> bool {
    (1..=80).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn optional(v: String) -> Option<String> {
    let t = v.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// Applies a change to an entry (a fresh one on create) and validates the result.
fn apply_change(mut e: EvidenceEntry, c: EvidenceChange, editor: &str) -> Result<EvidenceEntry> {
    if let Some(iso) = c.iso3 {
        e.iso3 = Iso3::parse(&iso).map_err(|err| AppError::invalid("iso3", err.to_string()))?;
    }
    if let Some(name) = c.end_user {
        e.scope = match optional(name) {
            Some(name) => EvidenceScope::EndUser { name },
            None => EvidenceScope::Country,
        };
    }
    // The one text policy (`oversight_domain::parse_text`); these fields may be empty, and only
    // the finding and the note are multi-line.
    let text = |field: &str, v: String, max: usize| -> Result<String> {
        let multiline = matches!(field, "finding" | "note");
        Ok(oversight_domain::check_optional_text(field, &v, max, multiline)?)
    };
    if let Some(v) = c.finding {
        e.finding = text("finding", v, 2000)?;
    }
    if let Some(v) = c.evidence_type {
        e.evidence_type = text("evidence_type", v, 200)?;
    }
    if let Some(v) = c.technology {
        e.technology = text("technology", v, 200)?;
    }
    if let Some(v) = c.attributed_actor {
        e.attributed_actor = text("attributed_actor", v, 300)?;
    }
    if let Some(v) = c.source {
        e.source = text("source", v, 300)?;
    }
    if let Some(v) = c.report {
        e.report = text("report", v, 500)?;
    }
    if let Some(v) = c.url {
        e.url = optional(text("url", v, 2000)?);
    }
    if let Some(y) = c.year {
        e.year = y;
    }
    if let Some(d) = c.date {
        e.date = match optional(d) {
            None => None,
            Some(d) => Some(
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| AppError::invalid("date", "must be a date YYYY-MM-DD"))?,
            ),
        };
    }
    if let Some(v) = c.confidence {
        e.confidence = v.parse::<Confidence>().map_err(|m| AppError::invalid("confidence", m))?;
    }
    if let Some(v) = c.note {
        e.note = text("note", v, 5000)?;
    }
    e.reviewer = match c.reviewer {
        Some(r) => optional(text("reviewer", r, 200)?),
        None => Some(editor.to_string()),
    };
    e.validate().map_err(|err| AppError::invalid(err.field, err.to_string()))?;
    Ok(e)
}

impl App {
    /// Loads the bundled seed into the register if any seed entry is missing. Idempotent and safe on
    /// several nodes: each entry goes to its own new stream, and a stream that exists already means
    /// someone seeded it (or an assessor edited it) first.
    pub async fn ensure_evidence_seeded(&self, at: DateTime<Utc>) -> Result<()> {
        let missing: Vec<&EvidenceEntry> = {
            let p = self.read();
            seed()?.iter().filter(|e| !p.evidence.entries.contains_key(&e.id)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        for entry in missing {
            let event = EvidenceEvent::EvidenceSeeded { entry: entry.clone() };
            let new = vec![new_event(event.kind(), &event, None, at)];
            match self.append(&evidence_stream(&entry.id), 0, new, &[], &[]).await {
                Ok(_) | Err(AppError::Contended(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn evidence_view(&self, r: &EvidenceRecord) -> EvidenceView {
        EvidenceView {
            entry: r.entry.clone(),
            version: r.version,
            origin: if r.seeded_only { "seed" } else { "assessor" }.into(),
            updated_at: r.at,
            updated_by: r.by.map(|u| u.to_string()),
            updated_by_name: self.user_name(r.by),
        }
    }

    /// The evidence register (authority only).
    pub async fn evidence_register(&self, actor: &Actor) -> Result<Vec<EvidenceView>> {
        if actor.org_kind != OrgKind::Authority {
            return Err(AppError::Forbidden("the evidence register is the authority's".into()));
        }
        self.ensure_evidence_seeded(self.now()).await?;
        let records: Vec<EvidenceRecord> = self.read().evidence.entries.values().cloned().collect();
        Ok(records.iter().map(|r| self.evidence_view(r)).collect())
    }

    fn require_assessor(&self, actor: &Actor) -> Result<String> {
        if actor.org_kind == OrgKind::Authority && actor.has(Role::HumanRightsAssessor) {
            Ok(self.user_name(Some(actor.user)).unwrap_or_else(|| actor.user.to_string()))
        } else {
            Err(AppError::Forbidden(
                "editing the evidence register requires the role human_rights_assessor".into(),
            ))
        }
    }

    /// Adds an entry to the evidence register (human-rights assessors only).
    pub async fn add_evidence(&self, actor: &Actor, change: EvidenceChange) -> Result<EvidenceView> {
        let editor = self.require_assessor(actor)?;
        let now = self.now();
        self.ensure_evidence_seeded(now).await?;
        let id = match change.id.clone() {
            Some(id) if !valid_evidence_id(&id) => {
                return Err(AppError::invalid("id", "use 1 to 80 letters, digits, '.', '_' or '-'"));
            }
            Some(id) => id,
            None => format!("ev-{}", self.new_uuid().simple()),
        };
        if change.iso3.is_none() {
            return Err(AppError::invalid("iso3", "the country the finding is about is required"));
        }
        if change.year.is_none() {
            return Err(AppError::invalid("year", "the year of the finding is required"));
        }
        if change.confidence.is_none() {
            return Err(AppError::invalid("confidence", "required: low, medium, medium-high or high"));
        }
        let blank = EvidenceEntry {
            id: id.clone(),
            iso3: Iso3::parse("NOR").map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?,
            scope: EvidenceScope::Country,
            finding: String::new(),
            evidence_type: String::new(),
            technology: String::new(),
            attributed_actor: String::new(),
            source: String::new(),
            report: String::new(),
            url: None,
            year: 0,
            date: None,
            confidence: Confidence::Low,
            reviewer: None,
            note: String::new(),
        };
        let entry = apply_change(blank, EvidenceChange { id: None, ..change }, &editor)?;
        let view = self.append_evidence(actor, &id, 0, EvidenceEvent::EvidenceAdded { entry }, now).await?;
        self.review_licences_for(&view.entry).await;
        Ok(view)
    }

    /// New evidence about a country: every live licence to it goes to review, the entry attached.
    async fn review_licences_for(&self, entry: &EvidenceEntry) {
        let iso3 = entry.iso3.as_str().to_string();
        let live = self.cases_where(|a| {
            a.destination.alpha3() == iso3
                && a.licence.as_ref().is_some_and(|l| oversight_domain::review::is_live(l.status))
        });
        let trigger = oversight_domain::review::Trigger::Evidence {
            evidence_id: entry.id.clone(),
            title: format!("{} ({})", entry.finding.chars().take(120).collect::<String>(), entry.year),
        };
        let evidence = format!(
            "{}\nSource: {} {}\nConfidence: {:?}. Technology: {}. Attributed to: {}.",
            entry.finding,
            entry.source,
            entry.report,
            entry.confidence,
            entry.technology,
            entry.attributed_actor
        );
        let reviews = live.into_iter().map(|a| (a.id, trigger.clone(), evidence.clone())).collect();
        // Opened by the platform: the entry's author is on the entry's own record.
        self.open_reviews(&Actor::platform(), reviews).await;
    }

    /// Changes an entry of the evidence register (human-rights assessors only); fields left out stay.
    pub async fn revise_evidence(
        &self,
        actor: &Actor,
        id: &str,
        change: EvidenceChange,
    ) -> Result<EvidenceView> {
        let editor = self.require_assessor(actor)?;
        let now = self.now();
        self.ensure_evidence_seeded(now).await?;
        if change.id.as_deref().is_some_and(|new| new != id) {
            return Err(AppError::invalid("id", "an entry's id cannot change"));
        }
        // The entry as stored (not as this node's read model has it), so an edit never undoes one
        // made on another node.
        let stored = self.store.read_stream(&evidence_stream(id)).await?;
        let last = stored.last().ok_or(AppError::NotFound)?;
        let (EvidenceEvent::EvidenceSeeded { entry: current }
        | EvidenceEvent::EvidenceAdded { entry: current }
        | EvidenceEvent::EvidenceRevised { entry: current }) =
            crate::app::decode(last).map_err(AppError::Internal)?;
        let entry = apply_change(current, change, &editor)?;
        self.append_evidence(actor, id, stored.len() as u64, EvidenceEvent::EvidenceRevised { entry }, now)
            .await
    }

    async fn append_evidence(
        &self,
        actor: &Actor,
        id: &str,
        expected: u64,
        event: EvidenceEvent,
        at: DateTime<Utc>,
    ) -> Result<EvidenceView> {
        let new = vec![new_event(event.kind(), &event, Some(actor.user), at)];
        match self.append(&evidence_stream(id), expected, new, &[], &[]).await {
            Err(AppError::Contended(_)) if expected == 0 => {
                return Err(AppError::Conflict(format!(
                    "an evidence entry with the id {id:?} already exists"
                )));
            }
            other => other?,
        };
        let (EvidenceEvent::EvidenceSeeded { entry }
        | EvidenceEvent::EvidenceAdded { entry }
        | EvidenceEvent::EvidenceRevised { entry }) = event;
        let record =
            EvidenceRecord { entry, version: expected + 1, seeded_only: false, at, by: Some(actor.user) };
        Ok(self.evidence_view(&record))
    }

    /// The register as it stands, in id order (for assessments).
    pub(crate) fn evidence_entries(&self) -> Vec<EvidenceEntry> {
        self.read().evidence.entries.values().map(|r| r.entry.clone()).collect()
    }
}

impl App {
    /// Findings of competent UN, EU or Council of Europe bodies about the destination (or about the
    /// named end user there): register entries whose `evidence_type` starts with
    /// `established_violation`.
    pub(crate) fn established_violations(
        &self,
        destination: &Iso3,
        end_user: &str,
    ) -> Vec<risk::assess::EstablishedViolation> {
        self.evidence_entries()
            .into_iter()
            .filter(|e| e.evidence_type.starts_with("established_violation") && &e.iso3 == destination)
            .filter(|e| match &e.scope {
                EvidenceScope::Country => true,
                EvidenceScope::EndUser { name } => name.trim().eq_ignore_ascii_case(end_user.trim()),
            })
            .map(|e| risk::assess::EstablishedViolation {
                body: e.source.clone(),
                finding: e.finding.clone(),
                reference: e.report.clone(),
                url: e.url.clone(),
                date: e.date.unwrap_or_else(|| NaiveDate::from_ymd_opt(e.year, 1, 1).unwrap_or_default()),
            })
            .collect()
    }
}
