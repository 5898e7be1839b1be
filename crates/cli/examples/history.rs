//! Writes a realistic long history into a fresh SQLite database: a decade of a licensing authority
//! (issue 16), to measure how a node starts over millions of events.
//!
//! ```text
//! cargo run --release -p oversight-cli --example history -- \
//!     --db sqlite:///tmp/history.db --log-key /tmp/history.key --events 1000000
//! oversight serve --db sqlite:///tmp/history.db --log-key /tmp/history.key
//! ```
//!
//! The events are real: the demo dataset (`oversight_app::demo`) is loaded into a scratch database
//! by the app itself, and its twelve cases, one per stage of the lifecycle, are the templates. Each
//! generated case is one template re-keyed (every id it introduces is replaced by a fresh one, the
//! exporter by one of `--exporters` generated exporters, the licence number recomputed) and shifted
//! in time (by whole weeks, so working-day figures still hold), its screening and assessment streams
//! and its published register records with it. Around the cases run sign-ins (a session started,
//! its activity recorded every few minutes, mostly signed out) and ad-hoc screening searches. Days
//! are simulated one after another from `--start`; each day's events are appended in time order,
//! many appends to a transaction (`SqliteStore::append_batch`: each append still checked as a
//! normal one), and the transparency log is hashed and signed after every batch with `--log-key`
//! (created if missing, as `oversight serve` does), so the register verifies.
//!
//! See docs/operations.md, "A long history", for the mix and why it is realistic.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use clap::Parser;
use oversight_app::{App, AppConfig, SystemClock, accounts::AccountEvent, demo};
use oversight_store::{EventStore, NewEvent, StoredEvent, sqlite::BulkAppend, sqlite::SqliteStore};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::Value;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(about = "Write a realistic long history into a fresh SQLite database")]
struct Args {
    /// `sqlite://PATH` of a database that does not exist yet.
    #[arg(long)]
    db: String,
    /// The log's signing key file (created if missing; give the same to `oversight serve`).
    #[arg(long)]
    log_key: std::path::PathBuf,
    /// How many events to write (the history stops at the first day that reaches it).
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// The first day of the history.
    #[arg(long, default_value = "2016-01-04")]
    start: NaiveDate,
    /// New applications per working day.
    #[arg(long, default_value_t = 80.0)]
    cases_per_day: f64,
    /// Sign-ins per working day (authority staff and exporters).
    #[arg(long, default_value_t = 600.0)]
    sessions_per_day: f64,
    /// Ad-hoc screening searches per working day.
    #[arg(long, default_value_t = 150.0)]
    searches_per_day: f64,
    /// Exporting companies (one account each) beyond the demo's three.
    #[arg(long, default_value_t = 150)]
    exporters: usize,
    #[arg(long, default_value_t = 16)]
    seed: u64,
    /// Events per transaction.
    #[arg(long, default_value_t = 50_000)]
    batch: usize,
}

/// The demo's cases in the order `demo::load` creates them, and how often each kind of case occurs
/// in the generated history (percent): most cases are decided, a few are open at any time.
const TEMPLATE_WEIGHTS: [(&str, u32); 13] = [
    ("draft abandoned", 7),
    ("submitted", 3),
    ("under review", 3),
    ("in consultation", 3),
    ("pending decision", 3),
    ("on hold", 3),
    ("approved", 29),
    ("approved with conditions", 25),
    ("denied", 10),
    ("withdrawn", 8),
    ("licence suspended", 3),
    ("licence revoked", 2),
    ("refused, overturned on appeal, licensed", 1),
];

/// One event of a template: the stored event and the leaves it published.
#[derive(Clone)]
struct TemplateEvent {
    event: StoredEvent,
    leaves: Vec<Vec<u8>>,
}

struct Template {
    case: Uuid,
    exporter_org: Uuid,
    exporter_user: Uuid,
    events: Vec<TemplateEvent>,
}

/// An event to append, re-keyed and dated.
struct Out {
    stream: String,
    version: u64,
    event: NewEvent,
    leaves: Vec<Vec<u8>>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    if !args.db.starts_with("sqlite:") {
        bail!("only sqlite:// databases are generated (the bulk path is SQLite's); see docs/operations.md");
    }
    let path = args.db.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    if std::path::Path::new(path).exists() {
        bail!("{path} exists: the history is written into a fresh database");
    }
    let started = Instant::now();
    let signer = log_signer(&args.log_key)?;
    let (base, templates, blobs) = templates().await?;
    eprintln!("templates: {} base events, {} cases from the demo", base.len(), templates.len());

