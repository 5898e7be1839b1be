//! The workspace pages over real HTTP (the browser journey is in `tests/e2e/workspace.test.mjs`):
//! sign-in by form, the CSRF check on every page form, and the refusals a page answers with.
//!
//! Each test runs the real server on a random port over a fresh SQLite database with the demo data.

use oversight_testkit::{PASSWORD, TestServer};
use reqwest::{Client, StatusCode, header, redirect::Policy};

/// A browser-like client that does not follow redirects (so each answer can be checked).
fn browser() -> Client {
    Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
}

/// Signs in through the page form; returns the client (with both cookies) and the CSRF token.
async fn sign_in(server: &TestServer, email: &str) -> (Client, String) {
    let client = browser();
    let resp = client
        .post(server.url("/login"))
        .form(&[("email", email), ("password", PASSWORD), ("next", "/work")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    let cookies: Vec<String> =
        resp.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies.iter().all(|c| c.contains("HttpOnly") && c.contains("SameSite=Strict")), "{cookies:?}");
    let csrf = cookies
        .iter()
        .find_map(|c| c.strip_prefix("oversight_csrf="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    (client, csrf)
}

/// The id of the demo's unassigned submitted case (from the JSON API, as an officer).
async fn submitted_case(server: &TestServer) -> String {
    let officer = server.login("officer@authority.example").await;
    let (status, list) = officer.get("/api/applications?status=submitted").await;
    assert_eq!(status, StatusCode::OK);
    list.as_array().and_then(|a| a.first()).expect("a submitted demo case")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_that_need_a_person_send_the_public_to_sign_in_and_back() {
    let server = TestServer::sqlite().await;
    let client = browser();
    for path in ["/work", "/applications", "/applications/00000000-0000-0000-0000-000000000000"] {
        let resp = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path}");
        let to = resp.headers()[header::LOCATION].to_str().unwrap();
        assert!(to.starts_with("/login?next=%2F"), "{path} → {to}");
    }
    // The public pages need nobody.
    for path in ["/", "/login", "/register/verify", "/static/oversight.css", "/static/htmx.min.js"] {
        let resp = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_goes_only_to_pages_of_this_site_and_refuses_forms_from_other_sites() {
    let server = TestServer::sqlite().await;
    for (next, expected) in
        [("/work", "/work"), ("//evil.example/x", "/"), ("https://evil.example", "/"), ("/\\evil", "/")]
    {
        let resp = browser()
            .post(server.url("/login"))
            .form(&[("email", "officer@authority.example"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(resp.headers()[header::LOCATION], expected, "next={next}");
    }
    let resp = browser()
        .post(server.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "officer@authority.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get(header::SET_COOKIE).is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_keeps_the_email_and_names_the_problem() {
    let server = TestServer::sqlite().await;
    let resp = browser()
        .post(server.url("/login"))
        .form(&[("email", "officer@authority.example"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().get(header::SET_COOKIE).is_none());
    let html = resp.text().await.unwrap();
    assert!(html.contains("There is a problem") && html.contains("value=\"officer@authority.example\""));
    assert!(html.contains("<title>Error: Sign in"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_form_without_the_session_csrf_token_is_refused_and_changes_nothing() {
    let server = TestServer::sqlite().await;
    let id = submitted_case(&server).await;
    let (client, csrf) = sign_in(&server, "officer@authority.example").await;
    let (_, other_csrf) = sign_in(&server, "officer2@authority.example").await;
    let before = server.events().await;
    let path = format!("/applications/{id}/assign");
    for token in ["", "not-the-token"] {
        let resp = client.post(server.url(&path)).form(&[("csrf_token", token)]).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "token {token:?}");
    }
    // Another session's token does not do either.
    let resp =
        client.post(server.url(&path)).form(&[("csrf_token", other_csrf.as_str())]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.events().await, before, "a refused form stored nothing");
    // With the session's own token, the officer takes the case.
    let resp = client.post(server.url(&path)).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html =
        client.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Assigned"), "the history shows the assignment");
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_without_the_right_are_refused_by_the_pages_as_by_the_api() {
    let server = TestServer::sqlite().await;
    let id = submitted_case(&server).await;
    // An exporter has no work queue, cannot see another organisation's case, and cannot assign.
    let (exporter, csrf) = sign_in(&server, "compliance@nordwatch.example").await;
    let (approver, approver_csrf) = sign_in(&server, "approver@authority.example").await;
    let resp = exporter.get(server.url("/work")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = exporter.get(server.url(&format!("/applications/{id}"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "the submitted demo case is Helix's, not Nordwatch's");
    let before = server.events().await;
    let resp = exporter
        .post(server.url(&format!("/applications/{id}/assign")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // An approver may see the case but not take it as an officer.
    let resp = approver
        .post(server.url(&format!("/applications/{id}/assign")))
        .form(&[("csrf_token", approver_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.events().await, before);
    // A partner agency sees no case and no queue.
    let (partner, _) = sign_in(&server, "liaison@partner-agency.example").await;
    assert_eq!(partner.get(server.url("/work")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let resp = partner.get(server.url(&format!("/applications/{id}"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_work_queue_explains_a_bad_filter_and_keeps_it() {
    let server = TestServer::sqlite().await;
    let (officer, _) = sign_in(&server, "officer@authority.example").await;
    let resp = officer.get(server.url("/work?destination=ZZ&sector=pirates&page=0")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    for message in ["Destination: “ZZ”", "End-user sector:", "Page: must be"] {
        assert!(html.contains(message), "{message}");
    }
    assert!(html.contains("id=\"destination\" name=\"destination\" value=\"ZZ\""));
    let resp = officer.get(server.url("/work?destination=IN")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("India") && !html.contains("Mexico"), "only Indian cases");
}

/// The id of the demo's case waiting for a decision.
async fn pending_case(server: &TestServer) -> String {
    let officer = server.login("officer@authority.example").await;
    let (status, list) = officer.get("/api/applications?status=pending_decision").await;
    assert_eq!(status, StatusCode::OK);
    list.as_array().and_then(|a| a.first()).expect("a pending demo case")["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approver_decides_on_the_case_page_and_a_refused_form_keeps_what_was_typed() {
    let server = TestServer::sqlite().await;
    let id = pending_case(&server).await;
    let path = format!("/applications/{id}");
    // The recommending officer (the demo's officer recommended this case) sees why they cannot
    // decide, not a decision form.
    let (officer, _) = sign_in(&server, "officer@authority.example").await;
    let html = officer.get(server.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Record decision"), "the officer has no decide button");
    assert!(html.contains("Another approver must decide") && html.contains("four-eyes"), "and is told why");
    let (approver, csrf) = sign_in(&server, "approver@authority.example").await;
    let html = approver.get(server.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Record decision"));
    // No outcome: refused, nothing stored, the rationale typed is still there.
    let before = server.events().await;
    let resp = approver
        .post(server.url(&format!("{path}/decision")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("public_rationale", "Typed <rationale> kept"),
            ("criteria", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Choose the outcome of your decision"));
    assert!(
        html.contains("Typed &#60;rationale&#62; kept") || html.contains("Typed &lt;rationale&gt; kept"),
        "escaped and kept"
    );
    assert!(
        html.contains("id=\"crit-2\" name=\"criteria\" value=\"2\" checked"),
        "the ticked criterion is kept"
    );
    assert_eq!(server.events().await, before);
    // A criterion out of range is named.
    let resp = approver
        .post(server.url(&format!("{path}/decision")))
        .form(&[("csrf_token", csrf.as_str()), ("outcome", "deny"), ("criteria", "9")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("Criteria: “9” is not one of 1 to 8"));
    // A denial with its criteria and rationale (and the justification, should it depart from the
    // assessment) is taken.
    let resp = approver
        .post(server.url(&format!("{path}/decision")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("outcome", "deny"),
            ("criteria", "2"),
            ("criteria", "7"),
            ("public_rationale", "Clear risk of use in internal repression of journalists."),
            (
                "departure_justification",
                "The end user's record since the assessment leaves no doubt of misuse.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", resp.text().await.unwrap_or_default());
    let (_, view) =
        server.login("officer@authority.example").await.get(&format!("/api/applications/{id}")).await;
    assert_eq!(view["status"], "denied");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exporter_cannot_post_a_decision_or_recommendation() {
    let server = TestServer::sqlite().await;
    let id = pending_case(&server).await;
    let (exporter, csrf) = sign_in(&server, "compliance@helix-forensics.example").await;
    let before = server.events().await;
    for action in ["decision", "recommendation"] {
        let resp = exporter
            .post(server.url(&format!("/applications/{id}/{action}")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("outcome", "approve"),
                ("public_rationale", "x"),
                ("reasoning", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            resp.status() == StatusCode::FORBIDDEN || resp.status() == StatusCode::NOT_FOUND,
            "{action}: {}",
            resp.status()
        );
    }
    assert_eq!(server.events().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_records_the_assessment_from_the_case_page_and_an_exporter_cannot() {
    let server = TestServer::sqlite().await;
    let officer_api = server.login("officer@authority.example").await;
    let (_, list) = officer_api.get("/api/applications?status=under_review").await;
    let case = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["organisation_name"] == "Sentinel Signal Ltd")
        .expect("an under-review demo case of Sentinel Signal");
    let id = case["id"].as_str().unwrap().to_string();
    let path = format!("/applications/{id}");
    let (exporter, exporter_csrf) = sign_in(&server, "compliance@sentinel-signal.example").await;
    let (officer, csrf) = sign_in(&server, "officer@authority.example").await;
    let html = officer.get(server.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Run and record the risk assessment"));
    // The exporter owns the case but may not assess it: refused, nothing stored.
    let before = server.events().await;
    let resp = exporter
        .post(server.url(&format!("{path}/assessment")))
        .form(&[("csrf_token", exporter_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.events().await, before);
    let exporter_page = exporter.get(server.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(!exporter_page.contains("risk assessment"), "no assessment section for the exporter");
    // The officer records it; the page then shows the score and the factors.
    let resp = officer
        .post(server.url(&format!("{path}/assessment")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = officer.get(server.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Country score") && html.contains("What the score is made of"));
    assert!(html.contains("Assess again with today"));
}

/// The id in a `Location: /applications/{id}…` answer.
fn case_of(resp: &reqwest::Response) -> String {
    let to = resp.headers()[header::LOCATION].to_str().unwrap();
    to.strip_prefix("/applications/").unwrap().split(['/', '?', '#']).next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exporter_drafts_an_application_as_a_task_list_and_submits_it() {
    let server = TestServer::sqlite().await;
    let (client, csrf) = sign_in(&server, "compliance@nordwatch.example").await;
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf_token", csrf.clone()));
        client.post(server.url(&path)).form(&form).send()
    };
    let html = client.get(server.url("/applications/new")).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("<h1>Start an application</h1>")
            && html.contains("<option value=\"NO\">Norway</option>")
    );

    // An empty title is refused next to its field, keeping what was typed.
    let resp = post(
        "/applications/new".into(),
        vec![("title", " ".into()), ("destination", "NO".into()), ("end_use", "Border police".into())],
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("<title>Error: Start an application"), "{html}");
    assert!(html.contains("href=\"#title\"") && html.contains("id=\"title-error\""), "{html}");
    assert!(html.contains(">Border police</textarea>") && html.contains("<option value=\"NO\" selected>"));

    let resp = post(
        "/applications/new".into(),
        vec![
            ("title", "Interception platform for the border police".into()),
            ("destination", "NO".into()),
            ("end_use", "Lawful interception under judicial warrant".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let id = case_of(&resp);
    let tasks =
        client.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(tasks.contains("You have completed 1 of 3 required sections"), "{tasks}");
    assert!(
        tasks.contains("Cannot start yet") && !tasks.contains(&format!("href=\"/applications/{id}/submit\""))
    );

    // A quantity that is not a number, and an unknown control entry: each named, input kept.
    let resp = post(
        format!("/applications/{id}/items"),
        vec![
            ("control_code", "5A001.f".into()),
            ("description", "Portable IMSI catcher".into()),
            ("quantity", "two".into()),
            ("value_eur", "250,000".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("href=\"#quantity\"")
            && html.contains("value=\"two\"")
            && html.contains("value=\"250,000\"")
    );
    let resp = post(
        format!("/applications/{id}/items"),
        vec![
            ("control_code", "9Z999".into()),
            ("description", "Something".into()),
            ("quantity", "1".into()),
            ("value_eur", "10".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("href=\"#control_code\""));
    let resp = post(
        format!("/applications/{id}/items"),
        vec![
            ("control_code", "5A001.f".into()),
            ("description", "Portable IMSI catcher".into()),
            ("quantity", "2".into()),
            ("value_eur", "250,000".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    // Submitting without an end user is refused by the core and sent back to the parties.
    let resp = post(format!("/applications/{id}/submit"), vec![]).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("href=\"#parties\""));
    let resp = post(
        format!("/applications/{id}/parties"),
        vec![
            ("role", "end_user".into()),
            ("name", "National Police Directorate".into()),
            ("address", "Oslo".into()),
            ("country", "NO".into()),
            ("sector", "police".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    // A document, uploaded as a browser does (multipart), with the form's CSRF token.
    let upload = |token: String| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", token)
            .text("kind", "end_use_undertaking")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"signed undertaking".to_vec()).file_name("undertaking.pdf"),
            );
        client.post(server.url(&format!("/applications/{id}/documents"))).multipart(form).send()
    };
    let before = server.events().await;
    assert_eq!(upload("not-the-token".into()).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(server.events().await, before, "a refused upload stores nothing");
    assert_eq!(upload(csrf.clone()).await.unwrap().status(), StatusCode::SEE_OTHER);

    let check = client
        .get(server.url(&format!("/applications/{id}/submit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for part in ["Portable IMSI catcher", "National Police Directorate", "undertaking.pdf", "Norway"] {
        assert!(check.contains(part), "check your answers shows {part}");
    }
    let resp = post(format!("/applications/{id}/submit"), vec![]).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, view) =
        server.login("officer@authority.example").await.get(&format!("/api/applications/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["items"][0]["value_eur"], 250_000);
    // A submitted application is no longer editable: its edit pages lead to the case page.
    let resp = client.get(server.url(&format!("/applications/{id}/items"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[header::LOCATION], format!("/applications/{id}").as_str());

    // Another exporter cannot open the draft pages of this one (as if they did not exist).
    let (other, other_csrf) = sign_in(&server, "compliance@helix-forensics.example").await;
    for path in ["", "/details", "/items", "/parties", "/documents", "/submit"] {
        let resp = other.get(server.url(&format!("/applications/{id}{path}"))).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let resp = other
        .post(server.url(&format!("/applications/{id}/items")))
        .form(&[
            ("csrf_token", other_csrf.as_str()),
            ("control_code", "5A001.f"),
            ("quantity", "1"),
            ("value_eur", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_assessor_records_the_hria_on_the_case_page_and_an_incomplete_one_keeps_its_text() {
    let server = TestServer::sqlite().await;
    let id = submitted_case(&server).await;
    let (client, csrf) = sign_in(&server, "assessor@authority.example").await;
    let html =
        client.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("action=\"/applications/") && html.contains("/hria\""),
        "the assessor has the form"
    );
    let sections = [
        "item_capabilities",
        "legal_framework",
        "end_user_record",
        "groups_at_risk",
        "likelihood_and_severity",
        "mitigations",
        "stakeholder_input",
        "conclusion",
    ];
    let mut form: Vec<(&str, String)> =
        sections.iter().map(|s| (*s, format!("Assessed: {s} <checked>"))).collect();
    form[7].1 = "  ".into();
    form.push(("csrf_token", csrf.clone()));
    let before = server.events().await;
    let resp = client.post(server.url(&format!("/applications/{id}/hria"))).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("href=\"#hria\"") && html.contains("Conclusion"), "the empty section is named");
    assert!(html.contains("Assessed: mitigations &#60;checked&#62;"), "the typed text is kept, escaped");
    assert!(!html.contains("<checked>"));
    assert_eq!(server.events().await, before, "an incomplete HRIA stores nothing");
    form[7].1 = "Approve with conditions".into();
    let resp = client.post(server.url(&format!("/applications/{id}/hria"))).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html =
        client.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Recorded by Lena Fischer"), "the HRIA is shown with who recorded it");

    // An officer reads it but has no form; an exporter has neither.
    let (officer, _) = sign_in(&server, "officer@authority.example").await;
    let html =
        officer.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Recorded by Lena Fischer") && !html.contains("/hria\""));
    let (officer, officer_csrf) = sign_in(&server, "officer@authority.example").await;
    let mut refused = form.clone();
    refused.retain(|(k, _)| *k != "csrf_token");
    refused.push(("csrf_token", officer_csrf));
    let resp =
        officer.post(server.url(&format!("/applications/{id}/hria"))).form(&refused).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "only an assessor records the HRIA");
}

/// A demo case of `exporter_email`'s organisation whose licence is active (from the JSON API).
async fn live_licence_of(server: &TestServer, exporter_email: &str) -> String {
    let exporter = server.login(exporter_email).await;
    let (status, list) = exporter.get("/api/applications").await;
    assert_eq!(status, StatusCode::OK);
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["licence"]["status"] == "active")
        .expect("a demo licence that is active")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn licence_actions_ask_for_confirmation_and_a_reason_and_follow_the_roles() {
    let server = TestServer::sqlite().await;
    let id = live_licence_of(&server, "compliance@nordwatch.example").await;
    let (approver, csrf) = sign_in(&server, "approver@authority.example").await;
    let case =
        approver.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    for offered in ["/actions/suspend\"", "/actions/revoke\""] {
        assert!(case.contains(offered), "the approver is offered {offered}");
    }
    assert!(!case.contains("/actions/surrender\""), "surrender is the exporter's");
    let confirm =
        approver.get(server.url(&format!("/applications/{id}/actions/revoke"))).send().await.unwrap();
    assert_eq!(confirm.status(), StatusCode::OK);
    let html = confirm.text().await.unwrap();
    assert!(html.contains("<h1>Revoke this licence</h1>") && html.contains("published on the register"));

    let (exporter, exporter_csrf) = sign_in(&server, "compliance@nordwatch.example").await;
    // No reason: refused next to the field, nothing stored.
    let before = server.events().await;
    let path = format!("/applications/{id}/actions/revoke");
    let resp = approver
        .post(server.url(&path))
        .form(&[("csrf_token", csrf.as_str()), ("reason", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("href=\"#reason\""));
    assert_eq!(server.events().await, before);

    // The exporter may not revoke, even with the right form.
    let resp = exporter
        .post(server.url(&path))
        .form(&[("csrf_token", exporter_csrf.as_str()), ("reason", "Because")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.events().await, before);

    let resp = approver
        .post(server.url(&path))
        .form(&[("csrf_token", csrf.as_str()), ("reason", "End user found to have targeted journalists.")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, view) =
        server.login("approver@authority.example").await.get(&format!("/api/applications/{id}")).await;
    assert_eq!(view["licence"]["status"], "revoked");
    // A revoked licence offers nothing more, and the exporter can no longer surrender it.
    let case =
        exporter.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!case.contains("/actions/surrender\""));
    let resp = exporter
        .post(server.url(&format!("/applications/{id}/actions/surrender")))
        .form(&[("csrf_token", exporter_csrf.as_str()), ("reason", "No longer needed")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    // An unknown action is a page that does not exist.
    let resp = approver.get(server.url(&format!("/applications/{id}/actions/delete"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exporter_surrenders_its_licence_and_the_words_stay_unpublished_until_released() {
    let server = TestServer::sqlite().await;
    let id = live_licence_of(&server, "compliance@nordwatch.example").await;
    let (exporter, csrf) = sign_in(&server, "compliance@nordwatch.example").await;
    let case =
        exporter.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(case.contains("/actions/surrender\"") && !case.contains("/actions/revoke\""));
    let resp = exporter
        .post(server.url(&format!("/applications/{id}/actions/surrender")))
        .form(&[("csrf_token", csrf.as_str()), ("reason", "Contract cancelled: see https://phish.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let register =
        browser().get(server.url("/register/decisions.csv")).send().await.unwrap().text().await.unwrap();
    assert!(!register.contains("phish.example"), "the exporter's words are not published by surrendering");
    let (officer, officer_csrf) = sign_in(&server, "officer@authority.example").await;
    let case =
        officer.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(case.contains("/actions/release-statement\""), "an officer is offered the release");
    let confirm = officer
        .get(server.url(&format!("/applications/{id}/actions/release-statement")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("phish.example"), "the officer reads the words before releasing them");
    let resp = officer
        .post(server.url(&format!("/applications/{id}/actions/release-statement")))
        .form(&[("csrf_token", officer_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread")]
async fn administrators_manage_users_and_role_grants_need_a_second_administrator() {
    let server = TestServer::sqlite().await;
    let (admin, csrf) = sign_in(&server, "admin@authority.example").await;
    let html = admin.get(server.url("/admin/users")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<h1>Users and roles</h1>") && html.contains("officer@authority.example"));
    assert!(!html.contains("argon2"), "no password hash on the page");
    // Without a role: refused next to the field, the typed email kept, the password never echoed.
    let resp = admin
        .post(server.url("/admin/users"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("organisation", "not-an-org"),
            ("name", "New Officer"),
            ("email", "new.officer@authority.example"),
            ("password", "correct horse battery staple"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("href=\"#roles\"") && html.contains("href=\"#organisation\""));
    assert!(html.contains("value=\"new.officer@authority.example\"") && !html.contains("battery staple"));

    // A role proposed by one administrator waits for another; the proposer cannot approve it.
    let officer = server.login("officer@authority.example").await;
    let (_, me) = officer.get("/api/session").await;
    let officer_id = me["id"].as_str().unwrap().to_string();
    let resp = admin
        .post(server.url(&format!("/admin/users/{officer_id}/role-grants")))
        .form(&[("csrf_token", csrf.as_str()), ("role", "approver")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (status, grants) = server.login("admin2@authority.example").await.get("/api/admin/role-grants").await;
    assert_eq!(status, StatusCode::OK);
    let grant = grants[0]["id"].as_str().unwrap().to_string();
    let approve = format!("/admin/role-grants/{grant}/approve");
    let resp = admin.post(server.url(&approve)).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "the proposer cannot approve their own grant");
    let (admin2, csrf2) = sign_in(&server, "admin2@authority.example").await;
    let resp =
        admin2.post(server.url(&approve)).form(&[("csrf_token", csrf2.as_str())]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, users) = server.login("admin@authority.example").await.get("/api/admin/users").await;
    let roles = &users.as_array().unwrap().iter().find(|u| u["id"] == officer_id.as_str()).unwrap()["roles"];
    assert!(roles.as_array().unwrap().iter().any(|r| r == "approver"), "{roles}");

    // Disabling ends the user's sessions at once.
    let resp = admin
        .post(server.url(&format!("/admin/users/{officer_id}/disable")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(officer.get("/api/session").await.0, StatusCode::UNAUTHORIZED);

    // Nobody else has these pages.
    let (approver, approver_csrf) = sign_in(&server, "approver@authority.example").await;
    assert_eq!(
        approver.get(server.url("/admin/users")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let resp = approver
        .post(server.url(&format!("/admin/users/{officer_id}/enable")))
        .form(&[("csrf_token", approver_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let (exporter, _) = sign_in(&server, "compliance@nordwatch.example").await;
    assert_eq!(
        exporter.get(server.url("/admin/basis")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let basis = approver.get(server.url("/admin/basis")).send().await.unwrap().text().await.unwrap();
    assert!(basis.contains("Assessment method and data") && basis.contains("SHA-256"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_imports_a_list_release_and_follows_its_progress_to_the_report() {
    let server = TestServer::sqlite().await;
    let (admin, csrf) = sign_in(&server, "admin@authority.example").await;
    let file =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/lists/un-sc-sample.xml")).unwrap();
    let upload = |client: &Client, token: &str, name: &str, content: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", token.to_string())
            .text("name", name.to_string())
            .text("format", "un-xml")
            .part("file", reqwest::multipart::Part::bytes(content).file_name("un-sc.xml"));
        client.post(server.url("/admin/lists")).multipart(form).send()
    };
    // A bad name is refused before anything runs, next to its field.
    let resp = upload(&admin, &csrf, "UN SC!", file.clone()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("href=\"#name\""));
    // Another role is refused.
    let (officer, officer_csrf) = sign_in(&server, "officer@authority.example").await;
    assert_eq!(
        upload(&officer, &officer_csrf, "un-sc-2", file.clone()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    let resp = upload(&admin, &csrf, "un-sc-2", file.clone()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let progress = resp.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(progress.starts_with("/admin/lists/imports/"), "{progress}");
    let mut html = String::new();
    for _ in 0..200 {
        html = admin.get(server.url(&progress)).send().await.unwrap().text().await.unwrap();
        if !html.contains("http-equiv=\"refresh\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(html.contains("<h1>List imported</h1>"), "{html}");
    assert!(html.contains("un-sc-2 version 1"));
    // The import page is its starter's: another administrator does not see it.
    let (admin2, _) = sign_in(&server, "admin2@authority.example").await;
    assert_eq!(admin2.get(server.url(&progress)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let lists = admin.get(server.url("/admin/lists")).send().await.unwrap().text().await.unwrap();
    assert!(lists.contains("un-sc-2") && lists.contains("un-sc.xml"));
    // Each release says what its re-screening found, as counted from the alerts it raised.
    let (_, alerts_raised) = html
        .split("<dt>Alerts raised</dt><dd>")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .map(|n| ((), n.to_string()))
        .unwrap();
    let shown = if alerts_raised == "0" { "No alert".to_string() } else { format!("{alerts_raised} alert") };
    assert!(lists.contains("Re-screening found") && lists.contains(&shown), "{shown}");

    // A file that does not parse fails on its progress page, and nothing is stored.
    let before = server.events().await;
    let resp = upload(&admin, &csrf, "un-sc-3", b"<not a list".to_vec()).await.unwrap();
    let progress = resp.headers()[header::LOCATION].to_str().unwrap().to_string();
    for _ in 0..200 {
        html = admin.get(server.url(&progress)).send().await.unwrap().text().await.unwrap();
        if !html.contains("http-equiv=\"refresh\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(html.contains("The list was not imported") && html.contains("un-sc.xml"), "{html}");
    assert_eq!(server.events().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_sent_after_the_session_ended_is_kept_through_sign_in_and_sent_again() {
    let server = TestServer::sqlite().await;
    let (exporter, csrf) = sign_in(&server, "compliance@nordwatch.example").await;
    let resp = exporter
        .post(server.url("/applications/new"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Kept draft"),
            ("destination", "NO"),
            ("end_use", "Border police"),
        ])
        .send()
        .await
        .unwrap();
    let id = case_of(&resp);
    // The session ends (signed out elsewhere); the person sends the item form they filled in.
    exporter.post(server.url("/logout")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    let before = server.events().await;
    let path = format!("/applications/{id}/items");
    let typed = [
        ("csrf_token", csrf.as_str()),
        ("control_code", "5A001.f"),
        ("description", "Portable IMSI catcher, <rev 2>"),
        ("quantity", "2"),
        ("value_eur", "250000"),
    ];
    let resp = exporter.post(server.url(&path)).form(&typed).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Your session has ended") && html.contains("name=\"resume\""), "{html}");
    assert!(!html.contains(&csrf), "the old CSRF token is not carried");
    assert_eq!(server.events().await, before, "nothing is stored without a session");
    let resume = html
        .split("name=\"resume\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    // Signing in again answers with the form, ready to send with the new session's token.
    let resp = exporter
        .post(server.url("/login"))
        .form(&[
            ("email", "compliance@nordwatch.example"),
            ("password", PASSWORD),
            ("next", path.as_str()),
            ("resume", resume.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let new_csrf = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .find_map(|c| {
            c.to_str()
                .unwrap()
                .strip_prefix("oversight_csrf=")
                .map(|c| c.split(';').next().unwrap().to_string())
        })
        .unwrap();
    let html = resp.text().await.unwrap();
    assert!(html.contains("Send your form again") && html.contains(&format!("action=\"{path}\"")));
    assert!(html.contains(&new_csrf) && html.contains("Portable IMSI catcher, &#60;rev 2&#62;"));
    let resent = [
        ("csrf_token", new_csrf.as_str()),
        ("control_code", "5A001.f"),
        ("description", "Portable IMSI catcher, <rev 2>"),
        ("quantity", "2"),
        ("value_eur", "250000"),
    ];
    let resp = exporter.post(server.url(&path)).form(&resent).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, view) =
        server.login("compliance@nordwatch.example").await.get(&format!("/api/applications/{id}")).await;
    assert_eq!(view["items"][0]["description"], "Portable IMSI catcher, <rev 2>");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_to_the_exporter_holds_the_decision_until_the_exporter_answers_it() {
    let server = TestServer::sqlite().await;
    let api = server.login("officer@authority.example").await;
    let (_, pending) = api.get("/api/applications?status=pending_decision").await;
    let case = &pending.as_array().unwrap()[0];
    let id = case["id"].as_str().unwrap().to_string();
    let exporter_email = match case["organisation_name"].as_str().unwrap() {
        "Nordwatch Systems AB" => "compliance@nordwatch.example",
        "Helix Forensics GmbH" => "compliance@helix-forensics.example",
        _ => "compliance@sentinel-signal.example",
    };
    let (officer, csrf) = sign_in(&server, "officer@authority.example").await;
    let path = format!("/applications/{id}/queries");
    // A date that is not a date: refused, the question kept.
    let resp = officer
        .post(server.url(&path))
        .form(&[("csrf_token", csrf.as_str()), ("question", "Who oversees the end user?"), ("due", "soon")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("href=\"#query\"") && html.contains(">Who oversees the end user?</textarea>"));
    let due = (chrono::Utc::now() + chrono::Duration::days(10)).format("%Y-%m-%d").to_string();
    let resp = officer
        .post(server.url(&path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("question", "Who oversees the end user?"),
            ("due", due.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    // The queue shows it waiting for the exporter, and filters on it.
    let work = officer.get(server.url("/work?query=open")).send().await.unwrap().text().await.unwrap();
    assert!(work.contains(&format!("/applications/{id}\"")) && work.contains("Waiting for the exporter"));
    assert_eq!(work.matches("<tr").count() - 1, work.matches("Waiting for the exporter</span>").count());
    let held = officer.get(server.url("/work?red_flag=held")).send().await.unwrap().text().await.unwrap();
    assert!(!held.contains(&format!("/applications/{id}\"")), "not held for red flags");

    // The approver cannot decide while it is open.
    let approver = server.login("approver@authority.example").await;
    let decide = serde_json::json!({"outcome": "approve_with_conditions", "criteria": [],
        "public_rationale": "Assessed.", "internal_note": "", "conditions": ["End-use assurance"]});
    let (status, body) = approver.post(&format!("/api/applications/{id}/decision"), decide.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "queries", "{body}");

    // The exporter sees the question (not who asked) and answers it on the case page.
    let (exporter, exporter_csrf) = sign_in(&server, exporter_email).await;
    let html =
        exporter.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Who oversees the end user?") && html.contains("Send the answer"));
    assert!(!html.contains("Send the query"), "the exporter cannot raise queries");
    let (_, view) =
        server.login("officer@authority.example").await.get(&format!("/api/applications/{id}")).await;
    let query = view["queries"][0]["id"].as_str().unwrap().to_string();
    // With a document: attached to the case as correspondence.
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", exporter_csrf.clone())
        .text("answer", "The national judicial council.")
        .part("file", reqwest::multipart::Part::bytes(b"Council charter".to_vec()).file_name("charter.txt"));
    let resp = exporter
        .post(server.url(&format!("/applications/{id}/queries/{query}/answer")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html =
        officer.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The national judicial council.") && html.contains("Answered on"));
    assert!(html.contains("charter.txt"), "the answer's document is on the case");
    // Answered: the approver decides.
    let (status, body) = approver.post(&format!("/api/applications/{id}/decision"), decide.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_are_added_to_a_submitted_case_from_its_page() {
    let server = TestServer::sqlite().await;
    let id = submitted_case(&server).await;
    let (officer, csrf) = sign_in(&server, "officer@authority.example").await;
    let html =
        officer.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<h3>Add a document</h3>"));
    let upload = |client: &Client, token: &str, content: &'static [u8]| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", token.to_string())
            .text("kind", "correspondence")
            .part("file", reqwest::multipart::Part::bytes(content).file_name("note.txt"));
        client.post(server.url(&format!("/applications/{id}/documents"))).multipart(form).send()
    };
    // An empty file is refused on the case page, next to the upload.
    let resp = upload(&officer, &csrf, b"").await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("href=\"#file\""));
    let resp = upload(&officer, &csrf, b"Call with the end user, 3 November").await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[header::LOCATION], format!("/applications/{id}#documents").as_str());
    let html =
        officer.get(server.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("note.txt"));
    // An exporter of another organisation cannot add to it.
    let (_, view) =
        server.login("officer@authority.example").await.get(&format!("/api/applications/{id}")).await;
    let stranger = if view["organisation_name"] == "Helix Forensics GmbH" {
        "compliance@nordwatch.example"
    } else {
        "compliance@helix-forensics.example"
    };
    let (other, other_csrf) = sign_in(&server, stranger).await;
    let before = server.events().await;
    assert_eq!(upload(&other, &other_csrf, b"x").await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(server.events().await, before);
}
