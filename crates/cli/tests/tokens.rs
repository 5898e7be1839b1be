//! Operating tokens end to end with real processes (issue 13): `oversight serve --demo` configured
//! with a token key, a short lease and two `oversight witness` processes it submits every checkpoint
//! to; an exporter registers an installation (`oversight token keygen`); the installation renews
//! (`oversight token renew`); the guarded tool (`oversight token check --watch`) runs with the
//! token; the licence is revoked; renewal is refused; the tool stops when its lease ends. Then each
//! attack fails with its reason: a token replayed after a newer one, a token for another
//! installation, a forged token, a token not in the log, a checkpoint without the witness quorum,
//! a clock set back after a newer token.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_testkit::{ServerProcess, TestDb};
use reqwest::StatusCode;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_oversight");
/// The lease of every tier in this test.
const LEASE: u64 = 6;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An `oversight witness` process: (process, url, vkey).
fn start_witness(dir: &Path, name: &str, log_vkey: &str) -> (Killed, String, String) {
    let mut child = Command::new(BIN)
        .args(["witness", "--addr", "127.0.0.1:0", "--name", name, "--log", log_vkey, "--key"])
        .arg(dir.join(format!("{name}.key")))
        .arg("--state")
        .arg(dir.join(format!("{name}.json")))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let vkey = lines.next().unwrap().unwrap().strip_prefix("witness vkey ").unwrap().to_string();
    let url = lines.next().unwrap().unwrap().strip_prefix("listening on ").unwrap().to_string();
    (Killed(child), url, vkey)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

struct Files {
    dir: PathBuf,
    roots: PathBuf,
    policy: PathBuf,
}

impl Files {
    /// `oversight token check` once: (exit code, output).
    fn check(
        &self,
        key: &Path,
        state: &str,
        token: &Path,
        proof: &Path,
        clock: Option<u64>,
    ) -> (i32, String) {
        let state = self.dir.join(state);
        let mut args = vec![
            "token".to_string(),
            "check".into(),
            "--roots".into(),
            p(&self.roots).into(),
            "--policy".into(),
            p(&self.policy).into(),
            "--installation-key".into(),
            p(key).into(),
            "--state".into(),
            p(&state).into(),
            "--token".into(),
            p(token).into(),
            "--proof".into(),
            p(proof).into(),
        ];
        if let Some(c) = clock {
            args.push("--clock".into());
            args.push(c.to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&refs);
        (o.status.code().unwrap_or(-1), text(&o))
    }
}

fn renew(base: &str, key: &Path, token: &Path, proof: &Path) -> Output {
    run(&[
        "token",
        "renew",
        "--url",
        base,
        "--installation-key",
        p(key),
        "--token-out",
        p(token),
        "--proof-out",
        p(proof),
    ])
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_runs_with_its_token_until_the_licence_is_revoked_and_every_attack_fails() {
    let db = TestDb::sqlite();
    let dir = db.dir().to_path_buf();
    // The log key is made here, so the witnesses can be told the log's key before the server starts.
    let signer = oversight_tlog::NoteSigner::new("oversight.local/register", &[42; 32]).unwrap();
    let log_key = dir.join("log.key");
    std::fs::write(&log_key, format!("{}\n", signer.to_signer_key())).unwrap();
    let log_vkey = signer.verifier_key();
    let (_wa, a_url, a_vkey) = start_witness(&dir, "witness-a.example", &log_vkey);
    let (_wb, b_url, b_vkey) = start_witness(&dir, "witness-b.example", &log_vkey);
    let token_key = dir.join("token.key");
    let config = dir.join("oversight.toml");
    std::fs::write(
        &config,
        format!(
            "[tokens]\nkey = {:?}\nlease_tier_a_seconds = {LEASE}\nlease_tier_b_seconds = {LEASE}\n\
             lease_tier_c_seconds = {LEASE}\nrevocation_list_seconds = 60\n\
             [[tokens.witness]]\nurl = {a_url:?}\nvkey = {a_vkey:?}\n\
             [[tokens.witness]]\nurl = {b_url:?}\nvkey = {b_vkey:?}\n",
            p(&token_key)
        ),
    )
    .unwrap();
    let server = ServerProcess::start_with(
        "oversight",
        BIN,
        db.url(),
        &log_key,
        true,
        &["--config".as_ref(), config.as_os_str()],
    );
    server.wait_until_ok("/log/checkpoint").await;
    let base = server.base.clone();

    // The trust anchors a vendor ships: root chain and a 2-of-2 witness policy.
    let files = Files { dir: dir.clone(), roots: dir.join("roots.txt"), policy: dir.join("policy.txt") };
    let t =
        run(&["token", "trust", "--url", &base, "--roots", p(&files.roots), "--policy", p(&files.policy)]);
    assert!(t.status.success(), "{}", text(&t));
    let policy = std::fs::read_to_string(&files.policy).unwrap();
    assert!(
        policy.contains(&a_vkey) && policy.contains(&b_vkey) && policy.contains("group witnesses all"),
        "{policy}"
    );

    // The exporter's active demo licence.
    let exporter = server.login("compliance@helix-forensics.example").await;
    let mut case = None;
    for email in [
        "compliance@nordwatch.example",
        "compliance@helix-forensics.example",
        "compliance@sentinel-signal.example",
    ] {
        let user = server.login(email).await;
        let (_, list) = user.get("/api/applications").await;
        let items = list["items"].as_array().or(list.as_array()).cloned().unwrap_or_default();
        for a in items {
            let a = if a["application"].is_object() { a["application"].clone() } else { a };
            if a["licence"]["status"] == "active" {
                case = Some((email, a["id"].as_str().unwrap().to_string()));
            }
        }
    }
    let (email, case) = case.expect("the demo has an active licence");
    drop(exporter);
    let exporter = server.login(email).await;

    // Keys: installation A (the product) and B (another installation).
    let key_a = dir.join("a.key");
    let key_b = dir.join("b.key");
    let pub_a =
        String::from_utf8(run(&["token", "keygen", "--out", p(&key_a)]).stdout).unwrap().trim().to_string();
    let pub_b =
        String::from_utf8(run(&["token", "keygen", "--out", p(&key_b)]).stdout).unwrap().trim().to_string();

    // Role refusals: the public cannot register, another exporter does not see the licence.
    let body = json!({ "public_key": pub_a, "deployment": "Monitoring centre, hall 2" });
    let path = format!("/api/licences/{case}/installations");
    let (status, _) = server.anonymous().post(&path, body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let other = ["compliance@nordwatch.example", "compliance@helix-forensics.example"]
        .into_iter()
        .find(|e| *e != email)
        .unwrap();
    let (status, _) = server.login(other).await.post(&path, body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Registered by the holder; a key is registered once.
    let (status, a) = exporter.post(&path, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let (status, again) = exporter.post(&path, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    let (status, b) = exporter.post(&path, json!({ "public_key": pub_b, "deployment": "Backup site" })).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");

    // Renewal: twice for A (sequences 1 and 2), once for B.
    let (tok1, proof1) = (dir.join("t1.cose"), dir.join("t1.proof"));
    let (tok2, proof2) = (dir.join("t2.cose"), dir.join("t2.proof"));
    let (tok_b, proof_b) = (dir.join("tb.cose"), dir.join("tb.proof"));
    for (key, tok, proof) in [(&key_a, &tok1, &proof1), (&key_a, &tok2, &proof2), (&key_b, &tok_b, &proof_b)]
    {
        let r = renew(&base, key, tok, proof);
        assert!(r.status.success(), "{}\n{}", text(&r), server.log_text());
    }
    // The proof carries both witnesses' cosignatures, attached by the platform.
    let proof_text = std::fs::read_to_string(&proof2).unwrap();
    assert!(
        proof_text.contains("— witness-a.example") && proof_text.contains("— witness-b.example"),
        "{proof_text}"
    );

    // The guarded tool runs with the newest token.
    let (code, out) = files.check(&key_a, "state-a", &tok2, &proof2, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("working: Valid, sequence 2"), "{out}");

    // Attacks, each with its reason:
    // a token replayed after a newer one,
    let (code, out) = files.check(&key_a, "state-a", &tok1, &proof1, None);
    assert_eq!((code, out.contains("stopped: Rollback")), (3, true), "{out}");
    // a clock set back after a newer token,
    let (code, out) = files.check(&key_a, "state-a", &tok2, &proof2, Some(now() - 3600));
    assert_eq!((code, out.contains("stopped: ClockWentBack")), (3, true), "{out}");
    // a token for another installation,
    let (code, out) = files.check(&key_a, "state-x", &tok_b, &proof_b, None);
    assert_eq!((code, out.contains("stopped: WrongInstallation")), (3, true), "{out}");
    // a forged token (one signature byte changed),
    let mut forged = std::fs::read(&tok2).unwrap();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let forged_path = dir.join("forged.cose");
    std::fs::write(&forged_path, forged).unwrap();
    let (code, out) = files.check(&key_a, "state-f", &forged_path, &proof2, None);
    assert_eq!((code, out.contains("stopped: Forged")), (3, true), "{out}");
    // a token signed with the authority's key but not in the log (issued in secret),
    let secret: [u8; 32] =
        B64.decode(std::fs::read_to_string(&token_key).unwrap().trim()).unwrap().try_into().unwrap();
    let authority = oversight_attest::AuthoritySigner::from_secret(&secret);
    let installation: [u8; 32] = B64.decode(&pub_a).unwrap().try_into().unwrap();
    let mut claims = oversight_attest::memory::sample_claims(installation, now(), now() + 3600, 99);
    claims.licence_id = case.clone();
    let secret_token = dir.join("secret.cose");
    std::fs::write(&secret_token, oversight_attest::issue(&claims, &authority)).unwrap();
    let (code, out) = files.check(&key_a, "state-s", &secret_token, &proof2, None);
    assert_eq!((code, out.contains("stopped: NotInLog")), (3, true), "{out}");
    // a checkpoint without the witness quorum (a cosignature removed).
    let one_witness: String =
        proof_text.lines().filter(|l| !l.starts_with("— witness-b")).map(|l| format!("{l}\n")).collect();
    let weak = dir.join("weak.proof");
    std::fs::write(&weak, one_witness).unwrap();
    let (code, out) = files.check(&key_a, "state-q", &tok2, &weak, None);
    assert_eq!((code, out.contains("stopped: NoQuorum")), (3, true), "{out}");

    // `oversight verify` with the 2-of-2 policy accepts the checkpoint the platform serves.
    let verified = run(&[
        "verify",
        "--url",
        &base,
        "--state",
        p(&dir.join("verify.json")),
        "--policy",
        p(&files.policy),
    ]);
    assert!(verified.status.success(), "{}", text(&verified));

    // The public view counts the tokens of the licence.
    let (_, rows) = server.anonymous().get("/api/register/tokens").await;
    let row = rows.as_array().unwrap().iter().find(|r| r["case_id"] == case.as_str()).unwrap().clone();
    assert!(row["tokens_issued"].as_u64().unwrap() >= 3, "{row}");

    // The guarded tool, watching: a fresh token, then the licence is revoked.
    let r = renew(&base, &key_a, &tok2, &proof2);
    assert!(r.status.success(), "{}", text(&r));
    let mut guard = Killed(
        Command::new(BIN)
            .args([
                "token",
                "check",
                "--watch",
                "1",
                "--roots",
                p(&files.roots),
                "--policy",
                p(&files.policy),
            ])
            .args(["--installation-key", p(&key_a), "--state", p(&dir.join("state-a"))])
            .args(["--token", p(&tok2), "--proof", p(&proof2)])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let approver = server.login("approver@authority.example").await;
    let (status, v) = approver
        .post(
            &format!("/api/applications/{case}/licence/revoke"),
            json!({ "reason": "End-to-end test of the kill switch." }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Renewal is refused at once, with the reason.
    let refused = renew(&base, &key_a, &dir.join("t3.cose"), &dir.join("t3.proof"));
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("is revoked"), "{}", text(&refused));
    // The revocation list names the licence and its installations.
    let (status, list) = server.anonymous().get("/api/tokens/revocations").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list["licences"].as_array().unwrap().iter().any(|l| l == case.as_str()), "{list}");
    assert!(list["installations"].as_array().unwrap().iter().any(|k| k == pub_a.as_str()), "{list}");
    // The tool stops when its lease (and grace) ends.
    let started = Instant::now();
    let status = loop {
        if let Some(s) = guard.0.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the guarded tool kept running");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut out = String::new();
    std::io::Read::read_to_string(guard.0.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert_eq!(status.code(), Some(3), "{out}");
    assert!(out.contains("working: Valid") && out.contains("stopped: Expired"), "{out}");
    let _ = (a, b);
}
