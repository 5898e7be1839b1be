use super::*;
use crate::{
    roles::OrgKind,
    test_support::{EXPORTER_ORG, authority},
};
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn officer() -> Actor {
    authority(&[Role::EnforcementOfficer], 40)
}

fn licence() -> (ApplicationId, String) {
    (ApplicationId(Uuid::from_u128(999)), "OVS-2026-0001".into())
}

fn ctx_at(at: DateTime<Utc>, live: &[(ApplicationId, String)]) -> Context<'_> {
    Context { now: at, live_licences: live }
}

fn run(
    record: Option<ExporterRecord>,
    cmd: EnforcementCommand,
    who: &Actor,
    at: DateTime<Utc>,
) -> Result<Option<ExporterRecord>, Rejection> {
    let live = [licence()];
    let events = decide(record.as_ref(), EXPORTER_ORG, cmd, who, &ctx_at(at, &live))?;
    assert!(!events.is_empty());
    Ok(events.iter().fold(record, apply))
}

fn open(id: u128) -> EnforcementCommand {
    EnforcementCommand::Open {
        id: Uuid::from_u128(id),
        origin: Origin::RefusedShipment,
        source: Some("0192e8a0-0000-7000-8000-000000000001".into()),
        summary: "Three shipments refused for a consignee not on the licence.".into(),
    }
}

fn conclude(id: u128, violation: bool, penalties: Vec<Penalty>) -> EnforcementCommand {
    EnforcementCommand::Conclude {
        investigation: Uuid::from_u128(id),
        violation,
        findings: "The exporter shipped to an unlicensed consignee twice.".into(),
        penalties,
    }
}

/// A record with investigation `id` opened and concluded at `at` with `penalties`.
fn concluded(
    record: Option<ExporterRecord>,
    id: u128,
    at: DateTime<Utc>,
    penalties: Vec<Penalty>,
) -> ExporterRecord {
    let r = run(record, open(id), &officer(), at).unwrap();
    run(r, conclude(id, true, penalties), &officer(), at).unwrap().unwrap()
}

#[test]
fn only_enforcement_officers_investigate_and_the_platform_may_only_open() {
    let exporter = Actor {
        user: UserId(Uuid::from_u128(10)),
        org: EXPORTER_ORG,
        org_kind: OrgKind::Exporter,
        roles: vec![Role::Exporter],
    };
    let others = [
        exporter,
        authority(&[Role::Approver], 30),
        authority(&[Role::LicensingOfficer], 20),
        authority(&[Role::Ombudsperson], 70),
        authority(&[Role::Administrator], 50),
        authority(&[Role::ReviewPanelMember], 60),
    ];
    for who in &others {
        let r = run(None, open(1), who, now());
        assert!(matches!(r, Err(Rejection::Forbidden(_))), "{:?}: {r:?}", who.roles);
    }
    let platform = Actor::platform();
    let r = run(None, open(1), &platform, now()).unwrap().unwrap();
    assert_eq!(r.investigations[0].opened_by, None, "the platform opened it");
    assert_eq!(r.investigations[0].reference, "INV-0000000001");
    for cmd in [
        EnforcementCommand::AddEvidence { investigation: Uuid::from_u128(1), note: "n".into(), file: None },
        conclude(1, false, vec![]),
    ] {
        for who in others.iter().chain([&platform]) {
            let r = run(Some(r.clone()), cmd.clone(), who, now());
            assert!(matches!(r, Err(Rejection::Forbidden(_))), "{:?}: {r:?}", who.roles);
        }
    }
    let by_officer = run(None, open(2), &officer(), now()).unwrap().unwrap();
    assert_eq!(by_officer.investigations[0].opened_by, Some(officer().user));
    assert_eq!(by_officer.exporter, EXPORTER_ORG);
}

#[test]
fn an_investigation_names_its_source_and_says_what_it_is_about() {
    let cmd = |origin, source: Option<&str>, summary: &str| EnforcementCommand::Open {
        id: Uuid::from_u128(1),
        origin,
        source: source.map(String::from),
        summary: summary.into(),
    };
    for origin in Origin::ALL.into_iter().filter(Origin::needs_source) {
        let r = run(None, cmd(origin, Some("  "), "why"), &officer(), now());
        assert!(matches!(&r, Err(Rejection::Invalid(e)) if e.field == "source"), "{origin:?}: {r:?}");
    }
    assert!(run(None, cmd(Origin::Officer, None, "Press reports of sales to X."), &officer(), now()).is_ok());
    let r = run(None, cmd(Origin::Officer, None, "   "), &officer(), now());
    assert!(matches!(&r, Err(Rejection::Invalid(e)) if e.field == "summary"), "{r:?}");
    let once = run(None, open(1), &officer(), now()).unwrap();
    assert!(matches!(run(once, open(1), &officer(), now()), Err(Rejection::AlreadyExists)));
    let r = run(
        None,
        EnforcementCommand::AddEvidence { investigation: Uuid::from_u128(9), note: "n".into(), file: None },
        &officer(),
        now(),
    );
    assert!(matches!(r, Err(Rejection::NotFound)));
}

