//! Screening in the platform, over a real SQLite file: list releases, fail-closed submission,
//! alerts and their adjudication, dismissal memory, re-screening on import, the search log.

use oversight_app::screening::{Trigger, Verdict};
use oversight_app::{App, AppError, SystemClock};
use oversight_domain::{
    Actor, ApplicationId, ApplicationStatus, ItemId, OrgKind, PartyId, Role, Sector, application::Outcome,
    lifecycle::Command, party::PartyRole,
};
use oversight_testkit::TestDb;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const PASSWORD: &str = "a-long-test-password";

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(file)
}

/// A line of the shipped CSL sample (each of these rows is on one physical line).
fn csl_row(id: &str) -> String {
    let text = std::fs::read_to_string(data("data/lists/us-csl-sample.csv")).unwrap();
    text.lines().find(|l| l.starts_with(&format!("{id},"))).unwrap().to_string()
}

/// Writes a CSL file with the real header and the given rows.
fn write_csl(dir: &Path, file: &str, rows: &[String]) -> PathBuf {
    let text = std::fs::read_to_string(data("data/lists/us-csl-sample.csv")).unwrap();
    let header = text.lines().next().unwrap();
    let path = dir.join(file);
    std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    path
}

const KGB: &str = "32275";
const ABBAS: &str = "21944";

struct World {
    app: Arc<App>,
    db: TestDb,
    exporter: Actor,
    officer: Actor,
    approver: Actor,
    admin: Actor,
}

async fn world() -> World {
    let db = TestDb::sqlite();
    let app = oversight_testkit::open_app(&db, Arc::new(SystemClock)).await;
    let authority = app.register_org(None, "Authority", OrgKind::Authority, "DE").await.unwrap();
    let exporter_org = app.register_org(None, "Exporter AB", OrgKind::Exporter, "SE").await.unwrap();
    let mut actors = Vec::new();
    for (org, email, role) in [
        (exporter_org, "e@x.example", Role::Exporter),
        (authority, "o@a.example", Role::LicensingOfficer),
        (authority, "ap@a.example", Role::Approver),
        (authority, "ad@a.example", Role::Administrator),
    ] {
        app.create_user(None, org, email, "Some One", &[role], PASSWORD).await.unwrap();
        actors.push(oversight_testkit::actor(&app, email));
    }
    let [exporter, officer, approver, admin] = actors.try_into().unwrap();
    World { app, db, exporter, officer, approver, admin }
}

impl World {
    async fn import(&self, file: &str, rows: &[&str]) -> oversight_app::lists::ImportReport {
        let rows: Vec<String> = rows.iter().map(|r| csl_row(r)).collect();
        let path = write_csl(self.db.dir(), file, &rows);
        self.app.import_list(Some(&self.admin), "us-csl", "csl-csv", &path).await.unwrap()
    }

    /// A draft case with one item and the given end user.
    async fn draft(&self, end_user: &str, country: &str) -> ApplicationId {
        let id = ApplicationId(uuid::Uuid::now_v7());
        let cmds = [
            Command::Create {
                id,
                title: "IMSI catchers".into(),
                end_use: "Policing".into(),
                destination: country.into(),
            },
            Command::AddItem {
                id: ItemId(uuid::Uuid::now_v7()),
                control_code: "5A001.f".into(),
                description: "IMSI catcher".into(),
                quantity: 1,
                value_eur: 100_000,
            },
            Command::AddParty {
                id: PartyId(uuid::Uuid::now_v7()),
                role: PartyRole::EndUser,
                name: end_user.into(),
                address: "Main street 1".into(),
                country: country.into(),
                sector: Sector::Intelligence,
            },
        ];
        for c in cmds {
            self.app.execute(&self.exporter, id, c).await.unwrap();
        }
        id
    }

    async fn submitted(&self, end_user: &str, country: &str) -> ApplicationId {
        let id = self.draft(end_user, country).await;
        self.app.execute(&self.exporter, id, Command::Submit).await.unwrap();
        id
    }
}

