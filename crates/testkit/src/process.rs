//! The real `oversight serve` binary as a child process.

use crate::client::User;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One `oversight serve` process on a port the OS picks, killed (and reaped) when dropped. Its
/// stderr goes to a temporary file that is printed if the test fails.
pub struct ServerProcess {
    pub name: String,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    child: Child,
    log: tempfile::NamedTempFile,
}

impl std::fmt::Debug for ServerProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerProcess").field("name", &self.name).field("base", &self.base).finish()
    }
}

impl ServerProcess {
    /// Starts `bin serve --db DB --addr 127.0.0.1:0 --log-key KEY [--demo]` (`bin` is
    /// `env!("CARGO_BIN_EXE_oversight")` in the CLI's tests) and waits until it listens.
    pub fn start(name: &str, bin: &str, db_url: &str, log_key: &Path, demo: bool) -> ServerProcess {
        Self::start_with(name, bin, db_url, log_key, demo, &[])
    }

    /// As [`start`](Self::start), with more arguments (e.g. `--config PATH`).
    pub fn start_with(
        name: &str,
        bin: &str,
        db_url: &str,
        log_key: &Path,
        demo: bool,
        extra: &[&std::ffi::OsStr],
    ) -> ServerProcess {
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--db", db_url, "--addr", "127.0.0.1:0", "--log-key"]).arg(log_key);
        cmd.args(extra);
        if demo {
            cmd.arg("--demo");
        }
        cmd.env("RUST_LOG", "warn")
            .env_remove("OVERSIGHT_DB")
            .env_remove("OVERSIGHT_ADDR")
            .env_remove("OVERSIGHT_LOG_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("reopen the log file"));
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("start {bin} serve: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or_default().to_string());
                    break;
                }
            }
            // Keep draining so the process never blocks on a full pipe.
            for _ in lines {}
        });
        // Owned at once, so the process is killed and reaped even if the start times out.
        let mut server = ServerProcess { name: name.to_string(), base: String::new(), child, log };
        // Generous: a debug build loading the demo hashes ten passwords on a busy machine.
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => server.base = base,
            Err(_) => panic!("server {name} did not start:\n{}", server.log_text()),
        }
        server
    }

    /// Kills the process with SIGKILL (no shutdown hook runs) and reaps it.
    pub fn kill9(&mut self) {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("reap the server");
    }

    /// What the process wrote to stderr so far.
    pub fn log_text(&self) -> String {
        let mut s = String::new();
        let _ = self.log.reopen().and_then(|mut f| f.read_to_string(&mut s));
        s
    }

    /// Polls GET `path` until it answers 200 (e.g. `/log/checkpoint` once the log is signed);
    /// panics, with the server's log, after a minute.
    pub async fn wait_until_ok(&self, path: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = reqwest::get(format!("{}{path}", self.base)).await
                && r.status() == reqwest::StatusCode::OK
            {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} on server {} never answered 200:\n{}",
                self.name,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn anonymous(&self) -> User {
        User::anonymous(&self.base)
    }

    /// Logs in as a demo user; panics unless the server answers 200.
    pub async fn login(&self, email: &str) -> User {
        User::login(&self.base, email, crate::PASSWORD).await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("----- log of server {} ({}) -----\n{}", self.name, self.base, self.log_text());
        }
    }
}