#[test]
fn penalties_follow_a_finding_of_violation_and_are_checked_one_by_one() {
    let r = run(None, open(1), &officer(), now()).unwrap();
    let field_of = |penalties: Vec<Penalty>, violation: bool| match run(
        r.clone(),
        conclude(1, violation, penalties),
        &officer(),
        now(),
    ) {
        Err(Rejection::Invalid(e)) => e.field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field_of(vec![Penalty::Warning], false), "penalties");
    assert_eq!(field_of(vec![Penalty::Fine { amount_eur: 0 }], true), "penalties[0].amount_eur");
    assert_eq!(
        field_of(vec![Penalty::Warning, Penalty::Fine { amount_eur: MAX_FINE_EUR + 1 }], true),
        "penalties[1].amount_eur"
    );
    assert_eq!(field_of(vec![Penalty::Debarment { until: now().date_naive() }], true), "penalties[0].until");
    assert_eq!(
        field_of(vec![Penalty::Debarment { until: (now() + days(365 * 11)).date_naive() }], true),
        "penalties[0].until"
    );
    let other_licence =
        Penalty::LicenceSuspension { case: ApplicationId(Uuid::from_u128(5)), licence_number: String::new() };
    assert_eq!(field_of(vec![other_licence], true), "penalties[0].case");
    assert_eq!(field_of(vec![Penalty::Warning, Penalty::Warning], true), "penalties[1]");
    let suspension = Penalty::LicenceSuspension { case: licence().0, licence_number: String::new() };
    assert_eq!(field_of(vec![suspension.clone(), suspension.clone()], true), "penalties[1]");
    let r = run(None, open(1), &officer(), now()).unwrap();
    let r = run(r, conclude(1, false, vec![]), &officer(), now()).unwrap();
    assert!(r.as_ref().unwrap().investigations[0].violation_found_at().is_none(), "no violation, no finding");

    // Everything at once: the suspension gets its licence number from the live licences.
    let until = (now() + days(730)).date_naive();
    let rec = concluded(
        None,
        1,
        now(),
        vec![
            Penalty::Warning,
            Penalty::Fine { amount_eur: 250_000 },
            suspension,
            Penalty::Debarment { until },
        ],
    );
    let c = rec.investigations[0].conclusion.as_ref().unwrap();
    assert!(
        c.penalties.contains(&Penalty::LicenceSuspension { case: licence().0, licence_number: licence().1 })
    );
    assert_eq!(c.penalties[1].describe(), "a fine of EUR 250,000");
    // A concluded investigation takes nothing more, and says since when.
    for cmd in [
        EnforcementCommand::AddEvidence {
            investigation: Uuid::from_u128(1),
            note: "late".into(),
            file: None,
        },
        conclude(1, false, vec![]),
    ] {
        let r = run(Some(rec.clone()), cmd, &officer(), now() + days(1));
        assert!(matches!(&r, Err(Rejection::Blocked(m)) if m.contains("2026-06-01")), "{r:?}");
    }
}

#[test]
fn evidence_is_kept_in_order_with_who_and_when() {
    let r = run(None, open(1), &officer(), now()).unwrap();
    let file = EvidenceFile { filename: "invoice.pdf".into(), sha256: "a".repeat(64), size: 10 };
    let add = |note: &str, file| EnforcementCommand::AddEvidence {
        investigation: Uuid::from_u128(1),
        note: note.into(),
        file,
    };
    let r =
        run(r, add("Invoice to the unlicensed consignee.", Some(file.clone())), &officer(), now() + days(1))
            .unwrap();
    let r = run(r, add("Customs record of the second shipment.", None), &officer(), now() + days(2)).unwrap();
    let e = &r.as_ref().unwrap().investigations[0].evidence;
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].file.as_ref(), e[0].by, e[1].at), (Some(&file), officer().user, now() + days(2)));
    assert!(
        matches!(run(r, add(" ", None), &officer(), now()), Err(Rejection::Invalid(e)) if e.field == "note")
    );
}

