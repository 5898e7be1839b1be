//! Issue 12 part 4 over real HTTP: an approver proposes a new assessment policy with its computed
//! difference; anyone comments (no account) during the period and a late comment is refused with
//! the date it closed; an administrator moderates; the rule cannot be adopted before the period
//! ends; once adopted it is in force, the next assessment uses it (its hash recorded), an older
//! assessment still replays with the version it used, and the register and the log carry a
//! `rule_change` record with the rule's version and hash. Every refusal changes nothing.

use std::sync::Arc;

use base64::Engine;
use oversight_testkit::users::{ADMIN, APPROVER, EXPORTER, OFFICER, OMBUDSPERSON};
use oversight_testkit::{ServerOptions, TestDb, TestServer, User, both_backends, fixed_clock};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends!(
    the_demo_has_a_consultation_in_its_period_and_an_adopted_one,
    comment_abuse_is_refused_and_changes_nothing
);

fn policy_text() -> String {
    oversight_app::assessment::risk::Policy::bundled_text().to_string()
}

/// The bundled policy as version 1.0.1 with the high band starting at 45.
fn proposal() -> Value {
    let content = policy_text().replacen("version = \"1.0.0\"", "version = \"1.0.1\"", 1).replacen(
        "high = 50.0",
        "high = 45.0",
        1,
    );
    json!({"kind": "assessment_policy", "title": "High band from 45",
           "explanation": "Borderline destinations are referred.", "content": content})
}

fn comment(text: &str) -> Value {
    json!({"text": text, "name": "Rights Lab", "contact": "lab@example.org",
           "evidence": [{"filename": "study.txt", "content_base64": base64::engine::general_purpose::STANDARD.encode("Scores of 2025.")}]})
}

