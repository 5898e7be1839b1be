//! The public register and its transparency log: what is published when a case changes, the
//! register's read model (folded from the log's leaves), search, statistics and proofs.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use oversight_domain::{
    Application, UserId,
    lifecycle::{Event, Recorded, apply},
    register::{PublicRecord, Publication, RecordKind, public_record},
};
use oversight_tlog::{HashPlan, NoteSigner, leaf_hash};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{App, AppError};

type Result<T, E = AppError> = std::result::Result<T, E>;

/// Largest page of log entries served at once.
pub const MAX_ENTRIES_PAGE: u64 = 1000;

/// The register's read model: every leaf of the log, in order, and the record it holds.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterProjection {
    /// `None` where a leaf is not a record this version understands (kept so indexes stay right).
    records: Vec<Option<PublicRecord>>,
    /// The hash of each leaf as folded, so a check can tell a leaf changed since.
    leaf_hashes: Vec<oversight_tlog::Hash>,
    /// Why the register is withheld: the log failed its integrity check ([`App::check_log`]).
    /// Not kept in a snapshot: the check runs again at every start.
    #[serde(skip)]
    withheld: Option<String>,
}

impl RegisterProjection {
    /// How many leaves of the log are folded.
    pub(crate) fn leaf_count(&self) -> u64 {
        self.records.len() as u64
    }

    /// The index of the newest folded leaf with this hash (searched from the end: for a leaf just
    /// published).
    pub(crate) fn leaf_index_from_end(&self, hash: &oversight_tlog::Hash) -> Option<u64> {
        self.leaf_hashes.iter().rposition(|h| h == hash).map(|i| i as u64)
    }
}

/// A record with its position in the log.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterEntry {
    pub index: u64,
    pub record: PublicRecord,
}

/// Search and filters over the register. All are optional; text matches case-insensitively in the
/// destination, goods, rationale, sector, licence number and exporter.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct RegisterQuery {
    pub q: Option<String>,
    /// ISO 3166-1 alpha-2 or alpha-3.
    pub destination: Option<String>,
    /// issued, issued_with_conditions, refused, withdrawn, suspended, reinstated, revoked, surrendered, expired.
    pub outcome: Option<String>,
    pub control_entry: Option<String>,
    pub end_user_sector: Option<String>,
    /// Only the records of this case (its id), e.g. a licence and every action on it.
    pub case_id: Option<String>,
    /// The act (decision, licence action, withdrawal) took place on or after (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// The act took place on or before (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
    /// 1-based.
    pub page: Option<u32>,
    /// At most 200; default 50.
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterPage {
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
    pub records: Vec<RegisterEntry>,
}

/// A record with the proof that it is in the log.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordWithProof {
    pub index: u64,
    pub record: PublicRecord,
    /// The log index of the record this one acts on (`record.acts_on`), if it is in the register.
    pub acts_on_index: Option<u64>,
    /// base64 of SHA-256(0x00 ‖ leaf bytes).
    pub leaf_hash: String,
    /// The latest signed checkpoint (a C2SP signed note); `None` until the first one is signed.
    pub checkpoint: Option<String>,
    pub tree_size: Option<u64>,
    /// Inclusion proof (base64 hashes) against the checkpoint; empty if the record is newer than it.
    pub inclusion_proof: Vec<String>,
}

/// A proof served by the log endpoints.
#[derive(Debug, Clone, Serialize)]
pub struct Proof {
    pub hashes: Vec<String>,
    pub leaf_hash: Option<String>,
}

