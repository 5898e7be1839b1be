//! Issue 16, parts 1–4, with the real binary: a configuration file sets every flag; one request
//! gives one log line with its request id; `/metrics` parses as Prometheus text and moves; a
//! backup taken while a server runs restores into a fresh database that `oversight verify`
//! accepts against the same log; progress lines when standard error is not a terminal.

use oversight_testkit::{PASSWORD, TestDb, User, users::APPROVER};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_oversight");

/// The binary with no configuration from the test's own environment.
fn oversight() -> Command {
    let mut cmd = Command::new(BIN);
    for var in [
        "OVERSIGHT_CONFIG",
        "OVERSIGHT_DB",
        "OVERSIGHT_ADDR",
        "OVERSIGHT_PUBLIC_URL",
        "OVERSIGHT_SECURE_COOKIES",
        "OVERSIGHT_DEMO",
        "OVERSIGHT_METRICS_ADDR",
        "OVERSIGHT_LOG_KEY",
        "OVERSIGHT_LOG_ORIGIN",
        "OVERSIGHT_PUBLISH_EXPORTER_NAMES",
        "OVERSIGHT_LOG_FORMAT",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

// ----- part 1: configuration ---------------------------------------------------------------------

/// Every key of the file, each set to something other than its default.
const EVERY_KEY: &str = r#"
[database]
url = "sqlite:///srv/oversight/data.db"

[server]
addr = "0.0.0.0:9443"
public_url = "https://register.example.gov"
secure_cookies = true
demo = true
metrics_addr = "127.0.0.1:9464"
authority_name = "Export Control Joint Unit"

[register]
log_key = "/srv/oversight/log.key"
log_origin = "register.example.gov/log"
publish_exporter_names = true
log_check_seconds = 60
checkpoint_interval_ms = 100

[log]
format = "json"
filter = "debug,sqlx=info"

[accounts]
session_hours = 8
session_idle_minutes = 15
token_max_days = 30

[cases]
target_working_days = 15
second_marker_working_days = 45
obligation_grace_days = 7
appeal_window_days = 21
repeat_offender_findings = 3
repeat_offender_days = 730
comment_period_days = 45
"#;

#[test]
fn a_config_file_sets_every_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oversight.toml");
    std::fs::write(&path, EVERY_KEY).unwrap();
    let out = oversight().arg("--config").arg(&path).args(["config", "check"]).output().unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    let expected = [
        ("database.url", "\"sqlite:///srv/oversight/data.db\""),
        ("server.addr", "\"0.0.0.0:9443\""),
        ("server.public_url", "\"https://register.example.gov\""),
        ("server.secure_cookies", "true"),
        ("server.demo", "true"),
        ("server.metrics_addr", "\"127.0.0.1:9464\""),
        ("register.log_key", "\"/srv/oversight/log.key\""),
        ("register.log_origin", "\"register.example.gov/log\""),
        ("register.publish_exporter_names", "true"),
        ("log.format", "\"json\""),
        ("log.filter", "\"debug,sqlx=info\""),
        ("server.authority_name", "\"Export Control Joint Unit\""),
        ("register.log_check_seconds", "60"),
        ("register.checkpoint_interval_ms", "100"),
        ("accounts.session_hours", "8"),
        ("accounts.session_idle_minutes", "15"),
        ("accounts.token_max_days", "30"),
        ("cases.target_working_days", "15"),
        ("cases.second_marker_working_days", "45"),
        ("cases.obligation_grace_days", "7"),
        ("cases.appeal_window_days", "21"),
        ("cases.repeat_offender_findings", "3"),
        ("cases.repeat_offender_days", "730"),
        ("cases.comment_period_days", "45"),
    ];
    let source = format!("# file {}", path.display());
    for (key, value) in expected {
        let line = t
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no line for {key}:\n{t}"));
        assert!(line.contains(&format!("{key} = {value} ")), "{key}: {line}");
        assert!(line.ends_with(&source), "{key} should come from the file: {line}");
    }
    // Every flag of `serve` (and the global ones) has a key: the list above is all of them.
    let help = String::from_utf8(oversight().args(["serve", "--help"]).output().unwrap().stdout).unwrap();
    let flags: Vec<&str> = help
        .lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
        .map(|w| w.trim_end_matches(','))
        .filter(|f| !["--help", "--version", "--config"].contains(f))
        .collect();
    // log.filter is RUST_LOG; the case clock's two targets, the obligations' grace period, the
    // appeal window, the repeat-offender rule's two numbers and the comment period are set in the
    // file or the environment.
    assert_eq!(flags.len(), expected.len() - 8, "flags of serve: {flags:?}");
    for flag in flags {
        let key = flag
            .trim_start_matches("--")
            .replace('-', "_")
            .replace("db", "url")
            .replace("log_format", "format");
        assert!(expected.iter().any(|(k, _)| k.ends_with(&key)), "flag {flag} has no configuration key");
    }

    // The environment over the file, a flag over the environment.
    let out = oversight()
        .arg("--config")
        .arg(&path)
        .args(["config", "check"])
        .env("OVERSIGHT_ADDR", "127.0.0.1:7000")
        .env("OVERSIGHT_LOG_FORMAT", "human")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(
        t.contains("server.addr = \"127.0.0.1:7000\"") && t.contains("# environment OVERSIGHT_ADDR"),
        "{t}"
    );
    let out = oversight()
        .arg("--config")
        .arg(&path)
        .args(["--log-format", "human", "config", "check"])
        .env("OVERSIGHT_LOG_FORMAT", "json")
        .output()
        .unwrap();
    let t = text(&out);
    let line = t.lines().find(|l| l.starts_with("log.format")).unwrap();
    assert!(line.contains("\"human\"") && line.ends_with("# flag --log-format"), "{t}");
}

#[test]
fn an_unknown_key_is_refused_with_its_name_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oversight.toml");
    std::fs::write(&path, "[server]\naddr = \"127.0.0.1:1\"\nsecure_cookie = true\n").unwrap();
    let out = oversight().args(["config", "check"]).env("OVERSIGHT_CONFIG", &path).output().unwrap();
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("secure_cookie") && t.contains("line 3") && t.contains(&path.display().to_string()),
        "{t}"
    );
    // Every command that reads the configuration refuses it, before doing anything.
    let db = dir.path().join("x.db");
    let out = oversight()
        .args(["migrate", "--db", &format!("sqlite://{}", db.display())])
        .env("OVERSIGHT_CONFIG", &path)
        .output()
        .unwrap();
    assert!(!out.status.success() && text(&out).contains("secure_cookie"), "{}", text(&out));
    assert!(!db.exists());
}