#[tokio::test]
async fn submission_is_refused_and_nothing_appended_when_no_list_was_imported() {
    let w = world().await;
    let id = w.draft("State Security Committee of the Republic of Belarus", "BY").await;
    let before = w.app.store().read_stream(&id.stream()).await.unwrap().len();
    let seq = w.app.last_seq();
    let err = w.app.execute(&w.exporter, id, Command::Submit).await.unwrap_err();
    assert!(matches!(&err, AppError::Unavailable(m) if m.contains("no restricted-party list")), "{err:?}");
    assert_eq!(w.app.store().read_stream(&id.stream()).await.unwrap().len(), before);
    assert_eq!(w.app.last_seq(), seq, "nothing at all was appended");
    assert_eq!(w.app.get_application(&w.exporter, id).unwrap().application.status, ApplicationStatus::Draft);
}

#[tokio::test]
async fn a_listed_end_user_raises_an_alert_on_submission_with_list_version_and_explanation() {
    let w = world().await;
    let r = w.import("v1.csv", &[ABBAS, KGB]).await;
    assert_eq!((r.release.version, r.release.entry_count, r.added), (1, 2, 2));
    let id = w.submitted("State Security Committee of the Republic of Belarus", "BY").await;
    let clean = w.submitted("Gendarmerie nationale", "FR").await;
    assert!(w.app.alerts(&w.officer, clean).unwrap().is_empty());
    let alerts = w.app.alerts(&w.officer, id).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!((a.list.as_str(), a.list_version, a.source_id.as_str()), ("us-csl", 1, KGB));
    assert!(a.score >= oversight_screening::DEFAULT_THRESHOLD);
    assert_eq!(a.trigger, Trigger::Submission);
    assert_eq!(a.entry_hash.len(), 64);
    assert!(a.explanation["matched_name"].as_str().unwrap().contains("STATE SECURITY COMMITTEE"));
    // Exporters do not see alerts.
    assert!(matches!(w.app.alerts(&w.exporter, id), Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_malformed_list_file_names_file_and_line_and_stores_nothing() {
    let w = world().await;
    let seq = w.app.last_seq();
    let path = data("crates/screening/tests/data/malformed_csl_short_row.csv");
    let err = w.app.import_list(Some(&w.admin), "us-csl", "csl-csv", &path).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("malformed_csl_short_row.csv:5"), "{msg}");
    assert_eq!(w.app.last_seq(), seq);
    assert!(w.app.lists(&w.officer).unwrap().iter().all(|l| l.releases.is_empty()));
    // Only administrators import.
    let ok = write_csl(w.db.dir(), "ok.csv", &[csl_row(KGB)]);
    let err = w.app.import_list(Some(&w.officer), "us-csl", "csl-csv", &ok).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
}

#[tokio::test]
async fn officers_adjudicate_alerts_and_exporters_cannot() {
    let w = world().await;
    w.import("v1.csv", &[KGB]).await;
    let id = w.submitted("State Security Committee of the Republic of Belarus", "BY").await;
    let alert = w.app.alerts(&w.officer, id).unwrap()[0].id;
    let err =
        w.app.adjudicate_alert(&w.exporter, id, alert, Verdict::FalseMatch, "not them").await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
    let err =
        w.app.adjudicate_alert(&w.approver, id, alert, Verdict::FalseMatch, "not them").await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
    let err = w.app.adjudicate_alert(&w.officer, id, alert, Verdict::TrueMatch, "  ").await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    let a = w
        .app
        .adjudicate_alert(&w.officer, id, alert, Verdict::TrueMatch, "Same agency, same address")
        .await
        .unwrap();
    let j = a.adjudication.unwrap();
    assert_eq!((j.verdict, j.by), (Verdict::TrueMatch, w.officer.user));
    let again = w.app.adjudicate_alert(&w.officer, id, alert, Verdict::FalseMatch, "changed my mind").await;
    assert!(matches!(again, Err(AppError::Conflict(_))));
}

async fn to_pending_decision(w: &World, id: ApplicationId) {
    let assign = Command::Assign { officer: w.officer.user, officer_roles: w.officer.roles.clone() };
    w.app.execute(&w.officer, id, assign).await.unwrap();
    let rec = Command::Recommend { outcome: Outcome::Approve, reasoning: "Fine".into(), conditions: vec![] };
    w.app.execute(&w.officer, id, rec).await.unwrap();
}

fn is_screening_refusal(r: &Result<oversight_app::ApplicationView, AppError>) -> bool {
    matches!(r, Err(AppError::Conflict(m)) if m.contains("screening"))
}

#[tokio::test]
async fn approval_is_refused_while_an_alert_is_open_or_a_true_match_but_screening_never_blocks_a_denial() {
    let w = world().await;
    w.import("v1.csv", &[KGB]).await;
    let id = w.submitted("State Security Committee of the Republic of Belarus", "BY").await;
    to_pending_decision(&w, id).await;
    let approve = |outcome| {
        w.app.decide_case(
            &w.approver,
            id,
            outcome,
            vec![],
            "Licensed.".into(),
            "".into(),
            vec![],
            String::new(),
            vec![],
        )
    };
    assert!(is_screening_refusal(&approve(Outcome::Approve).await));
    assert!(is_screening_refusal(&approve(Outcome::ApproveWithConditions).await));
    let alert = w.app.alerts(&w.officer, id).unwrap()[0].id;
    w.app.adjudicate_alert(&w.officer, id, alert, Verdict::FalseMatch, "Different agency").await.unwrap();
    // Once every alert is dismissed, screening no longer stands in the way (other checks may).
    assert!(!is_screening_refusal(&approve(Outcome::Approve).await));

    let other = w.submitted("Committee for State Security of the Republic of Belarus", "BY").await;
    to_pending_decision(&w, other).await;
    for a in w.app.alerts(&w.officer, other).unwrap() {
        w.app.adjudicate_alert(&w.officer, other, a.id, Verdict::TrueMatch, "The listed KGB").await.unwrap();
    }
    let r = w
        .app
        .decide_case(
            &w.approver,
            other,
            Outcome::Approve,
            vec![],
            "x".into(),
            "".into(),
            vec![],
            String::new(),
            vec![],
        )
        .await;
    assert!(is_screening_refusal(&r), "{r:?}");
    let r = w
        .app
        .decide_case(
            &w.approver,
            other,
            Outcome::Deny,
            vec![2],
            "Refused.".into(),
            "".into(),
            vec![],
            String::new(),
            vec![],
        )
        .await;
    assert!(!is_screening_refusal(&r), "{r:?}");
}

#[tokio::test]
async fn a_false_match_is_not_raised_again_until_the_listed_entry_changes() {
    let w = world().await;
    w.import("v1.csv", &[ABBAS, KGB]).await;
    let first = w.submitted("State Security Committee of the Republic of Belarus", "BY").await;
    let alert = w.app.alerts(&w.officer, first).unwrap()[0].id;
    w.app.adjudicate_alert(&w.officer, first, alert, Verdict::FalseMatch, "Different body").await.unwrap();

    // The same party on a new case: the dismissal holds.
    let second = w.submitted("State Security Committee of the Republic of Belarus", "BY").await;
    assert!(w.app.alerts(&w.officer, second).unwrap().is_empty());

    // Re-importing the same file stores nothing again (an import may be retried) and raises nothing.
    let r = w.import("v2.csv", &[ABBAS, KGB]).await;
    assert_eq!(
        (r.release.version, r.already_imported, r.added, r.changed, r.alerts_raised),
        (1, true, 0, 0, 0)
    );
    assert!(w.app.alerts(&w.officer, second).unwrap().is_empty());
    assert_eq!(w.app.alerts(&w.officer, first).unwrap().len(), 1);

    // The listed entry changes (a new address): both open cases are flagged again.
    let rows = vec![csl_row(ABBAS), csl_row(KGB).replace("Minsk, 220030, BY;", "Minsk, 220031, BY;")];
    let path = write_csl(w.db.dir(), "v3.csv", &rows);
    let r = w.app.import_list(Some(&w.admin), "us-csl", "csl-csv", &path).await.unwrap();
    assert_eq!((r.release.version, r.added, r.changed), (2, 0, 1));
    assert_eq!(r.alerts_raised, 2);
    for case in [first, second] {
        let fresh: Vec<_> = w
            .app
            .alerts(&w.officer, case)
            .unwrap()
            .into_iter()
            .filter(|a| a.adjudication.is_none())
            .collect();
        assert_eq!(fresh.len(), 1);
        assert_eq!((fresh[0].trigger, fresh[0].list_version), (Trigger::ListImport, 2));
    }
}

#[tokio::test]
async fn a_list_import_rescreens_open_cases_and_flags_a_newly_listed_party() {
    let w = world().await;
    w.import("v1.csv", &[ABBAS]).await;
    let open = w.submitted("State Security Committee of the Republic of Belarus", "BY").await;
    let draft = w.draft("State Security Committee of the Republic of Belarus", "BY").await;
    assert!(w.app.alerts(&w.officer, open).unwrap().is_empty());
    let r = w.import("v2.csv", &[ABBAS, KGB]).await;
    assert_eq!((r.added, r.changed, r.removed), (1, 0, 0));
    assert_eq!((r.cases_rescreened, r.parties_rescreened, r.alerts_raised), (1, 1, 1));
    let alerts = w.app.alerts(&w.officer, open).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!((alerts[0].source_id.as_str(), alerts[0].trigger), (KGB, Trigger::ListImport));
    // Drafts are screened when submitted, not before.
    assert!(w.app.alerts(&w.officer, draft).unwrap().is_empty());
}

#[tokio::test]
async fn the_authoritys_denials_are_a_list_that_flags_a_new_submission_for_a_denied_end_user() {
    let db = TestDb::sqlite();
    let app = oversight_testkit::demo_app(&db).await;
    let actor = |email: &str| oversight_testkit::actor(&app, email);
    let officer = actor("officer@authority.example");
    let lists = app.lists(&officer).unwrap();
    assert!(
        lists.iter().any(|l| l.name == "authority-denials" && l.builtin && l.entry_count == 1),
        "{lists:?}"
    );
    // The demo denied the "State Security Committee of the Republic of Belarus"; another exporter now applies.
    let w = World {
        exporter: actor("compliance@sentinel-signal.example"),
        officer: officer.clone(),
        approver: actor("approver@authority.example"),
        admin: actor("admin@authority.example"),
        app: app.clone(),
        db,
    };
    let id = w.submitted("State Security Committee of the Republic of Belarus", "BY").await;
    let alerts = app.alerts(&officer, id).unwrap();
    let denial = alerts.iter().find(|a| a.list == "authority-denials").expect("flagged by the denial list");
    assert_eq!((denial.trigger, denial.list_version, denial.score), (Trigger::Submission, 1, 1.0));
}

#[tokio::test]
async fn every_search_is_logged_with_who_what_and_list_versions() {
    let w = world().await;
    let req = oversight_app::screening::SearchRequest { name: "Rim Abbas".into(), ..Default::default() };
    // No list: the search fails closed too.
    assert!(matches!(w.app.screening_search(&w.exporter, &req).await, Err(AppError::Unavailable(_))));
    w.import("v1.csv", &[ABBAS, KGB]).await;
    let found = w.app.screening_search(&w.exporter, &req).await.unwrap();
    assert_eq!(found.matches.first().map(|m| m.source_id.as_str()), Some(ABBAS));
    w.submitted("Gendarmerie nationale", "FR").await;

    let log = w.app.screening_log(&w.officer, 100).unwrap();
    let search = log.iter().find(|r| r.purpose == Trigger::Search).unwrap();
    assert_eq!(search.by, Some(w.exporter.user));
    assert_eq!(search.queries[0].name, "Rim Abbas");
    assert!(search.lists.iter().any(|l| l.name == "us-csl" && l.version == 1));
    assert_eq!(search.results[0].source_id, ABBAS);
    let sub = log.iter().find(|r| r.purpose == Trigger::Submission).unwrap();
    assert_eq!(sub.queries[0].name, "Gendarmerie nationale");
    assert!(sub.results.is_empty());
    assert!(matches!(w.app.screening_log(&w.exporter, 10), Err(AppError::Forbidden(_))));

    // The log survives a restart: it is folded from the event log.
    let again = oversight_testkit::open_app(&w.db, Arc::new(SystemClock)).await;
    assert_eq!(again.screening_log(&w.officer, 100).unwrap(), log);
}