pub(crate) fn ephemeral_signer(entropy: &dyn crate::clock::Entropy) -> Result<NoteSigner> {
    let mut seed = [0u8; 32];
    entropy.fill(&mut seed);
    NoteSigner::new("oversight.local/register", &seed).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

fn b64(h: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(h)
}

impl App {
    /// The public records that `events` produce when applied to `state`, as `(event index, leaf)`.
    pub(crate) fn public_records(
        &self,
        state: Option<&Application>,
        events: &[Event],
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Vec<(usize, Vec<u8>)> {
        // Records describe the case as the whole batch leaves it (a decision and the licence it
        // issues are one batch), and what it was before the batch (a withdrawn draft is private).
        let mut after = state.cloned();
        for event in events {
            after = apply(after, &Recorded { actor, at: now, event: event.clone() });
        }
        let Some(after) = after else { return vec![] };
        let exporter = self.org_name(after.org).unwrap_or_default();
        let case_id = after.id.to_string();
        let mut earlier: Vec<(RecordKind, String)> = self
            .read()
            .register
            .records
            .iter()
            .flatten()
            .filter(|r| r.case_id.as_deref() == Some(case_id.as_str()))
            .map(|r| (r.kind, r.record_id.clone()))
            .collect();
        let mut out = Vec::new();
        let calendar = self.working_calendar();
        let control_list = self.control_list();
        for (i, event) in events.iter().enumerate() {
            let id = self.new_uuid_at(now).to_string();
            let publication = Publication {
                record_id: id,
                at: now,
                exporter_name: &exporter,
                control_list: &control_list,
                policy: self.publication,
                earlier: &earlier,
                calendar: &calendar,
            };
            let record = public_record(state, &after, event, publication);
            if let Some(r) = record {
                out.push((i, r.to_leaf()));
                earlier.push((r.kind, r.record_id));
            }
        }
        out
    }

    /// Hashes newly published leaves into the tree and signs a checkpoint. A failure is logged, not
    /// returned: the leaves are safely stored, and the next call (or the next start) signs them.
    /// Usually run by the checkpoint sequencer; call it directly to sign at once (a command that
    /// exits after writing).
    pub async fn publish_checkpoint(&self) {
        if let Err(e) = self.store.integrate_log(&self.log_signer, self.now()).await {
            tracing::warn!("signing a log checkpoint failed (will retry): {e}");
        }
        // Whoever signed it (this node or another), tell those waiting what is signed now.
        match self.signed_size().await {
            Ok(size) => {
                self.checkpoint_signed.send_replace(size);
            }
            Err(e) => tracing::warn!("reading the latest checkpoint failed: {e}"),
        }
    }

    /// Folds leaves published since the last fold (by this node or another) into the register.
    pub(crate) async fn catch_up_register(&self) -> Result<()> {
        let known = self.read().register.records.len() as u64;
        let size = self.store.log_size().await?;
        let mut at = known;
        while at < size {
            let end = (at + 5000).min(size);
            let leaves = self.store.log_leaves(at, end).await?;
            if !self.fold_register(at, &leaves) {
                return Ok(());
            }
            at = end;
        }
        Ok(())
    }

    /// Folds leaves `[at, at + leaves.len())`; false if another catch-up folded them meanwhile.
    fn fold_register(&self, at: u64, leaves: &[Vec<u8>]) -> bool {
        self.write_projections(|p| {
            if p.register.records.len() as u64 != at {
                return false;
            }
            p.register.records.extend(leaves.iter().map(|l| PublicRecord::from_leaf(l).ok()));
            p.register.leaf_hashes.extend(leaves.iter().map(|l| leaf_hash(l)));
            true
        })
    }

    /// Refuses every read of the register while the log fails its integrity check (503, with why).
    pub fn register_guard(&self) -> Result<()> {
        match &self.read().register.withheld {
            Some(why) => Err(AppError::Halted(format!("the register is withheld: {why}"))),
            None => Ok(()),
        }
    }

    /// Searches the register, newest first.
    pub fn register_search(&self, q: &RegisterQuery) -> Result<RegisterPage> {
        self.register_guard()?;
        let destination = match q.destination.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => Some(
                oversight_domain::CountryCode::parse(d)
                    .map_err(|e| AppError::invalid("destination", e.message))?,
            ),
            None => None,
        };
        let per_page = q.per_page.unwrap_or(50);
        if !(1..=200).contains(&per_page) {
            return Err(AppError::invalid("per_page", "must be between 1 and 200"));
        }
        let page = q.page.unwrap_or(1);
        if page == 0 {
            return Err(AppError::invalid("page", "pages start at 1"));
        }
        let text = q.q.as_deref().map(str::to_lowercase).filter(|t| !t.trim().is_empty());
        let p = self.read();
        let matching: Vec<RegisterEntry> = p
            .register
            .records
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, r)| r.as_ref().map(|r| (i, r)))
            .filter(|(_, r)| {
                destination.as_ref().is_none_or(|d| r.destination.as_deref() == Some(d.alpha2()))
                    && q.outcome.as_deref().filter(|o| !o.is_empty()).is_none_or(|o| r.kind.outcome() == o)
                    && q.control_entry
                        .as_deref()
                        .filter(|c| !c.is_empty())
                        .is_none_or(|c| r.control_entries.iter().any(|e| e.eq_ignore_ascii_case(c)))
                    && q.end_user_sector
                        .as_deref()
                        .filter(|s| !s.is_empty())
                        .is_none_or(|s| r.end_user_sector.is_some_and(|x| x.as_str() == s))
                    && q.case_id
                        .as_deref()
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .is_none_or(|c| r.case_id.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(c)))
                    && q.from.is_none_or(|f| r.date_of_act() >= f)
                    && q.to.is_none_or(|t| r.date_of_act() <= t)
                    && text.as_ref().is_none_or(|t| record_text(r).contains(t.as_str()))
            })
            .map(|(i, r)| RegisterEntry { index: i as u64, record: r.clone() })
            .collect();
        let total = matching.len();
        // Checked: a page far past the end is an empty page, never an overflow.
        let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
        let records = matching.into_iter().skip(skip).take(per_page as usize).collect();
        Ok(RegisterPage { total, page, per_page, records })
    }

    /// Every record in log order (for the open-data downloads).
    pub fn register_all(&self) -> Result<Vec<RegisterEntry>> {
        self.register_guard()?;
        Ok(self
            .read()
            .register
            .records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.clone().map(|record| RegisterEntry { index: i as u64, record }))
            .collect())
    }

    /// One record with its inclusion proof against the latest checkpoint.
    /// The record is read from its log leaf, so the page and the leaf hash it shows never disagree.
    pub async fn register_record(&self, index: u64) -> Result<RecordWithProof> {
        self.register_guard()?;
        if self.read().register.records.get(index as usize).cloned().flatten().is_none() {
            return Err(AppError::NotFound);
        }
        let leaf = self.store.log_leaves(index, index + 1).await?.pop().ok_or(AppError::NotFound)?;
        let record = PublicRecord::from_leaf(&leaf).map_err(|_| AppError::NotFound)?;
        // A record just published waits (boundedly) for the sequencer's checkpoint covering it.
        self.wait_for_checkpoint(index + 1).await?;
        let checkpoint = self.store.latest_checkpoint().await?;
        let (tree_size, inclusion_proof) = match &checkpoint {
            Some(cp) if index < cp.size => {
                (Some(cp.size), self.inclusion_proof(index, cp.size).await?.hashes)
            }
            Some(cp) => (Some(cp.size), vec![]),
            None => (None, vec![]),
        };
        let acts_on_index = record.acts_on.as_deref().and_then(|id| self.register_index_of(id));
        Ok(RecordWithProof {
            index,
            acts_on_index,
            record,
            leaf_hash: b64(&leaf_hash(&leaf)),
            checkpoint: checkpoint.map(|c| c.note),
            tree_size,
            inclusion_proof,
        })
    }

    /// The log index of the record with `record_id`.
    pub fn register_index_of(&self, record_id: &str) -> Option<u64> {
        let p = self.read();
        p.register
            .records
            .iter()
            .position(|r| r.as_ref().is_some_and(|r| r.record_id == record_id))
            .map(|i| i as u64)
    }

    /// The latest signed checkpoint note.
    /// With the witnesses' cosignatures when they have cosigned it ([`crate::tokens`]).
    pub async fn log_checkpoint(&self) -> Result<Option<String>> {
        Ok(self.store.latest_checkpoint().await?.map(|c| self.with_cosignatures(c.size, c.note)))
    }

    /// The note verifier key of the log (`name+keyid+base64`).
    pub fn log_key(&self) -> String {
        self.log_signer.verifier_key()
    }

    /// The size of the latest checkpoint (what proofs are served against).
    pub(crate) async fn signed_size(&self) -> Result<u64> {
        Ok(self.store.latest_checkpoint().await?.map(|c| c.size).unwrap_or(0))
    }

    /// Leaves `[start, end)` of the signed tree, at most [`MAX_ENTRIES_PAGE`].
    pub async fn log_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>> {
        let size = self.signed_size().await?;
        if start > end {
            return Err(AppError::invalid("start", "start must not be after end"));
        }
        if start >= size && start > 0 {
            return Err(AppError::invalid("start", format!("the log has {size} entries")));
        }
        let end = end.min(size).min(start + MAX_ENTRIES_PAGE);
        Ok(self.store.log_leaves(start, end).await?)
    }

    /// RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves (≤ the signed size).
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Proof> {
        if size > self.signed_size().await? {
            return Err(AppError::invalid("size", "larger than the latest checkpoint"));
        }
        let plan = HashPlan::inclusion(index, size).map_err(|e| AppError::invalid("index", e.to_string()))?;
        let hashes = self.fetch(&plan).await?;
        let leaf = self.store.log_hashes(&[(0, index, 1)]).await?;
        Ok(Proof { hashes, leaf_hash: leaf.first().map(|h| b64(h)) })
    }

    /// RFC 9162 consistency proof between tree sizes `old` and `new` (≤ the signed size).
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Proof> {
        if new > self.signed_size().await? {
            return Err(AppError::invalid("new", "larger than the latest checkpoint"));
        }
        let plan = HashPlan::consistency(old, new).map_err(|e| AppError::invalid("old", e.to_string()))?;
        Ok(Proof { hashes: self.fetch(&plan).await?, leaf_hash: None })
    }

    async fn fetch(&self, plan: &HashPlan) -> Result<Vec<String>> {
        let fetched = self.store.log_hashes(&plan.needed_runs()).await?;
        let proof = plan.compute(&fetched).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("stored log hashes do not fit the proof plan"))
        })?;
        Ok(proof.iter().map(|h| b64(h)).collect())
    }

    /// Statistics as the UK and EU publish them (see [`RegisterStats`]).
    pub fn register_stats(&self) -> Result<RegisterStats> {
        self.register_guard()?;
        let p = self.read();
        Ok(stats(p.register.records.iter().flatten(), self.clock_targets.target))
    }

    /// Checks the transparency log against itself and against the cases, and withholds the
    /// register (every read answers 503 with the reason, and an alarm is logged) while it fails:
    ///
    /// 1. the latest checkpoint's note parses, names the size and root stored with it, and, if it
    ///    carries a signature by this node's key, that signature verifies;
    /// 2. the root recomputed from the stored leaves `[0, size)` is the checkpoint's root (at the
    ///    checkpoint's size, whenever it was signed);
    /// 3. every stored leaf is the one the register folded and serves;
    /// 4. each case's records are of the kinds its events publish (a decision edited from a
    ///    refusal to an approval disagrees with its "refused" record).
    ///
    /// Run at start and periodically ([`App::spawn_log_check`]). Returns the failure, if any; an
    /// error reading the store is returned as such (the check is tried again next time).
    pub async fn check_log(&self) -> Result<Option<String>> {
        self.catch_up_register().await?;
        let failure = self.log_failure().await?;
        self.write_projections(|p| match (&failure, &p.register.withheld) {
            (Some(why), None) => {
                tracing::error!(
                    "ALARM: the transparency log fails its integrity check; the register is withheld: {why}"
                );
            }
            (None, Some(_)) => tracing::warn!(
                "the transparency log passes its integrity check again; the register is served"
            ),
            _ => {}
        });
        self.write_projections(|p| p.register.withheld = failure.clone());
        Ok(failure)
    }

    async fn log_failure(&self) -> Result<Option<String>> {
        use oversight_tlog::{Checkpoint, Note, NoteError};
        let size = self.store.log_size().await?;
        let checkpoint = self.store.latest_checkpoint().await?;
        if let Some(cp) = &checkpoint {
            let note = match Note::parse(&cp.note) {
                Ok(n) => n,
                Err(e) => {
                    return Ok(Some(format!("the latest checkpoint (size {}) cannot be read: {e}", cp.size)));
                }
            };
            match note.verify(&[self.log_signer.verifier()]) {
                // Signed by another key (a rotated or throw-away key): the roots are still compared.
                Ok(_) | Err(NoteError::NoTrustedSignature { .. }) => {}
                Err(e) => return Ok(Some(format!("the latest checkpoint's signature does not verify: {e}"))),
            }
            match Checkpoint::parse(&note.text) {
                Ok(c) if c.size == cp.size && c.root == cp.root => {}
                Ok(c) => {
                    return Ok(Some(format!(
                        "the latest checkpoint's note (size {}) disagrees with its stored size {} and root",
                        c.size, cp.size
                    )));
                }
                Err(e) => return Ok(Some(format!("the latest checkpoint's text cannot be read: {e}"))),
            }
            if cp.size > size {
                return Ok(Some(format!(
                    "the log has {size} leaves, fewer than its checkpoint's {}",
                    cp.size
                )));
            }
        }
        // Every leaf: its hash, towards the root at the checkpoint's size and against what is served.
        let signed = checkpoint.as_ref().map_or(0, |c| c.size);
        let mut hashes = Vec::with_capacity(size as usize);
        let mut at = 0;
        while at < size {
            let end = (at + 5000).min(size);
            hashes.extend(self.store.log_leaves(at, end).await?.iter().map(|l| leaf_hash(l)));
            at = end;
        }
        if let Some(cp) = &checkpoint
            && oversight_tlog::root_from_leaf_hashes(&hashes[..cp.size as usize]) != cp.root
        {
            return Ok(Some(format!(
                "the root recomputed from the stored leaves differs from the signed checkpoint at size {signed}: a published record was changed"
            )));
        }
        let served: Vec<(usize, oversight_tlog::Hash)> =
            self.read().register.leaf_hashes.iter().copied().enumerate().collect();
        if let Some((i, _)) = served.iter().find(|(i, h)| hashes.get(*i).is_some_and(|x| x != h)) {
            return Ok(Some(format!("log leaf {i} changed after it was published")));
        }
        // The cases' events against their records.
        let mut published: BTreeMap<String, Vec<RecordKind>> = BTreeMap::new();
        for r in self.read().register.records.iter().flatten() {
            if let Some(c) = &r.case_id {
                published.entry(c.clone()).or_default().push(r.kind);
            }
        }
        for (id, expected) in self.case_expected_records() {
            let records = published.remove(&id.to_string()).unwrap_or_default();
            if let Some(i) = oversight_domain::register::first_disagreement(&expected, &records) {
                return Ok(Some(format!(
                    "case {id}: its events publish a {} record where the log holds a {} record: an event or a record was changed",
                    expected[i].as_str(),
                    records[i].as_str()
                )));
            }
        }
        Ok(None)
    }

    /// Checks the log every `every` ([`App::check_log`]), until the app is dropped.
    pub fn spawn_log_check(
        self: &std::sync::Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app.check_log().await {
                    tracing::warn!("checking the transparency log failed (will retry): {e}");
                }
            }
        })
    }
}

