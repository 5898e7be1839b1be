//! Risk assessment, HRIA, red flags and the evidence register on cases, over a real SQLite file with
//! the demo dataset loaded.

use oversight_app::{App, AppError, SystemClock, assessment::risk::Hria, evidence::EvidenceChange};
use oversight_domain::{
    ApplicationId, ApplicationStatus, ItemId, PartyId, Sector, application::Outcome, lifecycle::Command,
    party::PartyRole,
};
use oversight_testkit::{TestDb, actor};
use std::sync::Arc;

const OFFICER: &str = "officer@authority.example";
const APPROVER: &str = "approver@authority.example";
/// The demo's second approver (departures towards approval).
const APPROVER2: &str = "approver2@authority.example";
const ASSESSOR: &str = "assessor@authority.example";
const EXPORTER: &str = "compliance@nordwatch.example";
/// An exporter of another organisation: the case does not exist for it.
const STRANGER: &str = "compliance@helix-forensics.example";

async fn open(db: &TestDb) -> Arc<App> {
    oversight_testkit::open_app(db, Arc::new(SystemClock)).await
}

async fn demo_app(db: &TestDb) -> Arc<App> {
    oversight_testkit::demo_app(db).await
}

/// A submitted case assigned to the demo officer: one item, one end user.
async fn assigned_case(
    app: &App,
    destination: &str,
    code: &str,
    end_user: &str,
    sector: Sector,
) -> ApplicationId {
    let exporter = actor(app, EXPORTER);
    let view = app
        .create_application(
            &exporter,
            "Assessment test",
            "Criminal investigations under warrant.",
            destination,
        )
        .await
        .unwrap();
    let id = view.application.id;
    let item = Command::AddItem {
        id: ItemId(uuid::Uuid::now_v7()),
        control_code: code.into(),
        description: "Test item".into(),
        quantity: 1,
        value_eur: 100_000,
    };
    app.execute(&exporter, id, item).await.unwrap();
    let party = Command::AddParty {
        id: PartyId(uuid::Uuid::now_v7()),
        role: PartyRole::EndUser,
        name: end_user.into(),
        address: "Headquarters".into(),
        country: destination.into(),
        sector,
    };
    app.execute(&exporter, id, party).await.unwrap();
    app.execute(&exporter, id, Command::Submit).await.unwrap();
    let officer = actor(app, OFFICER);
    app.assign(&officer, id, officer.user).await.unwrap();
    id
}

async fn recommend(app: &App, id: ApplicationId) {
    let cmd = Command::Recommend {
        outcome: Outcome::ApproveWithConditions,
        reasoning: "Judicial oversight in place.".into(),
        conditions: vec!["End-use assurance".into()],
    };
    app.execute(&actor(app, OFFICER), id, cmd).await.unwrap();
}

/// A justification long enough for a decision that departs from the assessment.
const WHY: &str = "The oversight reform since the findings and the conditions answer the red flags.";

async fn decide_with(
    app: &App,
    who: &str,
    id: ApplicationId,
    justification: &str,
) -> Result<oversight_app::cases::ApplicationView, AppError> {
    app.decide_case(
        &actor(app, who),
        id,
        Outcome::ApproveWithConditions,
        vec![],
        "Licensed with conditions.".into(),
        String::new(),
        vec!["End-use assurance".into()],
        justification.into(),
        vec![],
    )
    .await
}

/// Approves with conditions; where that departs from the assessment towards approval, with a
/// justification and the second demo approver's concurrence.
async fn decide(app: &App, id: ApplicationId) -> Result<ApplicationStatus, AppError> {
    let view = decide_with(app, APPROVER, id, WHY).await?;
    if view.application.proposed_decision.is_some() {
        return Ok(app.concur_in_departure(&actor(app, APPROVER2), id).await?.application.status);
    }
    Ok(view.application.status)
}

