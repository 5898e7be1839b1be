//! Witnesses end to end with real processes: a register (`oversight serve --demo`), two
//! `oversight witness` processes, `oversight witness submit`, and `oversight verify --policy`
//! with a 2-of-2 policy — which passes with both cosignatures, fails with one, and cannot be met
//! by a fork made from a tampered database (leaves changed, re-signed with the log key), because
//! the witness that saw the honest checkpoint refuses it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_testkit::{ServerProcess, TestDb};
use oversight_tlog::{Checkpoint, MemoryLog, NoteSigner};
use oversight_witness::{AddCheckpointError, add_checkpoint, attach_cosignatures};

const BIN: &str = env!("CARGO_BIN_EXE_oversight");

/// An `oversight witness` process; killed on drop.
struct WitnessProcess {
    child: Child,
    url: String,
    vkey: String,
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(dir: &Path, name: &str, log_vkey: &str) -> WitnessProcess {
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
    assert!(vkey.starts_with(&format!("{name}+")), "{vkey}");
    WitnessProcess { child, url, vkey }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn verify(base: &str, dir: &Path, policy: &Path, cosigned: &str) -> Output {
    let path = dir.join("cosigned.txt");
    std::fs::write(&path, cosigned).unwrap();
    let state = dir.join("verify-state.json");
    let _ = std::fs::remove_file(&state);
    run(&[
        "verify",
        "--url",
        base,
        "--state",
        state.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--cosigned",
        path.to_str().unwrap(),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_witness_processes_and_a_2_of_2_policy() {
    let db = TestDb::sqlite();
    let dir = db.dir().to_path_buf();
    let log_key = dir.join("log.key");
    let server = ServerProcess::start("oversight", BIN, db.url(), &log_key, true);
    server.wait_until_ok("/log/checkpoint").await;
    let get = |path: &str| {
        let url = format!("{}{path}", server.base);
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };
    let log_vkey = get("/log/key").await.trim().to_string();

    let mut a = start_witness(&dir, "witness-a.example", &log_vkey);
    let b = start_witness(&dir, "witness-b.example", &log_vkey);
    let policy = dir.join("policy.txt");
    std::fs::write(
        &policy,
        format!(
            "log {log_vkey}\nwitness a {}\nwitness b {}\ngroup both 2 a b\nquorum both\n",
            a.vkey, b.vkey
        ),
    )
    .unwrap();

    // Both witnesses cosign the register's checkpoint: the 2-of-2 policy is met.
    let submitted =
        run(&["witness", "submit", "--url", &server.base, "--witness", &a.url, "--witness", &b.url]);
    assert!(submitted.status.success(), "{}", text(&submitted));
    let both = String::from_utf8(submitted.stdout.clone()).unwrap();
    assert_eq!(both.matches("\n— witness-").count(), 2, "{both}");
    let ok = verify(&server.base, &dir, &policy, &both);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("witness policy satisfied"), "{}", text(&ok));

    // With only one cosignature it fails, saying why. (Resubmitting the same size is answered.)
    let one = run(&["witness", "submit", "--url", &server.base, "--witness", &a.url, "--old", "0"]);
    assert!(one.status.success(), "{}", text(&one));
    let only_a = String::from_utf8(one.stdout).unwrap();
    let failed = verify(&server.base, &dir, &policy, &only_a);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(text(&failed).contains("quorum is not met"), "{}", text(&failed));

    // Witness a restarts: same key (read back from its file), same state (it still holds the
    // size it cosigned, so a stale `old` is answered with 409 and the client follows it).
    let a_vkey = a.vkey.clone();
    drop(a);
    a = start_witness(&dir, "witness-a.example", &log_vkey);
    assert_eq!(a.vkey, a_vkey);

    // The database is tampered with: a published record changed, the tree rebuilt and re-signed
    // with the log's own key. Witness a has seen the honest checkpoint; a new witness c has not.
    let honest =
        Checkpoint::parse(&oversight_tlog::Note::parse(&get("/log/checkpoint").await).unwrap().text).unwrap();
    let mut tampered = MemoryLog::new();
    while tampered.size() < honest.size {
        let page = get(&format!("/log/entries?start={}&end={}", tampered.size(), honest.size)).await;
        let page: serde_json::Value = serde_json::from_str(&page).unwrap();
        for e in page["entries"].as_array().unwrap() {
            let mut bytes = B64.decode(e.as_str().unwrap()).unwrap();
            if tampered.size() == 0 {
                bytes.extend_from_slice(b" ");
            }
            tampered.append(&bytes);
        }
    }
    assert_eq!(tampered.size(), honest.size);
    let signer = NoteSigner::from_signer_key(std::fs::read_to_string(&log_key).unwrap().trim()).unwrap();
    let forged = Checkpoint::new(&honest.origin, tampered.size(), tampered.root()).sign(&signer).unwrap();

    let c = start_witness(&dir, "witness-c.example", &log_vkey);
    let policy_ac = dir.join("policy-ac.txt");
    std::fs::write(
        &policy_ac,
        format!(
            "log {log_vkey}\nwitness a {}\nwitness c {}\ngroup both 2 a c\nquorum both\n",
            a.vkey, c.vkey
        ),
    )
    .unwrap();
    let fork_result = tokio::task::spawn_blocking(move || {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
        let mut proofs = |old, new| tampered.consistency_proof(old, new).map_err(|e| e.to_string());
        let by_c = add_checkpoint(&agent, &c.url, &forged, 0, &mut proofs);
        let by_a = add_checkpoint(&agent, &a.url, &forged, 0, &mut proofs);
        (forged, by_c, by_a, c, a)
    })
    .await
    .unwrap();
    let (forged, by_c, by_a, _c, _a) = fork_result;
    let by_c = by_c.expect("a witness without history cosigns the fork");
    // a follows the 409 to its size, which is the fork's size with another root: refused.
    assert!(matches!(by_a, Err(AddCheckpointError::Refused { status: 409, .. })), "{by_a:?}");
    let cosigned_fork = attach_cosignatures(&forged, &[&by_c.lines]);
    let failed = verify(&server.base, &dir, &policy_ac, &cosigned_fork);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(text(&failed).contains("quorum is not met"), "{}", text(&failed));
}
