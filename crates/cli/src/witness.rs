//! `oversight witness`: run a C2SP tlog-witness for one or more logs, or (`oversight witness
//! submit`) have witnesses cosign a register's latest checkpoint. The protocol lives in
//! `oversight-witness`; this module only reads keys and flags.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::{Cosigner, NoteVerifier};
use oversight_witness::{Register, Witness, add_checkpoint, attach_cosignatures};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WitnessArgs {
    #[command(subcommand)]
    command: Option<WitnessCmd>,
    #[command(flatten)]
    serve: ServeWitnessArgs,
}

#[derive(clap::Subcommand, Debug)]
enum WitnessCmd {
    /// Fetch a register's latest checkpoint and have witnesses cosign it; prints the cosigned note.
    Submit(SubmitArgs),
}

/// Without a subcommand: run the witness.
#[derive(clap::Args, Debug)]
struct ServeWitnessArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7380")]
    addr: String,
    /// The witness's signing key; created on first run (owner-only permissions).
    #[arg(long, default_value = "oversight-witness.key")]
    key: PathBuf,
    /// The witness's name (its key name) when the key is created, e.g. "witness.ngo.example".
    #[arg(long, default_value = "oversight-witness")]
    name: String,
    /// Where the latest cosigned checkpoint of every log is kept (JSON, replaced atomically).
    #[arg(long, default_value = "oversight-witness-state.json")]
    state: PathBuf,
    /// A log to witness: its note verifier key `<origin>+<hex key id>+<base64 key>` (repeatable).
    #[arg(long = "log")]
    logs: Vec<String>,
}

#[derive(clap::Args, Debug)]
struct SubmitArgs {
    /// Base URL of the register, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// Base URL of a witness (repeatable); the request goes to <URL>/add-checkpoint.
    #[arg(long = "witness", required = true)]
    witnesses: Vec<String>,
    /// The size the witnesses last cosigned, if known (a wrong guess costs one 409 round trip).
    #[arg(long, default_value_t = 0)]
    old: u64,
    /// Timeout of each HTTP request, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

pub fn run(args: WitnessArgs) -> Result<ExitCode> {
    match args.command {
        Some(WitnessCmd::Submit(s)) => submit(s),
        None => serve(args.serve).map(|_| ExitCode::SUCCESS),
    }
}

fn serve(args: ServeWitnessArgs) -> Result<()> {
    if args.logs.is_empty() {
        bail!("name at least one log to witness with --log <vkey>");
    }
    let logs = args
        .logs
        .iter()
        .map(|v| NoteVerifier::parse(v).map_err(|e| anyhow::anyhow!("--log {v}: {e}")))
        .collect::<Result<Vec<_>>>()?;
    let cosigner = load_or_create_key(&args.key, &args.name)?;
    let witness = Arc::new(Witness::open(cosigner, logs, args.state.clone())?);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "witness vkey {}", witness.verifier().to_vkey())?;
        writeln!(out, "listening on http://{}", listener.local_addr()?)?;
        out.flush()?;
        drop(out);
        tokio::select! {
            r = oversight_witness::serve(listener, witness) => r.context("serving"),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}

fn submit(args: SubmitArgs) -> Result<ExitCode> {
    let timeout = Duration::from_secs(args.timeout);
    let register = Register::new(&args.url, timeout);
    let note = register.checkpoint().map_err(anyhow::Error::msg)?;
    let agent = ureq::AgentBuilder::new().timeout(timeout).build();
    let mut lines = Vec::new();
    let mut failed = false;
    for w in &args.witnesses {
        let mut proofs = |old, new| register.consistency_proof(old, new);
        match add_checkpoint(&agent, w, &note, args.old, &mut proofs) {
            Ok(c) => {
                eprintln!("cosigned by {w} (it had cosigned size {} before)", c.old);
                lines.push(c.lines);
            }
            Err(e) => {
                eprintln!("NOT cosigned: {e}");
                failed = true;
            }
        }
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    print!("{}", attach_cosignatures(&note, &refs));
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Reads the witness key `PRIVATE+KEY+<name>+<hex key id>+<base64(0x04 ‖ seed)>`, or creates one.
fn load_or_create_key(path: &Path, name: &str) -> Result<Cosigner> {
    if path.exists() {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return parse_key(text.trim())
            .with_context(|| format!("the witness key {} is invalid", path.display()));
    }
    let mut seed = [0u8; 32];
    rand::RngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut seed)
        .context("reading the operating system's random source")?;
    let cosigner = Cosigner::new(name, &seed).map_err(|e| anyhow::anyhow!("witness name {name:?}: {e}"))?;
    let vkey = cosigner.verifier().to_vkey();
    let key_id = vkey.split('+').nth(1).unwrap_or_default();
    let mut raw = vec![0x04];
    raw.extend_from_slice(&seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file =
        options.open(path).with_context(|| format!("creating the witness key {}", path.display()))?;
    file.write_all(format!("PRIVATE+KEY+{name}+{key_id}+{}\n", B64.encode(raw)).as_bytes())?;
    file.sync_all()?;
    eprintln!("Created the witness's signing key {} (keep it safe; back it up).", path.display());
    Ok(cosigner)
}

fn parse_key(text: &str) -> Result<Cosigner> {
    let rest = text.strip_prefix("PRIVATE+KEY+").context("a witness key starts with PRIVATE+KEY+")?;
    // The base64 key may itself contain '+': split off the name and the key id only.
    let mut parts = rest.splitn(3, '+');
    let (Some(name), Some(key_id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        bail!("expected PRIVATE+KEY+<name>+<hex key id>+<base64 key>");
    };
    let raw = B64.decode(key).context("the key is not base64")?;
    let (Some(&0x04), Ok(seed)) = (raw.first(), <[u8; 32]>::try_from(&raw[1.min(raw.len())..])) else {
        bail!("not a cosignature/v1 (0x04) Ed25519 key");
    };
    let cosigner = Cosigner::new(name, &seed).map_err(|e| anyhow::anyhow!("{e}"))?;
    let vkey = cosigner.verifier().to_vkey();
    if !vkey.split('+').nth(1).is_some_and(|id| id.eq_ignore_ascii_case(key_id)) {
        bail!("the key id {key_id} does not match the key");
    }
    Ok(cosigner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_is_owner_only_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.key");
        let created = load_or_create_key(&path, "witness.example").unwrap();
        let read = load_or_create_key(&path, "ignored").unwrap();
        assert_eq!(created.verifier(), read.verifier());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // The same seed marked as another key type (0x01, a log key) is refused.
        let text = std::fs::read_to_string(&path).unwrap();
        let mut parts = text.trim().splitn(5, '+'); // PRIVATE KEY name id key
        let prefix = parts.by_ref().take(4).collect::<Vec<_>>().join("+");
        let key = parts.next().unwrap();
        let mut raw = B64.decode(key).unwrap();
        raw[0] = 0x01;
        assert!(parse_key(&format!("{prefix}+{}", B64.encode(&raw))).is_err(), "a non-0x04 key is refused");
        raw[0] = 0x04;
        assert!(parse_key(&format!("{prefix}+{}", B64.encode(&raw))).is_ok());
        // A key file whose key id does not match is refused.
        let wrong_id = format!("PRIVATE+KEY+witness.example+00000000+{}", B64.encode(&raw));
        assert!(parse_key(&wrong_id).is_err());
    }
}
