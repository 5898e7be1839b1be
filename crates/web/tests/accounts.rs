//! Accounts findings of issue 15 over real HTTP against the demo dataset: API tokens (finding 5),
//! sign-in throttling (6), separation of duties for administrators (8), common passwords and the
//! idle timeout of sessions (10). Each test fails on the code before the fix (see its comment).

use chrono::{DateTime, Duration, Utc};
use oversight_testkit::users::{ADMIN, ADMIN2, APPROVER, ENFORCEMENT, EXPORTER, OFFICER};
use oversight_testkit::{PASSWORD, ServerOptions, TestDb, TestServer, User, fixed_clock};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap().to_utc()
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().to_utc()
}

fn bearer(t: &TestServer, token: &str) -> User {
    let mut bot = t.anonymous();
    bot.bearer = Some(token.to_string());
    bot
}

/// A client on its own loopback address (the throttle counts per address).
fn from(t: &TestServer, last: u8) -> User {
    User::anonymous_from(&t.base, IpAddr::V4(Ipv4Addr::new(127, 0, 2, last)))
}

async fn sign_in_status(client: User, email: &str, password: &str) -> StatusCode {
    match client.sign_in(email, password).await {
        Ok(_) => StatusCode::OK,
        Err(Ok((s, _))) => s,
        Err(Err(e)) => panic!("no answer: {e}"),
    }
}

// ----- 5. API tokens --------------------------------------------------------------------------