    let store = SqliteStore::open(&args.db, true).await?;
    for (content, at) in &blobs {
        store.put_blob(content, *at).await?;
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let start = Utc.from_utc_datetime(&args.start.and_hms_opt(0, 0, 0).expect("midnight"));

    // The demo's organisations, users, lists and evidence, at the start of the history.
    let base_first = base.first().map(|e| e.recorded_at).context("the demo wrote nothing")?;
    let mut keep: HashSet<Uuid> = HashSet::new();
    for e in &base {
        collect_uuids(&e.stream_id, &mut keep);
        collect_uuids(&e.payload.to_string(), &mut keep);
    }
    let shift = start - base_first;
    let identity = HashMap::new();
    let mut writer =
        Writer { store: &store, signer: &signer, pending: Vec::new(), written: 0, batch: args.batch };
    for e in &base {
        let mut rekey = Rekey {
            map: &identity,
            keep: &keep,
            shift,
            fresh_at: start,
            rng: &mut rng,
            case: None,
            fresh: HashMap::new(),
        };
        let out = rekey.event(e, &e.stream_id, start, &[])?;
        writer.push(out);
    }
    // The exporters: one company and one account each, with the demo's password hash.
    let password_hash = base
        .iter()
        .find_map(|e| match serde_json::from_value::<AccountEvent>(e.payload.clone()) {
            Ok(AccountEvent::UserCreated { password_hash, .. }) => Some(password_hash),
            _ => None,
        })
        .context("no demo user")?;
    let countries = ["SE", "DE", "GB", "FR", "NL", "IT", "FI", "DK", "IE", "BE", "ES", "CZ"];
    let mut exporters = Vec::new();
    for i in 0..args.exporters {
        let org = Uuid::new_v4();
        let user = Uuid::new_v4();
        let name = format!("Exporter {i:04} Ltd");
        let org_event = AccountEvent::OrgRegistered {
            id: oversight_domain::OrgId(org),
            name,
            kind: oversight_domain::OrgKind::Exporter,
            country: countries[i % countries.len()].into(),
        };
        writer.push(out_event(format!("org-{org}"), 1, &org_event, None, start));
        let user_event = AccountEvent::UserCreated {
            id: oversight_domain::UserId(user),
            org: oversight_domain::OrgId(org),
            email: format!("compliance@exporter-{i:04}.example"),
            name: format!("Compliance Officer {i:04}"),
            roles: vec![oversight_domain::Role::Exporter],
            password_hash: password_hash.clone(),
        };
        writer.push(out_event(format!("user-{user}"), 1, &user_event, None, start));
        exporters.push((org, user));
    }
    for t in &templates {
        exporters.push((t.exporter_org, t.exporter_user));
    }
    let users: Vec<Uuid> = base
        .iter()
        .filter_map(|e| match serde_json::from_value::<AccountEvent>(e.payload.clone()) {
            Ok(AccountEvent::UserCreated { id, roles, .. })
                if !roles.contains(&oversight_domain::Role::Exporter)
                    && !roles.contains(&oversight_domain::Role::PartnerAgency) =>
            {
                Some(id.0)
            }
            _ => None,
        })
        .collect();
    let list_versions = list_versions(&base);
    writer.flush().await?;

    let weights: u32 = TEMPLATE_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut heap: BinaryHeap<Reverse<(DateTime<Utc>, u64)>> = BinaryHeap::new();
    let mut waiting: HashMap<u64, Out> = HashMap::new();
    let mut counter = 0u64;
    let mut counts: HashMap<&'static str, u64> = HashMap::new();
    let mut day = start;
    let mut last_report = Instant::now();
    'days: loop {
        let next = day + Duration::days(1);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let n = around(&mut rng, args.cases_per_day);
            for _ in 0..n {
                let mut pick = rng.gen_range(0..weights);
                let index = TEMPLATE_WEIGHTS
                    .iter()
                    .position(|(_, w)| {
                        if pick < *w {
                            true
                        } else {
                            pick -= w;
                            false
                        }
                    })
                    .expect("a template");
                let t = &templates[index];
                let exporter = exporters[rng.gen_range(0..exporters.len())];
                // By whole weeks, so each step keeps its weekday (working-day figures hold).
                let first = t.events[0].event.recorded_at;
                let weeks = (day - first).num_days().div_euclid(7);
                let shift = Duration::weeks(weeks) + Duration::minutes(rng.gen_range(0..240));
                let case_start = first + shift;
                let mut map = HashMap::new();
                let new_case = uuid_v7_at(case_start, &mut rng);
                map.insert(t.case, new_case);
                map.insert(t.exporter_org, exporter.0);
                map.insert(t.exporter_user, exporter.1);
                let mut rekey = Rekey {
                    map: &map,
                    keep: &keep,
                    shift,
                    fresh_at: case_start,
                    rng: &mut rng,
                    case: Some((t.case, new_case)),
                    fresh: HashMap::new(),
                };
                let mut last = case_start;
                let mut outs = Vec::new();
                for te in &t.events {
                    let stream = rekey.text(&te.event.stream_id);
                    let at = (te.event.recorded_at + rekey.shift).max(last);
                    last = at;
                    outs.push((at, rekey.event(&te.event, &stream, at, &te.leaves)?));
                }
                for (at, out) in outs {
                    counter += 1;
                    heap.push(Reverse((at, counter)));
                    waiting.insert(counter, out);
                }
                *counts.entry("cases").or_default() += 1;
            }
            for _ in 0..around(&mut rng, args.sessions_per_day) {
                let user = if rng.gen_bool(0.4) {
                    users[rng.gen_range(0..users.len())]
                } else {
                    exporters[rng.gen_range(0..exporters.len())].1
                };
                let at = day + Duration::minutes(rng.gen_range(7 * 60..18 * 60));
                for (at, out) in session(&mut rng, user, at) {
                    counter += 1;
                    heap.push(Reverse((at, counter)));
                    waiting.insert(counter, out);
                }
                *counts.entry("sessions").or_default() += 1;
            }
            for _ in 0..around(&mut rng, args.searches_per_day) {
                let by = users[rng.gen_range(0..users.len())];
                let at = day + Duration::minutes(rng.gen_range(8 * 60..17 * 60));
                counter += 1;
                heap.push(Reverse((at, counter)));
                waiting.insert(counter, search(&mut rng, by, at, &list_versions));
                *counts.entry("searches").or_default() += 1;
            }
        }
        while let Some(Reverse((at, id))) = heap.peek().copied() {
            if at >= next {
                break;
            }
            heap.pop();
            writer.push(waiting.remove(&id).expect("queued"));
            if writer.total() >= args.events {
                break 'days;
            }
        }
        writer.maybe_flush().await?;
        if last_report.elapsed().as_secs() >= 10 {
            eprintln!(
                "{}: {} events ({:.0}/s)",
                day.date_naive(),
                writer.total(),
                writer.total() as f64 / started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        day = next;
    }
    writer.flush().await?;
    let leaves = store.log_size().await?;
    println!(
        "wrote {} events over {} to {} ({} cases started, {} sign-ins, {} searches, {} register records) in {:.1} s",
        writer.written,
        start.date_naive(),
        day.date_naive(),
        counts.get("cases").copied().unwrap_or(0),
        counts.get("sessions").copied().unwrap_or(0),
        counts.get("searches").copied().unwrap_or(0),
        leaves,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// About `mean` (uniform between half and one and a half times it).
fn around(rng: &mut StdRng, mean: f64) -> u64 {
    (mean * rng.gen_range(0.5..1.5)).round() as u64
}

fn uuid_v7_at(at: DateTime<Utc>, rng: &mut StdRng) -> Uuid {
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, at.timestamp() as u64, at.timestamp_subsec_nanos());
    let mut b = *Uuid::new_v7(ts).as_bytes();
    // Random bits from the seeded generator (the timestamp bits stay).
    let r: [u8; 10] = rng.r#gen();
    b[6] = (b[6] & 0xf0) | (r[0] & 0x0f);
    b[7] = r[1];
    b[8] = (b[8] & 0xc0) | (r[2] & 0x3f);
    b[9..16].copy_from_slice(&r[3..10]);
    Uuid::from_bytes(b)
}

fn out_event<E: serde::Serialize>(
    stream: String,
    version: u64,
    e: &E,
    actor: Option<Uuid>,
    at: DateTime<Utc>,
) -> Out {
    let payload = serde_json::to_value(e).expect("events serialise");
    let kind = payload["type"].as_str().expect("tagged events").to_string();
    Out {
        stream,
        version,
        event: NewEvent { kind, payload, actor: actor.map(|a| a.to_string()), recorded_at: at },
        leaves: vec![],
    }
}

/// A sign-in: started, its activity recorded every few minutes, then signed out (or left to expire).
fn session(rng: &mut StdRng, user: Uuid, at: DateTime<Utc>) -> Vec<(DateTime<Utc>, Out)> {
    let stream = format!("session-{}", uuid_v7_at(at, rng));
    let session_hash = format!("{:032x}{:032x}", rng.r#gen::<u128>(), rng.r#gen::<u128>());
    let csrf = format!("{:032x}{:032x}", rng.r#gen::<u128>(), rng.r#gen::<u128>());
    let mut out = vec![];
    let started = AccountEvent::SessionStarted {
        user: Some(oversight_domain::UserId(user)),
        session_hash: session_hash.clone(),
        csrf_hash: Some(csrf),
        csrf_token: None,
        expires_at: at + Duration::hours(12),
    };
    out.push((at, out_event(stream.clone(), 1, &started, Some(user), at)));
    let mut t = at;
    for _ in 0..rng.gen_range(0..7) {
        t += Duration::minutes(rng.gen_range(5..25));
        let touched = AccountEvent::SessionTouched { session_hash: session_hash.clone() };
        out.push((t, out_event(stream.clone(), out.len() as u64 + 1, &touched, Some(user), t)));
    }
    if rng.gen_bool(0.7) {
        t += Duration::minutes(rng.gen_range(1..10));
        let ended = AccountEvent::SessionEnded { session_hash };
        out.push((t, out_event(stream, out.len() as u64 + 1, &ended, Some(user), t)));
    }
    out
}

/// An officer's ad-hoc screening search, as the screening capability records it.
fn search(rng: &mut StdRng, by: Uuid, at: DateTime<Utc>, lists: &Value) -> Out {
    const NAMES: [&str; 8] = [
        "Ministry of Interior",
        "State Security Service",
        "National Police",
        "Signals Directorate",
        "Technical Research Institute",
        "General Intelligence Directorate",
        "Border Guard Service",
        "Telecom Operator Holding",
    ];
    let id = uuid_v7_at(at, rng);
    let name = format!("{} {}", NAMES[rng.gen_range(0..NAMES.len())], rng.gen_range(1..500));
    let hit = rng.gen_bool(0.1);
    let payload = serde_json::json!({
        "type": "screening_search_recorded",
        "id": id,
        "at": at,
        "by": by,
        "purpose": "search",
        "lists": lists,
        "threshold": 0.85,
        "queries": [{ "name": name, "country": "AE" }],
        "results": if hit {
            serde_json::json!([{ "query": 0, "list": "demo-sanctions", "source_id": "demo-1", "name": name, "score": 0.9 }])
        } else {
            serde_json::json!([])
        },
        "alerts_raised": 0,
    });
    Out {
        stream: format!("screening-search-{id}"),
        version: 1,
        event: NewEvent {
            kind: "screening_search_recorded".into(),
            payload,
            actor: Some(by.to_string()),
            recorded_at: at,
        },
        leaves: vec![],
    }
}

/// The list versions the demo's lists are at (what a search records it screened against).
fn list_versions(base: &[StoredEvent]) -> Value {
    let mut latest: std::collections::BTreeMap<String, u64> = Default::default();
    for e in base.iter().filter(|e| e.stream_id.starts_with("list-")) {
        if let (Some(name), Some(v)) = (e.payload["name"].as_str(), e.payload["version"].as_u64()) {
            latest.insert(name.to_string(), v);
        }
    }
    Value::Array(
        latest
            .into_iter()
            .map(|(name, version)| serde_json::json!({ "name": name, "version": version }))
            .collect(),
    )
}

/// Re-keys and re-dates one template's events.
struct Rekey<'a> {
    /// Ids given their new value up front (the case, its exporter).
    map: &'a HashMap<Uuid, Uuid>,
    /// Ids of the shared history (authority staff, lists): kept.
    keep: &'a HashSet<Uuid>,
    shift: Duration,
    fresh_at: DateTime<Utc>,
    rng: &'a mut StdRng,
    /// The template case's id and its new one (licence numbers are made from it).
    case: Option<(Uuid, Uuid)>,
    /// Ids made for this case (its items, parties, alerts, records): the same old id maps to the
    /// same new one across the case's events and records.
    fresh: HashMap<Uuid, Uuid>,
}

impl Rekey<'_> {
    fn uuid(&mut self, old: Uuid) -> Uuid {
        if let Some(new) = self.map.get(&old) {
            return *new;
        }
        if self.keep.contains(&old) {
            return old;
        }
        let (at, rng) = (self.fresh_at, &mut *self.rng);
        *self.fresh.entry(old).or_insert_with(|| uuid_v7_at(at, rng))
    }

    /// A string with every UUID in it re-keyed, a timestamp or date shifted, a licence number
    /// recomputed for the new case id.
    fn text(&mut self, s: &str) -> String {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            let t = t.with_timezone(&Utc) + self.shift;
            return t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        }
        if s.len() == 10
            && let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        {
            return (d + self.shift).to_string();
        }
        if let Some(rest) = s.strip_prefix("OVS-")
            && rest.len() == 13
            && let Ok(year) = rest[..4].parse::<i32>()
            && let Some((old, new)) = self.case
            && old.simple().to_string().to_uppercase().ends_with(&rest[5..])
        {
            // The year of the decision, as near as the number tells it.
            let mid = NaiveDate::from_ymd_opt(year, 7, 1).expect("a date") + self.shift;
            let hex = new.simple().to_string().to_uppercase();
            return format!("OVS-{}-{}", mid.year(), &hex[hex.len() - 8..]);
        }
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        let b = s.as_bytes();
        while i < b.len() {
            if i + 36 <= b.len()
                && is_uuid(&b[i..i + 36])
                && let Ok(u) = Uuid::parse_str(&s[i..i + 36])
            {
                out.push_str(&self.uuid(u).to_string());
                i += 36;
            } else {
                let c = s[i..].chars().next().expect("a char");
                out.push(c);
                i += c.len_utf8();
            }
        }
        out
    }

    fn value(&mut self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.value(x)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (self.text(k), self.value(x))).collect()),
            other => other.clone(),
        }
    }

    fn event(&mut self, e: &StoredEvent, stream: &str, at: DateTime<Utc>, leaves: &[Vec<u8>]) -> Result<Out> {
        let payload = self.value(&e.payload);
        let actor = e.actor.as_deref().map(|a| self.text(a));
        let mut out_leaves = Vec::new();
        for l in leaves {
            let v: Value = serde_json::from_slice(l)?;
            let bytes = serde_json::to_vec(&self.value(&v))?;
            let record = oversight_domain::register::PublicRecord::from_leaf(&bytes)
                .context("a re-keyed record no longer reads")?;
            out_leaves.push(record.to_leaf());
        }
        Ok(Out {
            stream: stream.to_string(),
            version: e.version,
            event: NewEvent { kind: e.kind.clone(), payload, actor, recorded_at: at },
            leaves: out_leaves,
        })
    }
}

