//! Appeals with time moved forward: the window, the panel's independence read from the case's
//! history, questions, the decision and its effect on the case.

use super::*;
use crate::{
    Context, Gates,
    application::Decision,
    control_list::ControlList,
    lifecycle::{self, Command},
    test_support::{authority, exporter_of, licensed_case},
};
use chrono::TimeZone;

fn at(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, 12, 0, 0).unwrap()
}

/// The licensed fixture, refused instead on 2 March by approver 30 (recommended by officer 20).
fn refused() -> (Application, Vec<Recorded>) {
    let mut case = licensed_case();
    case.licence = None;
    case.status = crate::ApplicationStatus::Denied;
    let decision = Decision {
        by: authority(&[Role::Approver], 30).user,
        outcome: Outcome::Deny,
        criteria: vec![2],
        public_rationale: "Refused.".into(),
        internal_note: String::new(),
        conditions: vec![],
        at: at(3, 2),
        departure: None,
        obligations: vec![],
        second_approver: None,
    };
    case.decision = Some(decision.clone());
    let history = vec![
        Recorded {
            actor: authority(&[Role::LicensingOfficer], 20).user,
            at: at(2, 1),
            event: Event::Assigned { officer: authority(&[], 20).user },
        },
        Recorded {
            actor: authority(&[Role::Approver], 30).user,
            at: at(3, 2),
            event: Event::Decided { decision },
        },
    ];
    (case, history)
}

/// The human-rights assessor (user 40) recorded the case's HRIA.
const ASSESSOR: [UserId; 1] = [UserId(Uuid::from_u128(40))];

fn ctx<'a>(
    actor: &'a Actor,
    now: DateTime<Utc>,
    case: &'a Application,
    history: &'a [Recorded],
) -> AppealContext<'a> {
    AppealContext {
        actor,
        now,
        case,
        history,
        other_actors: &ASSESSOR,
        window_days: DEFAULT_WINDOW_DAYS,
        open_on_subject: false,
    }
}

fn run(a: Option<Appeal>, cmd: AppealCommand, c: &AppealContext<'_>) -> Result<Option<Appeal>, Rejection> {
    Ok(decide(a.as_ref(), cmd, c)?.iter().fold(a, |s, e| apply(s, e, c.now)))
}

fn file() -> AppealCommand {
    AppealCommand::File {
        id: Uuid::from_u128(1),
        subject: AppealSubject::Refusal,
        grounds: "The end user is under judicial oversight.".into(),
        documents: vec![],
    }
}

#[test]
fn an_appeal_after_the_window_is_refused_with_the_date_it_closed() {
    let (case, history) = refused();
    let exporter = exporter_of(&case);
    // 28 calendar days after 2 March: open until 30 March.
    assert!(run(None, file(), &ctx(&exporter, at(3, 30), &case, &history)).is_ok());
    let late = run(None, file(), &ctx(&exporter, at(3, 31), &case, &history)).unwrap_err();
    assert!(matches!(&late, Rejection::Blocked(m) if m.contains("closed on 2026-03-30")), "{late:?}");
    // A configured window of 60 days.
    let c = AppealContext { window_days: 60, ..ctx(&exporter, at(3, 31), &case, &history) };
    assert!(run(None, file(), &c).is_ok());
    // Nothing to appeal: a suspension of a licence that is not suspended; only the owner appeals.
    let none = AppealCommand::File {
        id: Uuid::from_u128(2),
        subject: AppealSubject::Suspension,
        grounds: "g".into(),
        documents: vec![],
    };
    assert!(
        matches!(run(None, none, &ctx(&exporter, at(3, 3), &case, &history)), Err(Rejection::Invalid(e)) if e.field == "subject")
    );
    let officer = authority(&[Role::LicensingOfficer], 21);
    assert!(matches!(
        run(None, file(), &ctx(&officer, at(3, 3), &case, &history)),
        Err(Rejection::Forbidden(_))
    ));
    let mut other = exporter.clone();
    other.org = crate::OrgId(Uuid::from_u128(5));
    assert_eq!(run(None, file(), &ctx(&other, at(3, 3), &case, &history)), Err(Rejection::NotFound));
    let c = AppealContext { open_on_subject: true, ..ctx(&exporter, at(3, 3), &case, &history) };
    assert!(matches!(run(None, file(), &c), Err(Rejection::Blocked(_))));
}

