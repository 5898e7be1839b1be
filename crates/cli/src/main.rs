//! The `oversight` command: the thin operator face over the app, plus the stand-alone tools
//! (screening, assessment, verification) that work without a server.
//!
//! Only this crate names a concrete storage backend: it picks one from the database URL.

#![forbid(unsafe_code)]

mod assess;
mod backup;
mod config;
mod lists;
mod progress;
mod screen;
mod token;
mod witness;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::{Flags, LogFormat, Settings};
use oversight_app::{App, AppConfig, SystemClock, demo};
use oversight_domain::register::PublicationPolicy;
use oversight_domain::{OrgKind, Role};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "oversight",
    version,
    about = "Export-control licensing of surveillance technology, with human rights at its centre"
)]
struct Cli {
    /// Configuration file (TOML); also OVERSIGHT_CONFIG. Environment variables override the file,
    /// flags override both. See `oversight config check` and docs/operations.md.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<std::path::PathBuf>,
    /// Log format on standard error: human (default) or json (one object per line). Also
    /// OVERSIGHT_LOG_FORMAT or `log.format`; RUST_LOG (or `log.filter`) chooses what is logged.
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Load the demo dataset into an empty database.
    Demo(DemoArgs),
    /// Create or upgrade the database schema.
    Migrate(DbArgs),
    /// Administration: users and organisations.
    Admin {
        #[command(subcommand)]
        command: AdminCmd,
    },
    /// Screen names against restricted-party list files (no database needed).
    Screen(screen::ScreenArgs),
    /// Assess the risk of an export: destination, item, end user (no database needed).
    Assess(assess::AssessArgs),
    /// Restricted-party lists held in the database: import a release.
    Lists {
        #[command(subcommand)]
        command: lists::ListsCmd,
    },
    /// Verify a public register and its transparency log from the outside.
    Verify(VerifyArgs),
    /// Run a C2SP tlog-witness (no subcommand), or `submit` a register's checkpoint to witnesses.
    Witness(witness::WitnessArgs),
    /// Operating tokens: an installation's key, renewal, the guarded check; the authority's key rotation.
    Token {
        #[command(subcommand)]
        command: token::TokenCmd,
    },
    /// The configuration: `check` validates it and prints the effective values and their sources.
    Config {
        #[command(subcommand)]
        command: ConfigCmd,
    },
    /// Back up the database to a file (SQLite: an online, consistent copy; PostgreSQL: pg_dump).
    Backup(backup::BackupArgs),
    /// Restore a SQLite database from a backup file (refuses a non-empty database unless --force).
    Restore(backup::RestoreArgs),
}

#[derive(Subcommand, Debug)]
enum ConfigCmd {
    /// Validate the configuration (file, environment) and print the effective values, secrets
    /// redacted, each with where it came from.
    Check,
}

#[derive(clap::Args, Debug)]
struct DemoArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    register: RegisterArgs,
}

#[derive(clap::Args, Debug)]
pub(crate) struct DbArgs {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    /// Also OVERSIGHT_DB or `database.url`; default sqlite://oversight.db.
    #[arg(long)]
    pub(crate) db: Option<String>,
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on. Also OVERSIGHT_ADDR or `server.addr`; default 127.0.0.1:8080.
    #[arg(long)]
    addr: Option<String>,
    /// Load the demo dataset if the database is empty, and print the demo logins.
    /// Also OVERSIGHT_DEMO or `server.demo`.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure (set this when serving behind HTTPS).
    /// Also OVERSIGHT_SECURE_COOKIES or `server.secure_cookies`.
    #[arg(long)]
    secure_cookies: bool,
    /// The site's public base URL (an origin, e.g. https://register.example.gov), used for every
    /// absolute URL the server writes (Atom feed, verification instructions). Default:
    /// http://<listen address>. The request's Host header is never used.
    /// Also OVERSIGHT_PUBLIC_URL or `server.public_url`.
    #[arg(long)]
    public_url: Option<String>,
    /// Serve Prometheus metrics at http://ADDR/metrics on this separate listener, for operators
    /// (keep it off the public network). Also OVERSIGHT_METRICS_ADDR or `server.metrics_addr`;
    /// default: no metrics listener.
    #[arg(long, value_name = "ADDR")]
    metrics_addr: Option<String>,
    /// The licensing authority's name, shown on every page. Also OVERSIGHT_AUTHORITY_NAME or
    /// `server.authority_name`; default "Export Licensing Authority".
    #[arg(long)]
    authority_name: Option<String>,
    /// Seconds between checks of the transparency log against its signed checkpoint and the cases
    /// (also checked at start); on a failure the register answers 503 and an alarm is logged.
    /// Also OVERSIGHT_LOG_CHECK_SECONDS or `register.log_check_seconds`; default 300.
    #[arg(long)]
    log_check_seconds: Option<u64>,
    #[command(flatten)]
    register: RegisterArgs,
    #[command(flatten)]
    accounts: AccountArgs,
}

