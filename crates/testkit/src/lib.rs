//! Oversight's test kit (dev-only, never published): the one way a test gets a fresh database, an
//! [`App`](oversight_app::App) over it, a real HTTP server or a real `oversight` process, and a
//! logged-in HTTP client.
//!
//! - [`TestDb`]: a fresh SQLite file in a temporary directory, or a fresh PostgreSQL database
//!   (`CREATE DATABASE` with a unique name on `OVERSIGHT_TEST_PG`, default
//!   `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the guard is dropped.
//! - [`open_app`] / [`demo_app`]: an `App` over a database, with the clock the test chooses.
//! - [`TestServer`]: the `oversight_web` router on a random loopback port, in a runtime of its own
//!   (so a server that deadlocks makes the test's timeouts fire instead of hanging the test).
//! - [`ServerProcess`]: the real `oversight serve` binary, killed on drop, its log printed if the
//!   test fails.
//! - [`User`]: a reqwest client with a cookie store, the session's CSRF token, one helper per verb.
//!
//! **A test that cannot run says so.** [`TestDb::fresh`] returns `None` for PostgreSQL only after
//! printing a `SKIPPED:` line to the real stderr (not captured by the test harness), and only off
//! CI, when `OVERSIGHT_SKIP_PG=1` or the server is unreachable. On CI (`CI` set, as every CI service
//! does) either is a failure: a test that cannot run there never passes. Missing data files follow
//! the same rule ([`data_file`]).

mod client;
mod db;
pub mod fixtures;
mod policy;
mod process;
mod server;

pub use client::{Reply, User};
pub use db::{Backend, TestDb, pg_admin_url};
pub use policy::{data_file, missing, on_ci, pg_skipped_by_env, repo_path, skipped};
pub use process::ServerProcess;
pub use server::{ServerOptions, TestServer, actor, demo_app, fixed_clock, open_app, test_signer};

/// The password of every demo account.
pub const PASSWORD: &str = oversight_app::demo::DEMO_PASSWORD;

/// Demo accounts (`oversight_app::demo`).
pub mod users {
    pub const EXPORTER: &str = "compliance@nordwatch.example";
    pub const OTHER_EXPORTER: &str = "compliance@helix-forensics.example";
    pub const OFFICER: &str = "officer@authority.example";
    pub const OFFICER2: &str = "officer2@authority.example";
    pub const APPROVER: &str = "approver@authority.example";
    pub const ASSESSOR: &str = "assessor@authority.example";
    pub const ENFORCEMENT: &str = "enforcement@authority.example";
    pub const ADMIN: &str = "admin@authority.example";
    /// The second administrator (role grants need two).
    pub const ADMIN2: &str = "admin2@authority.example";
    pub const PARTNER: &str = "liaison@partner-agency.example";
    pub const PANEL: &str = "panel@authority.example";
    pub const OMBUDSPERSON: &str = "ombudsperson@authority.example";
    pub const PANEL2: &str = "panel2@authority.example";
    /// A licensing officer who also sits on the review panel.
    pub const OFFICER_PANEL: &str = "officer.panel@authority.example";
    pub const APPROVER2: &str = "approver2@authority.example";
}

/// Runs a test body once per backend, as `mod sqlite { #[tokio::test] fn NAME() }` and
/// `mod postgres { ... }`: each test function takes a [`TestServer`] loaded with the demo dataset.
/// The PostgreSQL variant skips loudly or fails as [`TestDb::fresh`] says.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let t = $crate::TestServer::sqlite().await;
                    super::$name(t).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(t) = $crate::TestServer::postgres().await else { return };
                    super::$name(t).await;
                }
            )*
        }
    };
}