#[test]
fn repeat_offenders_and_debarred_exporters_go_to_senior_review() {
    let policy = RepeatPolicy::default();
    assert_eq!(standing(None, policy, now()), Standing::default());
    let one = concluded(None, 1, now() - days(400), vec![Penalty::Warning]);
    assert_eq!(standing(Some(&one), policy, now()).senior_review, None);
    assert_eq!(standing(Some(&one), policy, now()).recent_findings, vec!["INV-0000000001"]);
    // A finding of no violation does not count.
    let r = run(Some(one.clone()), open(2), &officer(), now()).unwrap();
    let cleared = run(r, conclude(2, false, vec![]), &officer(), now()).unwrap().unwrap();
    assert_eq!(standing(Some(&cleared), policy, now()).senior_review, None);
    // The second finding within three years makes a repeat offender.
    let two = concluded(Some(one.clone()), 3, now() - days(10), vec![Penalty::Fine { amount_eur: 10_000 }]);
    let s = standing(Some(&two), policy, now());
    assert_eq!(s.recent_findings, vec!["INV-0000000003", "INV-0000000001"]);
    assert!(s.senior_review.as_deref().unwrap().contains("INV-0000000003, INV-0000000001"), "{s:?}");
    // ... until the older one leaves the period; and the policy's numbers are the ones used.
    assert_eq!(standing(Some(&two), policy, now() + days(3 * 365 - 399)).senior_review, None);
    let strict = RepeatPolicy { findings: 1, period_days: 30 };
    assert!(standing(Some(&two), strict, now()).senior_review.is_some());
    assert!(standing(Some(&one), strict, now()).senior_review.is_none(), "400 days ago is outside 30 days");
    let off = RepeatPolicy { findings: 0, period_days: 30 };
    assert!(standing(Some(&two), off, now()).senior_review.is_none(), "0 findings: the rule is off");
    // A debarment in force is senior review whatever the count, until its last day.
    let until = (now() + days(90)).date_naive();
    let debarred = concluded(None, 4, now(), vec![Penalty::Debarment { until }]);
    let s = standing(Some(&debarred), strict, now() + days(90));
    assert_eq!(s.debarred_until, Some(until));
    assert!(s.senior_review.unwrap().contains("debarred until"));
    let after = standing(Some(&debarred), RepeatPolicy::default(), now() + days(91));
    assert_eq!((after.debarred_until, after.senior_review), (None, None));
    // Not in force before it was imposed.
    assert_eq!(standing(Some(&debarred), RepeatPolicy::default(), now() - days(1)).debarred_until, None);
}

#[test]
fn the_debarment_list_holds_debarments_in_force_and_its_version_only_grows() {
    let until = (now() + days(30)).date_naive();
    let a = concluded(None, 1, now(), vec![Penalty::Debarment { until }]);
    let mut b = concluded(None, 2, now(), vec![Penalty::Fine { amount_eur: 5 }]);
    b.exporter = OrgId(Uuid::from_u128(2));
    let both = [a.clone(), b.clone()];
    assert_eq!(active_debarments(&both, now()), vec![(EXPORTER_ORG, until, "INV-0000000001".into())]);
    let v1 = debarment_list_version(&both, now());
    let v2 = debarment_list_version(&both, now() + days(31));
    assert!(active_debarments(&both, now() + days(31)).is_empty());
    assert_eq!((v1, v2), (1, 2), "imposed, then ended: two changes");
    let c = concluded(
        Some(a),
        3,
        now() + days(40),
        vec![Penalty::Debarment { until: (now() + days(400)).date_naive() }],
    );
    assert_eq!(debarment_list_version(&[c.clone(), b], now() + days(40)), 3);
    assert_eq!(active_debarments(&[c], now() + days(40))[0].2, "INV-0000000003");
}

#[test]
fn warnings_fines_and_debarments_are_published_naming_the_exporter_suspensions_by_the_licence() {
    let until = (now() + days(365)).date_naive();
    let suspension = Penalty::LicenceSuspension { case: licence().0, licence_number: String::new() };
    let rec = concluded(
        None,
        1,
        now(),
        vec![
            Penalty::Warning,
            Penalty::Fine { amount_eur: 250_000 },
            suspension,
            Penalty::Debarment { until },
        ],
    );
    let mut n = 0;
    let records = penalty_records(&rec.investigations[0], "Nordwatch Systems AB", || {
        n += 1;
        format!("r{n}")
    });
    let kinds: Vec<RecordKind> = records.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, vec![RecordKind::Penalty, RecordKind::Penalty, RecordKind::Debarment]);
    for r in &records {
        assert_eq!(r.exporter.as_deref(), Some("Nordwatch Systems AB"));
        assert!(r.excluded_from_statistics.is_some() && !r.first_decision);
        assert_eq!(
            r.public_rationale.as_deref(),
            Some("The exporter shipped to an unlicensed consignee twice.")
        );
        assert_eq!(PublicRecord::from_leaf(&r.to_leaf()).unwrap(), *r, "the leaf reads back");
        assert_eq!(r.penalty.as_ref().unwrap().investigation, "INV-0000000001");
    }
    assert_eq!(records[1].penalty.as_ref().unwrap().fine_eur, Some(250_000));
    assert_eq!(records[2].penalty.as_ref().unwrap().debarred_until, Some(until));
    assert_eq!(records[0].record_id, "r1");
    // No violation, nothing published; an open investigation, nothing.
    let r = run(None, open(1), &officer(), now()).unwrap().unwrap();
    assert!(penalty_records(&r.investigations[0], "x", String::new).is_empty());
    let r = run(Some(r), conclude(1, false, vec![]), &officer(), now()).unwrap().unwrap();
    assert!(penalty_records(&r.investigations[0], "x", String::new).is_empty());
}