/// How long sign-in sessions and API tokens live (see docs/security.md).
#[derive(clap::Args, Debug)]
struct AccountArgs {
    /// A session ends this many hours after sign-in, however active. Also OVERSIGHT_SESSION_HOURS
    /// or `accounts.session_hours`; default 12.
    #[arg(long)]
    session_hours: Option<u32>,
    /// A session ends after this many minutes without a request. Also
    /// OVERSIGHT_SESSION_IDLE_MINUTES or `accounts.session_idle_minutes`; default 30.
    #[arg(long)]
    session_idle_minutes: Option<u32>,
    /// The longest lifetime an API token can be given, in days (also the default). Also
    /// OVERSIGHT_TOKEN_MAX_DAYS or `accounts.token_max_days`; default 90.
    #[arg(long)]
    token_max_days: Option<u32>,
}

/// The accounts policy of the effective configuration.
fn accounts_policy(settings: &Settings) -> Result<oversight_app::accounts::AccountsPolicy> {
    let sessions = oversight_domain::credentials::SessionPolicy::from_settings(
        settings.session_hours.value,
        settings.session_idle_minutes.value,
    )
    .map_err(|e| anyhow::anyhow!("accounts.{}: {}", e.field, e.message))?;
    Ok(oversight_app::accounts::AccountsPolicy {
        sessions,
        tokens: oversight_domain::credentials::TokenPolicy { max_days: settings.token_max_days.value },
        ..Default::default()
    })
}

#[derive(clap::Args, Debug)]
struct RegisterArgs {
    /// The transparency log's signing key, kept outside the database; created on first run.
    /// Every node serving one database must use the same key file.
    /// Also OVERSIGHT_LOG_KEY or `register.log_key`; default oversight-log.key.
    #[arg(long)]
    log_key: Option<std::path::PathBuf>,
    /// The log's name (the checkpoint origin and key name) for a new key, e.g. "register.example.gov/log".
    /// Also OVERSIGHT_LOG_ORIGIN or `register.log_origin`; default oversight.local/register.
    #[arg(long)]
    log_origin: Option<String>,
    /// Publish exporters' names on the public register (withheld by default).
    /// Also OVERSIGHT_PUBLISH_EXPORTER_NAMES or `register.publish_exporter_names`.
    #[arg(long)]
    publish_exporter_names: bool,
    /// Sign a checkpoint of the log at most once per this many milliseconds (decisions published
    /// meanwhile share one checkpoint). Also OVERSIGHT_CHECKPOINT_INTERVAL_MS or
    /// `register.checkpoint_interval_ms`; default 250.
    #[arg(long)]
    checkpoint_interval_ms: Option<u64>,
}

#[derive(Subcommand, Debug)]
enum AdminCmd {
    /// Create a user (and its organisation, if it does not exist yet).
    CreateUser(CreateUserArgs),
}