#[tokio::test]
async fn a_decision_departing_from_the_assessment_is_justified_and_towards_approval_needs_a_second_approver()
{
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let id = assigned_case(&app, "HU", "5A001.j", "Nemzetbiztonsági Szakszolgálat", Sector::Police).await;
    let (officer, approver) = (actor(&app, OFFICER), actor(&app, APPROVER));
    let rec = app.record_assessment(&officer, id).await.unwrap();
    let recommended = rec.assessment.recommended_outcome;
    assert!(recommended >= oversight_app::assessment::risk::Outcome::PresumptionOfDenial, "{recommended:?}");
    app.clear_red_flags(&approver, id, "Findings predate the oversight reform; conditions mitigate.")
        .await
        .unwrap();
    recommend(&app, id).await;
    app.record_hria(&actor(&app, ASSESSOR), id, full_hria()).await.unwrap();

    // Approving what the assessment said to deny: a reasoned justification first.
    let r = decide_with(&app, APPROVER, id, "").await;
    assert!(matches!(&r, Err(AppError::Invalid(f)) if f.field == "departure_justification"), "{r:?}");
    let r = decide_with(&app, APPROVER, id, "ok").await;
    assert!(matches!(&r, Err(AppError::Invalid(f)) if f.field == "departure_justification"), "{r:?}");
    // Then it waits for a second approver, and nothing is published yet.
    let view = decide_with(&app, APPROVER, id, WHY).await.unwrap();
    assert_eq!(view.application.status, ApplicationStatus::PendingDecision);
    assert!(view.application.proposed_decision.is_some() && view.application.licence.is_none());
    let of_case =
        || oversight_app::register::RegisterQuery { case_id: Some(id.to_string()), ..Default::default() };
    assert_eq!(app.register_search(&of_case()).unwrap().total, 0);
    let second = actor(&app, APPROVER2);
    let queue = app.work_queue(&second, 0, 1000).unwrap().entries;
    assert!(queue.iter().any(|q| q.id == id && q.reason.contains("second approver")), "{queue:?}");
    // The exporter sees nothing of it.
    let mine = app.get_application(&actor(&app, EXPORTER), id).unwrap().application;
    assert!(mine.proposed_decision.is_none());
    assert!(
        app.history(&actor(&app, EXPORTER), id).await.unwrap().iter().all(|h| h.kind != "departure_proposed")
    );
    // Not the proposer, not an officer, not the exporter.
    assert!(matches!(app.concur_in_departure(&approver, id).await, Err(AppError::Forbidden(_))));
    assert!(matches!(app.concur_in_departure(&officer, id).await, Err(AppError::Forbidden(_))));
    assert!(matches!(app.concur_in_departure(&actor(&app, EXPORTER), id).await, Err(AppError::Forbidden(_))));
    assert!(matches!(app.concur_in_departure(&actor(&app, STRANGER), id).await, Err(AppError::NotFound)));

    let view = app.concur_in_departure(&second, id).await.unwrap();
    assert_eq!(view.application.status, ApplicationStatus::ApprovedWithConditions);
    let d = view.application.decision.unwrap().departure.unwrap();
    assert_eq!((d.justification.as_str(), d.second_approver), (WHY, Some(second.user)));
    assert_eq!(d.recommended, recommended.as_str());
    // The register says a departure happened (not why); the exporter sees the decision without it.
    let page = app.register_search(&of_case()).unwrap();
    assert!(page.records[0].record.departed_from_recommendation);
    assert!(!serde_json::to_string(&page.records[0].record).unwrap().contains("oversight reform"));
    let mine = app.get_application(&actor(&app, EXPORTER), id).unwrap().application;
    assert!(mine.decision.unwrap().departure.is_none());
}

fn full_hria() -> Hria {
    Hria {
        item_capabilities: "Locates and intercepts mobile handsets nearby.".into(),
        legal_framework: "Warrants by an investigating judge; parliamentary oversight committee.".into(),
        end_user_record: "No documented abuse found in the register or public reporting.".into(),
        groups_at_risk: "Journalists and protesters near deployments.".into(),
        likelihood_and_severity: "Low likelihood, severe harm if misused.".into(),
        mitigations: "Audit logs, training, post-shipment verification.".into(),
        stakeholder_input: "Two NGOs consulted.".into(),
        conclusion: "Acceptable with conditions.".into(),
    }
}

