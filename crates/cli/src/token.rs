//! `oversight token`: what a vendor's product (and an administrator) does with operating tokens.
//!
//! - `keygen`: an installation's key pair (the secret stays in a file on the machine);
//! - `renew`: ask the platform for a challenge, sign it with the installation's key, save the token
//!   and its proof;
//! - `trust`: save the platform's trust anchors (root chain and witness policy) for `check`;
//! - `check`: the embedded verifier as a "guarded tool": checks the token (once, or every few
//!   seconds with `--watch`, re-reading the files so a renewal takes effect) and exits 3 with the
//!   reason once it is DISABLED;
//! - `rotate-key`: the authority's token key rotation (root n+1 signed by the current key).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer;
use oversight_attest::{Presented, TrustedRoot, Verifier, VerifierState};
use serde_json::json;

#[derive(clap::Subcommand, Debug)]
pub enum TokenCmd {
    /// Create an installation key pair: the secret in FILE (owner-only), the public key printed.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Renew the installation's token: challenge, sign, save token and proof.
    Renew(RenewArgs),
    /// Save the platform's trust anchors: the root chain (ROOTS) and the witness policy (POLICY).
    Trust {
        #[arg(long)]
        url: String,
        #[arg(long)]
        roots: PathBuf,
        #[arg(long)]
        policy: PathBuf,
    },
    /// Verify the token as a guarded product would; exit 0 while it may run, 3 once DISABLED.
    Check(CheckArgs),
    /// Rotate the authority's token-signing key (administrators; restart the server afterwards).
    RotateKey {
        /// The token key file (`tokens.key`); its chain is `<key>.roots`.
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct RenewArgs {
    /// Base URL of the platform.
    #[arg(long)]
    url: String,
    /// The installation's secret key file (from `oversight token keygen`).
    #[arg(long)]
    installation_key: PathBuf,
    /// Where to write the token (raw COSE bytes).
    #[arg(long, default_value = "operating-token.cose")]
    token_out: PathBuf,
    /// Where to write its tlog-proof.
    #[arg(long, default_value = "operating-token.proof")]
    proof_out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The root chain (base64 root statements, one a line, root 1 first: root 1 is pinned).
    #[arg(long)]
    roots: PathBuf,
    /// The witness policy (C2SP tlog-policy).
    #[arg(long)]
    policy: PathBuf,
    /// The installation's secret key file (its public key is what tokens must name).
    #[arg(long)]
    installation_key: PathBuf,
    /// The verifier's persisted state (created if missing).
    #[arg(long)]
    state: PathBuf,
    #[arg(long)]
    token: PathBuf,
    #[arg(long)]
    proof: PathBuf,
    /// A revocation list (raw COSE bytes) and its proof, to check against.
    #[arg(long, requires = "revocation_proof")]
    revocation: Option<PathBuf>,
    #[arg(long)]
    revocation_proof: Option<PathBuf>,
    /// Check every SECONDS until disabled (a guarded tool), re-reading the token files.
    #[arg(long)]
    watch: Option<u64>,
    /// Grace after the lease, in thousandths of the lease.
    #[arg(long, default_value_t = 250)]
    grace_permille: u32,
    /// A local clock reading (POSIX seconds) instead of the system clock, for tests of a clock
    /// set back: the verifier's trusted time still never goes back.
    #[arg(long)]
    clock: Option<u64>,
}

fn read_secret(path: &Path) -> Result<ed25519_dalek::SigningKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let secret: [u8; 32] = B64
        .decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{} is not the base64 of a 32-byte key", path.display()))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&secret))
}

pub fn run(cmd: TokenCmd) -> Result<ExitCode> {
    match cmd {
        TokenCmd::Keygen { out } => {
            if out.exists() {
                bail!("{} exists: a key is registered once; choose another file", out.display());
            }
            let mut seed = [0u8; 32];
            rand::RngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut seed)
                .context("reading the operating system's random source")?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&out).with_context(|| format!("creating {}", out.display()))?;
            std::io::Write::write_all(&mut f, format!("{}\n", B64.encode(seed)).as_bytes())?;
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            println!("{}", B64.encode(key.verifying_key().to_bytes()));
            Ok(ExitCode::SUCCESS)
        }
        TokenCmd::Renew(args) => renew(&args),
        TokenCmd::Trust { url, roots, policy } => {
            let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
            let url = format!("{}/api/tokens/trust", url.trim_end_matches('/'));
            let body: serde_json::Value = serde_json::from_str(
                &agent.get(&url).call().with_context(|| format!("GET {url}"))?.into_string()?,
            )?;
            let lines: Vec<String> = body["roots"]
                .as_array()
                .context("no roots in the answer")?
                .iter()
                .filter_map(|r| r.as_str().map(|s| format!("{s}\n")))
                .collect();
            std::fs::write(&roots, lines.concat())?;
            std::fs::write(&policy, body["policy"].as_str().context("no policy in the answer")?)?;
            println!(
                "root chain of {} root(s) written to {}; policy to {}",
                lines.len(),
                roots.display(),
                policy.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        TokenCmd::Check(args) => check(&args),
        TokenCmd::RotateKey { key } => {
            let version = oversight_app::tokens::TokenAuthority::rotate(&key)?;
            println!(
                "rotated: root {version} names the new key in {}; restart the server to sign with it",
                key.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn renew(args: &RenewArgs) -> Result<ExitCode> {
    let key = read_secret(&args.installation_key)?;
    let public = B64.encode(key.verifying_key().to_bytes());
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
    let base = args.url.trim_end_matches('/');
    let post = |path: &str, body: serde_json::Value| -> Result<Result<serde_json::Value, String>> {
        let url = format!("{base}{path}");
        let sent = agent.post(&url).set("Content-Type", "application/json").send_string(&body.to_string());
        match sent {
            Ok(r) => Ok(Ok(serde_json::from_str(&r.into_string()?)?)),
            Err(ureq::Error::Status(status, r)) => {
                let body: serde_json::Value =
                    r.into_string().ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
                let message = body["message"].as_str().or(body["error"].as_str()).unwrap_or("").to_string();
                Ok(Err(format!("HTTP {status}: {message}")))
            }
            Err(e) => Err(anyhow::anyhow!("POST {url}: {e}")),
        }
    };
    let challenge = match post("/api/tokens/challenge", json!({ "installation_key": public }))? {
        Ok(c) => c["challenge"].as_str().context("no challenge in the answer")?.to_string(),
        Err(why) => {
            eprintln!("renewal refused: {why}");
            return Ok(ExitCode::from(1));
        }
    };
    let signature = B64.encode(key.sign(challenge.as_bytes()).to_bytes());
    match post("/api/tokens/renew", json!({ "challenge": challenge, "signature": signature }))? {
        Ok(t) => {
            let token = B64.decode(t["token"].as_str().context("no token")?)?;
            std::fs::write(&args.token_out, token)?;
            std::fs::write(&args.proof_out, t["proof"].as_str().context("no proof")?)?;
            println!(
                "token {} issued, valid until {}; written to {} and {}",
                t["sequence"],
                t["expires"].as_str().unwrap_or("?"),
                args.token_out.display(),
                args.proof_out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            eprintln!("renewal refused: {why}");
            Ok(ExitCode::from(1))
        }
    }
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn check(args: &CheckArgs) -> Result<ExitCode> {
    let chain_text =
        std::fs::read_to_string(&args.roots).with_context(|| format!("reading {}", args.roots.display()))?;
    let chain: Vec<Vec<u8>> = chain_text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| B64.decode(l.trim()))
        .collect::<Result<_, _>>()
        .context("the root chain is not base64 lines")?;
    let Some(first) = chain.first() else { bail!("the root chain {} is empty", args.roots.display()) };
    let policy_text = std::fs::read_to_string(&args.policy)
        .with_context(|| format!("reading {}", args.policy.display()))?;
    let policy =
        oversight_tlog::Policy::parse(&policy_text).map_err(|e| anyhow::anyhow!("the policy: {e}"))?;
    let key = read_secret(&args.installation_key)?;
    let verifier = Verifier {
        policy,
        installation_key: key.verifying_key().to_bytes(),
        grace_permille: args.grace_permille,
        max_clock_skew: 300,
    };
    let mut state = match std::fs::read(&args.state) {
        Ok(bytes) => VerifierState::from_bytes(&bytes).context("the verifier state file is corrupt")?,
        Err(_) => VerifierState::new(TrustedRoot::pinned(first).map_err(|e| anyhow::anyhow!("root 1: {e}"))?),
    };
    match state.follow_roots(&chain[1..]) {
        Ok(s) => state = s,
        Err((reason, e)) => {
            println!("stopped: {} (the root chain: {e})", reason.as_str());
            return Ok(ExitCode::from(3));
        }
    }
    loop {
        let token =
            std::fs::read(&args.token).with_context(|| format!("reading {}", args.token.display()))?;
        let proof = std::fs::read_to_string(&args.proof)
            .with_context(|| format!("reading {}", args.proof.display()))?;
        let revocation = match (&args.revocation, &args.revocation_proof) {
            (Some(l), Some(p)) => Some((std::fs::read(l)?, std::fs::read_to_string(p)?)),
            _ => None,
        };
        let presented = Presented {
            token: &token,
            proof: &proof,
            revocation: revocation.as_ref().map(|(l, p)| (l.as_slice(), p.as_str())),
        };
        let verdict = verifier.check(&state, &presented, args.clock.unwrap_or_else(now));
        state = verdict.state.clone();
        // Persist before acting: a crash must not forget a newer token.
        let tmp = args.state.with_extension("tmp");
        std::fs::write(&tmp, state.to_bytes())?;
        std::fs::rename(&tmp, &args.state)?;
        if !verdict.may_run() {
            println!("stopped: {} ({})", verdict.reason.map_or("unknown", |r| r.as_str()), verdict.detail);
            return Ok(ExitCode::from(3));
        }
        println!(
            "working: {:?}, sequence {}, {} s until disabled",
            verdict.status,
            verdict.claims.as_ref().map_or(0, |c| c.sequence),
            verdict.disabled_after.unwrap_or(0).saturating_sub(verdict.trusted_time)
        );
        use std::io::Write;
        let _ = std::io::stdout().flush();
        match args.watch {
            Some(secs) => std::thread::sleep(Duration::from_secs(secs.max(1))),
            None => return Ok(ExitCode::SUCCESS),
        }
    }
}
