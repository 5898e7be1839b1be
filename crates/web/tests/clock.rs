//! Issue 11, part 1 over real HTTP: the working-day clock counts on the authority's holiday
//! calendar (shipped, changed by administrators only), stops while a case is on hold for the
//! exporter's reasons, and the register publishes processing times per quarter.

use oversight_testkit::users::{ADMIN, APPROVER, EXPORTER, OFFICER};
use oversight_testkit::{TestServer, both_backends};
use reqwest::StatusCode;
use serde_json::json;

both_backends!(
    an_administrators_holiday_stops_the_clock_and_others_cannot_change_the_calendar,
    a_hold_for_the_exporter_stops_the_clock
);

/// The demo's submitted case (submitted five days ago) and its working days.
async fn submitted_case(t: &TestServer) -> (String, u64, String) {
    let officer = t.login(OFFICER).await;
    let (_, list) = officer.get("/api/applications?status=submitted").await;
    let case = list.as_array().and_then(|a| a.first()).expect("a submitted demo case").clone();
    let id = case["id"].as_str().unwrap().to_string();
    let (_, view) = officer.get(&format!("/api/applications/{id}")).await;
    let submitted = view["submitted_at"].as_str().unwrap()[..10].to_string();
    (id, view["working_days_elapsed"].as_u64().unwrap(), submitted)
}

async fn an_administrators_holiday_stops_the_clock_and_others_cannot_change_the_calendar(t: TestServer) {
    let admin = t.login(ADMIN).await;
    let (s, cal) = admin.get("/api/admin/calendar").await;
    assert_eq!(s, StatusCode::OK, "{cal}");
    assert_eq!(cal["country"], "DE", "the demo authority is registered in Germany");
    assert!(
        cal["holidays"].as_array().unwrap().iter().any(|h| h["date"] == "2026-12-25" && h["shipped"] == true)
    );

    let (id, before, submitted) = submitted_case(&t).await;
    assert!(before >= 1, "{before}");
    // A weekday after submission, up to today, that is not yet a holiday: the clock skips it.
    let from = chrono::NaiveDate::parse_from_str(&submitted, "%Y-%m-%d").unwrap();
    let today = chrono::Utc::now().date_naive();
    let holidays: Vec<String> =
        cal["holidays"].as_array().unwrap().iter().map(|h| h["date"].as_str().unwrap().to_string()).collect();
    let day = (1..=10)
        .map(|n| from + chrono::Duration::days(n))
        .filter(|d| *d <= today)
        .find(|d| {
            use chrono::Datelike;
            d.weekday().number_from_monday() <= 5 && !holidays.contains(&d.to_string())
        })
        .expect("a working day since submission");

    // Refused: every role but the administrator's; bad dates; nothing stored.
    let others = [t.login(OFFICER).await, t.login(APPROVER).await, t.login(EXPORTER).await];
    let before_events = t.events().await;
    for who in &others {
        let (s, body) =
            who.post("/api/admin/calendar/holidays", json!({"date": day, "name": "Closure"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    }
    assert_eq!(
        t.anonymous().post("/api/admin/calendar/holidays", json!({"date": day, "name": "x"})).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(others[2].get("/api/admin/calendar").await.0, StatusCode::FORBIDDEN);
    for (body, field) in [
        (json!({"date": "2026-11-29", "name": "A Sunday"}), "date"),
        (json!({"date": "2026-12-25", "name": "Christmas again"}), "date"),
        (json!({"date": day, "name": " "}), "name"),
        (json!({"date": "25.12.2026", "name": "x"}), "date"),
    ] {
        let (s, e) = admin.post("/api/admin/calendar/holidays", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        assert!(e.to_string().contains(field), "{e}");
    }
    assert_eq!(
        admin.delete("/api/admin/calendar/holidays/2026-12-23").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(t.events().await, before_events);

    let (s, after) =
        admin.post("/api/admin/calendar/holidays", json!({"date": day, "name": "Authority closure"})).await;
    assert_eq!(s, StatusCode::CREATED, "{after}");
    let (_, view) = t.login(OFFICER).await.get(&format!("/api/applications/{id}")).await;
    assert_eq!(view["working_days_elapsed"].as_u64().unwrap(), before - 1, "the clock skips the new holiday");
    // Removed again: the clock counts it again.
    let (s, _) = admin.delete(&format!("/api/admin/calendar/holidays/{day}")).await;
    assert_eq!(s, StatusCode::OK);
    let (_, view) = t.login(OFFICER).await.get(&format!("/api/applications/{id}")).await;
    assert_eq!(view["working_days_elapsed"].as_u64().unwrap(), before);
    // The page shows the calendar; the form only to administrators.
    let (s, page) = t.login(OFFICER).await.get("/admin/calendar?year=2026").await;
    assert_eq!(s, StatusCode::OK);
    let html = page.as_str().map(str::to_string).unwrap_or_else(|| page.to_string());
    assert!(html.contains("Christmas Day") && !html.contains("Add the holiday"), "{html}");
}

async fn a_hold_for_the_exporter_stops_the_clock(t: TestServer) {
    let (id, _, _) = submitted_case(&t).await;
    let officer = t.login(OFFICER).await;
    let (s, view) = officer
        .post(
            &format!("/api/applications/{id}/hold"),
            json!({"reason": "Waiting for the end-user certificate.", "stops_clock": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{view}");
    assert_eq!(view["hold"]["stops_clock"], true);
    let stops = view["hold_stops"].as_array().unwrap();
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0]["reason"], "exporter_hold");
    assert!(stops[0].get("until").is_none());
    // The exporter sees that it is waited for.
    let (_, mine) = t.login(EXPORTER).await.get(&format!("/api/applications/{id}")).await;
    if mine["hold"].is_object() {
        assert_eq!(mine["hold"]["stops_clock"], true);
    }
    let (s, view) =
        officer.post(&format!("/api/applications/{id}/resume"), json!({"reason": "Received."})).await;
    assert_eq!(s, StatusCode::OK, "{view}");
    assert!(view["hold_stops"][0]["until"].is_string(), "{view}");
    // The register's statistics carry the per-quarter figures.
    let (s, st) = t.anonymous().get("/api/register/stats").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(st["target_working_days"], 20);
    let quarters = st["processing_by_quarter"].as_object().unwrap();
    assert!(!quarters.is_empty(), "{st}");
    for f in quarters.values() {
        assert!(f["median"].as_u64().unwrap() <= f["p90"].as_u64().unwrap(), "{f}");
    }
}