fn is_uuid(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

fn collect_uuids(s: &str, into: &mut HashSet<Uuid>) {
    let b = s.as_bytes();
    for i in 0..b.len().saturating_sub(35) {
        if is_uuid(&b[i..i + 36])
            && let Ok(u) = Uuid::parse_str(&s[i..i + 36])
        {
            into.insert(u);
        }
    }
}

/// Appends in large transactions, and signs the log after each.
struct Writer<'a> {
    store: &'a SqliteStore,
    signer: &'a oversight_tlog::NoteSigner,
    pending: Vec<Out>,
    written: u64,
    batch: usize,
}

impl Writer<'_> {
    fn push(&mut self, out: Out) {
        self.pending.push(out);
    }

    fn total(&self) -> u64 {
        self.written + self.pending.len() as u64
    }

    async fn maybe_flush(&mut self) -> Result<()> {
        if self.pending.len() >= self.batch { self.flush().await } else { Ok(()) }
    }

    async fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let n = pending.len() as u64;
        let last_at = pending.iter().map(|o| o.event.recorded_at).max().expect("some");
        // Consecutive events of one stream at one time were one command: one append.
        let mut appends: Vec<BulkAppend> = Vec::new();
        for o in pending {
            if let Some(a) = appends.last_mut()
                && a.stream == o.stream
                && a.expected + a.events.len() as u64 + 1 == o.version
                && a.events.last().is_some_and(|e| e.recorded_at == o.event.recorded_at)
            {
                let i = a.events.len();
                a.leaves.extend(o.leaves.into_iter().map(|l| (i, l)));
                a.events.push(o.event);
                continue;
            }
            let leaves = o.leaves.into_iter().map(|l| (0, l)).collect();
            appends.push(BulkAppend {
                stream: o.stream,
                expected: o.version - 1,
                events: vec![o.event],
                leaves,
            });
        }
        self.store.append_batch(appends).await.context("appending a batch")?;
        self.store.integrate_log(self.signer, last_at).await?;
        self.written += n;
        Ok(())
    }
}