#[derive(clap::Args, Debug)]
struct CreateUserArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// Organisation name; created with --org-kind and --org-country if it does not exist.
    #[arg(long)]
    org: String,
    #[arg(long, default_value = "authority", value_parser = ["authority", "exporter", "partner_agency"])]
    org_kind: String,
    #[arg(long, default_value = "DE")]
    org_country: String,
    /// Roles, comma-separated: exporter, licensing_officer, human_rights_assessor, approver,
    /// enforcement_officer, review_panel_member, partner_agency, administrator.
    #[arg(long, value_delimiter = ',', required = true)]
    role: Vec<String>,
    /// Read the password from this environment variable instead of standard input.
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
}

#[derive(clap::Args, Debug)]
struct VerifyArgs {
    /// Base URL of the register, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// Where to keep the pinned key and the last checkpoint seen.
    #[arg(long, default_value = "oversight-verify-state.json")]
    state: std::path::PathBuf,
    /// The log's note verifier key (`name+keyid+key`); pinned in the state file on first use.
    #[arg(long)]
    key: Option<String>,
    /// A witness policy (C2SP tlog-policy file): fail unless its quorum cosigned the checkpoint.
    #[arg(long)]
    policy: Option<std::path::PathBuf>,
    /// The checkpoint note with witness cosignatures (from `oversight witness submit`);
    /// default: the register's checkpoint note.
    #[arg(long, requires = "policy")]
    cosigned: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Cmd::Screen(args) => {
            let bar = progress::Progress::new("screened", "queries");
            let report = |done: usize, total: usize| bar.update(done as u64, total as u64);
            screen::run_with_progress(args, Some(&report)).map(|_| ExitCode::SUCCESS)
        }
        Cmd::Assess(args) => assess::run(args).map(|_| ExitCode::SUCCESS),
        Cmd::Witness(args) => witness::run(args),
        Cmd::Token { command } => token::run(command),
        Cmd::Verify(args) => {
            let mut opts = oversight_verify::VerifyOptions::new(args.url);
            opts.state_file = Some(args.state);
            opts.key = args.key;
            let read = |p: &std::path::Path| {
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
            };
            opts.policy = args.policy.as_deref().map(read).transpose()?;
            opts.cosigned = args.cosigned.as_deref().map(read).transpose()?;
            let bar = progress::Progress::new("downloaded", "log entries");
            opts.progress =
                Some(oversight_verify::ProgressFn(Arc::new(move |done, total| bar.update(done, total))));
            match oversight_verify::verify(&opts) {
                Ok(report) => {
                    println!("{report}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("FAILED: {e}");
                    Ok(ExitCode::from(if e.is_mismatch() { 1 } else { 2 }))
                }
            }
        }
        other => {
            let mut flags = flags_of(&other);
            flags.log_format = cli.log_format;
            let settings = config::load(cli.config.as_deref(), &flags)?;
            settings.check()?;
            if let Cmd::Config { command: ConfigCmd::Check } = other {
                print!("{}", settings.describe());
                println!("configuration OK");
                return Ok(ExitCode::SUCCESS);
            }
            init_logging(&settings)?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(run_async(other, settings)).map(|_| ExitCode::SUCCESS)
        }
    }
}

/// The configuration flags a command was given (the rest come from the environment, the file or
/// the defaults).
fn flags_of(cmd: &Cmd) -> Flags {
    let db = |d: &DbArgs| Flags { db: d.db.clone(), ..Flags::default() };
    let with_register = |mut f: Flags, r: &RegisterArgs| {
        f.log_key = r.log_key.clone();
        f.log_origin = r.log_origin.clone();
        f.publish_exporter_names = r.publish_exporter_names;
        f.checkpoint_interval_ms = r.checkpoint_interval_ms;
        f
    };
    match cmd {
        Cmd::Serve(a) => {
            let mut f = with_register(db(&a.db), &a.register);
            f.addr = a.addr.clone();
            f.demo = a.demo;
            f.secure_cookies = a.secure_cookies;
            f.public_url = a.public_url.clone();
            f.metrics_addr = a.metrics_addr.clone();
            f.authority_name = a.authority_name.clone();
            f.log_check_seconds = a.log_check_seconds;
            f.session_hours = a.accounts.session_hours;
            f.session_idle_minutes = a.accounts.session_idle_minutes;
            f.token_max_days = a.accounts.token_max_days;
            f
        }
        Cmd::Demo(a) => with_register(db(&a.db), &a.register),
        Cmd::Migrate(a) => db(a),
        Cmd::Admin { command: AdminCmd::CreateUser(a) } => db(&a.db),
        Cmd::Lists { command: lists::ListsCmd::Import(a) } => db(&a.db),
        Cmd::Backup(a) => db(&a.db),
        Cmd::Restore(a) => db(&a.db),
        Cmd::Config { .. }
        | Cmd::Screen(_)
        | Cmd::Assess(_)
        | Cmd::Verify(_)
        | Cmd::Witness(_)
        | Cmd::Token { .. } => Flags::default(),
    }
}