/// A submitted case assigned to the demo officer (Norway, a tier A item).
async fn assigned_case(t: &TestServer) -> String {
    let exporter = t.login(EXPORTER).await;
    let (s, app) = exporter
        .post(
            "/api/applications",
            json!({"title": "Rule test", "end_use": "Investigations under warrant", "destination": "NO"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    let item = json!({"control_code": "5A001.j", "description": "Item", "quantity": 1, "value_eur": 100000});
    assert_eq!(exporter.post(&format!("/api/applications/{id}/items"), item).await.0, StatusCode::CREATED);
    let party = json!({"role": "end_user", "name": "Politiets sikkerhetstjeneste", "address": "HQ", "country": "NO", "sector": "police"});
    assert_eq!(exporter.post(&format!("/api/applications/{id}/parties"), party).await.0, StatusCode::CREATED);
    assert_eq!(exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await.0, StatusCode::OK);
    let officer = t.login(OFFICER).await;
    let me = officer.id().await;
    assert_eq!(
        officer.post(&format!("/api/applications/{id}/assign"), json!({"officer": me})).await.0,
        StatusCode::OK
    );
    id
}

async fn assess(officer: &User, id: &str) -> Value {
    let (s, rec) = officer.post(&format!("/api/applications/{id}/assessment"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{rec}");
    rec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_is_proposed_commented_moderated_and_adopted_and_the_next_assessment_uses_it() {
    let now = chrono::Utc::now();
    let clock = fixed_clock(now);
    let t = TestServer::start_on(
        Arc::new(TestDb::sqlite()),
        ServerOptions { clock: clock.clone(), ..ServerOptions::default() },
    )
    .await;
    let public = t.anonymous();
    let (approver, admin, officer) = (t.login(APPROVER).await, t.login(ADMIN).await, t.login(OFFICER).await);
    let case = assigned_case(&t).await;
    let before_rule = assess(&officer, &case).await;
    let old_sha = before_rule["assessment"]["policy"]["sha256"].as_str().unwrap().to_string();

    // Only an approver proposes; bad input is refused naming the field; nothing is stored.
    let mut others = Vec::new();
    for who in [EXPORTER, OFFICER, ADMIN, OMBUDSPERSON] {
        others.push((who, t.login(who).await));
    }
    let before = t.events().await;
    assert_eq!(public.post("/api/rule-making/proposals", proposal()).await.0, StatusCode::UNAUTHORIZED);
    for (who, u) in &others {
        let (s, e) = u.post("/api/rule-making/proposals", proposal()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {e}");
    }
    let mut bad = proposal();
    bad["content"] = json!(policy_text().replacen("high = 50.0", "high = \"lots\"", 1));
    let (s, e) = approver.post("/api/rule-making/proposals", bad).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("content")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("bands.high"), "the error says where: {e}");
    let mut same_version = proposal();
    same_version["content"] = json!(policy_text().replacen("high = 50.0", "high = 45.0", 1));
    let (s, e) = approver.post("/api/rule-making/proposals", same_version).await;
    assert!(
        s == StatusCode::UNPROCESSABLE_ENTITY && e["message"].as_str().unwrap().contains("new version"),
        "{e}"
    );
    let mut untitled = proposal();
    untitled["title"] = json!("");
    let (s, e) = approver.post("/api/rule-making/proposals", untitled).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("title")), "{e}");
    assert_eq!(t.events().await, before, "refusals store nothing");

    let (s, p) = approver.post("/api/rule-making/proposals", proposal()).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let reference = p["reference"].as_str().unwrap().to_string();
    assert_eq!(
        (p["version"].as_str(), p["base"]["sha256"].as_str()),
        (Some("1.0.1"), Some(old_sha.as_str()))
    );
    let closes: chrono::DateTime<chrono::Utc> = p["closes_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(closes, now + chrono::Duration::days(30), "the default period");
    let (s, read) = public.get(&format!("/api/consultations/{reference}")).await;
    assert_eq!(s, StatusCode::OK);
    let lines: Vec<&Value> =
        read["difference"].as_array().unwrap().iter().flat_map(|h| h["lines"].as_array().unwrap()).collect();
    let changed: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l["change"] != "unchanged")
        .map(|l| (l["change"].as_str().unwrap(), l["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changed,
        vec![
            ("removed", "version = \"1.0.0\""),
            ("added", "version = \"1.0.1\""),
            ("removed", "high = 50.0"),
            ("added", "high = 45.0")
        ]
    );

    // Anyone comments; the comment is held, its words and the contact unpublished.
    let path = format!("/api/consultations/{reference}/comments");
    let (s, receipt) = public.post(&path, comment("Please publish which destinations move band.")).await;
    assert_eq!(s, StatusCode::CREATED, "{receipt}");
    assert_eq!(
        (receipt["number"].as_u64(), receipt["status"].as_str()),
        (Some(1), Some("held_for_moderation"))
    );
    let (_, read) = public.get(&format!("/api/consultations/{reference}")).await;
    assert_eq!(read["held_comments"], 1);
    assert!(!read.to_string().contains("move band") && !read.to_string().contains("lab@example.org"));

    // Moderation: administrators only, not the proposer; then published without the contact.
    let moderation = format!("/api/rule-making/proposals/{reference}/comments/1/moderation");
    assert_eq!(public.post(&moderation, json!({"decision": "published"})).await.0, StatusCode::UNAUTHORIZED);
    for who in [EXPORTER, APPROVER, OFFICER] {
        let (s, e) = t.login(who).await.post(&moderation, json!({"decision": "published"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {e}");
    }
    let (s, e) = admin.post(&moderation, json!({"decision": "rejected"})).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")), "{e}");
    assert_eq!(admin.post(&moderation, json!({"decision": "published"})).await.0, StatusCode::OK);
    let (_, read) = public.get(&format!("/api/consultations/{reference}")).await;
    assert_eq!(read["comments"][0]["text"], "Please publish which destinations move band.");
    assert_eq!(read["comments"][0]["evidence"][0], "study.txt");
    assert!(!read.to_string().contains("lab@example.org"));

    // Not adopted before the period ends.
    let adoption = format!("/api/rule-making/proposals/{reference}/adoption");
    let response =
        json!({"response": "One comment asked for the list of destinations that move; it is annexed."});
    let before = t.events().await;
    let (s, e) = approver.post(&adoption, response.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap().contains("can be adopted only after it closes"), "{e}");
    assert_eq!(t.events().await, before);

    // After the period: a comment is refused with the date it closed; adoption goes through.
    clock.set(closes + chrono::Duration::minutes(1));
    let (s, e) = public.post(&path, comment("Too late.")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let closed_on = closes.format("%-d %B %Y").to_string();
    assert!(e["message"].as_str().unwrap().contains(&format!("closed on {closed_on}")), "{e}");
    assert_eq!(t.events().await, before, "a late comment stores nothing");
    // Sessions have expired meanwhile: sign in again.
    let (approver, officer) = (t.login(APPROVER).await, t.login(OFFICER).await);
    for who in [EXPORTER, ADMIN, OFFICER] {
        assert_eq!(
            t.login(who).await.post(&adoption, response.clone()).await.0,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(public.post(&adoption, response.clone()).await.0, StatusCode::UNAUTHORIZED);
    let (s, adopted) = approver.post(&adoption, response.clone()).await;
    assert_eq!(s, StatusCode::OK, "{adopted}");
    assert_eq!(adopted["status"], "adopted");
    let new_sha = adopted["sha256"].as_str().unwrap().to_string();
    assert_ne!(new_sha, old_sha);
    assert_eq!(approver.post(&adoption, response).await.0, StatusCode::CONFLICT, "adopted once");

    // In force: the rules say so, and the next assessment uses it.
    let (_, rules) = public.get("/api/rules").await;
    let policy = rules.as_array().unwrap().iter().find(|r| r["kind"] == "assessment_policy").unwrap();
    assert_eq!(
        (policy["in_force"]["version"].as_str(), policy["in_force"]["sha256"].as_str()),
        (Some("1.0.1"), Some(new_sha.as_str()))
    );
    assert_eq!(policy["versions"].as_array().unwrap().len(), 2);
    assert_eq!(t.app.assessment_basis().unwrap().policy_sha256, new_sha);
    // The case's latest assessment was made under the old policy: it replays with that one.
    let (s, replay) = officer.post(&format!("/api/applications/{case}/assessment/replay"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{replay}");
    assert_eq!(
        (replay["identical"].as_bool(), replay["policy_sha256"].as_str()),
        (Some(true), Some(old_sha.as_str())),
        "{replay}"
    );
    let after_rule = assess(&officer, &case).await;
    assert_eq!(after_rule["assessment"]["policy"]["sha256"], new_sha);
    assert_eq!(after_rule["assessment"]["policy"]["version"], "1.0.1");

    // The register and the log: a rule_change record with the version and hash, verifiable.
    let (_, page) = public.get("/api/register?outcome=rule_change").await;
    let records = page["records"].as_array().unwrap();
    let record = records
        .iter()
        .find(|r| r["record"]["rule"]["sha256"] == new_sha.as_str())
        .expect("the rule's record");
    let rule = &record["record"]["rule"];
    assert_eq!(
        (rule["version"].as_str(), rule["previous_sha256"].as_str()),
        (Some("1.0.1"), Some(old_sha.as_str()))
    );
    assert_eq!(rule["proposal"], reference.as_str());
    t.app.publish_checkpoint().await;
    let index = record["index"].as_u64().unwrap();
    let (s, proved) = public.get(&format!("/api/register/{index}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !proved["inclusion_proof"].as_array().unwrap().is_empty() || proved["tree_size"] == 1,
        "{proved}"
    );
    assert_eq!(t.app.check_log().await.unwrap(), None, "the log verifies");
    // And the new one replays with the new policy.
    let (_, replay) = officer.post(&format!("/api/applications/{case}/assessment/replay"), json!({})).await;
    assert_eq!(
        (replay["identical"].as_bool(), replay["policy_sha256"].as_str()),
        (Some(true), Some(new_sha.as_str())),
        "{replay}"
    );
}

async fn the_demo_has_a_consultation_in_its_period_and_an_adopted_one(t: TestServer) {
    let public = t.anonymous();
    let (s, list) = public.get("/api/consultations").await;
    assert_eq!(s, StatusCode::OK);
    let list = list.as_array().unwrap();
    let open = list.iter().find(|p| p["status"] == "open").expect("a proposal in its period");
    assert_eq!(open["comments"].as_array().unwrap().len(), 2);
    assert_eq!(open["held_comments"], 1);
    let adopted = list.iter().find(|p| p["status"] == "adopted").expect("an adopted proposal");
    assert!(adopted["response"].as_str().unwrap().contains("Adopted as proposed"));
    assert_eq!(adopted["rejected_comments"][0]["reason"], "Advertising, not a comment on the proposal.");
    assert!(
        !adopted.to_string().contains("Cheap phone trackers"),
        "a rejected comment's words stay unpublished"
    );
    let (_, rules) = public.get("/api/rules").await;
    let embargo = rules.as_array().unwrap().iter().find(|r| r["kind"] == "embargo_list").unwrap();
    assert_eq!(embargo["in_force"]["sha256"], adopted["sha256"]);
    let (_, page) = public.get("/api/register?outcome=rule_change").await;
    assert_eq!(page["total"], 1, "{page}");
    // The pages: the public list and the proposal, the authority's page, with its refusals.
    for path in ["/consultations", &format!("/consultations/{}", open["reference"].as_str().unwrap())] {
        let r = reqwest::get(t.url(path)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Consultations") || html.contains("What would change"), "{path}");
    }
    let page = reqwest::get(t.url(&format!("/consultations/{}", open["reference"].as_str().unwrap())))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("high = 45.0") && page.contains("Comment on this proposal"),
        "the difference and the form"
    );
    assert!(!page.contains("Why 45 and not 40"), "the held comment is not shown");
    for who in [EXPORTER, OFFICER] {
        let u = t.login(who).await;
        assert_eq!(u.get("/api/rule-making/proposals").await.0, StatusCode::FORBIDDEN, "{who}");
    }
    let (s, all) = t.login(ADMIN).await.get("/api/rule-making/proposals").await;
    assert_eq!(s, StatusCode::OK);
    assert!(all.to_string().contains("Why 45 and not 40"), "the moderator sees the held comment");
}

async fn comment_abuse_is_refused_and_changes_nothing(t: TestServer) {
    let public = t.anonymous();
    let (_, list) = public.get("/api/consultations").await;
    let open = list.as_array().unwrap().iter().find(|p| p["status"] == "open").unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/consultations/{open}/comments");
    let before = t.events().await;
    let mut exe = comment("x");
    exe["evidence"] = json!([{"filename": "a.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\x00\x03\x00")}]);
    let (s, e) = public.post(&path, exe).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("evidence[0]")), "{e}");
    let (s, e) = public.post(&path, json!({"text": "y".repeat(10_001)})).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("text")), "{e}");
    let (s, e) = public.post(&path, json!({"text": " "})).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("text")), "{e}");
    assert_eq!(
        public.post("/api/consultations/P-000000000000/comments", comment("x")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.events().await, before, "nothing stored");
    for i in 0..5 {
        assert_eq!(public.post(&path, comment("A comment.")).await.0, StatusCode::CREATED, "comment {i}");
    }
    let after = t.events().await;
    let (s, e) = public.post(&path, comment("One too many.")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
    assert_eq!(t.events().await, after, "a throttled comment stores nothing");
}