fn record_text(r: &PublicRecord) -> String {
    [
        r.destination.as_deref(),
        r.destination_name.as_deref(),
        r.goods_summary.as_deref(),
        r.public_rationale.as_deref(),
        r.exporter_statement.as_deref(),
        r.licence_number.as_deref(),
        r.exporter.as_deref(),
        r.end_user_sector.map(|s| s.as_str()),
        Some(r.kind.outcome()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase()
        + " "
        + &r.control_entries.join(" ").to_lowercase()
}

/// Register statistics. Decision figures count first decisions only (licence actions and
/// withdrawals are excluded, with their reason counted in `excluded`).
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterStats {
    pub total_records: usize,
    pub first_decisions: usize,
    /// quarter ("2026-Q3") → destination (alpha-2) → outcome → count.
    pub decisions_by_quarter: BTreeMap<String, BTreeMap<String, BTreeMap<String, usize>>>,
    /// Share of first decisions taken within 20 and within 60 working days of submission.
    pub within_20_working_days: Option<f64>,
    pub within_60_working_days: Option<f64>,
    pub median_processing_working_days: Option<u32>,
    /// The 90th percentile (nearest rank) of the working days to a first decision.
    pub p90_processing_working_days: Option<u32>,
    /// The authority's target in working days, and the share of first decisions within it.
    pub target_working_days: u32,
    pub within_target: Option<f64>,
    /// Quarter of the decision ("2026-Q3") → its processing-time figures.
    pub processing_by_quarter: BTreeMap<String, ProcessingFigures>,
    /// Refusals by criterion ("2" → count).
    pub refusals_by_criterion: BTreeMap<String, usize>,
    pub outcomes: BTreeMap<String, usize>,
    /// Records excluded from decision statistics, by reason.
    pub excluded: BTreeMap<String, usize>,
    pub cyber_surveillance: CyberStats,
}

/// Processing times of the first decisions of a period, in working days from submission (the clock
/// stopped while the exporter was asked or the case held for its reasons).
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessingFigures {
    pub decisions: usize,
    pub median: u32,
    /// 90th percentile (nearest rank).
    pub p90: u32,
    /// Share decided within the target.
    pub within_target: f64,
}

/// The `p`-th percentile of sorted, non-empty `days` by nearest rank.
fn percentile(sorted: &[u32], p: usize) -> u32 {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn figures(mut days: Vec<u32>, target: u32) -> ProcessingFigures {
    days.sort_unstable();
    ProcessingFigures {
        decisions: days.len(),
        median: percentile(&days, 50),
        p90: percentile(&days, 90),
        within_target: days.iter().filter(|d| **d <= target).count() as f64 / days.len() as f64,
    }
}

/// The dedicated cyber-surveillance section (EU Regulation 2021/821 Art. 26).
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CyberStats {
    pub first_decisions: usize,
    pub outcomes: BTreeMap<String, usize>,
    /// destination (alpha-2) → outcome → count.
    pub by_destination: BTreeMap<String, BTreeMap<String, usize>>,
    /// control entry → outcome → count.
    pub by_control_entry: BTreeMap<String, BTreeMap<String, usize>>,
    pub licence_actions: BTreeMap<String, usize>,
}

pub fn stats<'a>(records: impl Iterator<Item = &'a PublicRecord>, target: u32) -> RegisterStats {
    let mut s = RegisterStats { target_working_days: target, ..RegisterStats::default() };
    let mut days = Vec::new();
    let mut by_quarter: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for r in records {
        s.total_records += 1;
        let outcome = r.kind.outcome().to_string();
        if let Some(reason) = &r.excluded_from_statistics {
            *s.excluded.entry(reason.clone()).or_default() += 1;
            if r.cyber_surveillance {
                *s.cyber_surveillance.licence_actions.entry(outcome).or_default() += 1;
            }
            continue;
        }
        if !r.first_decision {
            continue;
        }
        s.first_decisions += 1;
        *s.outcomes.entry(outcome.clone()).or_default() += 1;
        let date = r.decision_date.unwrap_or_else(|| r.published_at.date_naive());
        let quarter = format!("{}-Q{}", date.year(), (date.month0() / 3) + 1);
        if let Some(d) = r.processing_working_days {
            by_quarter.entry(quarter.clone()).or_default().push(d);
        }
        let destination = r.destination.clone().unwrap_or_else(|| "unknown".into());
        *s.decisions_by_quarter
            .entry(quarter)
            .or_default()
            .entry(destination.clone())
            .or_default()
            .entry(outcome.clone())
            .or_default() += 1;
        for c in &r.refusal_criteria {
            *s.refusals_by_criterion.entry(c.to_string()).or_default() += 1;
        }
        if let Some(d) = r.processing_working_days {
            days.push(d);
        }
        if r.cyber_surveillance {
            let c = &mut s.cyber_surveillance;
            c.first_decisions += 1;
            *c.outcomes.entry(outcome.clone()).or_default() += 1;
            *c.by_destination.entry(destination).or_default().entry(outcome.clone()).or_default() += 1;
            for e in &r.control_entries {
                *c.by_control_entry.entry(e.clone()).or_default().entry(outcome.clone()).or_default() += 1;
            }
        }
    }
    if !days.is_empty() {
        let n = days.len() as f64;
        s.within_20_working_days = Some(days.iter().filter(|d| **d <= 20).count() as f64 / n);
        s.within_60_working_days = Some(days.iter().filter(|d| **d <= 60).count() as f64 / n);
        days.sort_unstable();
        s.median_processing_working_days = Some(days[days.len() / 2]);
        let all = figures(days, target);
        s.p90_processing_working_days = Some(all.p90);
        s.within_target = Some(all.within_target);
    }
    s.processing_by_quarter = by_quarter.into_iter().map(|(q, d)| (q, figures(d, target))).collect();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(day: &str, working_days: u32) -> PublicRecord {
        let at =
            chrono::DateTime::parse_from_rfc3339(&format!("{day}T12:00:00Z")).unwrap().with_timezone(&Utc);
        PublicRecord {
            record_id: format!("r-{day}-{working_days}"),
            kind: RecordKind::LicenceIssued,
            published_at: at,
            case_id: None,
            licence_number: None,
            licence_type: None,
            decision_date: Some(at.date_naive()),
            act_date: None,
            acts_on: None,
            destination: Some("NO".into()),
            destination_name: None,
            end_user_sector: None,
            control_entries: vec![],
            cyber_surveillance: false,
            goods_summary: None,
            value_band: None,
            refusal_criteria: vec![],
            conditions: vec![],
            processing_working_days: Some(working_days),
            public_rationale: None,
            exporter_statement: None,
            exporter: None,
            departed_from_recommendation: false,
            first_decision: true,
            excluded_from_statistics: None,
            penalty: None,
            rule: None,
        }
    }

    #[test]
    fn processing_times_per_quarter_are_median_90th_percentile_and_share_within_target() {
        // Q1: 1..=10 working days; Q2: a single decision of 30.
        let mut records: Vec<PublicRecord> = (1..=10).map(|d| decided("2026-02-10", d)).collect();
        records.push(decided("2026-05-04", 30));
        let s = stats(records.iter(), 8);
        let q1 = &s.processing_by_quarter["2026-Q1"];
        assert_eq!((q1.decisions, q1.median, q1.p90), (10, 5, 9));
        assert!((q1.within_target - 0.8).abs() < 1e-9);
        let q2 = &s.processing_by_quarter["2026-Q2"];
        assert_eq!((q2.decisions, q2.median, q2.p90, q2.within_target), (1, 30, 30, 0.0));
        assert_eq!(s.target_working_days, 8);
        assert_eq!(s.p90_processing_working_days, Some(10));
        assert!((s.within_target.unwrap() - 8.0 / 11.0).abs() < 1e-9);
    }
}
