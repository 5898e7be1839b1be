//! The compliance rules with time moved forward: shipments drawn down and refused, obligations
//! falling due, going overdue, and a grace period ending in a review.

use super::*;
use crate::test_support::{authority, exporter_of, item_id, licensed_case};
use chrono::TimeZone;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

fn officer() -> Actor {
    authority(&[Role::LicensingOfficer], 20)
}

fn run(
    record: Compliance,
    case: &Application,
    actor: &Actor,
    now: DateTime<Utc>,
    cmd: ComplianceCommand,
) -> Result<Compliance, Rejection> {
    let events = decide(&record, cmd, &ComplianceContext { actor, now, case, notices: &[] })?;
    Ok(events.iter().fold(record, apply))
}

fn ship(n: u128, date: NaiveDate, quantity: u32, value: u64, consignee: &str) -> ComplianceCommand {
    ComplianceCommand::ReportShipment {
        id: Uuid::from_u128(n),
        date,
        lines: vec![ShipmentLine { item: item_id(), quantity }],
        value_eur: value,
        consignee: consignee.into(),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn pdf() -> Option<EvidenceFile> {
    Some(EvidenceFile { filename: "euc.pdf".into(), sha256: "ab".repeat(32), size: 10 })
}

/// The record with the end-use certificate sent and accepted.
fn with_certificate(case: &Application) -> Compliance {
    let exporter = exporter_of(case);
    let r = run(
        Compliance::default(),
        case,
        &exporter,
        at(2026, 3, 5),
        ComplianceCommand::Fulfil {
            key: "t0".into(),
            note: "signed by the directorate".into(),
            document: pdf(),
        },
    )
    .unwrap();
    run(
        r,
        case,
        &officer(),
        at(2026, 3, 6),
        ComplianceCommand::Judge { key: "t0".into(), accept: true, reason: "signature checked".into() },
    )
    .unwrap()
}

fn status(case: &Application, r: &Compliance, today: NaiveDate, key: &str) -> ObligationStatus {
    obligations(case, r, today)
        .into_iter()
        .find(|o| o.key == key)
        .unwrap_or_else(|| panic!("no obligation {key}"))
        .status
}

#[test]
fn a_shipment_before_the_end_use_certificate_is_accepted_is_refused_and_recorded() {
    let case = licensed_case();
    let exporter = exporter_of(&case);
    let r = run(
        Compliance::default(),
        &case,
        &exporter,
        at(2026, 3, 10),
        ship(1, day(2026, 3, 9), 2, 200_000, "Nordic Secure AS"),
    )
    .unwrap();
    assert_eq!(r.shipments.len(), 1, "a refused shipment is recorded");
    assert!(
        r.shipments[0].refused.iter().any(|x| x.contains("end-use certificate")),
        "{:?}",
        r.shipments[0].refused
    );
    assert_eq!(drawdown(&case, &r).items[0].shipped, 0, "and draws nothing down");
    // Sent but not yet accepted is not enough either.
    let sent = run(
        Compliance::default(),
        &case,
        &exporter,
        at(2026, 3, 5),
        ComplianceCommand::Fulfil { key: "t0".into(), note: "n".into(), document: pdf() },
    )
    .unwrap();
    assert_eq!(status(&case, &sent, day(2026, 3, 5), "t0"), ObligationStatus::Submitted);
    let r = run(sent, &case, &exporter, at(2026, 3, 10), ship(2, day(2026, 3, 9), 1, 1, "Nordic Secure AS"))
        .unwrap();
    assert!(r.shipments[0].is_refused());
}

#[test]
fn shipments_draw_the_licence_down_and_beyond_it_are_refused_with_each_reason() {
    let case = licensed_case();
    let exporter = exporter_of(&case);
    let r = with_certificate(&case);
    // The consignee's name is matched however it is spaced or cased.
    let r =
        run(r, &case, &exporter, at(2026, 3, 10), ship(1, day(2026, 3, 9), 6, 600_000, "nordic  secure as"))
            .unwrap();
    assert!(!r.shipments[0].is_refused(), "{:?}", r.shipments[0].refused);
    let dd = drawdown(&case, &r);
    assert_eq!((dd.items[0].licensed, dd.items[0].shipped, dd.value_shipped_eur), (10, 6, 600_000));

    let refused = |r: &Compliance| r.shipments.last().unwrap().refused.clone();
    let over_qty = run(
        r.clone(),
        &case,
        &exporter,
        at(2026, 3, 11),
        ship(2, day(2026, 3, 11), 5, 100, "Nordic Secure AS"),
    )
    .unwrap();
    assert!(
        refused(&over_qty).iter().any(|x| x.contains("beyond the licensed quantity")),
        "{:?}",
        refused(&over_qty)
    );
    let over_value = run(
        r.clone(),
        &case,
        &exporter,
        at(2026, 3, 11),
        ship(3, day(2026, 3, 11), 1, 500_000, "Nordic Secure AS"),
    )
    .unwrap();
    assert!(refused(&over_value).iter().any(|x| x.contains("beyond the licensed value")));
    let stranger = run(
        r.clone(),
        &case,
        &exporter,
        at(2026, 3, 11),
        ship(4, day(2026, 3, 11), 1, 1, "Shell Trading FZE"),
    )
    .unwrap();
    assert!(refused(&stranger).iter().any(|x| x.contains("not a consignee or end user")));
    assert_eq!(drawdown(&case, &stranger).items[0].shipped, 6, "refused shipments draw nothing");

    let mut suspended = case.clone();
    suspended.licence.as_mut().unwrap().status = LicenceStatus::Suspended;
    let s = run(
        r.clone(),
        &suspended,
        &exporter,
        at(2026, 3, 11),
        ship(5, day(2026, 3, 11), 1, 1, "Nordic Secure AS"),
    )
    .unwrap();
    assert_eq!(refused(&s), vec!["the licence is suspended".to_string()]);

    let late =
        run(r.clone(), &case, &exporter, at(2028, 3, 5), ship(6, day(2028, 3, 4), 1, 1, "Nordic Secure AS"))
            .unwrap();
    assert!(refused(&late).iter().any(|x| x.contains("after the licence expired")));
}

#[test]
fn a_bad_report_is_refused_and_records_nothing() {
    let case = licensed_case();
    let exporter = exporter_of(&case);
    let r = with_certificate(&case);
    let field = |cmd| match decide(
        &r,
        cmd,
        &ComplianceContext { actor: &exporter, now: at(2026, 3, 10), case: &case, notices: &[] },
    ) {
        Err(Rejection::Invalid(e)) => e.field,
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(field(ship(1, day(2026, 3, 11), 1, 1, "Nordic Secure AS")), "date");
    assert_eq!(field(ship(1, day(2026, 3, 9), 0, 1, "Nordic Secure AS")), "lines[0].quantity");
    assert_eq!(field(ship(1, day(2026, 3, 9), 1, 1, " ")), "consignee");
    let mut bad_item = ship(1, day(2026, 3, 9), 1, 1, "Nordic Secure AS");
    if let ComplianceCommand::ReportShipment { lines, .. } = &mut bad_item {
        lines[0].item = ItemId(Uuid::from_u128(77));
    }
    assert_eq!(field(bad_item), "lines[0].item");
}

#[test]
fn only_the_holder_reports_and_fulfils_only_an_officer_judges_and_another_exporter_sees_nothing() {
    let case = licensed_case();
    let r = Compliance::default();
    let now = at(2026, 3, 10);
    let cmd = || ship(1, day(2026, 3, 9), 1, 1, "Nordic Secure AS");
    assert!(matches!(
        decide(&r, cmd(), &ComplianceContext { actor: &officer(), now, case: &case, notices: &[] }),
        Err(Rejection::Forbidden(_))
    ));
    let mut other = exporter_of(&case);
    other.org = crate::OrgId(Uuid::from_u128(55));
    assert_eq!(
        decide(&r, cmd(), &ComplianceContext { actor: &other, now, case: &case, notices: &[] }),
        Err(Rejection::NotFound)
    );
    let partner =
        Actor { org_kind: OrgKind::PartnerAgency, roles: vec![Role::PartnerAgency], ..other.clone() };
    assert_eq!(
        decide(&r, cmd(), &ComplianceContext { actor: &partner, now, case: &case, notices: &[] }),
        Err(Rejection::NotFound)
    );
    let sent = run(
        r,
        &case,
        &exporter_of(&case),
        now,
        ComplianceCommand::Fulfil { key: "t0".into(), note: "n".into(), document: None },
    )
    .unwrap();
    let judge = ComplianceCommand::Judge { key: "t0".into(), accept: true, reason: "ok".into() };
    for actor in
        [exporter_of(&case), authority(&[Role::Approver], 30), authority(&[Role::EnforcementOfficer], 40)]
    {
        assert!(
            matches!(
                decide(
                    &sent,
                    judge.clone(),
                    &ComplianceContext { actor: &actor, now, case: &case, notices: &[] }
                ),
                Err(Rejection::Forbidden(_))
            ),
            "{actor:?}"
        );
    }
    // Fulfilling twice while one waits, or an obligation that does not exist.
    let again = ComplianceCommand::Fulfil { key: "t0".into(), note: "n".into(), document: None };
    assert!(matches!(
        decide(
            &sent,
            again,
            &ComplianceContext { actor: &exporter_of(&case), now, case: &case, notices: &[] }
        ),
        Err(Rejection::Invalid(_))
    ));
    let nothing = ComplianceCommand::Fulfil { key: "t9".into(), note: "n".into(), document: None };
    assert_eq!(
        decide(
            &sent,
            nothing,
            &ComplianceContext { actor: &exporter_of(&case), now, case: &case, notices: &[] }
        ),
        Err(Rejection::NotFound)
    );
}

#[test]
fn verification_follows_each_shipment_and_goes_overdue_then_to_review_after_the_grace_period() {
    let case = licensed_case();
    let exporter = exporter_of(&case);
    let r = with_certificate(&case);
    let r = run(
        r,
        &case,
        &exporter,
        at(2026, 4, 1),
        ship(1, day(2026, 4, 1), 2, 200_000, "National Police Directorate"),
    )
    .unwrap();
    let key = format!("t1-s{}", Uuid::from_u128(1).simple());
    let psv = |today| obligations(&case, &r, today).into_iter().find(|o| o.key == key).unwrap();
    assert_eq!(psv(day(2026, 4, 2)).due, Some(day(2026, 5, 1)));
    assert_eq!(psv(day(2026, 5, 1)).status, ObligationStatus::Pending, "due today is not overdue");
    assert_eq!(psv(day(2026, 5, 2)).status, ObligationStatus::Overdue);
    assert!(psv(day(2026, 5, 2)).status.is_flagged());
    // Training falls due 30 days after the first shipment too.
    assert_eq!(status(&case, &r, day(2026, 5, 2), "t2"), ObligationStatus::Overdue);

    // Grace of 14 days: nothing on the 14th day after, both escalated on the 15th, once.
    assert!(escalations(&case, &r, day(2026, 5, 16), 14).is_empty());
    let due = escalations(&case, &r, day(2026, 5, 17), 14);
    let keys: Vec<_> = due
        .iter()
        .map(|e| match e {
            ComplianceEvent::BreachEscalated { key, .. } => key.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(keys, vec![key.clone(), "t2".to_string()]);
    let platform = Actor::platform();
    let r =
        run(r, &case, &platform, at(2026, 5, 17), ComplianceCommand::Escalate { grace_days: 14 }).unwrap();
    assert!(escalations(&case, &r, day(2026, 5, 30), 14).is_empty(), "a breach goes to review once");
    assert!(obligations(&case, &r, day(2026, 5, 17)).iter().filter(|o| o.escalated).count() == 2);
    // An exporter cannot run the sweep.
    assert!(matches!(
        decide(
            &r,
            ComplianceCommand::Escalate { grace_days: 0 },
            &ComplianceContext { actor: &exporter, now: at(2026, 6, 1), case: &case, notices: &[] }
        ),
        Err(Rejection::Forbidden(_))
    ));
}

#[test]
fn a_failed_verification_goes_to_review_at_once_and_a_rejected_report_after_the_grace_period() {
    let case = licensed_case();
    let exporter = exporter_of(&case);
    let r = with_certificate(&case);
    let r =
        run(r, &case, &exporter, at(2026, 4, 1), ship(1, day(2026, 4, 1), 2, 200_000, "Nordic Secure AS"))
            .unwrap();
    let key = format!("t1-s{}", Uuid::from_u128(1).simple());
    let r = run(
        r,
        &case,
        &exporter,
        at(2026, 4, 20),
        ComplianceCommand::Fulfil { key: key.clone(), note: "visit report".into(), document: pdf() },
    )
    .unwrap();
    let r = run(
        r,
        &case,
        &officer(),
        at(2026, 4, 21),
        ComplianceCommand::Judge {
            key: key.clone(),
            accept: false,
            reason: "serial numbers do not match".into(),
        },
    )
    .unwrap();
    assert_eq!(status(&case, &r, day(2026, 4, 21), &key), ObligationStatus::Rejected);
    let now = escalations(&case, &r, day(2026, 4, 21), 14);
    assert!(
        matches!(&now[..], [ComplianceEvent::BreachEscalated { key: k, reason }] if *k == key && reason.contains("serial numbers")),
        "{now:?}"
    );

    // A periodic report: the first falls due 90 days after issue; rejected, it waits the grace.
    let report = "t3-p1";
    assert_eq!(
        obligations(&case, &r, day(2026, 3, 3)).iter().find(|o| o.key == report).unwrap().due,
        Some(day(2026, 5, 31))
    );
    assert!(
        obligations(&case, &r, day(2026, 3, 3)).iter().all(|o| o.key != "t3-p2"),
        "only the running period shows"
    );
    let r = run(
        r,
        &case,
        &exporter,
        at(2026, 5, 30),
        ComplianceCommand::Fulfil { key: report.into(), note: "in use as licensed".into(), document: None },
    )
    .unwrap();
    let r = run(
        r,
        &case,
        &officer(),
        at(2026, 6, 2),
        ComplianceCommand::Judge { key: report.into(), accept: false, reason: "no site list".into() },
    )
    .unwrap();
    let within = escalations(&case, &r, day(2026, 6, 16), 14);
    assert!(
        within.iter().all(|e| !matches!(e, ComplianceEvent::BreachEscalated { key, .. } if key == report))
    );
    let after = escalations(&case, &r, day(2026, 6, 17), 14);
    assert!(after.iter().any(|e| matches!(e, ComplianceEvent::BreachEscalated { key, .. } if key == report)));
    // Sent again and accepted, it is no longer flagged.
    let r = run(
        r,
        &case,
        &exporter,
        at(2026, 6, 3),
        ComplianceCommand::Fulfil { key: report.into(), note: "with the site list".into(), document: pdf() },
    )
    .unwrap();
    let r = run(
        r,
        &case,
        &officer(),
        at(2026, 6, 4),
        ComplianceCommand::Judge { key: report.into(), accept: true, reason: "complete".into() },
    )
    .unwrap();
    assert_eq!(status(&case, &r, day(2026, 7, 1), report), ObligationStatus::Accepted);
    assert_eq!(r.submissions[report].len(), 2, "both submissions are kept");
}

#[test]
fn audits_are_requested_only_under_an_audit_condition_and_fall_due_on_their_date() {
    let case = licensed_case();
    let req = |n| ComplianceCommand::RequestAudit {
        id: Uuid::from_u128(n),
        scope: "site visit at the monitoring centre".into(),
        due: day(2026, 4, 30),
    };
    let r = run(Compliance::default(), &case, &officer(), at(2026, 4, 1), req(1)).unwrap();
    let key = format!("audit-{}", Uuid::from_u128(1).simple());
    assert_eq!(status(&case, &r, day(2026, 4, 30), &key), ObligationStatus::Pending);
    assert_eq!(status(&case, &r, day(2026, 5, 1), &key), ObligationStatus::Overdue);
    assert!(matches!(
        decide(
            &r,
            req(2),
            &ComplianceContext { actor: &exporter_of(&case), now: at(2026, 4, 1), case: &case, notices: &[] }
        ),
        Err(Rejection::Forbidden(_))
    ));
    let mut plain = case.clone();
    plain.licence.as_mut().unwrap().obligations.retain(|t| t.kind != ObligationKind::AuditOnRequest);
    assert!(matches!(
        decide(
            &r,
            req(3),
            &ComplianceContext { actor: &officer(), now: at(2026, 4, 1), case: &plain, notices: &[] }
        ),
        Err(Rejection::Blocked(_))
    ));
}

#[test]
fn terms_are_checked_and_worded() {
    assert!(ObligationTerm::parse("o", ObligationKind::EndUseCertificate, Some(3)).is_err());
    assert!(ObligationTerm::parse("o", ObligationKind::PeriodicReport, Some(29)).is_err());
    assert_eq!(ObligationTerm::parse("o", ObligationKind::PeriodicReport, None).unwrap().days, Some(180));
    let t = ObligationTerm::parse("o", ObligationKind::PostShipmentVerification, Some(45)).unwrap();
    assert!(t.wording().contains("within 45 days"));
    assert!(parse_terms("o", &vec![t; 11]).is_err());
}

#[test]
fn an_informed_notice_issued_after_the_licence_holds_a_covered_shipment_to_a_new_licence() {
    use crate::reports::InformedNotice;
    let case = licensed_case();
    let exporter = exporter_of(&case);
    let r = with_certificate(&case);
    let notice = |at: DateTime<Utc>, end_user: &str| InformedNotice {
        id: Uuid::from_u128(3),
        exporter: case.org,
        item: "Unlisted analytics module".into(),
        end_user: Some(end_user.into()),
        destination: None,
        reason: "r".into(),
        issued_by: authority(&[Role::Approver], 30).user,
        issued_at: at,
        withdrawn_at: None,
    };
    let notices = [notice(at(2026, 4, 1), "National Police Directorate")];
    let cmd = ship(1, day(2026, 4, 2), 1, 1, "Nordic Secure AS");
    let events = decide(
        &r,
        cmd.clone(),
        &ComplianceContext { actor: &exporter, now: at(2026, 4, 2), case: &case, notices: &notices },
    )
    .unwrap();
    assert!(
        matches!(&events[0], ComplianceEvent::ShipmentRefused { shipment } if shipment.refused.iter().any(|x| x.contains("informed notice"))),
        "{events:?}"
    );
    // A notice older than the licence was known when it was issued; another end user's is not this one.
    for notices in
        [[notice(at(2026, 1, 1), "National Police Directorate")], [notice(at(2026, 4, 1), "Someone Else")]]
    {
        let events = decide(
            &r,
            cmd.clone(),
            &ComplianceContext { actor: &exporter, now: at(2026, 4, 2), case: &case, notices: &notices },
        )
        .unwrap();
        assert!(matches!(&events[0], ComplianceEvent::ShipmentReported { .. }), "{events:?}");
    }
}
