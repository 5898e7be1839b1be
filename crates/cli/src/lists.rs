//! `oversight lists import FORMAT:PATH --name NAME`: imports a restricted-party list release into the
//! database, then re-screens open cases and live licences against its added and changed entries
//! (with progress on stderr: a bar on a terminal, plain lines otherwise).

use anyhow::{Context, Result, anyhow};
use oversight_app::{App, SystemClock};
use std::path::Path;
use std::sync::Arc;

#[derive(clap::Subcommand, Debug)]
pub enum ListsCmd {
    /// Import a list file as a new release of the named list.
    Import(ImportArgs),
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// FORMAT:PATH, with the formats of `oversight screen --list-file`.
    pub spec: String,
    /// The list's name in the platform (e.g. "us-csl").
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub db: crate::DbArgs,
}

pub async fn run(cmd: ListsCmd, db: &str) -> Result<()> {
    match cmd {
        ListsCmd::Import(args) => import(args, db).await,
    }
}

async fn import(args: ImportArgs, db: &str) -> Result<()> {
    let (format, path) =
        args.spec.split_once(':').filter(|(f, p)| !f.is_empty() && !p.is_empty()).ok_or_else(|| {
            anyhow!("list spec {:?} must be written FORMAT:PATH, e.g. csl-csv:consolidated.csv", args.spec)
        })?;
    let store =
        oversight_store::open(db, true).await.with_context(|| format!("opening the database {db}"))?;
    let app =
        App::open(store, Arc::new(SystemClock)).await.context("rebuilding read models from the event log")?;
    // An operator on the server imports as no user: the release records `imported_by: null`.
    let bar = Arc::new(crate::progress::Progress::new("re-screened", "parties"));
    let progress: oversight_app::screening::Progress = Arc::new(move |done, total| bar.update(done, total));
    let r = app.import_list_with_progress(None, &args.name, format, Path::new(path), Some(progress)).await?;
    println!(
        "imported {} version {}: {} entries from {} (sha256 {})",
        r.release.name,
        r.release.version,
        r.release.entry_count,
        r.release.source_file,
        r.release.source_sha256
    );
    println!(
        "changes since the previous release: {} added, {} changed, {} removed",
        r.added, r.changed, r.removed
    );
    println!(
        "re-screened {} parties of {} cases against the added and changed entries: {} new alerts",
        r.parties_rescreened, r.cases_rescreened, r.alerts_raised
    );
    Ok(())
}
