//! Screening of an application's parties against restricted-party lists (issue #3, part 5).
//!
//! - **List releases** are imported (`App::import_list`, `App::import_list_bytes`) as versioned
//!   events on stream `list-<name>` (`list_release_imported`); the parsed entries are stored as one
//!   JSON blob addressed by its SHA-256. An import is all-or-nothing: a file that does not parse
//!   stores nothing and the error names the file and line.
//! - **The index** is built in memory by every node from the latest release of every list it has
//!   folded from the log, plus the built-in list `authority-denials` (end users of denied cases,
//!   derived from the case read model). It is rebuilt lazily when the set of releases changes, so an
//!   import on one node re-indexes all nodes at their next screening.
//! - **Submission fails closed**: `screening_guard` screens every party before `Command::Submit` is
//!   decided; if no list was imported or screening fails for any reason, the submission is refused
//!   (503) and nothing is appended. The results are appended right after the submission
//!   (`screening_react`) to stream `screening-<case uuid>`: one `case_screened` record and one
//!   `screening_alert_raised` per alert. Approval is refused unless that record exists, so a lost
//!   write cannot let an unscreened case through.
//! - **Adjudication**: a licensing officer marks each alert a true or false match with a reason. A
//!   false match is remembered by (party name, party country, list, source id, entry content hash)
//!   and not raised again until the listed entry itself changes. Approval is refused while an alert
//!   is unadjudicated or a true match; denial stays possible.
//! - **Re-screening**: every import re-screens the parties of open cases and of cases with an active
//!   or suspended licence against the added and changed entries only; so does a denial (against the
//!   denied case's end users).
//! - **Audit**: every search (submission, re-screening, ad-hoc) is appended to
//!   its own stream `screening-search-<uuid>` with who, what, when, which list versions and the result.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use oversight_domain::{
    Actor, Application, ApplicationId, ApplicationStatus, CountryCode, OrgKind, PartyId, Role, UserId,
    application::{LicenceStatus, Outcome},
    lifecycle::Command,
    party::{Party, PartyRole, Sector},
};
use oversight_screening::{
    DEFAULT_THRESHOLD, Entry, EntryName, Format, Index, Match, NameStrength, Query, Schema, diff_entries,
};
use oversight_store::{NewEvent, StoredEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{App, AppError, projections::Projections};

type Result<T, E = AppError> = std::result::Result<T, E>;

/// The built-in list of the authority's own denials: end users of denied cases.
pub const DENIALS_LIST: &str = "authority-denials";

/// Largest list file accepted (the full US Consolidated Screening List is about 6 MB).
pub const MAX_LIST_BYTES: usize = 64 * 1024 * 1024;

/// One imported release of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListRelease {
    pub name: String,
    /// 1, 2, ... per list name.
    pub version: u64,
    /// The file format (`csl-csv`, `un-xml`, ...).
    pub format: String,
    /// The file's name as given at import.
    pub source_file: String,
    /// SHA-256 of the imported file (for a folder of OFAC CSV files: of the files in name order).
    pub source_sha256: String,
    pub entry_count: u64,
    /// SHA-256 of the blob holding the parsed entries (JSON).
    pub entries_blob: String,
    /// `None` when imported by an operator on the server (CLI).
    pub imported_by: Option<UserId>,
    pub imported_at: DateTime<Utc>,
}

/// A list and the version a screening used.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListVersion {
    pub name: String,
    pub version: u64,
}

/// An officer's finding on an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    TrueMatch,
    FalseMatch,
}

/// Why a screening ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The application was submitted.
    Submission,
    /// A list release was imported (re-screening against its added and changed entries).
    ListImport,
    /// A case was denied, adding its end users to `authority-denials`.
    Denial,
    /// An ad-hoc search.
    Search,
}

/// An officer's adjudication of an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adjudication {
    pub verdict: Verdict,
    pub reason: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A possible match of a party against a listed entry: a flag on the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    pub application: ApplicationId,
    pub party_id: PartyId,
    pub party_name: String,
    pub party_country: String,
    pub list: String,
    pub list_version: u64,
    /// The source's own id of the listed entry (CSL `_id`, UN reference number, ...).
    pub source_id: String,
    /// The listed entry's primary name.
    pub entry_name: String,
    /// Content hash of the listed entry when the alert was raised (a dismissal holds while it stays).
    pub entry_hash: String,
    /// In [0, 1]; alerts are raised at or above the default threshold.
    pub score: f64,
    /// Which names met, the token alignment, and what raised or lowered the score.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub explanation: serde_json::Value,
    pub trigger: Trigger,
    pub raised_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjudication: Option<Adjudication>,
}

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

