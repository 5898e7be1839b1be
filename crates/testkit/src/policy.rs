//! What a test does when something it needs is not there: never a silent "ok".

use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether the tests run on CI: `CI` is set to anything but empty, `0` or `false` (CI services set
/// `CI=true`).
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Whether PostgreSQL tests are switched off on purpose (`OVERSIGHT_SKIP_PG=1`).
pub fn pg_skipped_by_env() -> bool {
    std::env::var("OVERSIGHT_SKIP_PG").is_ok_and(|v| v == "1")
}

/// The name of the running test (libtest names the thread after it).
fn test_name() -> String {
    std::thread::current().name().unwrap_or("a test").to_string()
}

/// Prints a loud `SKIPPED:` line naming the test and the reason. It goes to the process's real
/// stderr, past the test harness's output capture, so a skip is seen in every run.
pub fn skipped(reason: &str) {
    let line = format!("\n*** SKIPPED: {}: {reason} ***\n", test_name());
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Something a test needs is missing. On CI that is a failure (this panics); elsewhere the test is
/// reported as skipped ([`skipped`]) and the caller returns.
pub fn missing(what: &str) {
    if on_ci() {
        panic!(
            "{what}. This test runs on CI (CI={:?}), where everything it needs must be present: \
             a missing prerequisite is a failure, not a skip",
            std::env::var("CI").unwrap_or_default()
        );
    }
    skipped(&format!("{what} (on CI this fails)"));
}

/// The root of the repository (the workspace directory).
pub fn repo_path(relative: impl AsRef<Path>) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// A data file a test needs but the repository does not ship (e.g. a dataset without an open
/// licence): `Some(path)` if it is there; otherwise [`missing`] (a failure on CI, a loud skip
/// elsewhere) and `None`, and the test returns.
pub fn data_file(path: impl AsRef<Path>, why_not_bundled: &str) -> Option<PathBuf> {
    let path = path.as_ref();
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    missing(&format!("data file {} not found ({why_not_bundled})", path.display()));
    None
}
