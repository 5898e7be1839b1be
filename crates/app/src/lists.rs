//! Restricted-party lists: imported releases and the screening index built from them.
//!
//! - **Releases** are imported (`App::import_list`, `App::import_list_bytes`) as versioned events on
//!   stream `list-<name>` (`list_release_imported`); the parsed entries are stored as one JSON blob
//!   addressed by its SHA-256. An import is all-or-nothing: a file that does not parse stores nothing
//!   and the error names the file and line. Importing the same file again (same format, same bytes)
//!   as the list's latest release stores nothing and answers with that release, so a client may
//!   retry an import safely.
//! - **After an import** the screening capability re-screens open cases and live licences against
//!   the added and changed entries. The release is stored by then: a failed re-screen is reported in
//!   the answer and the log, never as a failed import.
//! - **The index** is built in memory by every node from the latest release of every list it has
//!   folded from the log, plus the built-in lists `authority-denials` (end users of denied cases,
//!   asked of the cases capability) and `authority-debarments` (exporters debarred today, asked of
//!   the enforcement capability). It is rebuilt when the set of releases changes, so an import on
//!   one node re-indexes all nodes at their next screening.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use oversight_domain::{
    Actor, ApplicationStatus, OrgKind, Role, UserId,
    party::{PartyRole, Sector},
    screening::{ListVersion, Trigger},
};
use oversight_screening::{Entry, EntryName, Format, Index, NameStrength, Schema, diff_entries};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};

use crate::{
    App, AppError,
    app::{Result, new_event},
    enforcement::DEBARMENTS_LIST,
    projections::Fold,
};

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

/// The events of stream `list-<name>`, stored as JSON with `type` as the kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListEvent {
    ListReleaseImported(ListRelease),
}

impl ListEvent {
    fn kind(&self) -> &'static str {
        match self {
            ListEvent::ListReleaseImported(_) => "list_release_imported",
        }
    }
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
    /// True when the file was already the list's latest release: nothing was stored again.
    pub already_imported: bool,
    /// Entries new in this release, changed since the previous one, and gone from it.
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    /// Cases (open, or with an active or suspended licence) re-screened against added and changed
    /// entries, their parties, and the alerts raised.
    pub cases_rescreened: u64,
    pub parties_rescreened: u64,
    pub alerts_raised: u64,
    /// Set when the release was stored but re-screening against it failed (it is logged too; the
    /// next import or submission screens against the release).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescreen_error: Option<String>,
}

/// A built index and what it was built from.
#[derive(Debug)]
pub(crate) struct Built {
    pub(crate) key: Vec<ListVersion>,
    /// Imported lists (not counting the built-in denials list).
    pub(crate) imported: usize,
    pub(crate) index: Index,
}

/// The lists read model: every release of every list.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListsProjection {
    releases: BTreeMap<String, Vec<ListRelease>>,
}

impl ListsProjection {
    pub(crate) fn fold(&mut self, _e: &StoredEvent, fold: &Fold) {
        if let Fold::List(ListEvent::ListReleaseImported(r)) = fold {
            self.releases.entry(r.name.clone()).or_default().push(r.clone());
        }
    }

    /// The latest release of every imported list, by name.
    fn latest(&self) -> Vec<ListRelease> {
        self.releases.values().filter_map(|v| v.last().cloned()).collect()
    }
}

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.org_kind == OrgKind::Authority && actor.has(Role::Administrator) {
        Ok(())
    } else {
        Err(AppError::Forbidden("importing restricted-party lists requires the role administrator".into()))
    }
}

impl App {
    /// Whether `actor` may import list releases (administrators): for a caller that checks before
    /// starting an import in the background. The import itself checks again.
    pub fn may_import_lists(&self, actor: &Actor) -> Result<()> {
        require_admin(actor)
    }
}