fn conflict_message(r: Result<ApplicationStatus, AppError>) -> String {
    match r {
        Err(AppError::Conflict(m)) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn a_decision_needs_an_assessment_and_the_required_hria_and_is_then_allowed() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    // Tier-A IMSI catcher to Norway's police: no red flag, but tier A needs an HRIA.
    let id = assigned_case(&app, "NO", "5A001.f", "Politiets sikkerhetstjeneste", Sector::Police).await;
    recommend(&app, id).await;
    let seq = app.last_seq();

    let m = conflict_message(decide(&app, id).await);
    assert!(m.contains("no risk assessment"), "{m}");
    assert_eq!(app.last_seq(), seq, "a refused decision appends nothing");

    let rec = app.record_assessment(&actor(&app, OFFICER), id).await.unwrap();
    assert!(rec.assessment.red_flags.is_empty(), "{:?}", rec.assessment.red_flags);
    assert_eq!(
        app.get_application(&actor(&app, OFFICER), id).unwrap().application.status,
        ApplicationStatus::PendingDecision
    );
    let m = conflict_message(decide(&app, id).await);
    assert!(m.contains("human-rights impact assessment is required") && m.contains("tier A"), "{m}");

    app.record_hria(&actor(&app, ASSESSOR), id, full_hria()).await.unwrap();
    assert_eq!(decide(&app, id).await.unwrap(), ApplicationStatus::ApprovedWithConditions);
}

#[tokio::test]
async fn the_gate_keeps_the_lifecycles_own_answers_for_the_wrong_role_or_state() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let id = assigned_case(&app, "NO", "5A001.f", "Politiets sikkerhetstjeneste", Sector::Police).await;
    // Not pending decision yet: the lifecycle's refusal, not the assessment gate's.
    let m = conflict_message(decide(&app, id).await);
    assert!(!m.contains("assessment"), "{m}");
    recommend(&app, id).await;
    let officer = actor(&app, OFFICER);
    let cmd = Command::Decide {
        outcome: Outcome::Approve,
        criteria: vec![],
        public_rationale: "x".into(),
        internal_note: String::new(),
        conditions: vec![],
        licence_number: "OVS-1".into(),
        licence_expires_at: app.now() + chrono::Duration::days(30),
        departure_justification: String::new(),
        obligations: vec![],
    };
    assert!(matches!(app.execute(&officer, id, cmd).await, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn red_flags_hold_the_case_until_an_approver_clears_them_with_a_reason() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    // Tier-A interception to Hungary's police: country-level spyware findings raise a red flag.
    let id = assigned_case(&app, "HU", "5A001.j", "Nemzetbiztonsági Szakszolgálat", Sector::Police).await;
    let officer = actor(&app, OFFICER);
    let rec = app.record_assessment(&officer, id).await.unwrap();
    assert!(!rec.assessment.red_flags.is_empty());
    let case = app.get_application(&officer, id).unwrap().application;
    assert_eq!(case.status, ApplicationStatus::OnHold);
    let hold = case.hold.unwrap();
    assert!(hold.reason.contains("country_abuse_evidence"), "{}", hold.reason);
    assert_eq!(hold.resume_to, ApplicationStatus::UnderReview);
    let history = app.history(&officer, id).await.unwrap();
    let held = history.iter().rev().find(|h| h.kind == "put_on_hold").unwrap();
    assert_eq!(held.actor.as_deref(), Some(officer.user.to_string().as_str()));

    // Nobody resumes it by hand while the flags stand, and only an approver clears them.
    let resume = Command::Resume { reason: "Looked at it".into() };
    assert!(matches!(app.execute(&officer, id, resume).await, Err(AppError::Conflict(_))));
    for who in [OFFICER, ASSESSOR] {
        let r = app.clear_red_flags(&actor(&app, who), id, "Considered.").await;
        assert!(matches!(r, Err(AppError::Forbidden(_))), "{who}: {r:?}");
    }
    // The applicant may see its case but not act for the authority (403); another exporter is told
    // the case does not exist (404).
    let r = app.clear_red_flags(&actor(&app, EXPORTER), id, "Considered.").await;
    assert!(matches!(r, Err(AppError::Forbidden(_))), "{r:?}");
    let r = app.clear_red_flags(&actor(&app, STRANGER), id, "Considered.").await;
    assert!(matches!(r, Err(AppError::NotFound)), "{r:?}");
    let approver = actor(&app, APPROVER);
    assert!(
        matches!(app.clear_red_flags(&approver, id, "  ").await, Err(AppError::Invalid(f)) if f.field == "reason")
    );

    let cleared = app
        .clear_red_flags(&approver, id, "Findings predate the oversight reform; conditions mitigate.")
        .await
        .unwrap();
    assert!(cleared.uncleared_red_flags.is_empty());
    let c = cleared.latest.unwrap().red_flags_cleared.unwrap();
    assert_eq!(c.cleared_by.as_deref(), Some(approver.user.to_string().as_str()));
    assert_eq!(app.get_application(&officer, id).unwrap().application.status, ApplicationStatus::UnderReview);
    assert!(matches!(
        app.clear_red_flags(&approver, id, "again").await,
        Err(AppError::Conflict(m)) if m.contains("already cleared")
    ));

    recommend(&app, id).await;
    app.record_hria(&actor(&app, ASSESSOR), id, full_hria()).await.unwrap();
    assert_eq!(decide(&app, id).await.unwrap(), ApplicationStatus::ApprovedWithConditions);
}

#[tokio::test]
async fn a_new_assessment_with_red_flags_needs_its_own_clearance_before_a_decision() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let id = assigned_case(&app, "HU", "5A001.j", "Nemzetbiztonsági Szakszolgálat", Sector::Police).await;
    let (officer, approver) = (actor(&app, OFFICER), actor(&app, APPROVER));
    app.record_assessment(&officer, id).await.unwrap();
    app.clear_red_flags(&approver, id, "Considered.").await.unwrap();
    recommend(&app, id).await;
    app.record_hria(&actor(&app, ASSESSOR), id, full_hria()).await.unwrap();
    // The assessor re-runs it while the case waits for its decision: held again, under their name.
    let assessor = actor(&app, ASSESSOR);
    app.record_assessment(&assessor, id).await.unwrap();
    let case = app.get_application(&officer, id).unwrap().application;
    assert_eq!(
        (case.status, case.hold.unwrap().resume_to),
        (ApplicationStatus::OnHold, ApplicationStatus::PendingDecision)
    );
    let held =
        app.history(&officer, id).await.unwrap().into_iter().rev().find(|h| h.kind == "put_on_hold").unwrap();
    assert_eq!(held.actor.as_deref(), Some(assessor.user.to_string().as_str()));
    let all = app.case_assessments(&officer, id).await.unwrap();
    assert_eq!((all.earlier.len(), all.uncleared_red_flags.is_empty()), (1, false));
    app.clear_red_flags(&approver, id, "Same findings as before; considered.").await.unwrap();
    assert_eq!(decide(&app, id).await.unwrap(), ApplicationStatus::ApprovedWithConditions);
}

#[tokio::test]
async fn an_incomplete_hria_is_refused_naming_the_section_and_only_assessors_record_one() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let id = assigned_case(&app, "NO", "5A001.f", "Politiets sikkerhetstjeneste", Sector::Police).await;
    let assessor = actor(&app, ASSESSOR);
    let mut h = full_hria();
    h.groups_at_risk = "   ".into();
    h.conclusion.clear();
    match app.record_hria(&assessor, id, h).await {
        Err(AppError::Invalid(f)) => {
            assert_eq!(f.field, "groups_at_risk");
            assert!(
                f.message.contains("Groups at risk") && f.message.contains("Conclusion"),
                "{}",
                f.message
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        app.record_hria(&actor(&app, OFFICER), id, full_hria()).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.record_hria(&actor(&app, EXPORTER), id, full_hria()).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.record_hria(&actor(&app, STRANGER), id, full_hria()).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(app.case_hria(&assessor, id).await, Err(AppError::NotFound)));
    app.record_hria(&assessor, id, full_hria()).await.unwrap();
    assert_eq!(app.case_hria(&actor(&app, APPROVER), id).await.unwrap().hria, full_hria());
}

#[tokio::test]
async fn assessors_edit_the_evidence_register_and_assessments_use_it() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let assessor = actor(&app, ASSESSOR);
    let register = app.evidence_register(&assessor).await.unwrap();
    assert_eq!(register.len(), oversight_app::assessment::risk::seed_evidence().unwrap().len());
    assert!(register.iter().all(|e| e.origin == "seed"));

    let change = || EvidenceChange {
        iso3: Some("NO".into()),
        end_user: Some("Kripos".into()),
        finding: Some("Forensic evidence of phone hacking of a reporter.".into()),
        source: Some("Example Lab".into()),
        report: Some("Report 1".into()),
        url: Some("https://example.org/report-1".into()),
        year: Some(2025),
        confidence: Some("high".into()),
        ..Default::default()
    };
    for who in [OFFICER, EXPORTER, APPROVER] {
        let r = app.add_evidence(&actor(&app, who), change()).await;
        assert!(matches!(r, Err(AppError::Forbidden(_))), "{who}: {r:?}");
    }
    let bad = EvidenceChange { url: Some("ftp://x".into()), ..change() };
    assert!(matches!(app.add_evidence(&assessor, bad).await, Err(AppError::Invalid(f)) if f.field == "url"));
    let bad = EvidenceChange { iso3: Some("Norway".into()), ..change() };
    assert!(matches!(app.add_evidence(&assessor, bad).await, Err(AppError::Invalid(f)) if f.field == "iso3"));

    let added = app
        .add_evidence(&assessor, EvidenceChange { id: Some("no-kripos-1".into()), ..change() })
        .await
        .unwrap();
    assert_eq!((added.version, added.origin.as_str()), (1, "assessor"));
    assert_eq!(added.entry.reviewer.as_deref(), Some("Lena Fischer"));
    assert!(matches!(
        app.add_evidence(&assessor, EvidenceChange { id: Some("no-kripos-1".into()), ..change() }).await,
        Err(AppError::Conflict(_))
    ));

    // End-user evidence about this end user raises a red flag on the case.
    let id = assigned_case(&app, "NO", "5A004.b", "KRIPOS", Sector::Police).await;
    let rec = app.record_assessment(&actor(&app, OFFICER), id).await.unwrap();
    let kinds: Vec<&str> = rec.assessment.red_flags.iter().map(|f| f.kind.as_str()).collect();
    assert!(kinds.contains(&"end_user_abuse_evidence"), "{kinds:?}");

    // Lowering the confidence is an edit; the officer may not make it.
    let lower = EvidenceChange { confidence: Some("low".into()), ..Default::default() };
    assert!(matches!(
        app.revise_evidence(&actor(&app, OFFICER), "no-kripos-1", lower.clone()).await,
        Err(AppError::Forbidden(_))
    ));
    let bad = EvidenceChange { year: Some(1500), ..Default::default() };
    assert!(
        matches!(app.revise_evidence(&assessor, "no-kripos-1", bad).await, Err(AppError::Invalid(f)) if f.field == "year")
    );
    let revised = app.revise_evidence(&assessor, "no-kripos-1", lower).await.unwrap();
    assert_eq!(revised.version, 2);
    assert_eq!(revised.entry.finding, added.entry.finding, "fields left out stay");
    assert!(matches!(
        app.revise_evidence(&assessor, "no-such-entry", EvidenceChange::default()).await,
        Err(AppError::NotFound)
    ));
    let stream = app.store().read_stream("evidence-no-kripos-1").await.unwrap();
    assert_eq!(
        stream.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["evidence_added", "evidence_revised"]
    );
}

#[tokio::test]
async fn a_recorded_assessment_replays_identically_after_a_restart() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let id = assigned_case(&app, "HU", "5A001.j", "Nemzetbiztonsági Szakszolgálat", Sector::Police).await;
    let officer = actor(&app, OFFICER);
    let rec = app.record_assessment(&officer, id).await.unwrap();
    let report = app.replay_assessment(&officer, id).await.unwrap();
    assert!(report.identical, "{}", report.message);
    assert_eq!(report.recorded_outcome, rec.assessment.recommended_outcome.as_str());
    let stored = app.store().read_stream(&format!("assessment-{}", id.0)).await.unwrap();
    assert_eq!(stored[0].kind, "assessment_recorded");
    assert_eq!(stored[0].payload["policy_sha256"], rec.assessment.policy.sha256.as_str());
    assert!(stored[0].payload["data_versions"].as_array().is_some_and(|d| !d.is_empty()));
    drop(app);

    let again = open(&db).await;
    let officer = actor(&again, OFFICER);
    let report = again.replay_assessment(&officer, id).await.unwrap();
    assert!(report.identical, "{}", report.message);
    let all = again.case_assessments(&officer, id).await.unwrap();
    assert_eq!(
        serde_json::to_value(&all.latest.unwrap().assessment).unwrap(),
        serde_json::to_value(&rec.assessment).unwrap()
    );
}

