//! Configuration: a TOML file (`--config PATH` or `OVERSIGHT_CONFIG`), environment variables over
//! it, and command-line flags over those. Every setting remembers where its value came from, so
//! `oversight config check` can print the effective configuration with its sources.
//!
//! The file is read with serde and `deny_unknown_fields`: a misspelt key is an error that names the
//! key and its line, not a setting silently ignored.

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "OVERSIGHT_CONFIG";

/// The default log filter when neither `RUST_LOG` nor `log.filter` says otherwise.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,tower_http=warn";

/// The configuration file, as written. Every key is optional; unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub database: DatabaseSection,
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default)]
    pub register: RegisterSection,
    #[serde(default)]
    pub log: LogSection,
    #[serde(default)]
    pub accounts: AccountsSection,
    #[serde(default)]
    pub cases: CasesSection,
    #[serde(default)]
    pub tokens: TokensSection,
}

/// `[tokens]`: the operating-token authority (file only).
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TokensSection {
    /// The token-signing key (created on first start; its root chain is `<key>.roots`).
    pub key: Option<PathBuf>,
    /// Lease lengths in seconds per licence tier.
    pub lease_tier_a_seconds: Option<u64>,
    pub lease_tier_b_seconds: Option<u64>,
    pub lease_tier_c_seconds: Option<u64>,
    /// How long a revocation list is valid, in seconds.
    pub revocation_list_seconds: Option<u64>,
    /// The witnesses each new checkpoint is submitted to.
    #[serde(default)]
    pub witness: Vec<WitnessEntry>,
}

/// `[[tokens.witness]]`.
#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WitnessEntry {
    /// Base URL (the request goes to `<url>/add-checkpoint`).
    pub url: String,
    /// Its cosignature verifier key `name+keyid+base64`.
    pub vkey: String,
}

/// The effective `[tokens]` settings.
#[derive(Debug, Clone)]
pub struct TokensSettings {
    pub key: PathBuf,
    pub lease: oversight_domain::installation::LeasePolicy,
    pub revocation_list_seconds: u64,
    pub witnesses: Vec<WitnessEntry>,
}