/// Logs to standard error in the configured format, filtered by `RUST_LOG` (or `log.filter`).
fn init_logging(settings: &Settings) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log_filter.value).with_context(|| {
        format!("log.filter ({}) {:?}", settings.log_filter.source, settings.log_filter.value)
    })?;
    // Colours only on a terminal: a log file or a collector gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match settings.log_format.value {
        LogFormat::Human => builder.init(),
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(false).with_span_list(false).init()
        }
    }
    Ok(())
}

async fn open_app(db: &str) -> Result<Arc<App>> {
    let store =
        oversight_store::open(db, true).await.with_context(|| format!("opening the database {db}"))?;
    App::open(store, Arc::new(SystemClock)).await.context("rebuilding read models from the event log")
}

/// Opens the app with the register's signing key and publication policy.
async fn open_app_publishing(settings: &Settings) -> Result<Arc<App>> {
    let db = &settings.db.value;
    let store =
        oversight_store::open(db, true).await.with_context(|| format!("opening the database {db}"))?;
    open_store_publishing(store, settings).await
}

/// Opens the app over an open store with the register's signing key (created here on first run,
/// so a command that may refuse checks the store before it calls this).
async fn open_store_publishing(
    store: Arc<dyn oversight_store::EventStore>,
    settings: &Settings,
) -> Result<Arc<App>> {
    let config = AppConfig {
        log_signer: Some(load_or_create_log_key(&settings.log_key.value, &settings.log_origin.value)?),
        publication: PublicationPolicy { exporter_names: settings.publish_exporter_names.value },
        entropy: None,
        accounts: accounts_policy(settings)?,
        clock_targets: oversight_domain::clock::ClockTargets {
            target: settings.clock_target_days.value,
            second_marker: settings.clock_second_marker_days.value,
            ..Default::default()
        },
        checkpoint_interval: Some(std::time::Duration::from_millis(settings.checkpoint_interval_ms.value)),
        snapshot_every_events: Some(settings.snapshot_every_events.value),
        obligation_grace_days: Some(settings.obligation_grace_days.value),
        appeal_window_days: Some(settings.appeal_window_days.value),
        repeat_policy: Some(oversight_domain::enforcement::RepeatPolicy {
            findings: settings.repeat_offender_findings.value,
            period_days: settings.repeat_offender_days.value,
        }),
        comment_period_days: Some(settings.comment_period_days.value),
        tokens: oversight_app::tokens::TokensConfig {
            authority: Some(oversight_app::tokens::TokenAuthority::load_or_create(
                &settings.tokens.key,
                settings.authority_name.value.as_deref().unwrap_or(oversight_web::DEFAULT_AUTHORITY_NAME),
            )?),
            lease: settings.tokens.lease,
            witnesses: settings
                .tokens
                .witnesses
                .iter()
                .map(|w| oversight_app::tokens::WitnessConfig { url: w.url.clone(), vkey: w.vkey.clone() })
                .collect(),
            revocation_list_seconds: Some(settings.tokens.revocation_list_seconds),
        },
    };
    App::open_with(store, Arc::new(SystemClock), config)
        .await
        .context("rebuilding read models from the event log")
}

