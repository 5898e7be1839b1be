//! Builds the C "guarded tool" (examples/guarded.c) against the cdylib with the system C compiler
//! and runs it as a real process: it runs with a valid token and stops when the lease ends; it
//! refuses an expired token, a forged token and a token replayed after a newer one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use oversight_attest::memory::{MemoryAuthority, installation_key, sample_claims};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// The directory holding liboversight_attest_ffi.so (cargo puts it next to `deps/`).
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    for dir in [deps, deps.parent().unwrap()] {
        if dir.join("liboversight_attest_ffi.so").exists() {
            return dir.to_path_buf();
        }
    }
    panic!("liboversight_attest_ffi.so not found near {}", deps.display());
}

fn build_guarded(out: &Path) -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = library_dir();
    let bin = out.join("guarded");
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .arg(crate_dir.join("examples/guarded.c"))
        .arg("-std=c11")
        .arg("-D_POSIX_C_SOURCE=200809L")
        .args(["-Wall", "-Wextra", "-Werror"])
        .arg("-I")
        .arg(crate_dir.join("include"))
        .arg("-L")
        .arg(&lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-loversight_attest_ffi")
        .arg("-o")
        .arg(&bin)
        .status()
        .expect("a C compiler (cc) is installed");
    assert!(status.success(), "compiling guarded.c failed");
    bin
}

struct Setup {
    dir: tempfile::TempDir,
    authority: MemoryAuthority,
    install: [u8; 32],
}

fn setup() -> Setup {
    let authority = MemoryAuthority::new(11, 2);
    let (_, install) = installation_key(12);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.bin"), authority.root()).unwrap();
    std::fs::write(dir.path().join("policy.txt"), authority.policy(2)).unwrap();
    std::fs::write(dir.path().join("install.pub"), install).unwrap();
    Setup { dir, authority, install }
}

impl Setup {
    fn give_token(&mut self, nbf: u64, exp: u64, seq: u64, forge: bool) {
        let (mut token, proof) = self.authority.issue_logged(&sample_claims(self.install, nbf, exp, seq));
        if forge {
            let last = token.len() - 1;
            token[last] ^= 0x40;
        }
        std::fs::write(self.dir.path().join("token.bin"), token).unwrap();
        std::fs::write(self.dir.path().join("proof.txt"), proof).unwrap();
    }

    fn run(&self, bin: &Path, ticks: u32) -> (i32, String) {
        let out = Command::new(bin).arg(self.dir.path()).arg(ticks.to_string()).output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

#[test]
fn the_c_guarded_tool_runs_only_with_a_valid_token_and_stops_when_it_expires() {
    let build = tempfile::tempdir().unwrap();
    let bin = build_guarded(build.path());

    // A valid token leased for 3 more seconds (no grace): it runs, then stops on its own.
    let mut s = setup();
    let t = now();
    s.give_token(t - 1, t + 3, 1, false);
    let (code, out) = s.run(&bin, 30);
    assert!(out.starts_with("running: tick 0, VALID, token 1"), "{out}");
    assert!(out.trim_end().ends_with("refused: Expired"), "{out}");
    assert_eq!(code, 2, "{out}");
    let ticks = out.matches("running:").count();
    assert!((2..=6).contains(&ticks), "ran {ticks} ticks: {out}");

    // An expired token: refused before any work.
    let mut s = setup();
    s.give_token(t - 7200, t - 3600, 1, false);
    let (code, out) = s.run(&bin, 5);
    assert_eq!((code, out.as_str()), (2, "refused: Expired\n"));

    // A forged token: refused.
    let mut s = setup();
    s.give_token(t - 1, t + 3600, 1, true);
    let (code, out) = s.run(&bin, 5);
    assert_eq!((code, out.as_str()), (2, "refused: Forged\n"));

    // A newer token runs and its state is saved; the older one replayed afterwards is refused.
    let mut s = setup();
    s.give_token(t - 1, t + 3600, 1, false);
    let older = (
        std::fs::read(s.dir.path().join("token.bin")).unwrap(),
        std::fs::read(s.dir.path().join("proof.txt")).unwrap(),
    );
    s.give_token(t - 1, t + 3600, 2, false);
    let (code, out) = s.run(&bin, 1);
    assert_eq!(code, 0, "{out}");
    std::fs::write(s.dir.path().join("token.bin"), older.0).unwrap();
    std::fs::write(s.dir.path().join("proof.txt"), older.1).unwrap();
    let (code, out) = s.run(&bin, 1);
    assert_eq!((code, out.as_str()), (2, "refused: Rollback\n"));
}