// Before: tokens had no expiry, no list, no revocation, and a token could mint tokens.
#[tokio::test]
async fn api_tokens_expire_are_listed_without_secrets_revoked_and_never_minted_by_a_token() {
    let t = TestServer::sqlite().await;
    let officer = t.login(OFFICER).await;
    let (s, issued) = officer.post("/api/tokens", json!({"label": "ci", "expires_in_days": 7})).await;
    assert_eq!(s, StatusCode::CREATED, "{issued}");
    let token = issued["token"].as_str().unwrap().to_string();
    assert_eq!(time(&issued["expires_at"]) - time(&issued["created_at"]), Duration::days(7));
    let id = issued["id"].as_str().unwrap().to_string();

    let bot = bearer(&t, &token);
    assert_eq!(bot.get("/api/session").await.0, StatusCode::OK);
    // A token cannot create a token: only a password session can.
    let (s, e) = bot.post("/api/tokens", json!({"label": "child"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

    // The list shows what identifies the token, never its secret; its use is recorded.
    let (s, list) = officer.get("/api/tokens").await;
    assert_eq!(s, StatusCode::OK);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!((list[0]["id"].as_str(), list[0]["label"].as_str()), (Some(id.as_str()), Some("ci")));
    assert!(token.starts_with(list[0]["prefix"].as_str().unwrap()));
    assert!(list[0]["last_used_at"].is_string(), "{list:?}");
    assert!(!Value::Array(list.clone()).to_string().contains(&token[12..]), "the secret is never listed");

    // Another user cannot see or revoke it.
    let approver = t.login(APPROVER).await;
    assert_eq!(approver.get("/api/tokens").await.1, json!([]));
    assert_eq!(approver.delete(&format!("/api/tokens/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(bot.get("/api/session").await.0, StatusCode::OK);

    // Logout ends the session; the token is a separate credential and survives it.
    assert_eq!(officer.delete("/api/session").await.0, StatusCode::NO_CONTENT);
    assert_eq!(officer.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(bot.get("/api/session").await.0, StatusCode::OK);

    // Revoked, it stops working at once.
    let officer = t.login(OFFICER).await;
    assert_eq!(officer.delete(&format!("/api/tokens/{id}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(bot.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(officer.get("/api/tokens").await.1, json!([]));
    assert_eq!(officer.delete(&format!("/api/tokens/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(officer.delete("/api/tokens/not-an-id").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bad_token_request_names_the_field_and_changes_nothing() {
    let t = TestServer::sqlite().await;
    let officer = t.login(OFFICER).await;
    let before = t.events().await;
    for (body, field) in [
        (json!({"label": "x", "expires_in_days": 0}), "expires_in_days"),
        (json!({"label": "x", "expires_in_days": 91}), "expires_in_days"),
        (json!({"label": " ", "expires_in_days": 1}), "label"),
        (json!({"label": "a\u{202E}b"}), "label"),
    ] {
        let (s, e) = officer.post("/api/tokens", body.clone()).await;
        assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{body}: {e}");
    }
    assert_eq!(t.events().await, before);
}

// Before: a token lived for ever.
#[tokio::test]
async fn a_token_stops_working_when_it_expires() {
    let clock = fixed_clock(t0());
    let options = ServerOptions { clock: clock.clone(), ..ServerOptions::default() };
    let t = TestServer::start_on(Arc::new(TestDb::sqlite()), options).await;
    let officer = t.login(OFFICER).await;
    let (_, issued) = officer.post("/api/tokens", json!({"label": "one day", "expires_in_days": 1})).await;
    let (_, default) = officer.post("/api/tokens", json!({"label": "default"})).await;
    assert_eq!(time(&default["expires_at"]), t0() + Duration::days(90), "the default is the maximum");
    let bot = bearer(&t, issued["token"].as_str().unwrap());
    clock.set(t0() + Duration::days(1) - Duration::seconds(1));
    assert_eq!(bot.get("/api/session").await.0, StatusCode::OK);
    clock.set(t0() + Duration::days(1));
    assert_eq!(bot.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(bearer(&t, default["token"].as_str().unwrap()).get("/api/session").await.0, StatusCode::OK);
}

// Before: a user could not be disabled.
#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_tokens_at_once() {
    let t = TestServer::sqlite().await;
    let officer = t.login(OFFICER).await;
    let officer_id = officer.me().await["id"].as_str().unwrap().to_string();
    let (_, issued) = officer.post("/api/tokens", json!({"label": "ci"})).await;
    let bot = bearer(&t, issued["token"].as_str().unwrap());
    let admin = t.login(ADMIN).await;
    let approver = t.login(APPROVER).await;
    // The token's first use is recorded (its "last used"); later uses within the hour are not.
    assert_eq!(bot.get("/api/session").await.0, StatusCode::OK);

    // Refused to anyone but an administrator, and to an administrator on their own account.
    let before = t.events().await;
    let disable = format!("/api/admin/users/{officer_id}/disable");
    assert_eq!(approver.post(&disable, json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(bot.post(&disable, json!({})).await.0, StatusCode::FORBIDDEN);
    let admin_id = admin.me().await["id"].as_str().unwrap().to_string();
    let (s, e) = admin.post(&format!("/api/admin/users/{admin_id}/disable"), json!({})).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("user")));
    assert_eq!(admin.post("/api/admin/users/nobody/disable", json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.events().await, before, "refusals change nothing");

    assert_eq!(admin.post(&disable, json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(officer.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(bot.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in_status(t.anonymous(), OFFICER, PASSWORD).await, StatusCode::UNAUTHORIZED);

    // Enabled again, the user signs in; what ended stays ended.
    let enable = format!("/api/admin/users/{officer_id}/enable");
    assert_eq!(approver.post(&enable, json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(admin.post(&enable, json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(sign_in_status(t.anonymous(), OFFICER, PASSWORD).await, StatusCode::OK);
    assert_eq!(bot.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(officer.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
}

// ----- 6. sign-in throttling ------------------------------------------------------------------

// Before: parallel attempts were all checked, and five failures by anyone locked the account out
// for everyone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_attempts_cannot_pass_the_limit_and_a_stranger_cannot_lock_a_user_out() {
    let t = TestServer::sqlite().await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let attacker = from(&t, 2);
        set.spawn(async move { sign_in_status(attacker, OFFICER, "not the password!").await });
    }
    let answers = set.join_all().await;
    let checked = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + throttled, 30, "{answers:?}");
    assert!(checked <= 10, "at most the limit of parallel attempts was checked: {checked}");
    // From the attacker's address the account is refused, whatever the password, with Retry-After.
    let reply = from(&t, 2)
        .client
        .post(t.url("/api/session"))
        .json(&json!({"email": OFFICER, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = reply.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // The real user, elsewhere, signs in.
    assert_eq!(sign_in_status(from(&t, 3), OFFICER, PASSWORD).await, StatusCode::OK);
}

// Before: the throttle lived in one node's memory.
async fn the_throttle_is_shared_by_every_node_and_survives_a_restart(db: TestDb) {
    let db = Arc::new(db);
    let a = TestServer::start_on(db.clone(), ServerOptions::default()).await;
    for _ in 0..10 {
        assert_eq!(
            sign_in_status(from(&a, 4), EXPORTER, "not the password!").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let b = TestServer::start_on(db.clone(), ServerOptions { demo: false, ..ServerOptions::default() }).await;
    assert_eq!(sign_in_status(from(&b, 4), EXPORTER, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    drop(a);
    drop(b);
    let c = TestServer::start_on(db, ServerOptions { demo: false, ..ServerOptions::default() }).await;
    assert_eq!(sign_in_status(from(&c, 4), EXPORTER, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sign_in_status(from(&c, 5), EXPORTER, PASSWORD).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_the_throttle_is_shared_by_every_node_and_survives_a_restart() {
    the_throttle_is_shared_by_every_node_and_survives_a_restart(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_throttle_is_shared_by_every_node_and_survives_a_restart() {
    let Some(db) = TestDb::postgres().await else { return };
    the_throttle_is_shared_by_every_node_and_survives_a_restart(db).await;
}

// ----- 8. separation of duties ----------------------------------------------------------------

async fn user_id(admin: &User, org: &Value, email: &str, roles: Value) -> String {
    let body = json!({"organisation": org, "email": email, "name": "New User", "roles": roles, "password": PASSWORD});
    let (s, created) = admin.post("/api/admin/users", body).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_string()
}

async fn pending(admin: &User, user: &str) -> Vec<String> {
    let (s, list) = admin.get("/api/admin/role-grants").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .filter(|g| g["user"] == user)
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect()
}

// Before: an administrator gave roles alone, to anyone, themselves included.
#[tokio::test]
async fn a_role_of_the_authority_needs_a_second_administrator_and_never_the_grantee() {
    let t = TestServer::sqlite().await;
    let admin = t.login(ADMIN).await;
    let admin2 = t.login(ADMIN2).await;
    let org = admin.me().await["organisation"].clone();
    let new = user_id(&admin, &org, "new.approver@authority.example", json!(["approver"])).await;
    let newcomer = t.login("new.approver@authority.example").await;
    assert_eq!(newcomer.me().await["roles"], json!([]), "no role before a second administrator approves");
    let grants = pending(&admin, &new).await;
    assert_eq!(grants.len(), 1);
    let approve = format!("/api/admin/role-grants/{}/approve", grants[0]);
    let approver = t.login(APPROVER).await;

    // Refused: the proposer, anyone not an administrator, a bearer of no session at all.
    let before = t.events().await;
    assert_eq!(admin.post(&approve, json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(newcomer.post(&approve, json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(approver.post(&approve, json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(approver.get("/api/admin/role-grants").await.0, StatusCode::FORBIDDEN);
    let propose = format!("/api/admin/users/{new}/role-grants");
    assert_eq!(approver.post(&propose, json!({"role": "administrator"})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        approver.delete(&format!("/api/admin/role-grants/{}", grants[0])).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.anonymous().post(&approve, json!({})).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(t.events().await, before);

    assert_eq!(admin2.post(&approve, json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(newcomer.me().await["roles"], json!(["approver"]));
    assert_eq!(admin2.post(&approve, json!({})).await.0, StatusCode::NOT_FOUND, "approved once");

    // An administrator proposing a role for themselves: never approved by themselves.
    let me = admin.me().await["id"].as_str().unwrap().to_string();
    let (s, g) = admin.post(&format!("/api/admin/users/{me}/role-grants"), json!({"role": "approver"})).await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    let own = format!("/api/admin/role-grants/{}/approve", g["id"].as_str().unwrap());
    assert_eq!(admin.post(&own, json!({})).await.0, StatusCode::FORBIDDEN);
    // Withdrawn by the other administrator: the role is not given.
    assert_eq!(
        admin2.delete(&format!("/api/admin/role-grants/{}", g["id"].as_str().unwrap())).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(admin2.post(&own, json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(admin.me().await["roles"], json!(["administrator"]));

    // An exporter's account too: one administrator alone cannot make an account that reads an
    // exporter's case files.
    let exporter_org = t.login(EXPORTER).await.me().await["organisation"].clone();
    let puppet = user_id(&admin, &exporter_org, "puppet@nordwatch.example", json!(["exporter"])).await;
    let puppet_user = t.login("puppet@nordwatch.example").await;
    assert_eq!(puppet_user.get("/api/applications").await, (StatusCode::OK, json!([])));
    let grant = pending(&admin2, &puppet).await;
    let approve = format!("/api/admin/role-grants/{}/approve", grant[0]);
    assert_eq!(admin.post(&approve, json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(admin2.post(&approve, json!({})).await.0, StatusCode::NO_CONTENT);
    assert_ne!(puppet_user.get("/api/applications").await.1, json!([]));

    // Bad input names the field and changes nothing.
    let before = t.events().await;
    let (s, e) = admin.post(&propose, json!({"role": "exporter"})).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("role")), "{e}");
    assert_eq!(
        admin.post(&propose, json!({"role": "approver"})).await.0,
        StatusCode::CONFLICT,
        "held already"
    );
    assert_eq!(
        admin.post("/api/admin/users/nobody/role-grants", json!({"role": "approver"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.events().await, before);
}

// Before: an administrator read every case; an enforcement officer every open case file.
#[tokio::test]
async fn an_administrator_sees_no_case_file_and_enforcement_only_closed_ones() {
    let t = TestServer::sqlite().await;
    let officer = t.login(OFFICER).await;
    let (_, all) = officer.get("/api/applications").await;
    let all = all.as_array().unwrap().clone();
    let closed = |c: &Value| {
        ["approved", "approved_with_conditions", "denied", "withdrawn"]
            .contains(&c["status"].as_str().unwrap())
    };
    let open: Vec<&Value> = all.iter().filter(|c| !closed(c)).collect();
    let done: Vec<&Value> = all.iter().filter(|c| closed(c)).collect();
    assert!(!open.is_empty() && !done.is_empty(), "the demo has open and closed cases");

    let admin = t.login(ADMIN).await;
    assert_eq!(admin.get("/api/applications").await, (StatusCode::OK, json!([])));
    for c in &all {
        let id = c["id"].as_str().unwrap();
        assert_eq!(admin.get(&format!("/api/applications/{id}")).await.0, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(admin.get(&format!("/api/applications/{id}/history")).await.0, StatusCode::NOT_FOUND);
    }

    let enforcement = t.login(ENFORCEMENT).await;
    let (_, seen) = enforcement.get("/api/applications").await;
    let seen = seen.as_array().unwrap();
    assert_eq!(seen.len(), done.len());
    assert!(seen.iter().all(closed), "{seen:?}");
    for c in &open {
        let id = c["id"].as_str().unwrap();
        assert_eq!(enforcement.get(&format!("/api/applications/{id}")).await.0, StatusCode::NOT_FOUND);
    }
    for c in &done {
        let id = c["id"].as_str().unwrap();
        assert_eq!(enforcement.get(&format!("/api/applications/{id}")).await.0, StatusCode::OK);
    }
}

// ----- 10. passwords and idle sessions --------------------------------------------------------

// Before: any password of 12 characters and 5 different ones was taken.
#[tokio::test]
async fn a_common_password_is_refused_and_nothing_is_created() {
    let t = TestServer::sqlite().await;
    let admin = t.login(ADMIN).await;
    let org = admin.me().await["organisation"].clone();
    let before = t.events().await;
    for password in ["qwertyuiop123", "password1234!", "1qaz2wsx3edc"] {
        let body = json!({"organisation": org, "email": "p@authority.example", "name": "P", "roles": ["licensing_officer"], "password": password});
        let (s, e) = admin.post("/api/admin/users", body).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("password")),
            "{password}: {e}"
        );
    }
    assert_eq!(t.events().await, before);
}

// Before: a session lived its 12 hours however long it was left alone.
#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes_and_lives_while_used() {
    let clock = fixed_clock(t0());
    let options = ServerOptions { clock: clock.clone(), ..ServerOptions::default() };
    let t = TestServer::start_on(Arc::new(TestDb::sqlite()), options).await;
    let officer = t.login(OFFICER).await;
    let mut at = t0();
    for _ in 0..4 {
        at += Duration::minutes(25);
        clock.set(at);
        assert_eq!(officer.get("/api/session").await.0, StatusCode::OK, "used every 25 minutes: {at}");
    }
    clock.set(at + Duration::minutes(31));
    assert_eq!(officer.get("/api/session").await.0, StatusCode::UNAUTHORIZED);
}