/// Reads the signing key, or creates one (owner-only file permissions) on first run.
fn load_or_create_log_key(path: &std::path::Path, origin: &str) -> Result<oversight_tlog::NoteSigner> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the log key {}", path.display()))?;
        return oversight_tlog::NoteSigner::from_signer_key(text.trim())
            .map_err(|e| anyhow::anyhow!("the log key {} is invalid: {e}", path.display()));
    }
    let mut seed = [0u8; 32];
    getrandom(&mut seed)?;
    let signer = oversight_tlog::NoteSigner::new(origin, &seed)
        .map_err(|e| anyhow::anyhow!("log origin {origin:?}: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating the log key {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{}\n", signer.to_signer_key()).as_bytes())?;
    file.sync_all()?;
    eprintln!("Created the transparency log's signing key {} (keep it safe; back it up).", path.display());
    Ok(signer)
}

fn getrandom(buf: &mut [u8]) -> Result<()> {
    use rand::RngCore;
    rand::rngs::OsRng.try_fill_bytes(buf).context("reading the operating system's random source")
}

async fn run_async(cmd: Cmd, settings: Settings) -> Result<()> {
    let db = &settings.db.value;
    match cmd {
        Cmd::Serve(_) => serve(&settings).await,
        Cmd::Demo(_) => {
            let store = oversight_store::open(db, true)
                .await
                .with_context(|| format!("opening the database {db}"))?;
            // Refuse before anything is written (the signing key included).
            if !store.read_all(0, 1).await.context("reading the database")?.is_empty() {
                bail!(
                    "the database {db} is not empty; the demo loads only into an empty one (nothing was written)"
                );
            }
            let app = open_store_publishing(store, &settings).await?;
            demo::load(&app).await.context("loading the demo dataset")?;
            // The command exits now: sign what it published rather than leave it to the next start.
            app.publish_checkpoint().await;
            print_demo_logins();
            Ok(())
        }
        Cmd::Migrate(_) => {
            oversight_store::open(db, true).await.with_context(|| format!("migrating {db}"))?;
            println!("database {db} is up to date");
            Ok(())
        }
        Cmd::Admin { command: AdminCmd::CreateUser(args) } => create_user(args, db).await,
        Cmd::Lists { command } => lists::run(command, db).await,
        Cmd::Backup(args) => backup::backup(&args, db).await,
        Cmd::Restore(args) => backup::restore(&args, db).await,
        Cmd::Screen(_)
        | Cmd::Assess(_)
        | Cmd::Verify(_)
        | Cmd::Witness(_)
        | Cmd::Token { .. }
        | Cmd::Config { .. } => {
            unreachable!("handled without a runtime")
        }
    }
}

