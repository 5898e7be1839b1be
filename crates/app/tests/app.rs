//! The app over a real SQLite file: demo data covers every state; projections rebuilt after a
//! restart equal the live ones; refused commands append nothing.

use oversight_app::{App, AppError, SystemClock, demo};
use oversight_domain::{ApplicationStatus, LicenceStatus, appeal::AppealOutcome, lifecycle::Command};
use oversight_testkit::{TestDb, actor};
use std::sync::Arc;

async fn open(db: &TestDb) -> Arc<App> {
    oversight_testkit::open_app(db, Arc::new(SystemClock)).await
}

#[tokio::test]
async fn demo_covers_every_state_and_survives_a_restart() {
    let db = TestDb::sqlite();
    let app = open(&db).await;
    demo::load(&app).await.unwrap();
    let officer = actor(&app, "officer@authority.example");
    let all = app.list_applications(&officer, None).unwrap();
    assert_eq!(all.len(), 13);
    for status in ApplicationStatus::ALL {
        assert!(all.iter().any(|a| a.application.status == status), "no demo case is {status:?}");
    }
    // An appeal in each state: filed, a panel waiting for an answer, and each outcome.
    let panel = actor(&app, "panel@authority.example");
    let appeals = app.appeals(&panel).unwrap();
    assert!(appeals.iter().any(|a| a.is_open() && a.panel.is_empty()), "no appeal waits for a panel");
    assert!(
        appeals.iter().any(|a| a.is_open() && a.questions.iter().any(|q| q.answer.is_none())),
        "no panel waits for an answer"
    );
    for outcome in AppealOutcome::ALL {
        assert!(
            appeals.iter().any(|a| a.decision.as_ref().is_some_and(|d| d.outcome == outcome)),
            "no demo appeal was {outcome:?}"
        );
    }
    let licences: Vec<_> =
        all.iter().filter_map(|a| a.application.licence.as_ref().map(|l| l.status)).collect();
    for s in [LicenceStatus::Active, LicenceStatus::Suspended, LicenceStatus::Revoked] {
        assert!(licences.contains(&s), "no demo licence is {s:?}");
    }
    // Loading twice is refused.
    assert!(matches!(demo::load(&app).await, Err(AppError::Conflict(_))));

    let before: Vec<_> = all.iter().map(|a| serde_json::to_value(a).unwrap()).collect();
    let seq = app.last_seq();
    drop(app);
    let again = open(&db).await;
    assert_eq!(again.last_seq(), seq);
    let officer = actor(&again, "officer@authority.example");
    let after: Vec<_> = again
        .list_applications(&officer, None)
        .unwrap()
        .iter()
        .map(|a| serde_json::to_value(a).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[tokio::test]
async fn exporters_see_only_their_own_organisation_and_no_internal_notes() {
    let db = TestDb::sqlite();
    let app = open(&db).await;
    demo::load(&app).await.unwrap();
    let nordwatch = actor(&app, "compliance@nordwatch.example");
    let mine = app.list_applications(&nordwatch, None).unwrap();
    assert_eq!(mine.len(), 4);
    assert!(mine.iter().all(|a| a.organisation_name == "Nordwatch Systems AB"));
    assert!(mine.iter().all(|a| a.application.recommendation.is_none()));
    assert!(mine.iter().filter_map(|a| a.application.decision.as_ref()).all(|d| d.internal_note.is_empty()));
    let officer = actor(&app, "officer@authority.example");
    let other = app
        .list_applications(&officer, None)
        .unwrap()
        .into_iter()
        .find(|a| a.organisation_name != "Nordwatch Systems AB")
        .unwrap();
    assert!(matches!(app.get_application(&nordwatch, other.application.id), Err(AppError::NotFound)));
    assert!(matches!(app.history(&nordwatch, other.application.id).await, Err(AppError::NotFound)));
    let partner = actor(&app, "liaison@partner-agency.example");
    assert!(matches!(app.list_applications(&partner, None), Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_refused_command_appends_nothing() {
    let db = TestDb::sqlite();
    let app = open(&db).await;
    demo::load(&app).await.unwrap();
    let exporter = actor(&app, "compliance@helix-forensics.example");
    let draft = app.create_application(&exporter, "Test", "Testing", "FR").await.unwrap();
    let seq = app.last_seq();
    let err = app.execute(&exporter, draft.application.id, Command::Submit).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    assert_eq!(app.last_seq(), seq);
    assert_eq!(app.store().read_all(seq, 10).await.unwrap().len(), 0);
}

#[tokio::test]
async fn work_queues_show_what_waits_for_each_role() {
    let db = TestDb::sqlite();
    let app = open(&db).await;
    demo::load(&app).await.unwrap();
    let officer = actor(&app, "officer@authority.example");
    let q = app.work_queue(&officer, 0, 1000).unwrap().entries;
    assert!(q.iter().any(|e| e.status == ApplicationStatus::Submitted));
    assert!(q.iter().any(|e| e.reason == "assigned to you"));
    let approver = actor(&app, "approver@authority.example");
    let q = app.work_queue(&approver, 0, 1000).unwrap().entries;
    assert!(q.iter().all(|e| e.status == ApplicationStatus::PendingDecision) && !q.is_empty());
    let exporter = actor(&app, "compliance@nordwatch.example");
    assert!(matches!(app.work_queue(&exporter, 0, 100), Err(AppError::Forbidden(_))));
}
