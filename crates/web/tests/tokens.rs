//! Installations and operating tokens over real HTTP (issue 13 part 3): the licence holder
//! registers and withdraws installations; an installation renews by signing a challenge; every
//! refusal is clear and changes nothing — the public, another organisation and the authority
//! cannot register; bad keys, blank deployments, unknown fields, altered, reused or unsigned
//! challenges; a revoked licence gets no installation and no token; the revocation list names a
//! withdrawn installation and a revoked licence's.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer;
use oversight_testkit::users::{APPROVER, EXPORTER, OFFICER, OTHER_EXPORTER, PARTNER};
use oversight_testkit::{TestServer, User, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends!(
    the_holder_registers_installations_that_renew_by_signing_a_challenge,
    refusals_are_clear_and_change_nothing
);

/// The demo's licences with installations: (active case, revoked case).
async fn demo_cases(t: &TestServer) -> (String, String) {
    let (s, rows) = t.anonymous().get("/api/register/tokens").await;
    assert_eq!(s, StatusCode::OK, "{rows}");
    let find = |status: &str| {
        rows.as_array().unwrap().iter().find(|r| r["licence_status"] == status).unwrap()["case_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    (find("active"), find("revoked"))
}

/// The demo exporter holding the licence of `case`, and another exporter.
async fn holder_of(t: &TestServer, case: &str) -> (User, User) {
    let path = format!("/api/licences/{case}/installations");
    let mut users = Vec::new();
    for email in [EXPORTER, OTHER_EXPORTER, "compliance@sentinel-signal.example"] {
        users.push(t.login(email).await);
    }
    let mut holder = None;
    let mut other = None;
    for u in users {
        if u.get(&path).await.0 == StatusCode::OK { holder = Some(u) } else { other = Some(u) }
    }
    (holder.expect("a demo exporter holds the licence"), other.expect("another exporter"))
}

fn key(seed: u8) -> (ed25519_dalek::SigningKey, String) {
    let k = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let public = B64.encode(k.verifying_key().to_bytes());
    (k, public)
}

async fn challenge(t: &TestServer, public: &str) -> (StatusCode, Value) {
    t.anonymous().post("/api/tokens/challenge", json!({ "installation_key": public })).await
}

async fn renew(t: &TestServer, k: &ed25519_dalek::SigningKey, public: &str) -> (StatusCode, Value) {
    let (s, c) = challenge(t, public).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let c = c["challenge"].as_str().unwrap().to_string();
    let signature = B64.encode(k.sign(c.as_bytes()).to_bytes());
    t.anonymous().post("/api/tokens/renew", json!({ "challenge": c, "signature": signature })).await
}

async fn the_holder_registers_installations_that_renew_by_signing_a_challenge(t: TestServer) {
    let (case, revoked) = demo_cases(&t).await;
    let (holder, _) = holder_of(&t, &case).await;
    let (k, public) = key(91);
    let path = format!("/api/licences/{case}/installations");
    let (s, i) = holder
        .post(&path, json!({ "public_key": public, "deployment": "Hall 3, operated by the end user" }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{i}");
    let id = i["id"].as_str().unwrap().to_string();

    let (s, first) = renew(&t, &k, &public).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["sequence"], 1);
    assert!(
        B64.decode(first["token"].as_str().unwrap()).unwrap().starts_with(&[0xd2]),
        "a tagged COSE_Sign1"
    );
    assert!(first["proof"].as_str().unwrap().starts_with("c2sp.org/tlog-proof@v1\nindex "), "{first}");
    let (s, second) = renew(&t, &k, &public).await;
    assert_eq!((s, second["sequence"].as_u64()), (StatusCode::CREATED, Some(2)), "{second}");
    // Its proof is good against the log the platform serves: the token's leaf is in the log.
    let (s, latest) =
        t.anonymous().get(&format!("/api/tokens/latest?installation_key={}", urlencode(&public))).await;
    assert_eq!((s, latest["sequence"].as_u64()), (StatusCode::OK, Some(2)), "{latest}");
    let (_, list) = holder.get(&path).await;
    let mine = list.as_array().unwrap().iter().find(|x| x["id"] == id.as_str()).unwrap();
    assert_eq!(mine["tokens"].as_array().unwrap().len(), 2);
    // The authority's case-file roles see the installations; the public counts the tokens.
    assert_eq!(t.login(OFFICER).await.get(&path).await.0, StatusCode::OK);
    let (_, rows) = t.anonymous().get("/api/register/tokens").await;
    let row = rows.as_array().unwrap().iter().find(|r| r["case_id"] == case.as_str()).unwrap();
    assert!(row["tokens_issued"].as_u64().unwrap() >= 4, "{row}");
    // The trust anchors: root 1 and a policy naming the log.
    let (_, trust) = t.anonymous().get("/api/tokens/trust").await;
    assert_eq!(trust["roots"].as_array().unwrap().len(), 1);
    assert!(trust["policy"].as_str().unwrap().starts_with("log "), "{trust}");

    // Withdrawn: renewal refused, the revocation list names its key.
    let (s, w) = holder
        .post(&format!("/api/installations/{id}/withdraw"), json!({ "reason": "decommissioned" }))
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    let (s, refused) = renew(&t, &k, &public).await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert!(refused.to_string().contains("withdrawn"), "{refused}");
    let (s, list) = t.anonymous().get("/api/tokens/revocations").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(list["installations"].as_array().unwrap().iter().any(|x| x == public.as_str()), "{list}");
    assert!(list["licences"].as_array().unwrap().iter().any(|x| x == revoked.as_str()), "{list}");
    assert!(list["proof"].as_str().unwrap().starts_with("c2sp.org/tlog-proof@v1"), "{list}");
    // Served again unchanged while nothing changed.
    let (_, again) = t.anonymous().get("/api/tokens/revocations").await;
    assert_eq!(again["sequence"], list["sequence"]);

    // The demo installation of the revoked licence: refused with the reason.
    let (k8, public8) = key(8);
    let (s, refused) = renew(&t, &k8, &public8).await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert!(refused.to_string().contains("is revoked"), "{refused}");

    // The pages: the public view names the licences.
    let page = reqwest::get(t.url("/register/tokens")).await.unwrap().text().await.unwrap();
    assert!(page.contains("Operating tokens") && page.contains("Revocation list"), "{page}");
    let _ = APPROVER;
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

async fn refusals_are_clear_and_change_nothing(t: TestServer) {
    let (case, revoked) = demo_cases(&t).await;
    let (holder, other) = holder_of(&t, &case).await;
    let (k, public) = key(92);
    let path = format!("/api/licences/{case}/installations");
    let good = json!({ "public_key": public, "deployment": "Site A" });
    // Who may not register.
    assert_eq!(t.anonymous().post(&path, good.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(other.post(&path, good.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.login(PARTNER).await.post(&path, good.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.login(OFFICER).await.post(&path, good.clone()).await.0, StatusCode::FORBIDDEN);
    // Bad input, naming the field.
    for (body, field) in [
        (json!({ "public_key": "not base64!", "deployment": "Site A" }), "public_key"),
        (json!({ "public_key": B64.encode([1u8; 31]), "deployment": "Site A" }), "public_key"),
        (json!({ "public_key": public, "deployment": "  " }), "deployment"),
    ] {
        let (s, e) = holder.post(&path, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e.to_string().contains(field), "{e}");
    }
    let (s, e) = holder.post(&path, json!({ "public_key": public, "deployment": "x", "tier": "Z" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        holder.post("/api/licences/not-an-id/installations", good.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    // Nothing was registered: the key is unknown.
    assert_eq!(challenge(&t, &public).await.0, StatusCode::NOT_FOUND);
    // A revoked licence gets no installation.
    let (revoked_holder, _) = holder_of(&t, &revoked).await;
    let (s, e) = revoked_holder
        .post(
            &format!("/api/licences/{revoked}/installations"),
            json!({ "public_key": public, "deployment": "Site A" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("revoked"), "{e}");

    let (s, i) = holder.post(&path, good.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{i}");
    let id = i["id"].as_str().unwrap().to_string();
    // Only the holder withdraws.
    assert_eq!(
        other.post(&format!("/api/installations/{id}/withdraw"), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.login(OFFICER).await.post(&format!("/api/installations/{id}/withdraw"), json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.anonymous().post(&format!("/api/installations/{id}/withdraw"), json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Challenges: a malformed key, an unknown one.
    assert_eq!(challenge(&t, "xyz").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, unknown) = key(93);
    assert_eq!(challenge(&t, &unknown).await.0, StatusCode::NOT_FOUND);
    let c = challenge(&t, &public).await.1["challenge"].as_str().unwrap().to_string();
    let sign = |text: &str| B64.encode(k.sign(text.as_bytes()).to_bytes());
    let anonymous = t.anonymous();
    let r = &anonymous;
    let post = move |body: Value| async move { r.post("/api/tokens/renew", body).await };
    // Signed by another key.
    let (intruder, _) = key(94);
    let (s, e) =
        post(json!({ "challenge": c, "signature": B64.encode(intruder.sign(c.as_bytes()).to_bytes()) }))
            .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert!(e.to_string().contains("does not verify"), "{e}");
    // Altered (another nonce), signed by the installation: not the platform's challenge.
    let mut parts: Vec<String> = c.split(' ').map(String::from).collect();
    let n = parts.len();
    parts[n - 2] = "00".repeat(16);
    let altered = parts.join(" ");
    let (s, e) = post(json!({ "challenge": altered, "signature": sign(&altered) })).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert!(e.to_string().contains("not issued by this platform"), "{e}");
    // Not a challenge at all; a signature that is not base64 of 64 bytes; unknown fields.
    let (s, e) = post(json!({ "challenge": "hello", "signature": sign("hello") })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("challenge"), "{e}");
    let (s, e) = post(json!({ "challenge": c, "signature": "AAAA" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("signature"), "{e}");
    assert_eq!(
        post(json!({ "challenge": c, "signature": sign(&c), "sequence": 9 })).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Nothing was issued by any of these.
    let (_, list) = holder.get(&path).await;
    let mine = list.as_array().unwrap().iter().find(|x| x["id"] == id.as_str()).unwrap().clone();
    assert_eq!(mine["tokens"].as_array().unwrap().len(), 0, "{mine}");
    // Answered once; the same challenge again is refused.
    let (s, ok) = post(json!({ "challenge": c, "signature": sign(&c) })).await;
    assert_eq!(s, StatusCode::CREATED, "{ok}");
    let (s, e) = post(json!({ "challenge": c, "signature": sign(&c) })).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert!(e.to_string().contains("already used"), "{e}");
    // A key is registered once, also after it is withdrawn.
    assert_eq!(holder.post(&format!("/api/installations/{id}/withdraw"), json!({})).await.0, StatusCode::OK);
    let (s, e) = holder.post(&path, good).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("already registered"), "{e}");
    assert_eq!(
        holder.post(&format!("/api/installations/{id}/withdraw"), json!({})).await.0,
        StatusCode::CONFLICT
    );
}
