//! The `oversight` command: the thin operator face over the app, plus the stand-alone tools
//! (screening, assessment, verification) that work without a server.
//!
//! Only this crate names a concrete storage backend: it picks one from the database URL.

#![forbid(unsafe_code)]

mod assess;
mod lists;
mod screen;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
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
}

#[derive(clap::Args, Debug)]
struct DemoArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    register: RegisterArgs,
}

#[derive(clap::Args, Debug)]
struct DbArgs {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "OVERSIGHT_DB", default_value = "sqlite://oversight.db")]
    db: String,
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "OVERSIGHT_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Load the demo dataset if the database is empty, and print the demo logins.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure (set this when serving behind HTTPS).
    #[arg(long, env = "OVERSIGHT_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The site's public base URL (an origin, e.g. https://register.example.gov), used for every
    /// absolute URL the server writes (Atom feed, verification instructions). Default:
    /// http://<listen address>. The request's Host header is never used.
    #[arg(long, env = "OVERSIGHT_PUBLIC_URL", value_parser = oversight_web::PublicUrl::parse)]
    public_url: Option<oversight_web::PublicUrl>,
    #[command(flatten)]
    register: RegisterArgs,
}

#[derive(clap::Args, Debug)]
struct RegisterArgs {
    /// The transparency log's signing key, kept outside the database; created on first run.
    /// Every node serving one database must use the same key file.
    #[arg(long, env = "OVERSIGHT_LOG_KEY", default_value = "oversight-log.key")]
    log_key: std::path::PathBuf,
    /// The log's name (the checkpoint origin and key name) for a new key, e.g. "register.example.gov/log".
    #[arg(long, env = "OVERSIGHT_LOG_ORIGIN", default_value = "oversight.local/register")]
    log_origin: String,
    /// Publish exporters' names on the public register (withheld by default).
    #[arg(long, env = "OVERSIGHT_PUBLISH_EXPORTER_NAMES")]
    publish_exporter_names: bool,
    /// Sign a checkpoint of the log at most once per this many milliseconds (decisions published
    /// meanwhile share one checkpoint).
    #[arg(long, env = "OVERSIGHT_CHECKPOINT_INTERVAL_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    checkpoint_interval_ms: u64,
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
        Cmd::Screen(args) => screen::run(args).map(|_| ExitCode::SUCCESS),
        Cmd::Assess(args) => assess::run(args).map(|_| ExitCode::SUCCESS),
        Cmd::Verify(args) => {
            let mut opts = oversight_verify::VerifyOptions::new(args.url);
            opts.state_file = Some(args.state);
            opts.key = args.key;
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
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(run_async(other)).map(|_| ExitCode::SUCCESS)
        }
    }
}

async fn open_app(db: &str) -> Result<Arc<App>> {
    let store =
        oversight_store::open(db, true).await.with_context(|| format!("opening the database {db}"))?;
    App::open(store, Arc::new(SystemClock)).await.context("rebuilding read models from the event log")
}

/// Opens the app with the register's signing key and publication policy.
async fn open_app_publishing(db: &str, register: &RegisterArgs) -> Result<Arc<App>> {
    let store =
        oversight_store::open(db, true).await.with_context(|| format!("opening the database {db}"))?;
    open_store_publishing(store, register).await
}

/// Opens the app over an open store with the register's signing key (created here on first run,
/// so a command that may refuse checks the store before it calls this).
async fn open_store_publishing(
    store: Arc<dyn oversight_store::EventStore>,
    register: &RegisterArgs,
) -> Result<Arc<App>> {
    let config = AppConfig {
        log_signer: Some(load_or_create_log_key(&register.log_key, &register.log_origin)?),
        publication: PublicationPolicy { exporter_names: register.publish_exporter_names },
        entropy: None,
        checkpoint_interval: Some(std::time::Duration::from_millis(register.checkpoint_interval_ms)),
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

async fn run_async(cmd: Cmd) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cmd {
        Cmd::Serve(args) => serve(args).await,
        Cmd::Demo(args) => {
            let db = &args.db.db;
            let store = oversight_store::open(db, true)
                .await
                .with_context(|| format!("opening the database {db}"))?;
            // Refuse before anything is written (the signing key included).
            if !store.read_all(0, 1).await.context("reading the database")?.is_empty() {
                bail!(
                    "the database {db} is not empty; the demo loads only into an empty one (nothing was written)"
                );
            }
            let app = open_store_publishing(store, &args.register).await?;
            demo::load(&app).await.context("loading the demo dataset")?;
            // The command exits now: sign what it published rather than leave it to the next start.
            app.publish_checkpoint().await;
            print_demo_logins();
            Ok(())
        }
        Cmd::Migrate(args) => {
            oversight_store::open(&args.db, true).await.with_context(|| format!("migrating {}", args.db))?;
            println!("database {} is up to date", args.db);
            Ok(())
        }
        Cmd::Admin { command: AdminCmd::CreateUser(args) } => create_user(args).await,
        Cmd::Lists { command } => lists::run(command).await,
        Cmd::Screen(_) | Cmd::Assess(_) | Cmd::Verify(_) => unreachable!("handled without a runtime"),
    }
}

async fn serve(args: ServeArgs) -> Result<()> {
    let app = open_app_publishing(&args.db.db, &args.register).await?;
    if args.demo {
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
    let listener =
        tokio::net::TcpListener::bind(&args.addr).await.with_context(|| format!("binding {}", args.addr))?;
    let addr = listener.local_addr()?;
    let public_url = args.public_url.unwrap_or_else(|| oversight_web::PublicUrl::from_listen_addr(addr));
    println!("Oversight listening on http://{addr} as {public_url} (database: {})", args.db.db);
    let config =
        oversight_web::WebConfig { secure_cookies: args.secure_cookies, public_url: Some(public_url) };
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
    if let Some(why) = halted.get() {
        bail!("rebuilding read models from the event log: {why}");
    }
    Ok(())
}

fn print_demo_logins() {
    println!("Demo logins (password for all: {}):", demo::DEMO_PASSWORD);
    for (email, role) in demo::DEMO_LOGINS {
        println!("  {email:<38} {role}");
    }
}

async fn create_user(args: CreateUserArgs) -> Result<()> {
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
    let app = open_app(&args.db.db).await?;
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