#[test]
fn config_check_redacts_the_database_password() {
    let out = oversight()
        .args(["config", "check"])
        .env("OVERSIGHT_DB", "postgres://oversight:hunter22@db.internal/oversight")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(!t.contains("hunter22") && t.contains("oversight:REDACTED@db.internal"), "{t}");
}

// ----- part 2: logs and metrics ------------------------------------------------------------------

/// `oversight serve --config FILE` with its stderr in a file and the two addresses it printed.
struct Served {
    child: Child,
    base: String,
    metrics: String,
    log: PathBuf,
}

impl Served {
    fn start(config: &Path, log: PathBuf) -> Served {
        let mut child = oversight()
            .args(["serve", "--config"])
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut metrics = None;
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Metrics on ") {
                    metrics = Some(rest.trim_end_matches("/metrics").to_string());
                }
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let base = rest.split_whitespace().next().unwrap_or_default().to_string();
                    let _ = tx.send((base, metrics.take()));
                    break;
                }
            }
            for _ in lines {}
        });
        let mut served = Served { child, base: String::new(), metrics: String::new(), log };
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok((base, Some(metrics))) => {
                served.base = base;
                served.metrics = metrics;
            }
            other => panic!("the server did not start ({other:?}):\n{}", served.log_text()),
        }
        served
    }

    fn log_text(&self) -> String {
        let mut s = String::new();
        let _ = std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s));
        s
    }

    async fn scrape(&self) -> prometheus_parse::Scrape {
        let body = reqwest::get(format!("{}/metrics", self.metrics)).await.unwrap().text().await.unwrap();
        prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string())))
            .expect("Prometheus text format")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("----- server log -----\n{}", self.log_text());
        }
    }
}

fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    use prometheus_parse::Value::*;
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Counter(v) | Gauge(v) | Untyped(v) => *v,
            Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Summary(_) => 0.0,
        })
        .reduce(|a, b| a + b)
}

/// A served demo database, configured by a file only (addresses, key, log format, metrics).
fn config_file(dir: &Path, log_format: &str) -> PathBuf {
    let path = dir.join("oversight.toml");
    std::fs::write(
        &path,
        format!(
            "[database]\nurl = \"sqlite://{}\"\n[server]\naddr = \"127.0.0.1:0\"\ndemo = true\n\
             metrics_addr = \"127.0.0.1:0\"\n[register]\nlog_key = \"{}\"\n[log]\nformat = \"{log_format}\"\n",
            dir.join("oversight.db").display(),
            dir.join("log.key").display()
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_gives_one_log_line_with_its_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = Served::start(&config_file(dir.path(), "json"), dir.path().join("stderr.log"));
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/health?token=do-not-log-me", server.base))
        .header("X-Request-Id", "ops-test-4242")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-request-id"], "ops-test-4242");
    // An implausible id is replaced by a fresh one.
    let r =
        client.get(format!("{}/health", server.base)).header("X-Request-Id", "a b\"c").send().await.unwrap();
    let fresh = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(fresh.len() == 32 && fresh.bytes().all(|b| b.is_ascii_hexdigit()), "{fresh}");

    // The line is written after the answer: wait for it (no timing decides the outcome).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let lines = loop {
        let log = server.log_text();
        let lines: Vec<String> =
            log.lines().filter(|l| l.contains("ops-test-4242")).map(String::from).collect();
        if !lines.is_empty() || std::time::Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let line: Value = serde_json::from_str(&lines[0]).expect("a JSON log line");
    assert_eq!(line["request_id"], "ops-test-4242");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["path"], "/health");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_f64().is_some(), "{line}");
    assert!(!server.log_text().contains("do-not-log-me"), "the query string is never logged");
    assert!(server.log_text().contains(&fresh));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text_and_move() {
    let dir = tempfile::tempdir().unwrap();
    let server = Served::start(&config_file(dir.path(), "human"), dir.path().join("stderr.log"));
    // Not on the public port.
    let public = reqwest::get(format!("{}/metrics", server.base)).await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);

    let user = User::login(&server.base, APPROVER, PASSWORD).await;
    let before = server.scrape().await;
    let login = [("method", "POST"), ("route", "/api/session"), ("status", "200")];
    let search = [("method", "POST"), ("route", "/api/screening/search"), ("status", "200")];
    assert_eq!(value(&before, "oversight_http_requests_total", &login), Some(1.0));
    for series in [
        "oversight_append_duration_seconds_count",
        "oversight_events_folded",
        "oversight_follower_lag_events",
        "oversight_log_size",
        "oversight_checkpoint_age_seconds",
        "oversight_checkpoint_size",
        "oversight_halted",
    ] {
        assert!(value(&before, series, &[]).is_some(), "{series} is missing");
    }
    assert!(value(&before, "oversight_log_size", &[]).unwrap() > 0.0, "the demo publishes records");
    assert_eq!(value(&before, "oversight_follower_lag_events", &[]), Some(0.0));
    assert_eq!(value(&before, "oversight_halted", &[]), Some(0.0));
    let histogram = before
        .samples
        .iter()
        .find(|s| {
            s.metric == "oversight_http_request_duration_seconds"
                && s.labels.get("route") == Some("/api/session")
        })
        .expect("a latency histogram by route");
    assert!(matches!(histogram.value, prometheus_parse::Value::Histogram(_)), "{histogram:?}");

    let (status, body) = user.post("/api/screening/search", serde_json::json!({"name": "Ivan Petrov"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = server.scrape().await;
    assert_eq!(value(&after, "oversight_http_requests_total", &search), Some(1.0));
    let queries = |s| value(s, "oversight_screening_queries_total", &[]).unwrap_or(0.0);
    assert_eq!(queries(&after), queries(&before) + 1.0);
    // A write moves the append histogram.
    let appends = |s| value(s, "oversight_append_duration_seconds_count", &[]).unwrap();
    assert!(appends(&after) > appends(&before), "recording the search is an append");
    assert!(
        value(&after, "oversight_events_folded", &[]).unwrap()
            > value(&before, "oversight_events_folded", &[]).unwrap()
    );
    // Unknown paths share one route label.
    let _ = reqwest::get(format!("{}/no/such/page/123", server.base)).await.unwrap();
    let last = server.scrape().await;
    assert!(
        value(&last, "oversight_http_requests_total", &[("route", "unmatched"), ("status", "404")]).is_some()
    );
    assert!(!last.samples.iter().any(|s| s.labels.values().any(|v| v.contains("/no/such"))));

    // The human log format, written to a file, is plain text: no terminal colour codes.
    let log = server.log_text();
    let line = log.lines().find(|l| l.contains("path=/api/screening/search")).expect("a request line");
    assert!(line.contains("status=200") && line.contains("request_id="), "{line}");
    assert!(!log.contains('\u{1b}'), "colour codes in a log file: {line:?}");
}

// ----- part 3: backup and restore ----------------------------------------------------------------

fn verify(base: &str, state: &Path) -> Output {
    oversight().args(["verify", "--url", base, "--state"]).arg(state).output().unwrap()
}

async fn start_served(db: &str, key: &Path) -> oversight_testkit::ServerProcess {
    let server = oversight_testkit::ServerProcess::start("oversight", BIN, db, key, true);
    server.wait_until_ok("/log/checkpoint").await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_and_verifies_against_the_same_log() {
    let original = TestDb::sqlite();
    let key = original.dir().join("log.key");
    let state = original.dir().join("verify-state.json");
    let server = start_served(original.url(), &key).await;
    let first = verify(&server.base, &state);
    assert!(first.status.success(), "{}", text(&first));
    // Off a terminal, the download of the log is reported in plain lines.
    let progress = String::from_utf8_lossy(&first.stderr).to_string();
    assert!(
        progress.lines().any(|l| l.starts_with("downloaded ") && l.ends_with(" log entries")),
        "{progress}"
    );

    // Back up while the server runs and a caseworker writes.
    let backup = original.dir().join("backup.db");
    let writer = {
        let user = User::login(&server.base, APPROVER, PASSWORD).await;
        tokio::spawn(async move {
            for name in ["Ivan Petrov", "Acme Surveillance", "Olga Sidorova"] {
                let (status, _) = user.post("/api/screening/search", serde_json::json!({"name": name})).await;
                assert_eq!(status, StatusCode::OK);
            }
        })
    };
    let out = oversight().args(["backup", "--db", original.url(), "--out"]).arg(&backup).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    writer.await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A backup never overwrites.
    let again = oversight().args(["backup", "--db", original.url(), "--out"]).arg(&backup).output().unwrap();
    assert!(!again.status.success() && text(&again).contains("already exists"), "{}", text(&again));
    // The original moves on after the backup (verified, so the state file has its newest checkpoint
    // only if the restore is part of the same history).
    drop(server);

    let fresh = TestDb::sqlite();
    let out =
        oversight().args(["restore", "--from"]).arg(&backup).args(["--db", fresh.url()]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let restored = start_served(fresh.url(), &key).await;
    let ok = verify(&restored.base, &state);
    assert!(ok.status.success(), "verify refused the restored register:\n{}", text(&ok));
    assert!(text(&ok).contains("OK"), "{}", text(&ok));

    // A database that holds events is not overwritten without --force, and is left as it was.
    drop(restored);
    let events_before = fresh.events().await.len();
    let out =
        oversight().args(["restore", "--from"]).arg(&backup).args(["--db", fresh.url()]).output().unwrap();
    assert!(!out.status.success() && text(&out).contains("--force"), "{}", text(&out));
    assert_eq!(fresh.events().await.len(), events_before);
    let out = oversight()
        .args(["restore", "--force", "--from"])
        .arg(&backup)
        .args(["--db", fresh.url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_failed_restore_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("not-a-backup.db");
    std::fs::write(&bad, b"this is not a SQLite database, just text long enough to look like a file")
        .unwrap();
    let target = dir.path().join("restored.db");
    let out = oversight()
        .args(["restore", "--from"])
        .arg(&bad)
        .args(["--db", &format!("sqlite://{}", target.display())])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("not a usable backup"), "{}", text(&out));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("not-a-backup.db")], "{left:?}");
}

// ----- part 4: progress --------------------------------------------------------------------------

#[test]
fn batch_screening_off_a_terminal_reports_plain_progress_lines() {
    let dir = tempfile::tempdir().unwrap();
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/lists/us-csl-sample.csv");
    let queries = dir.path().join("queries.jsonl");
    let lines: Vec<String> =
        (0..30).map(|i| format!("{{\"id\":\"q{i}\",\"name\":\"Person Number {i}\"}}")).collect();
    std::fs::write(&queries, lines.join("\n")).unwrap();
    let out = oversight()
        .args(["screen", "--list-file"])
        .arg(format!("csl-csv:{}", list.display()))
        .arg("--batch")
        .arg(&queries)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.lines().any(|l| l == "screened 30 of 30 queries"), "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "no terminal control off a terminal: {stderr:?}"
    );
    // Standard output still holds exactly one JSON line per query.
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 30);
}

#[test]
fn the_example_configuration_is_valid() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/oversight.example.toml");
    let out = oversight().arg("--config").arg(&example).args(["config", "check"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert_eq!(t.lines().filter(|l| l.contains("# file ")).count(), 25, "every key is in the example:\n{t}");
}

#[test]
fn a_list_import_off_a_terminal_reports_the_rescreening_in_plain_lines() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("oversight.db").display());
    let key = dir.path().join("log.key");
    let out = oversight().args(["demo", "--db", &db, "--log-key"]).arg(&key).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // A list new to the database: every entry is added, so every open case's parties are screened.
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/lists/us-csl-sample.csv");
    let out = oversight()
        .args(["lists", "import"])
        .arg(format!("csl-csv:{}", list.display()))
        .args(["--name", "us-csl-copy", "--db", &db])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let parties: u64 = stdout
        .split("re-screened ")
        .nth(1)
        .and_then(|rest| rest.split(" parties").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no re-screening summary: {stdout}"));
    assert!(parties > 0, "the demo has open cases: {stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.lines().any(|l| l == format!("re-screened {parties} of {parties} parties")), "{stderr}");
    assert!(!stderr.contains('\r') && !stderr.contains('\u{1b}'), "{stderr:?}");
}

/// PostgreSQL: `oversight backup` runs pg_dump, and the documented pg_restore procedure brings
/// every event back into a new database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_restores_with_pg_restore_as_documented() {
    let Some(original) = TestDb::postgres().await else { return };
    let Some(fresh) = TestDb::postgres().await else { return };
    let key = original.dir().join("log.key");
    let out = oversight().args(["demo", "--db", original.url(), "--log-key"]).arg(&key).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let dump = original.dir().join("oversight.dump");
    let out = oversight().args(["backup", "--db", original.url(), "--out"]).arg(&dump).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(&std::fs::read(&dump).unwrap()[..5], b"PGDMP", "a pg_dump custom-format archive");
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--single-transaction", "--dbname", fresh.url()])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = oversight().args(["migrate", "--db", fresh.url()]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let (a, b) = (original.events().await, fresh.events().await);
    assert!(!a.is_empty());
    assert_eq!(a.len(), b.len());
    assert_eq!(a.last().map(|e| (e.seq, &e.stream_id)), b.last().map(|e| (e.seq, &e.stream_id)));
    // restore itself does not restore PostgreSQL, and says how.
    let out =
        oversight().args(["restore", "--from"]).arg(&dump).args(["--db", fresh.url()]).output().unwrap();
    assert!(!out.status.success() && text(&out).contains("pg_restore"), "{}", text(&out));
}