#[tokio::test]
async fn assessments_are_the_authoritys_and_within_it_roles_matter() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let id = assigned_case(&app, "NO", "5A001.f", "Politiets sikkerhetstjeneste", Sector::Police).await;
    // The applicant sees its case, so the authority's actions on it are refused as forbidden; an
    // exporter of another organisation is told the case does not exist.
    let exporter = actor(&app, EXPORTER);
    assert!(matches!(app.record_assessment(&exporter, id).await, Err(AppError::Forbidden(_))));
    assert!(matches!(app.case_assessments(&exporter, id).await, Err(AppError::Forbidden(_))));
    let stranger = actor(&app, STRANGER);
    assert!(matches!(app.record_assessment(&stranger, id).await, Err(AppError::NotFound)));
    assert!(matches!(app.case_assessments(&stranger, id).await, Err(AppError::NotFound)));
    let approver = actor(&app, APPROVER);
    assert!(matches!(app.record_assessment(&approver, id).await, Err(AppError::Forbidden(_))));
    assert!(app.record_assessment(&actor(&app, ASSESSOR), id).await.is_ok());
    assert!(app.case_assessments(&approver, id).await.unwrap().latest.is_some());
}

#[tokio::test]
async fn every_demo_decision_went_through_the_assessment_gates() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let officer = actor(&app, OFFICER);
    let decided: Vec<_> = app
        .list_applications(&officer, None)
        .unwrap()
        .into_iter()
        .filter(|v| v.application.decision.is_some())
        .collect();
    assert_eq!(decided.len(), 6);
    let mut red_flags_cleared = 0;
    for v in decided {
        let a = app.case_assessments(&officer, v.application.id).await.unwrap();
        assert!(a.decision_blockers.is_empty(), "{}: {:?}", v.application.title, a.decision_blockers);
        let latest = a.latest.expect("a demo decision has an assessment");
        if a.hria_required == Some(true) {
            assert!(a.hria.is_some(), "{} has no HRIA", v.application.title);
        }
        red_flags_cleared += usize::from(latest.red_flags_cleared.is_some());
    }
    assert!(red_flags_cleared > 0, "the demo shows the red-flag path");
}