fn tokens_settings(t: TokensSection) -> Result<TokensSettings> {
    let d = oversight_domain::installation::LeasePolicy::default();
    let lease = oversight_domain::installation::LeasePolicy {
        tier_a: t.lease_tier_a_seconds.unwrap_or(d.tier_a),
        tier_b: t.lease_tier_b_seconds.unwrap_or(d.tier_b),
        tier_c: t.lease_tier_c_seconds.unwrap_or(d.tier_c),
    };
    lease.check().map_err(|e| anyhow!("tokens.{}_seconds: {}", e.field, e.message))?;
    let revocation_list_seconds = t.revocation_list_seconds.unwrap_or(3600);
    if !(10..=7 * 24 * 3600).contains(&revocation_list_seconds) {
        bail!("tokens.revocation_list_seconds: must be from 10 to 604800");
    }
    for w in &t.witness {
        if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
            bail!("tokens.witness.url: {:?} is not an http(s) URL", w.url);
        }
        oversight_tlog::CosignatureVerifier::parse(&w.vkey)
            .map_err(|e| anyhow!("tokens.witness.vkey {:?}: {e}", w.vkey))?;
    }
    Ok(TokensSettings {
        key: t.key.unwrap_or_else(|| PathBuf::from("oversight-token.key")),
        lease,
        revocation_list_seconds,
        witnesses: t.witness,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSection {
    pub session_hours: Option<u32>,
    pub session_idle_minutes: Option<u32>,
    pub token_max_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesSection {
    pub target_working_days: Option<u32>,
    pub second_marker_working_days: Option<u32>,
    pub obligation_grace_days: Option<u32>,
    pub appeal_window_days: Option<u32>,
    pub repeat_offender_findings: Option<u32>,
    pub repeat_offender_days: Option<u32>,
    pub comment_period_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSection {
    pub url: Option<String>,
    pub snapshot_every_events: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    pub addr: Option<String>,
    pub public_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub demo: Option<bool>,
    pub metrics_addr: Option<String>,
    pub authority_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterSection {
    pub log_key: Option<PathBuf>,
    pub log_origin: Option<String>,
    pub publish_exporter_names: Option<bool>,
    pub log_check_seconds: Option<u64>,
    pub checkpoint_interval_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    pub format: Option<String>,
    pub filter: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    fn parse(s: &str) -> Result<LogFormat, String> {
        match s.trim() {
            "human" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("{other:?} is not a log format (human or json)")),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Human => "human",
            LogFormat::Json => "json",
        })
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Env(v) => write!(f, "environment {v}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// One setting's effective value and where it came from.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// The values given on the command line (`None`/`false`: not given). Each command fills in the
/// flags it has.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub db: Option<String>,
    pub addr: Option<String>,
    pub public_url: Option<String>,
    pub secure_cookies: bool,
    pub demo: bool,
    pub metrics_addr: Option<String>,
    pub log_key: Option<PathBuf>,
    pub log_origin: Option<String>,
    pub publish_exporter_names: bool,
    pub log_format: Option<LogFormat>,
    pub authority_name: Option<String>,
    pub log_check_seconds: Option<u64>,
    pub checkpoint_interval_ms: Option<u64>,
    pub session_hours: Option<u32>,
    pub session_idle_minutes: Option<u32>,
    pub token_max_days: Option<u32>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    pub db: Setting<String>,
    pub addr: Setting<String>,
    pub public_url: Setting<Option<oversight_web::PublicUrl>>,
    pub secure_cookies: Setting<bool>,
    pub demo: Setting<bool>,
    pub metrics_addr: Setting<Option<String>>,
    pub log_key: Setting<PathBuf>,
    pub log_origin: Setting<String>,
    pub publish_exporter_names: Setting<bool>,
    pub log_format: Setting<LogFormat>,
    pub log_filter: Setting<String>,
    pub authority_name: Setting<Option<String>>,
    pub log_check_seconds: Setting<u64>,
    pub checkpoint_interval_ms: Setting<u64>,
    pub session_hours: Setting<u32>,
    pub session_idle_minutes: Setting<u32>,
    pub token_max_days: Setting<u32>,
    pub clock_target_days: Setting<u32>,
    pub clock_second_marker_days: Setting<u32>,
    /// Days an overdue or rejected obligation waits before a licence review proposes suspension.
    pub obligation_grace_days: Setting<u32>,
    /// Calendar days after an act within which it may be appealed.
    pub appeal_window_days: Setting<u32>,
    /// Findings of violation within `repeat_offender_days` that send an exporter's new applications
    /// to senior review (0: never).
    pub repeat_offender_findings: Setting<u32>,
    pub repeat_offender_days: Setting<u32>,
    /// Calendar days a proposed change of rule is open for public comment.
    pub comment_period_days: Setting<u32>,
    /// Events folded between snapshots of the read models (0: none written).
    pub snapshot_every_events: Setting<u64>,
    /// `[tokens]`: the token key, leases, witnesses (file only).
    pub tokens: TokensSettings,
}

/// Reads the configuration file named by `--config` or `OVERSIGHT_CONFIG` (none if neither), then
/// layers the environment and the flags over it.
pub fn load(config_flag: Option<&Path>, flags: &Flags) -> Result<Settings> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let path = match config_flag {
        Some(p) => Some(p.to_path_buf()),
        None => env(CONFIG_ENV).map(PathBuf::from),
    };
    let file = match &path {
        Some(p) => read_file(p)?,
        None => FileConfig::default(),
    };
    resolve(path, file, flags, &env)
}

/// Parses a configuration file; an unknown key or a wrong type names the key and its line.
pub fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration file {}", path.display()))?;
    parse_file(&text).map_err(|e| anyhow!("in the configuration file {}: {e}", path.display()))
}

pub fn parse_file(text: &str) -> Result<FileConfig, toml::de::Error> {
    toml::from_str(text)
}

/// The layering itself: flag over environment over file over default.
pub fn resolve(
    path: Option<PathBuf>,
    file: FileConfig,
    flags: &Flags,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings> {
    let from_file = || Source::File(path.clone().unwrap_or_default());
    // One key: (flag value, flag name), (environment variable), file value, default, parser.
    macro_rules! layer {
        ($key:literal, $flag:expr, $flag_name:literal, $env:literal, $file:expr, $default:expr, $parse:expr) => {{
            let parse = $parse;
            if let Some(v) = $flag {
                Setting { value: v, source: Source::Flag($flag_name) }
            } else if let Some(raw) = env($env) {
                let value = parse(raw.as_str())
                    .map_err(|e| anyhow!("{} (environment variable {}): {e}", $key, $env))?;
                Setting { value, source: Source::Env($env) }
            } else if let Some(raw) = $file {
                let value = parse_file_value(raw, &parse).map_err(|e: String| {
                    anyhow!(
                        "{} (configuration file {}): {e}",
                        $key,
                        path.as_deref().unwrap_or(Path::new("")).display()
                    )
                })?;
                Setting { value, source: from_file() }
            } else {
                Setting { value: $default, source: Source::Default }
            }
        }};
    }
    let text = |s: &str| -> Result<String, String> {
        if s.trim().is_empty() { Err("must not be empty".into()) } else { Ok(s.trim().to_string()) }
    };
    let boolean = |s: &str| -> Result<bool, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            other => Err(format!("{other:?} is not true or false")),
        }
    };
    let public_url = |s: &str| oversight_web::PublicUrl::parse(s).map(Some).map_err(|e| e.to_string());
    let number = |range: std::ops::RangeInclusive<u64>| {
        move |s: &str| -> Result<u64, String> {
            match s.trim().parse::<u64>() {
                Ok(n) if range.contains(&n) => Ok(n),
                _ => Err(format!("{s:?} is not a whole number from {} to {}", range.start(), range.end())),
            }
        }
    };
    let small = |range: std::ops::RangeInclusive<u64>| {
        let parse = number(range);
        move |s: &str| parse(s).map(|n| n as u32)
    };
    let FileConfig { database, server, register, log, accounts, cases, tokens } = file;
    let tokens = tokens_settings(tokens)?;
    let db = layer!(
        "database.url",
        flags.db.clone(),
        "--db",
        "OVERSIGHT_DB",
        database.url.map(Value::Text),
        "sqlite://oversight.db".to_string(),
        text
    );
    let snapshot_every_events = layer!(
        "database.snapshot_every_events",
        None::<u64>,
        "",
        "OVERSIGHT_SNAPSHOT_EVERY_EVENTS",
        database.snapshot_every_events.map(|n| Value::Text(n.to_string())),
        oversight_app::snapshot::DEFAULT_SNAPSHOT_EVERY_EVENTS,
        number(0..=1_000_000_000)
    );
    let addr = layer!(
        "server.addr",
        flags.addr.clone(),
        "--addr",
        "OVERSIGHT_ADDR",
        server.addr.map(Value::Text),
        "127.0.0.1:8080".to_string(),
        text
    );
    let public_url = layer!(
        "server.public_url",
        flags.public_url.as_deref().map(public_url).transpose().map_err(|e| anyhow!("--public-url: {e}"))?,
        "--public-url",
        "OVERSIGHT_PUBLIC_URL",
        server.public_url.map(Value::Text),
        None,
        public_url
    );
    let secure_cookies = layer!(
        "server.secure_cookies",
        flags.secure_cookies.then_some(true),
        "--secure-cookies",
        "OVERSIGHT_SECURE_COOKIES",
        server.secure_cookies.map(Value::Bool),
        false,
        boolean
    );
    let demo = layer!(
        "server.demo",
        flags.demo.then_some(true),
        "--demo",
        "OVERSIGHT_DEMO",
        server.demo.map(Value::Bool),
        false,
        boolean
    );
    let metrics_addr = layer!(
        "server.metrics_addr",
        flags.metrics_addr.clone().map(Some),
        "--metrics-addr",
        "OVERSIGHT_METRICS_ADDR",
        server.metrics_addr.map(Value::Text),
        None,
        |s: &str| text(s).map(Some)
    );
    let log_key = layer!(
        "register.log_key",
        flags.log_key.clone(),
        "--log-key",
        "OVERSIGHT_LOG_KEY",
        register.log_key.map(|p| Value::Text(p.to_string_lossy().into_owned())),
        PathBuf::from("oversight-log.key"),
        |s: &str| text(s).map(PathBuf::from)
    );
    let log_origin = layer!(
        "register.log_origin",
        flags.log_origin.clone(),
        "--log-origin",
        "OVERSIGHT_LOG_ORIGIN",
        register.log_origin.map(Value::Text),
        "oversight.local/register".to_string(),
        text
    );
    let publish_exporter_names = layer!(
        "register.publish_exporter_names",
        flags.publish_exporter_names.then_some(true),
        "--publish-exporter-names",
        "OVERSIGHT_PUBLISH_EXPORTER_NAMES",
        register.publish_exporter_names.map(Value::Bool),
        false,
        boolean
    );
    let log_format = layer!(
        "log.format",
        flags.log_format,
        "--log-format",
        "OVERSIGHT_LOG_FORMAT",
        log.format.map(Value::Text),
        LogFormat::Human,
        LogFormat::parse
    );
    let log_filter = layer!(
        "log.filter",
        None::<String>,
        "",
        "RUST_LOG",
        log.filter.map(Value::Text),
        DEFAULT_LOG_FILTER.to_string(),
        text
    );
    let authority_name = layer!(
        "server.authority_name",
        flags.authority_name.clone().map(Some),
        "--authority-name",
        "OVERSIGHT_AUTHORITY_NAME",
        server.authority_name.map(Value::Text),
        None,
        |s: &str| text(s).map(Some)
    );
    let log_check_seconds = layer!(
        "register.log_check_seconds",
        flags
            .log_check_seconds
            .map(|n| number(1..=86_400)(&n.to_string()))
            .transpose()
            .map_err(|e| anyhow!("--log-check-seconds: {e}"))?,
        "--log-check-seconds",
        "OVERSIGHT_LOG_CHECK_SECONDS",
        register.log_check_seconds.map(|n| Value::Text(n.to_string())),
        300,
        number(1..=86_400)
    );
    let checkpoint_interval_ms = layer!(
        "register.checkpoint_interval_ms",
        flags
            .checkpoint_interval_ms
            .map(|n| number(1..=60_000)(&n.to_string()))
            .transpose()
            .map_err(|e| anyhow!("--checkpoint-interval-ms: {e}"))?,
        "--checkpoint-interval-ms",
        "OVERSIGHT_CHECKPOINT_INTERVAL_MS",
        register.checkpoint_interval_ms.map(|n| Value::Text(n.to_string())),
        250,
        number(1..=60_000)
    );
    let session_hours = layer!(
        "accounts.session_hours",
        flags
            .session_hours
            .map(|n| small(1..=720)(&n.to_string()))
            .transpose()
            .map_err(|e| anyhow!("--session-hours: {e}"))?,
        "--session-hours",
        "OVERSIGHT_SESSION_HOURS",
        accounts.session_hours.map(|n| Value::Text(n.to_string())),
        12,
        small(1..=720)
    );
    let session_idle_minutes = layer!(
        "accounts.session_idle_minutes",
        flags
            .session_idle_minutes
            .map(|n| small(1..=43_200)(&n.to_string()))
            .transpose()
            .map_err(|e| anyhow!("--session-idle-minutes: {e}"))?,
        "--session-idle-minutes",
        "OVERSIGHT_SESSION_IDLE_MINUTES",
        accounts.session_idle_minutes.map(|n| Value::Text(n.to_string())),
        30,
        small(1..=43_200)
    );
    let token_max_days = layer!(
        "accounts.token_max_days",
        flags
            .token_max_days
            .map(|n| small(1..=3650)(&n.to_string()))
            .transpose()
            .map_err(|e| anyhow!("--token-max-days: {e}"))?,
        "--token-max-days",
        "OVERSIGHT_TOKEN_MAX_DAYS",
        accounts.token_max_days.map(|n| Value::Text(n.to_string())),
        90,
        small(1..=3650)
    );
    let clock_target_days = layer!(
        "cases.target_working_days",
        None::<u32>,
        "",
        "OVERSIGHT_TARGET_WORKING_DAYS",
        cases.target_working_days.map(|n| Value::Text(n.to_string())),
        20,
        small(1..=365)
    );
    let clock_second_marker_days = layer!(
        "cases.second_marker_working_days",
        None::<u32>,
        "",
        "OVERSIGHT_SECOND_MARKER_WORKING_DAYS",
        cases.second_marker_working_days.map(|n| Value::Text(n.to_string())),
        60,
        small(1..=730)
    );
    let obligation_grace_days = layer!(
        "cases.obligation_grace_days",
        None::<u32>,
        "",
        "OVERSIGHT_OBLIGATION_GRACE_DAYS",
        cases.obligation_grace_days.map(|n| Value::Text(n.to_string())),
        14,
        small(0..=365)
    );
    let appeal_window_days = layer!(
        "cases.appeal_window_days",
        None::<u32>,
        "",
        "OVERSIGHT_APPEAL_WINDOW_DAYS",
        cases.appeal_window_days.map(|n| Value::Text(n.to_string())),
        28,
        small(1..=365)
    );
    let repeat_offender_findings = layer!(
        "cases.repeat_offender_findings",
        None::<u32>,
        "",
        "OVERSIGHT_REPEAT_OFFENDER_FINDINGS",
        cases.repeat_offender_findings.map(|n| Value::Text(n.to_string())),
        2,
        small(0..=100)
    );
    let repeat_offender_days = layer!(
        "cases.repeat_offender_days",
        None::<u32>,
        "",
        "OVERSIGHT_REPEAT_OFFENDER_DAYS",
        cases.repeat_offender_days.map(|n| Value::Text(n.to_string())),
        1095,
        small(1..=3650)
    );
    let comment_period_days = layer!(
        "cases.comment_period_days",
        None::<u32>,
        "",
        "OVERSIGHT_COMMENT_PERIOD_DAYS",
        cases.comment_period_days.map(|n| Value::Text(n.to_string())),
        30,
        small(1..=365)
    );
    Ok(Settings {
        tokens,
        obligation_grace_days,
        appeal_window_days,
        repeat_offender_findings,
        repeat_offender_days,
        comment_period_days,
        snapshot_every_events,
        authority_name,
        log_check_seconds,
        checkpoint_interval_ms,
        session_hours,
        session_idle_minutes,
        token_max_days,
        clock_target_days,
        clock_second_marker_days,
        file: path.clone(),
        db,
        addr,
        public_url,
        secure_cookies,
        demo,
        metrics_addr,
        log_key,
        log_origin,
        publish_exporter_names,
        log_format,
        log_filter,
    })
}

/// A value as the file gave it: TOML's own booleans stay booleans, text is parsed like the
/// environment's.
enum Value {
    Text(String),
    Bool(bool),
}

fn parse_file_value<T>(v: Value, parse: &impl Fn(&str) -> Result<T, String>) -> Result<T, String> {
    match v {
        Value::Text(s) => parse(&s),
        Value::Bool(b) => parse(if b { "true" } else { "false" }),
    }
}

/// A database URL with any password replaced by `REDACTED` (in the user part or a `password=`
/// query parameter).
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return raw.to_string();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("REDACTED"));
    }
    if url.query_pairs().any(|(k, _)| k.eq_ignore_ascii_case("password")) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") { "REDACTED".into() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

