//! `oversight-verify --url BASE_URL [--state FILE] [--key VKEY]`: verify a register's public log.
//! Exit status: 0 verified, 1 the log or register does not check out, 2 could not verify
//! (network, usage, state file).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oversight_verify::{VerifyOptions, verify};

#[derive(Parser, Debug)]
#[command(name = "oversight-verify", version, about = "Verify an Oversight register's transparency log")]
struct Args {
    /// Base URL of the register, e.g. http://localhost:8080
    #[arg(long)]
    url: String,
    /// State file (JSON) with the pinned key and the last verified checkpoint; created if missing.
    #[arg(long, default_value = "oversight-verify-state.json")]
    state: PathBuf,
    /// Do not read or write a state file (no pinning, no comparison with an earlier run).
    #[arg(long, conflicts_with = "state")]
    no_state: bool,
    /// The log's verifier key <name>+<hex key id>+<base64 key>, obtained from a trusted source.
    #[arg(long)]
    key: Option<String>,
    /// A witness whose cosignature the checkpoint must carry (repeatable):
    /// <name>+<hex key id>+<base64(0x04 ‖ public key)>.
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// A witness policy (C2SP tlog-policy file): the checkpoint must be cosigned by its quorum.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// A checkpoint note carrying the witnesses' cosignatures (from `oversight witness submit`);
    /// default: the register's own checkpoint note.
    #[arg(long, requires = "policy")]
    cosigned: Option<PathBuf>,
    /// Timeout of each HTTP request, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut opts = VerifyOptions::new(args.url);
    opts.state_file = (!args.no_state).then_some(args.state);
    opts.key = args.key;
    opts.witnesses = args.witnesses;
    opts.timeout = Duration::from_secs(args.timeout);
    for (path, slot) in [(&args.policy, &mut opts.policy), (&args.cosigned, &mut opts.cosigned)] {
        if let Some(path) = path {
            match std::fs::read_to_string(path) {
                Ok(text) => *slot = Some(text),
                Err(e) => {
                    eprintln!("FAILED: cannot read {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
        }
    }
    match verify(&opts) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("FAILED: {e}");
            ExitCode::from(if e.is_mismatch() { 1 } else { 2 })
        }
    }
}