#[test]
fn a_panel_member_who_worked_on_the_case_cannot_sit_and_the_panel_decides_once_complete() {
    let (case, history) = refused();
    let exporter = exporter_of(&case);
    let a = run(None, file(), &ctx(&exporter, at(3, 5), &case, &history)).unwrap();
    // User 20 was the case officer; given the panel role later, still not independent.
    let former_officer = authority(&[Role::ReviewPanelMember], 20);
    let m1 = authority(&[Role::ReviewPanelMember], 61);
    let m2 = authority(&[Role::ReviewPanelMember], 62);
    let now = at(3, 6);
    let joined =
        run(a.clone(), AppealCommand::JoinPanel, &ctx(&former_officer, now, &case, &history)).unwrap_err();
    assert!(matches!(&joined, Rejection::Forbidden(m) if m.contains("took part")), "{joined:?}");
    let assessor = authority(&[Role::ReviewPanelMember], 40);
    assert!(matches!(
        run(a.clone(), AppealCommand::JoinPanel, &ctx(&assessor, now, &case, &history)),
        Err(Rejection::Forbidden(_))
    ));
    assert!(matches!(
        run(
            a.clone(),
            AppealCommand::JoinPanel,
            &ctx(&authority(&[Role::Approver], 63), now, &case, &history)
        ),
        Err(Rejection::Forbidden(_))
    ));
    let a = run(a, AppealCommand::JoinPanel, &ctx(&m1, now, &case, &history)).unwrap();
    assert!(matches!(
        run(a.clone(), AppealCommand::JoinPanel, &ctx(&m1, now, &case, &history)),
        Err(Rejection::Blocked(_))
    ));
    let decide_cmd =
        |o| AppealCommand::Decide { outcome: o, reasons: "The panel finds the risk was overstated.".into() };
    assert!(
        matches!(run(a.clone(), decide_cmd(AppealOutcome::Overturned), &ctx(&m1, now, &case, &history)), Err(Rejection::Blocked(m)) if m.contains("needs 2"))
    );
    let a = run(a, AppealCommand::JoinPanel, &ctx(&m2, now, &case, &history)).unwrap();
    // A question holds the decision until answered, by the exporter only.
    let ask = AppealCommand::Ask {
        id: Uuid::from_u128(9),
        question: "Which court authorises the interception?".into(),
    };
    assert!(matches!(
        run(a.clone(), ask.clone(), &ctx(&authority(&[Role::ReviewPanelMember], 64), now, &case, &history)),
        Err(Rejection::Forbidden(_))
    ));
    let a = run(a, ask, &ctx(&m2, now, &case, &history)).unwrap();
    assert!(matches!(
        run(a.clone(), decide_cmd(AppealOutcome::Overturned), &ctx(&m1, now, &case, &history)),
        Err(Rejection::Blocked(_))
    ));
    let answer = AppealCommand::Answer { id: Uuid::from_u128(9), answer: "The district court.".into() };
    assert!(matches!(
        run(a.clone(), answer.clone(), &ctx(&m1, now, &case, &history)),
        Err(Rejection::Forbidden(_))
    ));
    let a = run(a, answer, &ctx(&exporter, now, &case, &history)).unwrap();
    let a = run(a, decide_cmd(AppealOutcome::Overturned), &ctx(&m1, now, &case, &history)).unwrap().unwrap();
    assert_eq!(a.decision.as_ref().unwrap().panel.len(), 2);
    assert!(matches!(
        run(Some(a), decide_cmd(AppealOutcome::Upheld), &ctx(&m2, now, &case, &history)),
        Err(Rejection::Blocked(_))
    ));
}

#[test]
fn an_overturned_refusal_reopens_the_case_for_a_different_approver() {
    let (case, _) = refused();
    let member = authority(&[Role::ReviewPanelMember], 61);
    let cl = ControlList::bundled();
    let c = |actor: Actor| Context { actor, now: at(3, 10), control_list: cl, gates: Gates::open() };
    let cmd = Command::ApplyAppealDecision {
        appeal: Uuid::from_u128(1),
        subject: AppealSubject::Refusal,
        outcome: AppealOutcome::Overturned,
        reasons: "Risk overstated.".into(),
    };
    assert!(matches!(
        lifecycle::decide(Some(&case), cmd.clone(), &c(authority(&[Role::Approver], 31))),
        Err(Rejection::Forbidden(_))
    ));
    let events = lifecycle::decide(Some(&case), cmd, &c(member.clone())).unwrap();
    let reopened = events
        .into_iter()
        .try_fold(case.clone(), |s, event| {
            lifecycle::apply(Some(s), &Recorded { actor: member.user, at: at(3, 10), event })
        })
        .unwrap();
    assert_eq!(reopened.status, crate::ApplicationStatus::PendingDecision);
    assert_eq!(reopened.excluded_approvers, vec![authority(&[], 30).user]);
    let decide = Command::Decide {
        outcome: Outcome::Approve,
        criteria: vec![],
        public_rationale: "Licensed on appeal.".into(),
        internal_note: String::new(),
        conditions: vec![],
        licence_number: "OVS-2026-0002".into(),
        licence_expires_at: at(3, 10) + Duration::days(730),
        departure_justification: String::new(),
        obligations: vec![],
    };
    let original =
        lifecycle::decide(Some(&reopened), decide.clone(), &c(authority(&[Role::Approver], 30))).unwrap_err();
    assert!(matches!(&original, Rejection::Forbidden(m) if m.contains("different approver")), "{original:?}");
    assert!(lifecycle::decide(Some(&reopened), decide, &c(authority(&[Role::Approver], 31))).is_ok());
}