async fn serve(settings: &Settings) -> Result<()> {
    // Installed before anything is recorded; only when someone may read it.
    let metrics = settings.metrics_addr.value.as_ref().map(|_| install_metrics_recorder()).transpose()?;
    let app = open_app_publishing(settings).await?;
    if settings.demo.value {
        if app.orgs().is_empty() {
            demo::load(&app).await.context("loading the demo dataset")?;
            app.publish_checkpoint().await;
            println!("Loaded the demo dataset.");
        } else {
            println!("The database already has data; the demo dataset was not loaded again.");
        }
        print_demo_logins();
    }
    // Other nodes may append to the same database: follow the global log.
    let _follower = app.spawn_follower(std::time::Duration::from_millis(500));
    let _log_check = app.spawn_log_check(std::time::Duration::from_secs(settings.log_check_seconds.value));
    let _obligations = app.spawn_obligation_sweep(std::time::Duration::from_secs(3600));
    let bind = &settings.addr.value;
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
    let addr = listener.local_addr()?;
    // The operators' listener: /metrics only, never on the public port.
    let metrics_server = match (&settings.metrics_addr.value, metrics) {
        (Some(bind), Some(handle)) => {
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("binding the metrics listener {bind}"))?;
            println!("Metrics on http://{}/metrics", listener.local_addr()?);
            let render: oversight_web::observe::RenderMetrics = Arc::new(move || handle.render());
            let router = oversight_web::observe::metrics_router(app.clone(), render);
            Some(tokio::spawn(oversight_web::serve(listener, router, std::future::pending())))
        }
        _ => None,
    };
    let public_url =
        settings.public_url.value.clone().unwrap_or_else(|| oversight_web::PublicUrl::from_listen_addr(addr));
    println!(
        "Oversight listening on http://{addr} as {public_url} (database: {})",
        config::redact_url(&settings.db.value)
    );
    let config = oversight_web::WebConfig {
        secure_cookies: settings.secure_cookies.value,
        public_url: Some(public_url),
        authority_name: settings.authority_name.value.clone(),
    };
    let router = oversight_web::router_with(app.clone(), config);
    // Stop on Ctrl-C, or when an event of the log cannot be read: the node then exits with the
    // same error it gives when it cannot open, rather than serve read models that skip an event.
    let (halt_tx, halt_rx) = tokio::sync::oneshot::channel::<String>();
    let watcher = app.clone();
    tokio::spawn(async move {
        let _ = halt_tx.send(watcher.wait_halted().await);
    });
    let halted = Arc::new(std::sync::OnceLock::new());
    let seen = halted.clone();
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            why = halt_rx => if let Ok(why) = why { let _ = seen.set(why); },
        }
    };
    oversight_web::serve(listener, router, shutdown).await?;
    if let Some(task) = metrics_server {
        task.abort();
    }
    if let Some(why) = halted.get() {
        bail!("rebuilding read models from the event log: {why}");
    }
    Ok(())
}

/// The Prometheus recorder behind the `metrics` facade; its handle renders the text format.
/// Durations are histograms with buckets from 1 ms to 10 s.
fn install_metrics_recorder() -> Result<metrics_exporter_prometheus::PrometheusHandle> {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
        .context("metrics buckets")?
        .install_recorder()
        .context("installing the metrics recorder")
}

fn print_demo_logins() {
    println!("Demo logins (password for all: {}):", demo::DEMO_PASSWORD);
    for (email, role) in demo::DEMO_LOGINS {
        println!("  {email:<38} {role}");
    }
}

async fn create_user(args: CreateUserArgs, db: &str) -> Result<()> {
    let roles: Vec<Role> = args
        .role
        .iter()
        .map(|r| Role::parse(r.trim()).with_context(|| format!("unknown role {r:?}")))
        .collect::<Result<_>>()?;
    let password = match &args.password_env {
        Some(var) => std::env::var(var).with_context(|| format!("environment variable {var} is not set"))?,
        None => {
            if std::io::stdin().is_terminal() {
                eprint!("Password for {} (at least 12 characters): ", args.email);
            }
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    // Check everything the user needs before anything is stored: a refused command leaves nothing.
    oversight_app::accounts::check_password(&password).map_err(anyhow::Error::new)?;
    oversight_app::accounts::parse_email(&args.email).map_err(anyhow::Error::new)?;
    oversight_app::accounts::parse_name(&args.name).map_err(anyhow::Error::new)?;
    let app = open_app(db).await?;
    if app.user_by_email(&args.email).is_some() {
        bail!("a user with the email {} already exists (nothing was written)", args.email);
    }
    let org = match app.org_by_name(&args.org) {
        Some(org) => org.id,
        None => {
            let kind = match args.org_kind.as_str() {
                "authority" => OrgKind::Authority,
                "exporter" => OrgKind::Exporter,
                "partner_agency" => OrgKind::PartnerAgency,
                other => bail!("unknown organisation kind {other}"),
            };
            let id = app
                .register_org(None, &args.org, kind, &args.org_country)
                .await
                .map_err(anyhow::Error::new)?;
            println!("created organisation {} ({id})", args.org);
            id
        }
    };
    let id = app
        .create_user(None, org, &args.email, &args.name, &roles, &password)
        .await
        .map_err(anyhow::Error::new)?;
    println!("created user {} ({id})", args.email);
    Ok(())
}