impl Settings {
    /// The effective configuration as `key = value  # source` lines, secrets redacted.
    pub fn describe(&self) -> String {
        fn q(s: &str) -> String {
            format!("{s:?}")
        }
        let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "(not set)".to_string(), q);
        let rows: Vec<(&str, String, &Source)> = vec![
            ("database.url", q(&redact_url(&self.db.value)), &self.db.source),
            (
                "database.snapshot_every_events",
                self.snapshot_every_events.value.to_string(),
                &self.snapshot_every_events.source,
            ),
            ("server.addr", q(&self.addr.value), &self.addr.source),
            (
                "server.public_url",
                opt(&self.public_url.value.as_ref().map(|u| u.to_string())),
                &self.public_url.source,
            ),
            ("server.secure_cookies", self.secure_cookies.value.to_string(), &self.secure_cookies.source),
            ("server.demo", self.demo.value.to_string(), &self.demo.source),
            ("server.metrics_addr", opt(&self.metrics_addr.value), &self.metrics_addr.source),
            ("register.log_key", q(&self.log_key.value.to_string_lossy()), &self.log_key.source),
            ("register.log_origin", q(&self.log_origin.value), &self.log_origin.source),
            (
                "register.publish_exporter_names",
                self.publish_exporter_names.value.to_string(),
                &self.publish_exporter_names.source,
            ),
            ("log.format", q(&self.log_format.value.to_string()), &self.log_format.source),
            ("log.filter", q(&self.log_filter.value), &self.log_filter.source),
            ("server.authority_name", opt(&self.authority_name.value), &self.authority_name.source),
            (
                "register.log_check_seconds",
                self.log_check_seconds.value.to_string(),
                &self.log_check_seconds.source,
            ),
            (
                "register.checkpoint_interval_ms",
                self.checkpoint_interval_ms.value.to_string(),
                &self.checkpoint_interval_ms.source,
            ),
            ("accounts.session_hours", self.session_hours.value.to_string(), &self.session_hours.source),
            (
                "accounts.session_idle_minutes",
                self.session_idle_minutes.value.to_string(),
                &self.session_idle_minutes.source,
            ),
            ("accounts.token_max_days", self.token_max_days.value.to_string(), &self.token_max_days.source),
            (
                "cases.target_working_days",
                self.clock_target_days.value.to_string(),
                &self.clock_target_days.source,
            ),
            (
                "cases.second_marker_working_days",
                self.clock_second_marker_days.value.to_string(),
                &self.clock_second_marker_days.source,
            ),
            (
                "cases.obligation_grace_days",
                self.obligation_grace_days.value.to_string(),
                &self.obligation_grace_days.source,
            ),
            (
                "cases.appeal_window_days",
                self.appeal_window_days.value.to_string(),
                &self.appeal_window_days.source,
            ),
            (
                "cases.repeat_offender_findings",
                self.repeat_offender_findings.value.to_string(),
                &self.repeat_offender_findings.source,
            ),
            (
                "cases.repeat_offender_days",
                self.repeat_offender_days.value.to_string(),
                &self.repeat_offender_days.source,
            ),
            (
                "cases.comment_period_days",
                self.comment_period_days.value.to_string(),
                &self.comment_period_days.source,
            ),
        ];
        let mut out = match &self.file {
            Some(p) => format!("# configuration file: {}\n", p.display()),
            None => format!("# no configuration file (give --config PATH or set {CONFIG_ENV})\n"),
        };
        for (key, value, source) in rows {
            out.push_str(&format!("{:<46} # {source}\n", format!("{key} = {value}")));
        }
        out
    }

    /// Refuses a metrics listener on the same address as the public one (port 0, "any free
    /// port", gives two different ports).
    pub fn check(&self) -> Result<()> {
        if let Some(m) = &self.metrics_addr.value
            && m == &self.addr.value
            && !m.ends_with(":0")
        {
            bail!("server.metrics_addr must differ from server.addr ({m}): metrics are for operators only");
        }
        if self.clock_second_marker_days.value < self.clock_target_days.value {
            bail!(
                "cases.second_marker_working_days ({}) must not be less than cases.target_working_days ({})",
                self.clock_second_marker_days.value,
                self.clock_target_days.value
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let err = parse_file("[server]\naddr = \"127.0.0.1:1\"\nadress = \"x\"\n").unwrap_err().to_string();
        assert!(err.contains("adress"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        let err = parse_file("[serevr]\naddr = \"x\"\n").unwrap_err().to_string();
        assert!(err.contains("serevr") && err.contains("line 1"), "{err}");
    }

    #[test]
    fn flag_over_environment_over_file_over_default() {
        let file =
            parse_file("[database]\nurl = \"sqlite://file.db\"\n[server]\naddr = \"0.0.0.0:1\"\n").unwrap();
        let env = |k: &str| (k == "OVERSIGHT_DB").then(|| "sqlite://env.db".to_string());
        let flags = Flags { db: None, ..Flags::default() };
        let s = resolve(Some("c.toml".into()), file, &flags, &env).unwrap();
        assert_eq!(s.db.value, "sqlite://env.db");
        assert_eq!(s.db.source, Source::Env("OVERSIGHT_DB"));
        assert_eq!(s.addr.value, "0.0.0.0:1");
        assert_eq!(s.addr.source, Source::File("c.toml".into()));
        assert_eq!(s.log_origin.source, Source::Default);
        assert_eq!(s.snapshot_every_events.value, 100_000);
        let file = parse_file("[database]\nsnapshot_every_events = 0\n").unwrap();
        let s = resolve(Some("c.toml".into()), file, &Flags::default(), &no_env).unwrap();
        assert_eq!(s.snapshot_every_events.value, 0, "0 writes no snapshots");
        assert_eq!(s.snapshot_every_events.source, Source::File("c.toml".into()));

        let file = parse_file("[database]\nurl = \"sqlite://file.db\"\n").unwrap();
        let flags = Flags { db: Some("sqlite://flag.db".into()), ..Flags::default() };
        let s = resolve(Some("c.toml".into()), file, &flags, &env).unwrap();
        assert_eq!(s.db.value, "sqlite://flag.db");
        assert_eq!(s.db.source, Source::Flag("--db"));
    }

    #[test]
    fn a_bad_value_names_the_key_and_where_it_came_from() {
        let file = parse_file("[log]\nformat = \"xml\"\n").unwrap();
        let err = resolve(Some("c.toml".into()), file, &Flags::default(), &no_env).unwrap_err().to_string();
        assert!(err.contains("log.format") && err.contains("c.toml") && err.contains("xml"), "{err}");
        let env = |k: &str| (k == "OVERSIGHT_SECURE_COOKIES").then(|| "maybe".to_string());
        let err = resolve(None, FileConfig::default(), &Flags::default(), &env).unwrap_err().to_string();
        assert!(err.contains("server.secure_cookies") && err.contains("OVERSIGHT_SECURE_COOKIES"), "{err}");
        let file = parse_file("[server]\npublic_url = \"https://x.example/path?q\"\n").unwrap();
        let err = resolve(Some("c.toml".into()), file, &Flags::default(), &no_env).unwrap_err().to_string();
        assert!(err.contains("server.public_url"), "{err}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example/oversight"),
            "postgres://app:REDACTED@db.example/oversight"
        );
        let r = redact_url("postgres://db.example/oversight?user=app&password=s3cret");
        assert!(!r.contains("s3cret") && r.contains("password=REDACTED"), "{r}");
        assert_eq!(redact_url("sqlite://oversight.db"), "sqlite://oversight.db");
    }
}
