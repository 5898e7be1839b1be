//! A refused command leaves nothing behind (issue 15): `oversight demo` on a database that already
//! has data refuses before it writes a signing key, and `oversight admin create-user` that fails
//! creates no organisation.

use std::path::Path;
use std::process::{Command, Output};

fn oversight(args: &[&str], dir: &Path, password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(args)
        .current_dir(dir)
        .env("OVERSIGHT_TEST_PASSWORD", password)
        .env_remove("OVERSIGHT_DB")
        .output()
        .unwrap()
}

fn ok(out: &Output) {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn demo_on_a_database_with_data_refuses_before_writing_a_signing_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let first = dir.path().join("first.key");
    ok(&oversight(&["demo", "--db", &db, "--log-key", first.to_str().unwrap()], dir.path(), ""));
    assert!(first.exists());

    let second = dir.path().join("second.key");
    let out = oversight(&["demo", "--db", &db, "--log-key", second.to_str().unwrap()], dir.path(), "");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not empty"), "{stderr}");
    assert!(!second.exists(), "a refused demo wrote a new signing key");
}

#[test]
fn create_user_that_fails_creates_no_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("admin.db").display());
    let password = "a long enough password";
    let create = |email: &str, org: &str| {
        oversight(
            &[
                "admin",
                "create-user",
                "--db",
                &db,
                "--email",
                email,
                "--name",
                "Ada",
                "--org",
                org,
                "--role",
                "administrator",
                "--password-env",
                "OVERSIGHT_TEST_PASSWORD",
            ],
            dir.path(),
            password,
        )
    };
    ok(&create("ada@authority.example", "Authority"));
    // The same email again, with an organisation that does not exist yet: refused, and the
    // organisation is not created.
    let out = create("ada@authority.example", "Second Authority");
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("created organisation"));
    // A later successful run must be the one that creates it.
    let out = create("bob@authority.example", "Second Authority");
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("created organisation Second Authority"));
}

/// Issue 15, finding 10: the bootstrap refuses a common password too (the one password check), and
/// writes nothing.
#[test]
fn create_user_refuses_a_common_password_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("common.db").display());
    let args = [
        "admin",
        "create-user",
        "--db",
        &db,
        "--email",
        "ada@authority.example",
        "--name",
        "Ada",
        "--org",
        "Authority",
        "--role",
        "administrator",
        "--password-env",
        "OVERSIGHT_TEST_PASSWORD",
    ];
    let out = oversight(&args, dir.path(), "qwertyuiop123");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("common"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("created organisation"));
    ok(&oversight(&args, dir.path(), "a long enough password"));
}
