//! `oversight backup` and `oversight restore`.
//!
//! SQLite: `VACUUM INTO` writes a consistent copy of the database while servers keep writing (it
//! reads one snapshot; WAL readers do not block writers). The copy is written to a temporary file
//! beside the target, checked (`PRAGMA integrity_check`, the event table readable), flushed to
//! disk and only then renamed into place: a failed backup or restore leaves nothing behind.
//! Files are created owner-only (0600), like the database itself: they hold password hashes.
//!
//! PostgreSQL: `backup` runs `pg_dump --format=custom` when it is installed; a restore is done
//! with `pg_restore` as `docs/operations.md` describes.
//!
//! The transparency log's signing key is not in the database: back up the key file once, apart.

use anyhow::{Context, Result, anyhow, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: crate::DbArgs,
    /// The backup file to write; it must not exist yet.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// The backup file (written by `oversight backup` from a SQLite database).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The database to restore into: sqlite://PATH. Stop every server using it first.
    #[command(flatten)]
    pub db: crate::DbArgs,
    /// Replace a database that already holds events (without it, restore refuses).
    #[arg(long)]
    pub force: bool,
}

pub async fn backup(args: &BackupArgs, db: &str) -> Result<()> {
    if args.out.exists() {
        bail!(
            "{} already exists; a backup never overwrites a file (nothing was written)",
            args.out.display()
        );
    }
    if is_postgres(db) {
        return pg_dump(db, &args.out).await;
    }
    let source = sqlite_path(db)?;
    if !source.exists() {
        bail!("the database {} does not exist (nothing was written)", source.display());
    }
    let copy = Partial::create_beside(&args.out)?;
    let mut conn = connect(&source, true).await?;
    sqlx::query(&format!("VACUUM INTO {}", sql_string(copy.path())?))
        .execute(&mut conn)
        .await
        .with_context(|| format!("copying {} (VACUUM INTO)", source.display()))?;
    conn.close().await.ok();
    let summary = check_copy(copy.path()).await?;
    copy.persist(&args.out)?;
    println!("backed up {} to {}: {summary}", source.display(), args.out.display());
    println!("(the log's signing key is not in the database: keep a copy of the key file too)");
    Ok(())
}

pub async fn restore(args: &RestoreArgs, db: &str) -> Result<()> {
    if is_postgres(db) {
        bail!(
            "restore into PostgreSQL with pg_restore (see docs/operations.md, \"Backup and restore\"); \
             nothing was written"
        );
    }
    if !args.from.is_file() {
        bail!("the backup file {} does not exist (nothing was written)", args.from.display());
    }
    let target = sqlite_path(db)?;
    // Read the backup before touching anything: a bad file changes nothing.
    let summary = check_copy(&args.from)
        .await
        .with_context(|| format!("{} is not a usable backup (nothing was written)", args.from.display()))?;
    if target.exists() {
        let events = count_events(&target).await.with_context(|| {
            format!("reading the existing database {} (nothing was written)", target.display())
        })?;
        if events > 0 && !args.force {
            bail!(
                "the database {} already holds {events} events; give --force to replace it (nothing was written)",
                target.display()
            );
        }
    }
    let copy = Partial::create_beside(&target)?;
    let mut conn = connect(&args.from, true).await?;
    sqlx::query(&format!("VACUUM INTO {}", sql_string(copy.path())?))
        .execute(&mut conn)
        .await
        .with_context(|| format!("copying {} (VACUUM INTO)", args.from.display()))?;
    conn.close().await.ok();
    check_copy(copy.path()).await?;
    // The old database's write-ahead log belongs to the old file: it must not be replayed into
    // the restored one.
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(anyhow!(e).context(format!("removing {}", side.display()))),
        }
    }
    copy.persist(&target)?;
    // Bring the schema up to this version's (a backup from an older version is upgraded).
    oversight_store::open(db, true).await.with_context(|| format!("opening the restored database {db}"))?;
    println!("restored {} into {}: {summary}", args.from.display(), target.display());
    Ok(())
}

fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres:") || db.starts_with("postgresql:")
}

/// The file a `sqlite:` URL names (sqlx's own reading of the URL, as the store uses).
fn sqlite_path(db: &str) -> Result<PathBuf> {
    if !db.starts_with("sqlite:") {
        bail!("unsupported database URL {db:?}: use sqlite://PATH or postgres://...");
    }
    let options = SqliteConnectOptions::from_str(db).with_context(|| format!("reading the URL {db}"))?;
    Ok(options.get_filename().to_path_buf())
}

async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(false)
        .connect()
        .await
        .with_context(|| format!("opening {}", path.display()))
}

/// A quoted SQL string literal of a path.
fn sql_string(path: &Path) -> Result<String> {
    let s = path.to_str().ok_or_else(|| anyhow!("{} is not valid UTF-8", path.display()))?;
    Ok(format!("'{}'", s.replace('\'', "''")))
}

/// Checks that a copy is a sound Oversight database; says how much it holds.
async fn check_copy(path: &Path) -> Result<String> {
    let mut conn = connect(path, true).await?;
    let integrity: String =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.context("integrity check")?;
    if integrity != "ok" {
        bail!("{} fails SQLite's integrity check: {integrity}", path.display());
    }
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&mut conn)
        .await
        .with_context(|| format!("{} has no Oversight event table", path.display()))?;
    let leaves: i64 =
        sqlx::query_scalar("SELECT count(*) FROM log_leaves").fetch_one(&mut conn).await.unwrap_or(0);
    conn.close().await.ok();
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(format!("{events} events, {leaves} log entries, {bytes} bytes"))
}

/// Events in an existing database file (0 when it has no event table yet).
async fn count_events(path: &Path) -> Result<i64> {
    let mut conn = connect(path, true).await?;
    let has_table: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'")
            .fetch_one(&mut conn)
            .await?;
    let n = if has_table == 0 {
        0
    } else {
        sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&mut conn).await?
    };
    conn.close().await.ok();
    Ok(n)
}

/// A file being written beside its final name; removed unless [`Partial::persist`]ed.
struct Partial {
    path: PathBuf,
    kept: bool,
}

impl Partial {
    /// An empty owner-only file `.NAME.partial` beside `target` (`VACUUM INTO` fills an empty file).
    fn create_beside(target: &Path) -> Result<Partial> {
        let name = target.file_name().ok_or_else(|| anyhow!("{} is not a file name", target.display()))?;
        let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let path = dir.join(format!(".{}.partial", name.to_string_lossy()));
        // A partial file left by a process killed mid-copy is ours to replace.
        let _ = std::fs::remove_file(&path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Partial { path, kept: false })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the copy to disk and renames it to `target` (then flushes the directory).
    fn persist(mut self, target: &Path) -> Result<()> {
        std::fs::File::open(&self.path)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("flushing {}", self.path.display()))?;
        std::fs::rename(&self.path, target)
            .with_context(|| format!("renaming {} to {}", self.path.display(), target.display()))?;
        self.kept = true;
        if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `pg_dump --format=custom` of the database into `out` (through a partial file, as above).
async fn pg_dump(db: &str, out: &Path) -> Result<()> {
    let copy = Partial::create_beside(out)?;
    let status = tokio::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(copy.path())
        .arg(db)
        .status()
        .await;
    match status {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "pg_dump is not installed; back up PostgreSQL with pg_dump as docs/operations.md describes \
             (nothing was written)"
        ),
        Err(e) => return Err(anyhow!(e).context("running pg_dump")),
        Ok(s) if !s.success() => bail!("pg_dump failed ({s}); nothing was written"),
        Ok(_) => {}
    }
    copy.persist(out)?;
    println!("backed up {} to {} with pg_dump (custom format)", crate::config::redact_url(db), out.display());
    println!("(the log's signing key is not in the database: keep a copy of the key file too)");
    Ok(())
}