pub fn check_list_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !ok {
        return Err(AppError::invalid("name", "list names are 1-64 characters of a-z, 0-9 and '-'"));
    }
    if name == DENIALS_LIST || name == DEBARMENTS_LIST {
        return Err(AppError::invalid("name", format!("{name} is built in and cannot be imported")));
    }
    Ok(())
}

/// Parses a list file in a blocking thread; errors name `display` in place of the path read.
async fn parse_list(format: Format, path: &Path, display: &str) -> Result<Vec<Entry>> {
    let (p, shown) = (path.to_path_buf(), path.display().to_string());
    let parsed = tokio::task::spawn_blocking(move || format.load(&p))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    parsed.map_err(|e| AppError::invalid("file", e.to_string().replace(&shown, display)))
}

/// The file a release was read from: its name and SHA-256.
struct SourceFile<'a> {
    name: &'a str,
    sha256: String,
}

/// Parses uploaded bytes (written to a private temporary file in a blocking thread, since the
/// parsers read files); errors name `filename`.
async fn parse_bytes(format: Format, content: Vec<u8>, filename: &str) -> Result<Vec<Entry>> {
    let display = filename.to_string();
    let parsed = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
        let dir = tempfile::tempdir()?;
        // The OFAC XML parser tells a zip from plain XML by its content, whatever the name.
        let path = dir.path().join("upload");
        std::fs::write(&path, &content)?;
        let shown = path.display().to_string();
        Ok(format.load(&path).map_err(|e| e.to_string().replace(&shown, &display)))
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(|e| AppError::Internal(e.into()))?;
    parsed.map_err(|e| AppError::invalid("file", e))
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

/// The screening query schema of a party: only the `individual` sector is a person.
pub(crate) fn party_schema(sector: Sector) -> Schema {
    if sector == Sector::Individual { Schema::Person } else { Schema::Organization }
}

impl App {
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
        self.import_list_with_progress(by, name, format, path, None).await
    }

    /// [`App::import_list`], telling `progress` how the re-screening of open cases and live
    /// licences against the release's added and changed entries advances.
    pub async fn import_list_with_progress(
        &self,
        by: Option<&Actor>,
        name: &str,
        format: &str,
        path: &Path,
        progress: Option<crate::screening::Progress>,
    ) -> Result<ImportReport> {
        if let Some(actor) = by {
            require_admin(actor)?;
        }
        check_list_name(name)?;
        let fmt = Format::parse(format).map_err(|e| AppError::invalid("format", e.to_string()))?;
        let display = path.display().to_string();
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or(display.clone());
        let file = oversight_domain::parse_filename("filename", &file)?;
        let entries = parse_list(fmt, path, &display).await?;
        let p = path.to_path_buf();
        let sha = tokio::task::spawn_blocking(move || source_sha256(&p))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| AppError::invalid("file", format!("{display}: {e}")))?;
        self.store_release(by, name, format, SourceFile { name: &file, sha256: sha }, entries, progress).await
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
        self.import_list_bytes_with_progress(by, name, format, filename, content, None).await
    }

    /// [`App::import_list_bytes`], telling `progress` how the re-screening advances (the
    /// workspace's import page).
    pub async fn import_list_bytes_with_progress(
        &self,
        by: &Actor,
        name: &str,
        format: &str,
        filename: &str,
        content: &[u8],
        progress: Option<crate::screening::Progress>,
    ) -> Result<ImportReport> {
        require_admin(by)?;
        check_list_name(name)?;
        let filename = &oversight_domain::parse_filename("filename", filename)?;
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
        let entries = parse_bytes(fmt, content.to_vec(), filename).await?;
        let sha = oversight_store::sha256_hex(content);
        self.store_release(
            Some(by),
            name,
            format,
            SourceFile { name: filename, sha256: sha },
            entries,
            progress,
        )
        .await
    }

    /// Stores the release (unless the same file is the latest release already), then re-screens.
    async fn store_release(
        &self,
        by: Option<&Actor>,
        name: &str,
        format: &str,
        source: SourceFile<'_>,
        mut entries: Vec<Entry>,
        progress: Option<crate::screening::Progress>,
    ) -> Result<ImportReport> {
        let SourceFile { name: file, sha256: source_sha256 } = source;
        for e in &mut entries {
            e.list = name.to_string();
        }
        let blob = serde_json::to_vec(&entries).map_err(|e| AppError::Internal(e.into()))?;
        let now = self.now();
        let entries_blob = self.store.put_blob(&blob, now).await?;
        // The stream is read from the store: the release number and the repeat check must not
        // depend on how far this node's read model has come.
        let (sha, blob_id, entry_count) = (&source_sha256, &entries_blob, entries.len() as u64);
        let (release, previous, stored_now) = self
            .retrying("importing the list", || async move {
                let stream = list_stream(name);
                let stored = self.store.read_stream(&stream).await?;
                let mut releases = Vec::new();
                for e in &stored {
                    let ListEvent::ListReleaseImported(r) =
                        crate::app::decode(e).map_err(AppError::Internal)?;
                    releases.push(r);
                }
                let previous = releases.last().cloned();
                if let Some(last) =
                    previous.as_ref().filter(|r| &r.source_sha256 == sha && r.format == format)
                {
                    return Ok((last.clone(), releases.iter().rev().nth(1).cloned(), false));
                }
                let release = ListRelease {
                    name: name.into(),
                    version: previous.as_ref().map_or(1, |r| r.version + 1),
                    format: format.into(),
                    source_file: file.into(),
                    source_sha256: sha.clone(),
                    entry_count,
                    entries_blob: blob_id.clone(),
                    imported_by: by.map(|a| a.user),
                    imported_at: now,
                };
                let event = ListEvent::ListReleaseImported(release.clone());
                let new = vec![new_event(event.kind(), &event, by.map(|a| a.user), now)];
                self.append(&stream, stored.len() as u64, new, &[], &[]).await?;
                Ok((release, previous, true))
            })
            .await?;
        let mut report = ImportReport {
            release: release.clone(),
            already_imported: !stored_now,
            added: 0,
            changed: 0,
            removed: 0,
            cases_rescreened: 0,
            parties_rescreened: 0,
            alerts_raised: 0,
            rescreen_error: None,
        };
        if !stored_now {
            return Ok(report);
        }
        let old = match &previous {
            Some(r) => self.release_entries(r).await?,
            None => Vec::new(),
        };
        let delta = diff_entries(&old, &entries);
        (report.added, report.changed, report.removed) =
            (delta.added.len() as u64, delta.changed.len() as u64, delta.removed.len() as u64);
        // The release is stored: from here on a failure is reported, not returned.
        let changed: Vec<Entry> = delta.to_rescreen().map(|i| entries[i].clone()).collect();
        let lists = vec![ListVersion { name: name.into(), version: release.version }];
        match self.rescreen(by, Trigger::ListImport, changed, lists, progress).await {
            Ok((cases, parties, alerts)) => {
                report.cases_rescreened = cases;
                report.parties_rescreened = parties;
                report.alerts_raised = alerts;
            }
            Err(e) => {
                tracing::error!(
                    "list {name} v{} is stored, but re-screening against it failed: {e}",
                    release.version
                );
                report.rescreen_error = Some(e.to_string());
            }
        }
        Ok(report)
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
        if actor.org_kind != OrgKind::Authority {
            return Err(AppError::Forbidden("restricted-party lists are shown to the authority only".into()));
        }
        let mut out: Vec<ListSummary> = self
            .read()
            .lists
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
        let denials = self.denial_entries().len() as u64;
        out.push(ListSummary {
            name: DENIALS_LIST.into(),
            builtin: true,
            current_version: denials,
            entry_count: denials,
            releases: Vec::new(),
        });
        let (debarred, version) = self.debarment_entries();
        out.push(ListSummary {
            name: DEBARMENTS_LIST.into(),
            builtin: true,
            current_version: version,
            entry_count: debarred.len() as u64,
            releases: Vec::new(),
        });
        Ok(out)
    }

    /// The current version of every list (for the audit record of a screening).
    pub(crate) fn list_versions(&self) -> Vec<ListVersion> {
        let mut v: Vec<ListVersion> = self
            .read()
            .lists
            .latest()
            .into_iter()
            .map(|r| ListVersion { name: r.name, version: r.version })
            .collect();
        v.push(ListVersion { name: DENIALS_LIST.into(), version: self.denial_entries().len() as u64 });
        v.push(ListVersion { name: DEBARMENTS_LIST.into(), version: self.debarment_entries().1 });
        v
    }

    /// The authority's denials as list entries: the end users of every denied case.
    pub(crate) fn denial_entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        for a in self.cases_where(|a| a.status == ApplicationStatus::Denied) {
            for party in
                a.parties.iter().filter(|p| matches!(p.role, PartyRole::EndUser | PartyRole::UltimateEndUser))
            {
                let mut e = Entry::new(
                    DENIALS_LIST,
                    format!("{}/{}", a.id.0, party.id.0),
                    party_schema(party.sector),
                );
                e.names.push(EntryName {
                    name: party.name.clone(),
                    strength: NameStrength::Primary,
                    kind: None,
                });
                e.add_country(&party.country.to_string());
                e.addresses.push(party.address.clone());
                let when = a.decision.as_ref().map(|d| d.at.date_naive().to_string()).unwrap_or_default();
                e.programs.push(format!("licence denied {when}").trim().to_string());
                out.push(e);
            }
        }
        out
    }

    /// The index over the latest release of every list plus the authority's denials, rebuilt when
    /// they changed. Fails when no list was imported: screening against nothing is not screening.
    pub(crate) async fn current_index(&self) -> Result<Arc<Built>> {
        let latest = self.read().lists.latest();
        if latest.is_empty() {
            return Err(AppError::Unavailable(
                "no restricted-party list has been imported, so parties cannot be screened".into(),
            ));
        }
        let denials = self.denial_entries();
        let (debarred, debarments_version) = self.debarment_entries();
        let mut key: Vec<ListVersion> =
            latest.iter().map(|r| ListVersion { name: r.name.clone(), version: r.version }).collect();
        key.push(ListVersion { name: DENIALS_LIST.into(), version: denials.len() as u64 });
        key.push(ListVersion { name: DEBARMENTS_LIST.into(), version: debarments_version });
        let mut cached = self.index_cache.lock().await;
        if let Some(b) = cached.as_ref().filter(|b| b.key == key) {
            return Ok(b.clone());
        }
        let mut entries = Vec::new();
        for r in &latest {
            entries.extend(self.release_entries(r).await?);
        }
        entries.extend(denials);
        entries.extend(debarred);
        let index = tokio::task::spawn_blocking(move || Index::build(entries))
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let built = Arc::new(Built { key, imported: latest.len(), index });
        *cached = Some(built.clone());
        Ok(built)
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
            let fmt = Format::parse(format).map_err(|e| AppError::Internal(e.into()))?;
            let entries = parse_bytes(fmt, bytes.to_vec(), file).await?;
            let sha = oversight_store::sha256_hex(bytes);
            self.store_release(None, name, format, SourceFile { name: file, sha256: sha }, entries, None)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names_are_slugs_and_the_builtin_list_cannot_be_imported() {
        assert!(check_list_name("us-csl").is_ok());
        assert!(check_list_name("un-sc-2026").is_ok());
        for bad in ["", "US-CSL", "-x", "a b", "a/b", DENIALS_LIST, DEBARMENTS_LIST] {
            assert!(check_list_name(bad).is_err(), "{bad}");
        }
    }
}