/// The demo, loaded by the app into a scratch database: its non-case events (organisations,
/// users, lists, evidence), its cases as templates (with the leaves each event published), and
/// its blobs (list entries, documents).
async fn templates() -> Result<(Vec<StoredEvent>, Vec<Template>, Vec<(Vec<u8>, DateTime<Utc>)>)> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = oversight_store::open(&url, true).await?;
    let app = App::open_with(store.clone(), Arc::new(SystemClock), AppConfig::default()).await?;
    demo::load(&app).await?;
    drop(app);
    let events = store.read_all(0, u32::MAX).await?;
    let raw = SqliteStore::open(&url, false).await?;
    let leaves: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT event_seq, data FROM log_leaves ORDER BY idx").fetch_all(raw.pool()).await?;
    let blobs: Vec<(Vec<u8>, String)> =
        sqlx::query_as("SELECT content, created_at FROM blobs").fetch_all(raw.pool()).await?;
    let blobs = blobs
        .into_iter()
        .map(|(c, at)| Ok((c, DateTime::parse_from_rfc3339(&at)?.with_timezone(&Utc))))
        .collect::<Result<Vec<_>>>()?;
    let mut by_event: HashMap<u64, Vec<Vec<u8>>> = HashMap::new();
    for (seq, data) in leaves {
        by_event.entry(seq as u64).or_default().push(data);
    }
    let case_ids: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = events
            .iter()
            .filter_map(|e| e.stream_id.strip_prefix("application-").and_then(|s| s.parse().ok()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        ids.sort(); // UUIDv7: in the order the demo created them
        ids
    };
    if case_ids.len() != TEMPLATE_WEIGHTS.len() {
        bail!("the demo has {} cases; the generator knows {}", case_ids.len(), TEMPLATE_WEIGHTS.len());
    }
    let case_of = |e: &StoredEvent| -> Option<Uuid> {
        let s = e.stream_id.as_str();
        for prefix in ["application-", "assessment-"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                return rest.parse().ok();
            }
        }
        if s.starts_with("screening-search-") {
            let text = e.payload.to_string();
            return case_ids.iter().copied().find(|id| text.contains(&id.to_string()));
        }
        s.strip_prefix("screening-").and_then(|rest| rest.parse().ok())
    };
    let mut base = Vec::new();
    let mut per_case: HashMap<Uuid, Vec<TemplateEvent>> = HashMap::new();
    for e in events {
        match case_of(&e) {
            Some(case) => {
                let leaves = by_event.remove(&e.seq).unwrap_or_default();
                per_case.entry(case).or_default().push(TemplateEvent { event: e, leaves });
            }
            None => {
                if by_event.contains_key(&e.seq) {
                    bail!("event {} outside a case published a record", e.seq);
                }
                base.push(e)
            }
        }
    }
    let mut templates = Vec::new();
    for case in case_ids {
        let events = per_case.remove(&case).unwrap_or_default();
        let created = &events[0].event;
        let exporter_user: Uuid = created.actor.as_deref().context("a case created by no one")?.parse()?;
        let exporter_org: Uuid = base
            .iter()
            .find_map(|e| match serde_json::from_value::<AccountEvent>(e.payload.clone()) {
                Ok(AccountEvent::UserCreated { id, org, .. }) if id.0 == exporter_user => Some(org.0),
                _ => None,
            })
            .context("the exporter's account")?;
        templates.push(Template { case, exporter_org, exporter_user, events });
    }
    Ok((base, templates, blobs))
}

/// Reads the log's signing key, or creates one as `oversight serve` does.
fn log_signer(path: &std::path::Path) -> Result<oversight_tlog::NoteSigner> {
    if path.exists() {
        let text = std::fs::read_to_string(path)?;
        return oversight_tlog::NoteSigner::from_signer_key(text.trim())
            .map_err(|e| anyhow::anyhow!("the log key {} is invalid: {e}", path.display()));
    }
    let seed: [u8; 32] = rand::random();
    let signer = oversight_tlog::NoteSigner::new("oversight.local/register", &seed)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write;
    options.open(path)?.write_all(format!("{}\n", signer.to_signer_key()).as_bytes())?;
    Ok(signer)
}