/// The events of the screening capability, stored as JSON with `type` as the kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ScreeningEvent {
    /// On `list-<name>`.
    ListReleaseImported(ListRelease),
    /// On `screening-<case>`: the case's parties were screened on submission.
    CaseScreened { trigger: Trigger, lists: Vec<ListVersion>, parties: u32, alerts_raised: u32 },
    /// On `screening-<case>`.
    ScreeningAlertRaised(Alert),
    /// On `screening-<case>`.
    ScreeningAlertAdjudicated { alert_id: Uuid, verdict: Verdict, reason: String, by: UserId },
    /// On `screening-search-<uuid>`, one stream per search.
    ScreeningSearchRecorded(SearchRecord),
}

impl ScreeningEvent {
    fn kind(&self) -> &'static str {
        match self {
            ScreeningEvent::ListReleaseImported(_) => "list_release_imported",
            ScreeningEvent::CaseScreened { .. } => "case_screened",
            ScreeningEvent::ScreeningAlertRaised(_) => "screening_alert_raised",
            ScreeningEvent::ScreeningAlertAdjudicated { .. } => "screening_alert_adjudicated",
            ScreeningEvent::ScreeningSearchRecorded(_) => "screening_search_recorded",
        }
    }
}

/// What a false-match dismissal is keyed by: it holds while the listed entry is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DismissalKey {
    party_name: String,
    party_country: String,
    list: String,
    source_id: String,
    entry_hash: String,
}

impl DismissalKey {
    fn of(party_name: &str, party_country: &str, list: &str, source_id: &str, entry_hash: &str) -> Self {
        DismissalKey {
            party_name: party_name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase(),
            party_country: party_country.to_uppercase(),
            list: list.into(),
            source_id: source_id.into(),
            entry_hash: entry_hash.into(),
        }
    }
}

/// A built index and what it was built from.
#[derive(Debug)]
struct Built {
    key: Vec<ListVersion>,
    /// Imported lists (not counting the built-in denials list).
    imported: usize,
    index: Index,
}

/// The result of screening a case on submission, kept from the guard to the reaction.
#[derive(Debug)]
struct Pending {
    lists: Vec<ListVersion>,
    results: Vec<(Party, Vec<Scored>)>,
}

/// A match with the content hash of the listed entry it met.
type Scored = (Match, String);