#[tokio::test]
async fn the_demo_case_whose_end_user_is_listed_gets_the_restricted_party_red_flag_and_its_hold() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let officer = actor(&app, OFFICER);
    let case = app
        .list_applications(&officer, None)
        .unwrap()
        .into_iter()
        .find(|v| v.application.parties.iter().any(|p| p.name.contains("State Security Committee")))
        .expect("the demo has the Belarus case");
    let id = case.application.id;
    // Its screening raised an alert, and the assessment was told so: the red flag fires.
    assert!(!app.alerts(&officer, id).unwrap().is_empty());
    let assessed = app.case_assessments(&officer, id).await.unwrap();
    let latest = assessed.latest.expect("the demo assessed it");
    let flags: Vec<&str> = latest.assessment.red_flags.iter().map(|f| f.kind.as_str()).collect();
    assert!(flags.contains(&"restricted_party"), "{flags:?}");
    assert!(!latest.assessment.input.screening_hits.is_empty());
    // The flags held the case until an approver cleared them; the history shows both.
    let history = app.history(&officer, id).await.unwrap();
    let hold = history.iter().find(|h| h.kind == "put_on_hold").expect("held");
    assert!(hold.event["red_flags_of"].as_u64().is_some(), "{:?}", hold.event);
    assert!(hold.event["reason"].as_str().unwrap().contains("restricted_party"));
    assert!(history.iter().any(|h| h.kind == "resumed"));
    assert!(latest.red_flags_cleared.is_some());
}