/// Screens one query, attaching each matched entry's content hash.
fn screen_scored(index: &Index, q: &Query) -> Vec<Scored> {
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

/// State shared by every clone of the projection's handle: the index cache and pending results.
#[derive(Debug, Default)]
struct Shared {
    index: tokio::sync::Mutex<Option<Arc<Built>>>,
    pending: Mutex<HashMap<ApplicationId, Pending>>,
}

/// Read model of list releases, alerts and adjudications.
#[derive(Debug, Default)]
pub struct ScreeningProjection {
    releases: BTreeMap<String, Vec<ListRelease>>,
    alerts: BTreeMap<ApplicationId, Vec<Alert>>,
    alert_case: HashMap<Uuid, ApplicationId>,
    /// Cases whose parties were screened on submission (count of `case_screened` records).
    screened: HashMap<ApplicationId, u32>,
    dismissals: HashSet<DismissalKey>,
    log: Vec<SearchRecord>,
    /// Current version of every screening stream, for appends.
    versions: HashMap<String, u64>,
    shared: Arc<Shared>,
}

impl ScreeningProjection {
    /// Folds one stored event (any stream; ignore what is not yours).
    pub fn apply(&mut self, e: &StoredEvent) -> anyhow::Result<()> {
        let mine = e.stream_id.starts_with("list-") || e.stream_id.starts_with("screening-");
        if !mine {
            return Ok(());
        }
        self.versions.insert(e.stream_id.clone(), e.version);
        let event: ScreeningEvent = serde_json::from_value(e.payload.clone())
            .map_err(|err| anyhow::anyhow!("event {} ({}): {err}", e.seq, e.kind))?;
        match event {
            ScreeningEvent::ListReleaseImported(r) => {
                self.releases.entry(r.name.clone()).or_default().push(r);
            }
            ScreeningEvent::CaseScreened { .. } => {
                if let Some(id) = case_of_stream(&e.stream_id) {
                    *self.screened.entry(id).or_default() += 1;
                }
            }
            ScreeningEvent::ScreeningAlertRaised(a) => {
                self.alert_case.insert(a.id, a.application);
                self.alerts.entry(a.application).or_default().push(a);
            }
            ScreeningEvent::ScreeningAlertAdjudicated { alert_id, verdict, reason, by } => {
                let Some(case) = self.alert_case.get(&alert_id) else { return Ok(()) };
                let Some(alert) =
                    self.alerts.get_mut(case).and_then(|v| v.iter_mut().find(|a| a.id == alert_id))
                else {
                    return Ok(());
                };
                alert.adjudication = Some(Adjudication { verdict, reason, by, at: e.recorded_at });
                let key = DismissalKey::of(
                    &alert.party_name,
                    &alert.party_country,
                    &alert.list,
                    &alert.source_id,
                    &alert.entry_hash,
                );
                match verdict {
                    Verdict::FalseMatch => self.dismissals.insert(key),
                    Verdict::TrueMatch => self.dismissals.remove(&key),
                };
            }
            ScreeningEvent::ScreeningSearchRecorded(r) => self.log.push(r),
        }
        Ok(())
    }

    /// The latest release of every imported list, by name.
    fn latest(&self) -> Vec<ListRelease> {
        self.releases.values().filter_map(|v| v.last().cloned()).collect()
    }
}

fn case_of_stream(stream: &str) -> Option<ApplicationId> {
    stream.strip_prefix("screening-").and_then(|s| s.parse().ok())
}

fn screening_stream(id: ApplicationId) -> String {
    format!("screening-{}", id.0)
}

fn list_stream(name: &str) -> String {
    format!("list-{name}")
}

/// A list and its releases, as shown to the authority.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSummary {
    pub name: String,
    /// Built-in lists are derived from the platform's own records, not imported.
    pub builtin: bool,
    pub current_version: u64,
    pub entry_count: u64,
    /// Every imported release, oldest first (empty for built-in lists).
    pub releases: Vec<ListRelease>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub release: ListRelease,
    /// Entries new in this release, changed since the previous one, and gone from it.
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    /// Cases (open, or with an active or suspended licence) re-screened against added and changed
    /// entries, their parties, and the alerts raised.
    pub cases_rescreened: u64,
    pub parties_rescreened: u64,
    pub alerts_raised: u64,
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
fn party_query(p: &Party) -> Query {
    let schema = if p.sector == Sector::Individual { Schema::Person } else { Schema::Organization };
    Query {
        name: p.name.clone(),
        schema: Some(schema),
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

/// The authority's denials as list entries: the end users of every denied case.
fn denial_entries(p: &Projections) -> Vec<Entry> {
    let mut out = Vec::new();
    for a in p.applications.values().filter(|a| a.status == ApplicationStatus::Denied) {
        for party in
            a.parties.iter().filter(|p| matches!(p.role, PartyRole::EndUser | PartyRole::UltimateEndUser))
        {
            let schema =
                if party.sector == Sector::Individual { Schema::Person } else { Schema::Organization };
            let mut e = Entry::new(DENIALS_LIST, format!("{}/{}", a.id.0, party.id.0), schema);
            e.names.push(EntryName { name: party.name.clone(), strength: NameStrength::Primary, kind: None });
            e.add_country(&party.country.to_string());
            e.addresses.push(party.address.clone());
            let when = a.decision.as_ref().map(|d| d.at.date_naive().to_string()).unwrap_or_default();
            e.programs.push(format!("licence denied {when}").trim().to_string());
            out.push(e);
        }
    }
    out
}

fn is_authority(actor: &Actor) -> bool {
    actor.org_kind == OrgKind::Authority
}

fn require_admin(actor: &Actor) -> Result<()> {
    if is_authority(actor) && actor.has(Role::Administrator) {
        Ok(())
    } else {
        Err(AppError::Forbidden("importing restricted-party lists requires the role administrator".into()))
    }
}

fn check_list_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !ok {
        return Err(AppError::invalid("name", "list names are 1-64 characters of a-z, 0-9 and '-'"));
    }
    if name == DENIALS_LIST {
        return Err(AppError::invalid("name", format!("{DENIALS_LIST} is built in and cannot be imported")));
    }
    Ok(())
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

/// Parses a list file in a blocking thread; errors name `display` in place of the path read.
async fn parse_list(format: Format, path: &Path, display: &str) -> Result<Vec<Entry>> {
    let (p, shown) = (path.to_path_buf(), path.display().to_string());
    let parsed = tokio::task::spawn_blocking(move || format.load(&p))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    parsed.map_err(|e| AppError::invalid("file", e.to_string().replace(&shown, display)))
}

/// SHA-256 of a list file, or of the files of a folder in name order.
fn source_sha256(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        let mut h = sha2::Sha256::new();
        for f in files {
            h.update(std::fs::read(f)?);
        }
        Ok(hex::encode(h.finalize()))
    } else {
        Ok(oversight_store::sha256_hex(&std::fs::read(path)?))
    }
}

impl App {
    // ----- lists ----------------------------------------------------------------------------

    /// Imports a list file (`format` as in `oversight screen --list-file`) as the next release of
    /// the list `name`, then re-screens open cases and live licences against its added and changed
    /// entries. `by` is `None` for the operator's CLI; otherwise it must be an administrator.
    pub async fn import_list(
        &self,
        by: Option<&Actor>,
        name: &str,
        format: &str,
        path: &Path,
    ) -> Result<ImportReport> {
        if let Some(actor) = by {
            require_admin(actor)?;
        }
        check_list_name(name)?;
        let fmt = Format::parse(format).map_err(|e| AppError::invalid("format", e.to_string()))?;
        let display = path.display().to_string();
        let entries = parse_list(fmt, path, &display).await?;
        let sha = source_sha256(path).map_err(|e| AppError::invalid("file", format!("{display}: {e}")))?;
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or(display);
        self.store_release(by, name, format, &file, sha, entries).await
    }

    /// Imports an uploaded list file (the admin API). `filename` names the file in errors and in
    /// the release. The OFAC legacy CSV format is a folder of files and can only be imported with
    /// the CLI.
    pub async fn import_list_bytes(
        &self,
        by: &Actor,
        name: &str,
        format: &str,
        filename: &str,
        content: &[u8],
    ) -> Result<ImportReport> {
        require_admin(by)?;
        check_list_name(name)?;
        let fmt = Format::parse(format).map_err(|e| AppError::invalid("format", e.to_string()))?;
        if fmt == Format::OfacCsv {
            return Err(AppError::invalid(
                "format",
                "ofac-csv is a folder of files: import it with `oversight lists import`, or upload ofac-xml",
            ));
        }
        if content.is_empty() {
            return Err(AppError::invalid("body", "the list file is empty"));
        }
        if content.len() > MAX_LIST_BYTES {
            return Err(AppError::invalid(
                "body",
                format!("list files are limited to {MAX_LIST_BYTES} bytes"),
            ));
        }
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.into()))?;
        // The OFAC XML parser tells a zip from plain XML by its content, whatever the name.
        let path = dir.path().join("upload");
        std::fs::write(&path, content).map_err(|e| AppError::Internal(e.into()))?;
        let entries = parse_list(fmt, &path, filename).await?;
        let sha = oversight_store::sha256_hex(content);
        self.store_release(Some(by), name, format, filename, sha, entries).await
    }

    async fn store_release(
        &self,
        by: Option<&Actor>,
        name: &str,
        format: &str,
        file: &str,
        source_sha256: String,
        mut entries: Vec<Entry>,
    ) -> Result<ImportReport> {
        for e in &mut entries {
            e.list = name.to_string();
        }
        let (previous, stream_version) = {
            let p = self.read();
            let prev = p.screening.releases.get(name).and_then(|v| v.last().cloned());
            (prev, p.screening.versions.get(&list_stream(name)).copied().unwrap_or(0))
        };
        let now = self.now();
        let blob = serde_json::to_vec(&entries).map_err(|e| AppError::Internal(e.into()))?;
        let entries_blob = self.store.put_blob(&blob, now).await?;
        let release = ListRelease {
            name: name.into(),
            version: previous.as_ref().map_or(1, |r| r.version + 1),
            format: format.into(),
            source_file: file.into(),
            source_sha256,
            entry_count: entries.len() as u64,
            entries_blob,
            imported_by: by.map(|a| a.user),
            imported_at: now,
        };
        let event = ScreeningEvent::ListReleaseImported(release.clone());
        let new = [new_event(&event, by.map(|a| a.user), now)];
        match self.store.append(&list_stream(name), stream_version, &new).await {
            Err(oversight_store::StoreError::Conflict { .. }) => {
                return Err(AppError::Conflict(format!(
                    "another release of list {name} was imported at the same time; retry"
                )));
            }
            other => other?,
        };
        self.catch_up().await?;
        let old = match &previous {
            Some(r) => self.release_entries(r).await?,
            None => Vec::new(),
        };
        let delta = diff_entries(&old, &entries);
        let changed: Vec<Entry> = delta.to_rescreen().map(|i| entries[i].clone()).collect();
        let lists = vec![ListVersion { name: name.into(), version: release.version }];
        let (cases, parties, alerts) = self.rescreen(by, Trigger::ListImport, changed, lists).await?;
        Ok(ImportReport {
            release,
            added: delta.added.len() as u64,
            changed: delta.changed.len() as u64,
            removed: delta.removed.len() as u64,
            cases_rescreened: cases,
            parties_rescreened: parties,
            alerts_raised: alerts,
        })
    }

    async fn release_entries(&self, r: &ListRelease) -> Result<Vec<Entry>> {
        let bytes = self.store.get_blob(&r.entries_blob).await?.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "entries blob {} of list {} v{} is missing",
                r.entries_blob,
                r.name,
                r.version
            ))
        })?;
        serde_json::from_slice(&bytes).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "entries blob of list {} v{} is corrupt: {e}",
                r.name,
                r.version
            ))
        })
    }

    /// The lists and their releases (authority users).
    pub fn lists(&self, actor: &Actor) -> Result<Vec<ListSummary>> {
        if !is_authority(actor) {
            return Err(AppError::Forbidden("restricted-party lists are shown to the authority only".into()));
        }
        let p = self.read();
        let mut out: Vec<ListSummary> = p
            .screening
            .releases
            .iter()
            .map(|(name, releases)| {
                let last = releases.last();
                ListSummary {
                    name: name.clone(),
                    builtin: false,
                    current_version: last.map_or(0, |r| r.version),
                    entry_count: last.map_or(0, |r| r.entry_count),
                    releases: releases.clone(),
                }
            })
            .collect();
        let denials = denial_entries(&p).len() as u64;
        out.push(ListSummary {
            name: DENIALS_LIST.into(),
            builtin: true,
            current_version: denials,
            entry_count: denials,
            releases: Vec::new(),
        });
        Ok(out)
    }

    // ----- the index ------------------------------------------------------------------------

    /// The index over the latest release of every list plus the authority's denials, rebuilt when
    /// they changed. Fails when no list was imported: screening against nothing is not screening.
    async fn current_index(&self) -> Result<Arc<Built>> {
        let (latest, denials, shared) = {
            let p = self.read();
            (p.screening.latest(), denial_entries(&p), p.screening.shared.clone())
        };
        if latest.is_empty() {
            return Err(AppError::Unavailable(
                "no restricted-party list has been imported, so parties cannot be screened".into(),
            ));
        }
        let mut key: Vec<ListVersion> =
            latest.iter().map(|r| ListVersion { name: r.name.clone(), version: r.version }).collect();
        key.push(ListVersion { name: DENIALS_LIST.into(), version: denials.len() as u64 });
        let mut cached = shared.index.lock().await;
        if let Some(b) = cached.as_ref().filter(|b| b.key == key) {
            return Ok(b.clone());
        }
        let mut entries = Vec::new();
        for r in &latest {
            entries.extend(self.release_entries(r).await?);
        }
        entries.extend(denials);
        let index = tokio::task::spawn_blocking(move || Index::build(entries))
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let built = Arc::new(Built { key, imported: latest.len(), index });
        *cached = Some(built.clone());
        Ok(built)
    }

    /// Screens a case's parties against the full index (the submission check).
    async fn screen_case(&self, app: &Application) -> Result<Pending> {
        let built = self.current_index().await?;
        if built.imported == 0 || built.index.is_empty() {
            return Err(AppError::Unavailable("the screening index is empty".into()));
        }
        let parties = app.parties.clone();
        let b = built.clone();
        let results = tokio::task::spawn_blocking(move || {
            parties
                .into_iter()
                .map(|p| {
                    let m = screen_scored(&b.index, &party_query(&p));
                    (p, m)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("screening failed: {e}")))?;
        Ok(Pending { lists: built.key.clone(), results })
    }

    // ----- hooks ----------------------------------------------------------------------------

    /// Runs before a case command is decided; an error refuses the command (nothing is appended).
    ///
    /// - `Submit`: every party is screened now; if that cannot be done the submission is refused
    ///   (fail closed). The results are appended by `screening_react` once the submission is.
    /// - `Decide` to approve: refused until the case was screened and while an alert is
    ///   unadjudicated or a true match.
    pub(crate) async fn screening_guard(
        &self,
        _actor: &Actor,
        state: Option<&Application>,
        cmd: &Command,
    ) -> Result<(), AppError> {
        let Some(app) = state else { return Ok(()) };
        match cmd {
            Command::Submit if app.status == ApplicationStatus::Draft => {
                let pending = self.screen_case(app).await.map_err(|e| {
                    let why = match e {
                        AppError::Unavailable(m) => m,
                        other => other.to_string(),
                    };
                    AppError::Unavailable(format!(
                        "screening is unavailable ({why}); the application was not submitted and cannot be until its parties can be screened"
                    ))
                })?;
                self.read().screening.shared.pending.lock().expect("pending lock").insert(app.id, pending);
                Ok(())
            }
            Command::Decide { outcome: Outcome::Approve | Outcome::ApproveWithConditions, .. } => {
                let p = self.read();
                if !p.screening.screened.contains_key(&app.id) {
                    return Err(AppError::Conflict(
                        "approval refused: the parties of this case have no screening record".into(),
                    ));
                }
                let alerts = p.screening.alerts.get(&app.id).map(Vec::as_slice).unwrap_or_default();
                let open = alerts.iter().filter(|a| a.adjudication.is_none()).count();
                let true_matches = alerts
                    .iter()
                    .filter(|a| a.adjudication.as_ref().is_some_and(|j| j.verdict == Verdict::TrueMatch))
                    .count();
                if open > 0 || true_matches > 0 {
                    return Err(AppError::Conflict(format!(
                        "approval refused: {open} screening alert(s) not yet adjudicated and {true_matches} confirmed as true matches"
                    )));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Runs after a case command's events were appended: records the submission's screening, and
    /// re-screens open cases against a denied case's end users.
    pub(crate) async fn screening_react(
        &self,
        actor: &Actor,
        app: &Application,
        appended: &[StoredEvent],
    ) -> Result<(), AppError> {
        for e in appended {
            match e.kind.as_str() {
                "submitted" => {
                    let pending =
                        self.read().screening.shared.pending.lock().expect("pending lock").remove(&app.id);
                    // A list imported between the guard's screening and now re-screened only
                    // submitted cases, not this one: screen it again against the current releases.
                    let current = self.current_index().await?.key.clone();
                    let pending = match pending {
                        Some(p) if p.lists == current => p,
                        _ => self.screen_case(app).await?,
                    };
                    self.record_submission_screening(actor, app.id, pending, e.recorded_at).await?;
                }
                "decided" if app.status == ApplicationStatus::Denied => {
                    let mut denied: Vec<Entry> = {
                        let p = self.read();
                        denial_entries(&p)
                    };
                    let prefix = format!("{}/", app.id.0);
                    denied.retain(|d| d.source_id.starts_with(&prefix));
                    let version = {
                        let p = self.read();
                        denial_entries(&p).len() as u64
                    };
                    let lists = vec![ListVersion { name: DENIALS_LIST.into(), version }];
                    self.rescreen(Some(actor), Trigger::Denial, denied, lists).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn record_submission_screening(
        &self,
        actor: &Actor,
        case: ApplicationId,
        pending: Pending,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let queries: Vec<LoggedQuery> = pending.results.iter().map(|(p, _)| logged_party(case, p)).collect();
        let results = logged_results(pending.results.iter().map(|(_, m)| m.as_slice()));
        let versions: HashMap<String, u64> =
            pending.lists.iter().map(|l| (l.name.clone(), l.version)).collect();
        let alerts = self.new_alerts(case, &pending.results, &versions, Trigger::Submission, at);
        let mut events = vec![ScreeningEvent::CaseScreened {
            trigger: Trigger::Submission,
            lists: pending.lists.clone(),
            parties: pending.results.len() as u32,
            alerts_raised: alerts.len() as u32,
        }];
        let raised = alerts.len() as u32;
        events.extend(alerts.into_iter().map(ScreeningEvent::ScreeningAlertRaised));
        self.append_screening(&screening_stream(case), &events, Some(actor.user), at).await?;
        self.log_search(SearchRecord {
            id: Uuid::now_v7(),
            at,
            by: Some(actor.user),
            purpose: Trigger::Submission,
            lists: pending.lists,
            threshold: DEFAULT_THRESHOLD,
            queries,
            results,
            alerts_raised: raised,
        })
        .await
    }

    /// The alerts to raise on a case for these matches: not already raised on the case for the same
    /// party and entry content, and not dismissed as a false match while the entry is unchanged.
    fn new_alerts(
        &self,
        case: ApplicationId,
        results: &[(Party, Vec<Scored>)],
        versions: &HashMap<String, u64>,
        trigger: Trigger,
        at: DateTime<Utc>,
    ) -> Vec<Alert> {
        let p = self.read();
        let existing = p.screening.alerts.get(&case).map(Vec::as_slice).unwrap_or_default();
        let mut out: Vec<Alert> = Vec::new();
        for (party, matches) in results {
            for (m, hash) in matches {
                let hash = hash.clone();
                let country = party.country.to_string();
                let dismissed = p.screening.dismissals.contains(&DismissalKey::of(
                    &party.name,
                    &country,
                    &m.list,
                    &m.source_id,
                    &hash,
                ));
                let seen = existing.iter().chain(out.iter()).any(|a| {
                    a.party_id == party.id
                        && a.list == m.list
                        && a.source_id == m.source_id
                        && a.entry_hash == hash
                });
                if dismissed || seen {
                    continue;
                }
                out.push(Alert {
                    id: Uuid::now_v7(),
                    application: case,
                    party_id: party.id,
                    party_name: party.name.clone(),
                    party_country: country,
                    list: m.list.clone(),
                    list_version: versions.get(&m.list).copied().unwrap_or(0),
                    source_id: m.source_id.clone(),
                    entry_name: m.name.clone(),
                    entry_hash: hash,
                    score: m.score,
                    explanation: serde_json::to_value(&m.explanation).unwrap_or_default(),
                    trigger,
                    raised_at: at,
                    adjudication: None,
                });
            }
        }
        out
    }

    /// Re-screens the parties of open cases and live licences against `changed` entries only,
    /// raising new alerts. Returns (cases, parties, alerts raised).
    async fn rescreen(
        &self,
        by: Option<&Actor>,
        trigger: Trigger,
        changed: Vec<Entry>,
        lists: Vec<ListVersion>,
    ) -> Result<(u64, u64, u64)> {
        if changed.is_empty() {
            return Ok((0, 0, 0));
        }
        let targets: Vec<(ApplicationId, Party)> = {
            let p = self.read();
            p.applications
                .values()
                .filter(|a| rescreen_target(a))
                .flat_map(|a| a.parties.iter().map(move |party| (a.id, party.clone())))
                .collect()
        };
        let cases: HashSet<ApplicationId> = targets.iter().map(|(id, _)| *id).collect();
        let (targets, matches) = tokio::task::spawn_blocking(move || {
            let index = Index::build(changed);
            let m: Vec<Vec<Scored>> =
                targets.iter().map(|(_, p)| screen_scored(&index, &party_query(p))).collect();
            (targets, m)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("re-screening failed: {e}")))?;
        let versions: HashMap<String, u64> = {
            let p = self.read();
            let mut v: HashMap<String, u64> =
                p.screening.latest().into_iter().map(|r| (r.name, r.version)).collect();
            v.insert(DENIALS_LIST.into(), denial_entries(&p).len() as u64);
            v
        };
        let now = self.now();
        let mut by_case: BTreeMap<ApplicationId, Vec<(Party, Vec<Scored>)>> = BTreeMap::new();
        for ((case, party), m) in targets.iter().zip(&matches) {
            if !m.is_empty() {
                by_case.entry(*case).or_default().push((party.clone(), m.clone()));
            }
        }
        let mut raised = 0u64;
        for (case, results) in by_case {
            let alerts = self.new_alerts(case, &results, &versions, trigger, now);
            if alerts.is_empty() {
                continue;
            }
            raised += alerts.len() as u64;
            let events: Vec<ScreeningEvent> =
                alerts.into_iter().map(ScreeningEvent::ScreeningAlertRaised).collect();
            self.append_screening(&screening_stream(case), &events, by.map(|a| a.user), now).await?;
        }
        let queries = targets.iter().map(|(case, p)| logged_party(*case, p)).collect();
        self.log_search(SearchRecord {
            id: Uuid::now_v7(),
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
        Ok((cases.len() as u64, targets.len() as u64, raised))
    }

    /// Appends to a screening stream at the version the projection knows, retrying after a
    /// concurrent append (another node, or another request on this one).
    async fn append_screening(
        &self,
        stream: &str,
        events: &[ScreeningEvent],
        actor: Option<UserId>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let new: Vec<NewEvent> = events.iter().map(|e| new_event(e, actor, at)).collect();
        for _ in 0..5 {
            let version = self.read().screening.versions.get(stream).copied().unwrap_or(0);
            match self.store.append(stream, version, &new).await {
                Err(oversight_store::StoreError::Conflict { .. }) => self.catch_up().await?,
                Err(e) => return Err(e.into()),
                Ok(_) => return self.catch_up().await,
            }
        }
        Err(AppError::Conflict(format!("could not append to {stream}: too many concurrent writers; retry")))
    }

    /// Records one search. Each search is a stream of its own, so concurrent searches (every
    /// submission screens) never contend for one stream's version.
    async fn log_search(&self, record: SearchRecord) -> Result<()> {
        let stream = format!("screening-search-{}", Uuid::now_v7());
        let event = new_event(&ScreeningEvent::ScreeningSearchRecorded(record.clone()), record.by, record.at);
        self.store.append(&stream, 0, &[event]).await?;
        self.catch_up().await
    }

    // ----- alerts ---------------------------------------------------------------------------

    /// The screening alerts on a case. Authority users only: screening results are internal
    /// (exporters are answered 403, so the applicant is not told which of its parties are flagged).
    pub fn alerts(&self, actor: &Actor, id: ApplicationId) -> Result<Vec<Alert>> {
        if !is_authority(actor) {
            return Err(AppError::Forbidden("screening alerts are shown to the authority only".into()));
        }
        self.get_application(actor, id)?;
        Ok(self.read().screening.alerts.get(&id).cloned().unwrap_or_default())
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
        if !(is_authority(actor) && actor.has(Role::LicensingOfficer)) {
            return Err(AppError::Forbidden(
                "adjudicating screening alerts requires the role licensing_officer".into(),
            ));
        }
        self.get_application(actor, id)?;
        let reason = oversight_domain::parse_text("reason", reason, 2000)?;
        let alert = self
            .read()
            .screening
            .alerts
            .get(&id)
            .and_then(|v| v.iter().find(|a| a.id == alert_id).cloned())
            .ok_or(AppError::NotFound)?;
        if alert.adjudication.is_some() {
            return Err(AppError::Conflict("this alert has already been adjudicated".into()));
        }
        let event = ScreeningEvent::ScreeningAlertAdjudicated { alert_id, verdict, reason, by: actor.user };
        self.append_screening(&screening_stream(id), &[event], Some(actor.user), self.now()).await?;
        self.read()
            .screening
            .alerts
            .get(&id)
            .and_then(|v| v.iter().find(|a| a.id == alert_id).cloned())
            .ok_or(AppError::NotFound)
    }

    // ----- ad-hoc search and the audit log --------------------------------------------------

    /// Screens one name against the current lists (authority users, and exporters screening their
    /// own customers). Recorded in the audit log. Exporters do not see the authority's denials.
    pub async fn screening_search(&self, actor: &Actor, req: &SearchRequest) -> Result<SearchResponse> {
        if !(is_authority(actor) || (actor.org_kind == OrgKind::Exporter && actor.has(Role::Exporter))) {
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
        if !is_authority(actor) {
            matches.retain(|(m, _)| m.list != DENIALS_LIST);
            lists.retain(|l| l.name != DENIALS_LIST);
        }
        let versions: HashMap<&str, u64> = lists.iter().map(|l| (l.name.as_str(), l.version)).collect();
        let now = self.now();
        let record = SearchRecord {
            id: Uuid::now_v7(),
            at: now,
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

    /// The audit log of searches, newest first (authority users).
    pub fn screening_log(&self, actor: &Actor, limit: usize) -> Result<Vec<SearchRecord>> {
        if !is_authority(actor) {
            return Err(AppError::Forbidden("the screening log is shown to the authority only".into()));
        }
        Ok(self.read().screening.log.iter().rev().take(limit).cloned().collect())
    }

    /// Imports the demo dataset's restricted-party lists (called by `demo::load` before any case):
    /// real extracts of the US Consolidated Screening List and the UN Security Council list shipped
    /// in `data/lists/` (see its README) and compiled into the binary.
    pub(crate) async fn load_demo_lists(&self) -> Result<(), AppError> {
        const LISTS: &[(&str, &str, &str, &[u8])] = &[
            (
                "us-csl",
                "csl-csv",
                "us-csl-sample.csv",
                include_bytes!("../../../data/lists/us-csl-sample.csv"),
            ),
            ("un-sc", "un-xml", "un-sc-sample.xml", include_bytes!("../../../data/lists/un-sc-sample.xml")),
        ];
        for (name, format, file, bytes) in LISTS {
            let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.into()))?;
            let path = dir.path().join(file);
            std::fs::write(&path, bytes).map_err(|e| AppError::Internal(e.into()))?;
            let entries =
                parse_list(Format::parse(format).map_err(|e| AppError::Internal(e.into()))?, &path, file)
                    .await?;
            let sha = oversight_store::sha256_hex(bytes);
            self.store_release(None, name, format, file, sha, entries).await?;
        }
        Ok(())
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

fn new_event(e: &ScreeningEvent, actor: Option<UserId>, at: DateTime<Utc>) -> NewEvent {
    NewEvent {
        kind: e.kind().into(),
        payload: serde_json::to_value(e).expect("screening events serialise"),
        actor: actor.map(|a| a.to_string()),
        recorded_at: at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dismissals_ignore_case_and_spacing_of_the_party_name_but_not_the_entry_content() {
        let a = DismissalKey::of("State  Security Committee", "by", "us-csl", "32275", "h1");
        assert_eq!(a, DismissalKey::of("state security committee", "BY", "us-csl", "32275", "h1"));
        assert_ne!(a, DismissalKey::of("state security committee", "BY", "us-csl", "32275", "h2"));
        assert_ne!(a, DismissalKey::of("state security committee", "RU", "us-csl", "32275", "h1"));
    }

    #[test]
    fn birth_dates_are_year_month_or_day_precise() {
        for ok in ["1962", "1962-08", "1962-08-06"] {
            assert!(check_birth_date(ok).is_ok(), "{ok}");
        }
        for bad in ["62", "1962-13", "1962-08-32", "1962/08/06", "1962-8-6", "abcd"] {
            assert!(check_birth_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn list_names_are_slugs_and_the_builtin_list_cannot_be_imported() {
        assert!(check_list_name("us-csl").is_ok());
        for bad in ["", "US CSL", "-x", "a/b", DENIALS_LIST] {
            assert!(check_list_name(bad).is_err(), "{bad}");
        }
    }
}
