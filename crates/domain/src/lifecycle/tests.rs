//! Transition-by-transition tests of the lifecycle: every (command, state) pair is tried with an actor
//! who holds the right role, and the outcome is checked against the explicit table below; then every
//! command is tried by every role that must not issue it.

use super::*;
use chrono::{Duration, TimeZone};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

const EXPORTER_ORG: OrgId = OrgId(Uuid::from_u128(1));
const OTHER_EXPORTER_ORG: OrgId = OrgId(Uuid::from_u128(2));
const AUTHORITY: OrgId = OrgId(Uuid::from_u128(100));

fn actor(user: u128, org: OrgId, kind: OrgKind, roles: &[Role]) -> Actor {
    Actor { user: UserId(Uuid::from_u128(user)), org, org_kind: kind, roles: roles.to_vec() }
}
fn exporter() -> Actor {
    actor(10, EXPORTER_ORG, OrgKind::Exporter, &[Role::Exporter])
}
fn other_exporter() -> Actor {
    actor(11, OTHER_EXPORTER_ORG, OrgKind::Exporter, &[Role::Exporter])
}
fn officer() -> Actor {
    actor(20, AUTHORITY, OrgKind::Authority, &[Role::LicensingOfficer])
}
fn approver() -> Actor {
    actor(30, AUTHORITY, OrgKind::Authority, &[Role::Approver])
}
fn enforcement() -> Actor {
    actor(40, AUTHORITY, OrgKind::Authority, &[Role::EnforcementOfficer])
}
fn admin() -> Actor {
    actor(50, AUTHORITY, OrgKind::Authority, &[Role::Administrator])
}
/// Every kind of user, for the "wrong role" sweep.
fn everyone() -> Vec<Actor> {
    let mut all = vec![exporter(), other_exporter(), officer(), approver(), enforcement(), admin()];
    for (i, role) in [Role::HumanRightsAssessor, Role::ReviewPanelMember].into_iter().enumerate() {
        all.push(actor(60 + i as u128, AUTHORITY, OrgKind::Authority, &[role]));
    }
    all.push(actor(70, OrgId(Uuid::from_u128(3)), OrgKind::PartnerAgency, &[Role::PartnerAgency]));
    all
}

fn ctx(actor: Actor) -> Context<'static> {
    Context { actor, now: now(), control_list: ControlList::bundled(), gates: Gates::open() }
}

fn run(state: Option<Application>, actor: Actor, cmd: Command) -> Result<Option<Application>, Rejection> {
    let c = ctx(actor.clone());
    let events = decide(state.as_ref(), cmd, &c)?;
    assert!(!events.is_empty(), "an accepted command produces events");
    Ok(events.into_iter().fold(state, |s, event| apply(s, &Recorded { actor: actor.user, at: c.now, event })))
}

fn ok(state: Option<Application>, actor: Actor, cmd: Command) -> Option<Application> {
    let name = cmd.name();
    run(state, actor, cmd).unwrap_or_else(|e| panic!("{name} was refused: {e}"))
}

fn create() -> Command {
    Command::Create {
        id: ApplicationId(Uuid::from_u128(999)),
        title: "IMSI catcher for border police".into(),
        end_use: "Lawful interception under judicial warrant".into(),
        destination: "NO".into(),
    }
}
fn add_item() -> Command {
    Command::AddItem {
        id: ItemId(Uuid::from_u128(5)),
        control_code: "5A001.f".into(),
        description: "Portable IMSI catcher".into(),
        quantity: 2,
        value_eur: 250_000,
    }
}
fn add_end_user() -> Command {
    Command::AddParty {
        id: PartyId(Uuid::from_u128(6)),
        role: PartyRole::EndUser,
        name: "National Police Directorate".into(),
        address: "Oslo".into(),
        country: "NO".into(),
        sector: Sector::Police,
    }
}
fn assign() -> Command {
    Command::Assign { officer: officer().user, officer_roles: vec![Role::LicensingOfficer] }
}
fn recommend(outcome: Outcome) -> Command {
    let conditions =
        if outcome == Outcome::ApproveWithConditions { vec!["End-use assurance".into()] } else { vec![] };
    Command::Recommend { outcome, reasoning: "Low risk destination, judicial oversight".into(), conditions }
}
fn decide_cmd(outcome: Outcome) -> Command {
    Command::Decide {
        outcome,
        criteria: if outcome == Outcome::Deny { vec![2] } else { vec![] },
        public_rationale: "Assessed against criteria 1-8".into(),
        internal_note: String::new(),
        conditions: if outcome == Outcome::ApproveWithConditions {
            vec!["Post-shipment verification".into()]
        } else {
            vec![]
        },
        licence_number: "OVS-2026-0001".into(),
        licence_expires_at: now() + Duration::days(730),
        departure_justification: String::new(),
        obligations: vec![],
    }
}
fn reason() -> String {
    "A stated reason".into()
}

/// A case driven to `status` (and, for approvals, with an active licence).
fn case_in(status: S) -> Option<Application> {
    let mut s = ok(None, exporter(), create());
    if status == S::Draft {
        return s;
    }
    s = ok(s, exporter(), add_item());
    s = ok(s, exporter(), add_end_user());
    s = ok(s, exporter(), Command::Submit);
    match status {
        S::Submitted => return s,
        S::Withdrawn => return ok(s, exporter(), Command::Withdraw { reason: reason() }),
        S::OnHold => return ok(s, officer(), Command::PutOnHold { reason: reason(), stops_clock: false }),
        _ => {}
    }
    s = ok(s, officer(), assign());
    match status {
        S::UnderReview => return s,
        S::Consultation => {
            return ok(
                s,
                officer(),
                Command::StartConsultation { with: "Partner state X".into(), reason: reason() },
            );
        }
        _ => {}
    }
    let outcome = match status {
        S::Denied => Outcome::Deny,
        S::ApprovedWithConditions => Outcome::ApproveWithConditions,
        _ => Outcome::Approve,
    };
    s = ok(s, officer(), recommend(outcome));
    if status == S::PendingDecision {
        return s;
    }
    ok(s, approver(), decide_cmd(outcome))
}

/// A command issued by the actor who is entitled to it (so only the state decides).
fn entitled(cmd_name: &str) -> (Actor, Command) {
    match cmd_name {
        "edit" => (
            exporter(),
            Command::EditDraft {
                title: Some("New title".into()),
                end_use: None,
                destination: Some("SE".into()),
            },
        ),
        "add_item" => (exporter(), add_item()),
        "remove_item" => (exporter(), Command::RemoveItem { id: ItemId(Uuid::from_u128(5)) }),
        "add_party" => (exporter(), add_end_user()),
        "remove_party" => (exporter(), Command::RemoveParty { id: PartyId(Uuid::from_u128(6)) }),
        "attach" => (
            exporter(),
            Command::AttachDocument {
                id: DocumentId(Uuid::from_u128(7)),
                kind: DocumentKind::EndUseUndertaking,
                filename: "undertaking.pdf".into(),
                sha256: "ab".repeat(32),
                size: 1234,
            },
        ),
        "submit" => (exporter(), Command::Submit),
        "assign" => (officer(), assign()),
        "start_consultation" => (
            officer(),
            Command::StartConsultation { with: "Ministry of Foreign Affairs".into(), reason: reason() },
        ),
        "end_consultation" => (officer(), Command::EndConsultation { summary: "No objection".into() }),
        "recommend" => (officer(), recommend(Outcome::Approve)),
        "decide" => (approver(), decide_cmd(Outcome::Approve)),
        "withdraw" => (exporter(), Command::Withdraw { reason: reason() }),
        "hold" => (officer(), Command::PutOnHold { reason: reason(), stops_clock: false }),
        "resume" => (officer(), Command::Resume { reason: reason() }),
        "suspend" => (approver(), Command::SuspendLicence { reason: reason() }),
        "reinstate" => (approver(), Command::ReinstateLicence { reason: reason() }),
        "revoke" => (approver(), Command::RevokeLicence { reason: reason() }),
        "surrender" => (exporter(), Command::SurrenderLicence { reason: reason() }),
        "add_conditions" => (
            approver(),
            Command::AddLicenceConditions {
                conditions: vec!["No onward transfer".into()],
                obligations: vec![],
                reason: reason(),
            },
        ),
        other => panic!("unknown command {other}"),
    }
}

const COMMANDS: [&str; 20] = [
    "edit",
    "add_item",
    "remove_item",
    "add_party",
    "remove_party",
    "attach",
    "submit",
    "assign",
    "start_consultation",
    "end_consultation",
    "recommend",
    "decide",
    "withdraw",
    "hold",
    "resume",
    "suspend",
    "reinstate",
    "revoke",
    "surrender",
    "add_conditions",
];

/// The allowed application transitions: (command, from, to). Everything not here must be refused.
/// Licence commands are covered separately below since they act on the licence, not the case state.
fn allowed() -> Vec<(&'static str, S, S)> {
    use S::*;
    let mut t = vec![
        ("edit", Draft, Draft),
        ("add_item", Draft, Draft),
        ("remove_item", Draft, Draft),
        ("add_party", Draft, Draft),
        ("remove_party", Draft, Draft),
        ("submit", Draft, Submitted),
        ("assign", Submitted, UnderReview),
        ("assign", UnderReview, UnderReview),
        ("start_consultation", UnderReview, Consultation),
        ("end_consultation", Consultation, UnderReview),
        ("recommend", UnderReview, PendingDecision),
        ("decide", PendingDecision, Approved),
        ("resume", OnHold, Submitted),
    ];
    for open in [Draft, Submitted, UnderReview, Consultation, PendingDecision, OnHold] {
        t.push(("attach", open, open));
        t.push(("withdraw", open, Withdrawn));
    }
    for open in [Submitted, UnderReview, Consultation, PendingDecision] {
        t.push(("hold", open, OnHold));
    }
    t
}

#[test]
fn every_case_transition_is_allowed_exactly_as_the_table_says() {
    let table = allowed();
    let mut checked = 0;
    for from in S::ALL {
        for name in COMMANDS.iter().copied().filter(|c| !LICENCE_COMMANDS.contains(c)) {
            let (who, cmd) = entitled(name);
            let state = case_in(from);
            // Submitting and removing need an item and an end user: give the draft both.
            let state = if from == S::Draft {
                let s = ok(state, exporter(), add_item());
                ok(s, exporter(), add_end_user())
            } else {
                state
            };
            let expected = table.iter().find(|(c, f, _)| *c == name && *f == from).map(|(_, _, to)| *to);
            let result = run(state, who, cmd);
            match (expected, result) {
                (Some(to), Ok(Some(app))) => assert_eq!(app.status, to, "{name} from {from:?}"),
                (None, Err(Rejection::InvalidTransition { .. })) => {}
                (expected, result) => {
                    panic!("{name} from {from:?}: expected {expected:?}, got {result:?}")
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 10 * 15);
}

#[test]
fn decisions_lead_to_the_matching_state_and_licence() {
    let approved = case_in(S::Approved).unwrap();
    assert_eq!(approved.licence.as_ref().unwrap().status, LicenceStatus::Active);
    let conditional = case_in(S::ApprovedWithConditions).unwrap();
    assert_eq!(
        conditional.licence.as_ref().unwrap().conditions,
        vec!["Post-shipment verification".to_string()]
    );
    let denied = case_in(S::Denied).unwrap();
    assert!(denied.licence.is_none());
    assert_eq!(denied.decision.as_ref().unwrap().criteria, vec![2]);
}

#[test]
fn obligations_decided_with_the_licence_are_written_as_its_conditions_and_added_later_by_an_approver() {
    use crate::compliance::{ObligationKind, ObligationTerm};
    let psv = ObligationTerm { kind: ObligationKind::PostShipmentVerification, days: Some(45) };
    let mut cmd = decide_cmd(Outcome::ApproveWithConditions);
    if let Command::Decide { conditions, obligations, .. } = &mut cmd {
        conditions.clear();
        obligations.push(ObligationTerm { kind: ObligationKind::EndUseCertificate, days: None });
        obligations.push(psv.clone());
    }
    let app = ok(case_in(S::PendingDecision), approver(), cmd).unwrap();
    let licence = app.licence.as_ref().unwrap();
    assert_eq!(licence.obligations.len(), 2);
    assert_eq!(licence.conditions.len(), 2, "each obligation is a condition: {:?}", licence.conditions);
    assert!(licence.conditions[1].contains("within 45 days"));
    // An unconditional approval carries no obligation; a term is checked.
    let mut plain = decide_cmd(Outcome::Approve);
    if let Command::Decide { obligations, .. } = &mut plain {
        obligations.push(psv.clone());
    }
    assert!(
        matches!(run(case_in(S::PendingDecision), approver(), plain), Err(Rejection::Invalid(e)) if e.field == "conditions")
    );
    let mut bad = decide_cmd(Outcome::ApproveWithConditions);
    if let Command::Decide { obligations, .. } = &mut bad {
        obligations.push(ObligationTerm { kind: ObligationKind::PeriodicReport, days: Some(7) });
    }
    assert!(
        matches!(run(case_in(S::PendingDecision), approver(), bad), Err(Rejection::Invalid(e)) if e.field == "obligations[0].days")
    );

    let add = |conditions: Vec<String>, obligations: Vec<ObligationTerm>| Command::AddLicenceConditions {
        conditions,
        obligations,
        reason: reason(),
    };
    let more = ok(Some(app.clone()), approver(), add(vec![], vec![psv.clone()])).unwrap();
    assert_eq!(more.licence.as_ref().unwrap().obligations.len(), 3);
    assert_eq!(more.licence.as_ref().unwrap().conditions.len(), 3);
    assert!(matches!(run(Some(app.clone()), approver(), add(vec![], vec![])), Err(Rejection::Invalid(_))));
}

#[test]
fn resuming_returns_to_the_state_the_case_was_held_in() {
    for from in [S::Submitted, S::UnderReview, S::Consultation, S::PendingDecision] {
        let held = ok(case_in(from), approver(), Command::PutOnHold { reason: reason(), stops_clock: false });
        assert_eq!(held.as_ref().unwrap().status, S::OnHold);
        let resumed = ok(held, officer(), Command::Resume { reason: reason() }).unwrap();
        assert_eq!(resumed.status, from);
        assert!(resumed.hold.is_none());
    }
}

/// The commands that act on the licence, not the case's state.
const LICENCE_COMMANDS: [&str; 5] = ["suspend", "reinstate", "revoke", "surrender", "add_conditions"];

/// Licence transitions: (command, licence status before) → status after. All others are refused.
#[test]
fn every_licence_transition_is_allowed_exactly_as_the_table_says() {
    use LicenceStatus::*;
    let table = [
        ("suspend", Active, Suspended),
        ("reinstate", Suspended, Active),
        ("revoke", Active, Revoked),
        ("revoke", Suspended, Revoked),
        ("surrender", Active, Surrendered),
        ("surrender", Suspended, Surrendered),
        ("add_conditions", Active, Active),
        ("add_conditions", Suspended, Suspended),
    ];
    let licence_in = |status: LicenceStatus| {
        let mut app = case_in(S::Approved).unwrap();
        app.licence.as_mut().unwrap().status = status;
        Some(app)
    };
    for from in [Active, Suspended, Revoked, Expired, Surrendered] {
        for name in LICENCE_COMMANDS {
            let (who, cmd) = entitled(name);
            let expected = table.iter().find(|(c, f, _)| *c == name && *f == from).map(|(_, _, to)| *to);
            match (expected, run(licence_in(from), who, cmd)) {
                (Some(to), Ok(Some(app))) => assert_eq!(app.licence.unwrap().status, to),
                (None, Err(Rejection::InvalidTransition { .. })) => {}
                (e, r) => panic!("{name} from {from:?}: expected {e:?}, got {r:?}"),
            }
        }
    }
    // No licence at all (denied case): every licence command is refused by state.
    for name in LICENCE_COMMANDS {
        let (who, cmd) = entitled(name);
        assert!(matches!(run(case_in(S::Denied), who, cmd), Err(Rejection::InvalidTransition { .. })));
    }
}

#[test]
fn a_licence_expires_only_after_its_expiry_date() {
    let app = case_in(S::Approved);
    let early = decide(app.as_ref(), Command::ExpireLicence, &ctx(officer()));
    assert!(matches!(early, Err(Rejection::Invalid(_))));
    let later = Context {
        actor: admin(),
        now: now() + Duration::days(731),
        control_list: ControlList::bundled(),
        gates: Gates::open(),
    };
    let events = decide(app.as_ref(), Command::ExpireLicence, &later).unwrap();
    assert_eq!(events, vec![Event::LicenceExpired]);
    assert!(matches!(
        decide(app.as_ref(), Command::ExpireLicence, &Context { actor: exporter(), ..later }),
        Err(Rejection::Forbidden(_))
    ));
}

/// The state in which a command would be accepted with the right role, so that only the role decides.
fn state_for(name: &str) -> Option<Application> {
    match name {
        "edit" | "add_item" | "add_party" | "attach" | "withdraw" => case_in(S::Draft),
        "remove_item" | "remove_party" | "submit" => {
            ok(ok(case_in(S::Draft), exporter(), add_item()), exporter(), add_end_user())
        }
        "assign" | "hold" => case_in(S::Submitted),
        "start_consultation" | "recommend" => case_in(S::UnderReview),
        "end_consultation" => case_in(S::Consultation),
        "decide" => case_in(S::PendingDecision),
        "resume" => case_in(S::OnHold),
        "suspend" | "revoke" | "surrender" | "add_conditions" => case_in(S::Approved),
        "reinstate" => ok(case_in(S::Approved), approver(), Command::SuspendLicence { reason: reason() }),
        other => panic!("{other}"),
    }
}

/// Who may issue each command (user ids of the fixtures above).
fn may(name: &str, who: &Actor) -> bool {
    let has = |r| who.org_kind == OrgKind::Authority && who.has(r);
    match name {
        "edit" | "add_item" | "remove_item" | "add_party" | "remove_party" | "submit" | "withdraw"
        | "surrender" => who.user == exporter().user,
        "attach" => who.user == exporter().user || has(Role::LicensingOfficer),
        "assign" | "start_consultation" | "end_consultation" | "recommend" => has(Role::LicensingOfficer),
        "decide" | "reinstate" | "add_conditions" => has(Role::Approver),
        "hold" | "resume" => has(Role::LicensingOfficer) || has(Role::Approver),
        "suspend" | "revoke" => has(Role::Approver) || has(Role::EnforcementOfficer),
        other => panic!("{other}"),
    }
}

#[test]
fn every_command_is_refused_to_every_role_without_the_right() {
    let mut refusals = 0;
    for name in COMMANDS {
        for who in everyone() {
            let (_, cmd) = entitled(name);
            let result = run(state_for(name), who.clone(), cmd);
            if may(name, &who) {
                assert!(result.is_ok(), "{name} by {:?} should be allowed: {result:?}", who.roles);
            } else {
                refusals += 1;
                match result {
                    // Another organisation's exporter or a partner agency must not learn the case exists.
                    Err(Rejection::NotFound) => {
                        assert_ne!(who.org_kind, OrgKind::Authority, "{name}")
                    }
                    Err(Rejection::Forbidden(_)) => {}
                    other => panic!("{name} by {:?}: expected a refusal, got {other:?}", who.roles),
                }
            }
        }
    }
    assert!(refusals > 100);
}

#[test]
fn another_organisations_exporter_is_told_the_case_does_not_exist() {
    for name in COMMANDS {
        let (_, cmd) = entitled(name);
        assert_eq!(run(state_for(name), other_exporter(), cmd).unwrap_err(), Rejection::NotFound, "{name}");
    }
}

#[test]
fn approver_who_drafted_the_recommendation_cannot_decide_four_eyes() {
    let both = actor(80, AUTHORITY, OrgKind::Authority, &[Role::LicensingOfficer, Role::Approver]);
    let mut s = case_in(S::Submitted);
    s = ok(s, both.clone(), Command::Assign { officer: both.user, officer_roles: both.roles.clone() });
    s = ok(s, both.clone(), recommend(Outcome::Approve));
    let err = run(s.clone(), both, decide_cmd(Outcome::Approve)).unwrap_err();
    assert!(matches!(&err, Rejection::Forbidden(m) if m.contains("four-eyes")), "{err:?}");
    // A different approver may.
    assert_eq!(ok(s, approver(), decide_cmd(Outcome::Approve)).unwrap().status, S::Approved);
}

#[test]
fn only_the_assigned_officer_may_recommend() {
    let other_officer = actor(21, AUTHORITY, OrgKind::Authority, &[Role::LicensingOfficer]);
    let err = run(case_in(S::UnderReview), other_officer, recommend(Outcome::Approve)).unwrap_err();
    assert!(matches!(err, Rejection::Forbidden(_)));
}

#[test]
fn submission_needs_an_item_and_an_end_user() {
    let s = case_in(S::Draft);
    assert!(
        matches!(run(s.clone(), exporter(), Command::Submit), Err(Rejection::Invalid(e)) if e.field == "items")
    );
    let s = ok(s, exporter(), add_item());
    assert!(
        matches!(run(s, exporter(), Command::Submit), Err(Rejection::Invalid(e)) if e.field == "parties")
    );
}

#[test]
fn items_must_cite_a_known_control_entry() {
    let cmd = Command::AddItem {
        id: ItemId(Uuid::from_u128(8)),
        control_code: "9Z999".into(),
        description: "Something".into(),
        quantity: 1,
        value_eur: 1,
    };
    let err = run(case_in(S::Draft), exporter(), cmd).unwrap_err();
    assert!(matches!(err, Rejection::Invalid(e) if e.field == "control_code"));
    let catch_all = Command::AddItem {
        id: ItemId(Uuid::from_u128(8)),
        control_code: "catch-all".into(),
        description: "Unlisted social media analytics".into(),
        quantity: 1,
        value_eur: 1,
    };
    let app = ok(case_in(S::Draft), exporter(), catch_all).unwrap();
    assert_eq!(app.items[0].control_code, "CATCH-ALL");
}

#[test]
fn invalid_country_codes_and_empty_texts_name_the_field() {
    let bad = Command::Create {
        id: ApplicationId(Uuid::nil()),
        title: "x".into(),
        end_use: "y".into(),
        destination: "ZZ".into(),
    };
    assert!(matches!(run(None, exporter(), bad), Err(Rejection::Invalid(e)) if e.field == "destination"));
    let empty = Command::Create {
        id: ApplicationId(Uuid::nil()),
        title: " ".into(),
        end_use: "y".into(),
        destination: "FR".into(),
    };
    assert!(matches!(run(None, exporter(), empty), Err(Rejection::Invalid(e)) if e.field == "title"));
}

#[test]
fn conditions_must_match_the_outcome() {
    let mut cmd = decide_cmd(Outcome::ApproveWithConditions);
    if let Command::Decide { conditions, .. } = &mut cmd {
        conditions.clear();
    }
    assert!(
        matches!(run(case_in(S::PendingDecision), approver(), cmd), Err(Rejection::Invalid(e)) if e.field == "conditions")
    );
    let mut deny = decide_cmd(Outcome::Deny);
    if let Command::Decide { criteria, .. } = &mut deny {
        criteria.clear();
    }
    assert!(
        matches!(run(case_in(S::PendingDecision), approver(), deny), Err(Rejection::Invalid(e)) if e.field == "criteria")
    );
}

#[test]
fn a_case_cannot_be_created_twice_or_acted_on_before_it_exists() {
    assert_eq!(run(case_in(S::Draft), exporter(), create()).unwrap_err(), Rejection::AlreadyExists);
    assert_eq!(run(None, exporter(), Command::Submit).unwrap_err(), Rejection::NotFound);
}

#[test]
fn events_round_trip_through_json_with_their_kind_as_tag() {
    let c = ctx(approver());
    let events = decide(case_in(S::PendingDecision).as_ref(), decide_cmd(Outcome::Approve), &c).unwrap();
    for e in events {
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], e.kind());
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), e);
    }
}

mod properties {
    //! Random command sequences, issued by random people, from every starting state. The invariants
    //! are checked against what `decide` returned, never against the state compared with itself.

    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};

    /// A licensing officer who is also an approver: the only kind of user who could break four-eyes.
    fn both_hats() -> Actor {
        actor(80, AUTHORITY, OrgKind::Authority, &[Role::LicensingOfficer, Role::Approver])
    }

    /// Commands beyond `COMMANDS`: every outcome of a recommendation and a decision, and assigning the
    /// case to the officer who is also an approver.
    const EXTRA: [&str; 5] = [
        "recommend_with_conditions",
        "recommend_denial",
        "decide_with_conditions",
        "decide_denial",
        "assign_both_hats",
    ];

    fn command_names() -> Vec<&'static str> {
        COMMANDS.iter().chain(EXTRA.iter()).copied().collect()
    }

    /// (name in the role table of `may`, the actor entitled to it, the command).
    fn command(name: &str) -> (&'static str, Actor, Command) {
        match name {
            "recommend_with_conditions" => {
                ("recommend", officer(), recommend(Outcome::ApproveWithConditions))
            }
            "recommend_denial" => ("recommend", officer(), recommend(Outcome::Deny)),
            "decide_with_conditions" => ("decide", approver(), decide_cmd(Outcome::ApproveWithConditions)),
            "decide_denial" => ("decide", approver(), decide_cmd(Outcome::Deny)),
            "assign_both_hats" => {
                let b = both_hats();
                ("assign", officer(), Command::Assign { officer: b.user, officer_roles: b.roles })
            }
            other => {
                let base = COMMANDS.iter().copied().find(|c| *c == other).expect("a known command");
                let (who, cmd) = entitled(other);
                (base, who, cmd)
            }
        }
    }

    /// Who issues a step: 0 the entitled actor, 1 the officer-approver, then everyone else in turn.
    fn issuer(index: usize, entitled: Actor) -> Actor {
        match index {
            0 => entitled,
            1 => both_hats(),
            i => everyone()[(i - 2) % everyone().len()].clone(),
        }
    }
    const ISSUERS: usize = 2 + 9;

    /// What a run went through, so a test can show the invariants were not checked vacuously.
    #[derive(Debug, Default)]
    struct Seen {
        accepted: usize,
        approvals: usize,
        conditional_approvals: usize,
        denials: usize,
        four_eyes_refusals: usize,
    }

    /// The invariants that hold in every state a case can reach.
    fn check_state(app: &Application) -> Result<(), TestCaseError> {
        let approved = matches!(app.status, S::Approved | S::ApprovedWithConditions);
        prop_assert_eq!(
            app.licence.is_some(),
            approved,
            "a licence exists exactly when the case is approved: {:?} with licence {:?}",
            app.status,
            app.licence
        );
        if let (Some(decision), Some(recommendation)) = (&app.decision, &app.recommendation) {
            prop_assert_ne!(
                decision.by,
                recommendation.by,
                "four-eyes: the approver drafted the recommendation"
            );
        }
        if app.decision.is_some() {
            prop_assert!(app.recommendation.is_some(), "a decision without a recommendation");
        }
        Ok(())
    }

    /// Drives a case from `case_in(S::ALL[start])` through `steps` of (command, issuer) and checks
    /// every invariant after every step.
    fn drive(start: usize, steps: &[(usize, usize)], seen: &mut Seen) -> Result<(), TestCaseError> {
        let names = command_names();
        let mut state = case_in(S::ALL[start]).expect("a case");
        check_state(&state)?;
        let mut version = state.version;
        for &(c, p) in steps {
            let (base, entitled, cmd) = command(names[c]);
            let who = issuer(p, entitled);
            let four_eyes_test = matches!(cmd, Command::Decide { .. })
                && state.status == S::PendingDecision
                && state.recommendation.as_ref().map(|r| r.by) == Some(who.user)
                && who.has(Role::Approver);
            let c = ctx(who.clone());
            match decide(Some(&state), cmd, &c) {
                Ok(events) => {
                    prop_assert!(!events.is_empty(), "an accepted command produces events");
                    prop_assert!(
                        may(base, &who),
                        "{} accepted from {:?}, who has no right to it",
                        base,
                        who.roles
                    );
                    let n = events.len() as u64;
                    let mut next = Some(state);
                    for event in events {
                        next = apply(next, &Recorded { actor: who.user, at: c.now, event });
                    }
                    let next = next.expect("the case still exists");
                    // The version counts the events applied: exactly `n` more than before.
                    prop_assert_eq!(next.version, version + n, "{} applied {} events", base, n);
                    version += n;
                    seen.accepted += 1;
                    if let Some(d) = next.decision.as_ref().filter(|_| base == "decide") {
                        match d.outcome {
                            Outcome::Approve => seen.approvals += 1,
                            Outcome::ApproveWithConditions => seen.conditional_approvals += 1,
                            Outcome::Deny => seen.denials += 1,
                        }
                    }
                    state = next;
                }
                Err(rejection) => {
                    if four_eyes_test {
                        prop_assert!(
                            matches!(&rejection, Rejection::Forbidden(m) if m.contains("four-eyes")),
                            "{:?}",
                            rejection
                        );
                        seen.four_eyes_refusals += 1;
                    }
                }
            }
            prop_assert!(!four_eyes_test || state.decision.is_none(), "four-eyes let a decision through");
            check_state(&state)?;
            prop_assert_eq!(state.version, version);
        }
        Ok(())
    }

    fn steps() -> impl Strategy<Value = Vec<(usize, usize)>> {
        // Mostly the entitled actor or the officer-approver, so cases get far enough to be decided.
        let issuer = prop_oneof![4 => Just(0usize), 3 => Just(1usize), 3 => 2..ISSUERS];
        proptest::collection::vec((0..COMMANDS.len() + EXTRA.len(), issuer), 0..40)
    }

    proptest! {
        /// Whatever sequence of commands is thrown at a case, from whatever state: a licence exists
        /// exactly when the case is approved; the approver never drafted the recommendation; only
        /// those with the right get a command through; the version grows by exactly the number of
        /// events `decide` returned.
        #[test]
        fn random_command_sequences_keep_the_invariants(start in 0..S::ALL.len(), seq in steps()) {
            drive(start, &seq, &mut Seen::default())?;
        }
    }

    /// The sequences above reach every outcome and try the four-eyes rule, so their invariants are
    /// not checked only on cases where they hold trivially.
    #[test]
    fn random_sequences_reach_every_outcome_and_the_four_eyes_rule() {
        let mut runner = TestRunner::new_with_rng(
            Config { cases: 1024, ..Config::default() },
            proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
        );
        let seen = std::cell::RefCell::new(Seen::default());
        runner
            .run(&(0..S::ALL.len(), steps()), |(start, seq)| drive(start, &seq, &mut seen.borrow_mut()))
            .unwrap();
        let seen = seen.into_inner();
        assert!(seen.accepted > 500, "{seen:?}");
        assert!(seen.approvals > 0 && seen.conditional_approvals > 0 && seen.denials > 0, "{seen:?}");
        assert!(seen.four_eyes_refusals > 0, "{seen:?}");
    }
}

fn item(value_eur: u64, quantity: u32) -> Command {
    Command::AddItem {
        id: ItemId(Uuid::from_u128(9)),
        control_code: "5A001.f".into(),
        description: "Portable IMSI catcher".into(),
        quantity,
        value_eur,
    }
}

#[test]
fn item_values_and_quantities_are_bounded() {
    // At the documented maxima: accepted.
    ok(case_in(S::Draft), exporter(), item(1_000_000_000_000, 1_000_000));
    for (cmd, field) in [
        (item(1_000_000_000_001, 1), "value_eur"),
        (item(u64::MAX, 1), "value_eur"),
        (item(1, 1_000_001), "quantity"),
        (item(1, u32::MAX), "quantity"),
    ] {
        let err = run(case_in(S::Draft), exporter(), cmd).unwrap_err();
        assert!(matches!(&err, Rejection::Invalid(e) if e.field == field), "{err}");
    }
}

fn withdraw(reason: &str) -> Result<Option<Application>, Rejection> {
    run(case_in(S::Submitted), exporter(), Command::Withdraw { reason: reason.into() })
}

#[test]
fn free_text_refuses_bidirectional_controls_everywhere() {
    for c in [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
        '\u{2069}', '\u{200E}', '\u{200F}',
    ] {
        let err = withdraw(&format!("postponed {c}moc.live")).unwrap_err();
        assert!(matches!(&err, Rejection::Invalid(e) if e.field == "reason"), "{c:?}: {err}");
        let title =
            Command::EditDraft { title: Some(format!("IMSI {c}catcher")), end_use: None, destination: None };
        let err = run(case_in(S::Draft), exporter(), title).unwrap_err();
        assert!(matches!(&err, Rejection::Invalid(e) if e.field == "title"), "{c:?}: {err}");
    }
}

#[test]
fn multi_line_fields_keep_newlines_and_tabs_single_line_fields_take_no_control_character() {
    let state = case_in(S::Submitted);
    let cmd = Command::Withdraw { reason: "Postponed.\r\n\tSee the letter.".into() };
    let events = decide(state.as_ref(), cmd, &ctx(exporter())).unwrap();
    assert!(
        matches!(&events[0], Event::Withdrawn { reason } if reason == "Postponed.\n\tSee the letter."),
        "{events:?}"
    );
    for bad in ["a\rb", "a\u{0}b", "a\u{1b}[31mb", "a\u{85}b", "a\u{7f}b"] {
        let err = withdraw(bad).unwrap_err();
        assert!(matches!(&err, Rejection::Invalid(e) if e.field == "reason"), "{bad:?}: {err}");
    }
    for bad in ["IMSI\ncatcher", "IMSI\tcatcher", "IMSI\rcatcher"] {
        let title = Command::EditDraft { title: Some(bad.into()), end_use: None, destination: None };
        let err = run(case_in(S::Draft), exporter(), title).unwrap_err();
        assert!(matches!(&err, Rejection::Invalid(e) if e.field == "title"), "{bad:?}: {err}");
    }
}

#[test]
fn document_file_names_go_through_the_text_policy() {
    let attach = |filename: &str| Command::AttachDocument {
        id: DocumentId(Uuid::from_u128(77)),
        kind: DocumentKind::EndUseUndertaking,
        filename: filename.into(),
        sha256: "a".repeat(64),
        size: 10,
    };
    ok(case_in(S::Draft), exporter(), attach("undertaking.pdf"));
    for bad in ["invoice\u{202E}fdp.exe", "under\ntaking.pdf", "under\ttaking.pdf", "a\u{0}.pdf"] {
        let err = run(case_in(S::Draft), exporter(), attach(bad)).unwrap_err();
        assert!(matches!(&err, Rejection::Invalid(e) if e.field == "filename"), "{bad:?}: {err}");
    }
}

// ----- issue 15: what the public and the applicant see ------------------------------------------

mod published {
    use super::*;
    use crate::register::{self, Publication, PublicationPolicy, RecordKind, public_record};

    fn second_approver() -> Actor {
        actor(31, AUTHORITY, OrgKind::Authority, &[Role::Approver])
    }

    fn at(days: i64) -> DateTime<Utc> {
        now() + Duration::days(days)
    }

    /// Runs `cmd` at `when` with `gates`, returning the events and the state after them.
    fn step(
        state: Option<Application>,
        who: Actor,
        cmd: Command,
        when: DateTime<Utc>,
        gates: Gates,
    ) -> Result<(Vec<Event>, Option<Application>), Rejection> {
        let c = Context { actor: who.clone(), now: when, control_list: ControlList::bundled(), gates };
        let events = decide(state.as_ref(), cmd, &c)?;
        let after = events
            .iter()
            .cloned()
            .fold(state, |s, event| apply(s, &Recorded { actor: who.user, at: when, event }));
        Ok((events, after))
    }

    /// The records `events` publish, given the case's earlier records.
    fn records(
        before: Option<&Application>,
        after: &Application,
        events: &[Event],
        when: DateTime<Utc>,
        earlier: &mut Vec<(RecordKind, String)>,
    ) -> Vec<register::PublicRecord> {
        let mut out = Vec::new();
        for (i, e) in events.iter().enumerate() {
            let id = format!("rec-{}-{i}", earlier.len());
            let publication = Publication {
                record_id: id,
                at: when,
                exporter_name: "Nordwatch",
                control_list: ControlList::bundled(),
                policy: PublicationPolicy::default(),
                earlier,
                calendar: &crate::calendar::WorkingCalendar::weekends_only(),
            };
            if let Some(r) = public_record(before, after, e, publication) {
                earlier.push((r.kind, r.record_id.clone()));
                out.push(r);
            }
        }
        out
    }

    const PHISHING: &str = "Official notice: verify your licence at https://evil.example/login";

    #[test]
    fn a_withdrawal_publishes_the_authoritys_wording_never_the_exporters_text() {
        let s = case_in(S::UnderReview);
        let (events, after) =
            step(s.clone(), exporter(), Command::Withdraw { reason: PHISHING.into() }, at(1), Gates::open())
                .unwrap();
        let recs = records(s.as_ref(), after.as_ref().unwrap(), &events, at(1), &mut vec![]);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].kind, RecordKind::ApplicationWithdrawn);
        assert_eq!(recs[0].public_rationale.as_deref(), Some(register::WITHDRAWAL_RATIONALE));
        assert_eq!(recs[0].exporter_statement, None);
        assert!(!String::from_utf8(recs[0].to_leaf()).unwrap().contains("evil.example"));
        let statement = after.unwrap().exporter_statement.unwrap();
        assert_eq!(
            (statement.act, statement.text.as_str(), statement.released),
            (StatementAct::Withdrawal, PHISHING, false)
        );
    }

    #[test]
    fn a_surrender_publishes_the_authoritys_wording_and_names_the_licence_record() {
        let mut earlier = vec![(RecordKind::LicenceIssued, "issued-1".to_string())];
        let s = case_in(S::Approved);
        let (events, after) = step(
            s.clone(),
            exporter(),
            Command::SurrenderLicence { reason: PHISHING.into() },
            at(40),
            Gates::open(),
        )
        .unwrap();
        let recs = records(s.as_ref(), after.as_ref().unwrap(), &events, at(40), &mut earlier);
        assert_eq!(recs[0].kind, RecordKind::LicenceSurrendered);
        assert_eq!(recs[0].public_rationale.as_deref(), Some(register::SURRENDER_RATIONALE));
        assert_eq!(recs[0].acts_on.as_deref(), Some("issued-1"));
        assert!(!String::from_utf8(recs[0].to_leaf()).unwrap().contains("evil.example"));
    }

    #[test]
    fn an_officer_releases_the_exporters_statement_once_marked_as_theirs() {
        let mut earlier = vec![];
        let s = case_in(S::UnderReview);
        let (events, s2) =
            step(s.clone(), exporter(), Command::Withdraw { reason: PHISHING.into() }, at(1), Gates::open())
                .unwrap();
        records(s.as_ref(), s2.as_ref().unwrap(), &events, at(1), &mut earlier);
        let withdrawal_id = earlier[0].1.clone();
        let (events, s3) =
            step(s2.clone(), officer(), Command::ReleaseExporterStatement, at(2), Gates::open()).unwrap();
        assert_eq!(events, vec![Event::ExporterStatementReleased { statement: PHISHING.into() }]);
        let recs = records(s2.as_ref(), s3.as_ref().unwrap(), &events, at(2), &mut earlier);
        assert_eq!(recs[0].kind, RecordKind::ExporterStatement);
        assert_eq!(recs[0].exporter_statement.as_deref(), Some(PHISHING));
        assert_eq!(recs[0].public_rationale.as_deref(), Some(register::STATEMENT_RATIONALE));
        assert_eq!(recs[0].acts_on.as_deref(), Some(withdrawal_id.as_str()));
        assert!(recs[0].excluded_from_statistics.is_some());
        assert!(s3.as_ref().unwrap().exporter_statement.as_ref().unwrap().released);
        // Once only.
        let again = step(s3, approver(), Command::ReleaseExporterStatement, at(3), Gates::open());
        assert!(matches!(again, Err(Rejection::Blocked(m)) if m.contains("already")));
    }

    #[test]
    fn only_licensing_officers_and_approvers_release_a_statement() {
        let (_, s) = step(
            case_in(S::Submitted),
            exporter(),
            Command::Withdraw { reason: reason() },
            at(1),
            Gates::open(),
        )
        .unwrap();
        for who in everyone() {
            let r = step(s.clone(), who.clone(), Command::ReleaseExporterStatement, at(2), Gates::open());
            let may = who.org_kind == OrgKind::Authority
                && (who.has(Role::LicensingOfficer) || who.has(Role::Approver));
            match r {
                Ok(_) => assert!(may, "{:?} released a statement", who.roles),
                Err(Rejection::Forbidden(_)) => assert!(!may),
                Err(Rejection::NotFound) => assert_ne!(who.org_kind, OrgKind::Authority),
                Err(e) => panic!("{:?}: {e:?}", who.roles),
            }
        }
    }

    #[test]
    fn nothing_to_release_without_a_public_withdrawal_or_surrender() {
        for s in [
            case_in(S::UnderReview),
            case_in(S::Approved),
            case_in(S::Withdrawn).map(|mut a| {
                a.exporter_statement = None;
                a
            }),
        ] {
            let r = step(s, officer(), Command::ReleaseExporterStatement, at(2), Gates::open());
            assert!(matches!(r, Err(Rejection::Blocked(_))), "{r:?}");
        }
        // A withdrawn draft is private: no statement to release.
        let (_, s) =
            step(case_in(S::Draft), exporter(), Command::Withdraw { reason: reason() }, at(1), Gates::open())
                .unwrap();
        assert_eq!(s.as_ref().unwrap().exporter_statement, None);
    }

    #[test]
    fn a_licence_action_carries_its_own_date_and_names_the_licence_record() {
        let decided_on = now();
        let s = case_in(S::Approved);
        let mut earlier = vec![(RecordKind::LicenceIssued, "issued-1".to_string())];
        let revoked_on = at(45);
        let (events, after) = step(
            s.clone(),
            approver(),
            Command::RevokeLicence { reason: reason() },
            revoked_on,
            Gates::open(),
        )
        .unwrap();
        let r = &records(s.as_ref(), after.as_ref().unwrap(), &events, revoked_on, &mut earlier)[0];
        assert_eq!(r.kind, RecordKind::LicenceRevoked);
        assert_eq!(r.act_date, Some(revoked_on.date_naive()));
        assert_eq!(r.date_of_act(), revoked_on.date_naive());
        assert_eq!(r.decision_date, Some(decided_on.date_naive()));
        assert_eq!(r.acts_on.as_deref(), Some("issued-1"));
        // A decision's act date is its own date, and it acts on no earlier record.
        let s = case_in(S::PendingDecision);
        let (events, after) =
            step(s.clone(), approver(), decide_cmd(Outcome::Approve), at(3), Gates::open()).unwrap();
        let recs = records(s.as_ref(), after.as_ref().unwrap(), &events, at(3), &mut vec![]);
        assert_eq!((recs[0].act_date, recs[0].acts_on.as_deref()), (Some(at(3).date_naive()), None));
    }

    fn recommending(r: oversight_risk::Outcome) -> Gates {
        Gates { recommended: Some(r), ..Gates::open() }
    }

    fn justified(outcome: Outcome, why: &str) -> Command {
        let mut cmd = decide_cmd(outcome);
        if let Command::Decide { departure_justification, .. } = &mut cmd {
            *departure_justification = why.into();
        }
        cmd
    }

    const WHY: &str = "The end user's new judicial oversight regime answers the indicator's concern.";

    #[test]
    fn the_direction_of_a_departure_follows_strictness() {
        use crate::application::DepartureDirection::*;
        use crate::assessment::departure;
        use oversight_risk::Outcome as R;
        let cases = [
            (R::Deny, Outcome::Approve, Some(TowardsApproval)),
            (R::Deny, Outcome::ApproveWithConditions, Some(TowardsApproval)),
            (R::Deny, Outcome::Deny, None),
            (R::PresumptionOfDenial, Outcome::ApproveWithConditions, Some(TowardsApproval)),
            (R::PresumptionOfDenial, Outcome::Deny, None),
            (R::Refer, Outcome::Approve, None),
            (R::Refer, Outcome::Deny, None),
            (R::ApproveWithConditions, Outcome::Approve, Some(TowardsApproval)),
            (R::ApproveWithConditions, Outcome::ApproveWithConditions, None),
            (R::ApproveWithConditions, Outcome::Deny, Some(TowardsDenial)),
            (R::Approve, Outcome::ApproveWithConditions, Some(TowardsDenial)),
            (R::Approve, Outcome::Deny, Some(TowardsDenial)),
            (R::Approve, Outcome::Approve, None),
        ];
        for (recommended, decided, expected) in cases {
            assert_eq!(departure(recommended, decided), expected, "{recommended:?} -> {decided:?}");
        }
    }

    #[test]
    fn a_departure_needs_a_reasoned_justification_naming_the_field() {
        let s = case_in(S::PendingDecision);
        for (why, expect) in [("", "needs a reasoned justification"), ("because", "at least 30")] {
            let r = step(
                s.clone(),
                approver(),
                justified(Outcome::Deny, why),
                at(1),
                recommending(oversight_risk::Outcome::Approve),
            );
            match r {
                Err(Rejection::Invalid(e)) => {
                    assert_eq!(e.field, "departure_justification");
                    assert!(e.message.contains(expect), "{}", e.message);
                }
                other => panic!("{other:?}"),
            }
        }
        // Towards denial, justified: decided at once, and the departure is recorded and published.
        let (events, after) = step(
            s.clone(),
            approver(),
            justified(Outcome::Deny, WHY),
            at(1),
            recommending(oversight_risk::Outcome::Approve),
        )
        .unwrap();
        let after = after.unwrap();
        assert_eq!(after.status, S::Denied);
        let d = after.decision.as_ref().unwrap().departure.as_ref().unwrap();
        assert_eq!(
            (d.recommended.as_str(), d.justification.as_str(), d.second_approver),
            ("approve", WHY, None)
        );
        let recs = records(s.as_ref(), &after, &events, at(1), &mut vec![]);
        assert!(recs[0].departed_from_recommendation);
        // No departure: nothing asked, nothing published.
        let (events, after) = step(
            s.clone(),
            approver(),
            decide_cmd(Outcome::Deny),
            at(1),
            recommending(oversight_risk::Outcome::Deny),
        )
        .unwrap();
        assert_eq!(after.as_ref().unwrap().decision.as_ref().unwrap().departure, None);
        assert!(
            !records(s.as_ref(), after.as_ref().unwrap(), &events, at(1), &mut vec![])[0]
                .departed_from_recommendation
        );
    }

    #[test]
    fn a_departure_towards_approval_waits_for_a_second_approver() {
        let deny = recommending(oversight_risk::Outcome::Deny);
        let s = case_in(S::PendingDecision);
        let (events, proposed) =
            step(s.clone(), approver(), justified(Outcome::Approve, WHY), at(1), deny.clone()).unwrap();
        assert!(matches!(events.as_slice(), [Event::DepartureProposed { .. }]), "{events:?}");
        assert_eq!(records(s.as_ref(), proposed.as_ref().unwrap(), &events, at(1), &mut vec![]), vec![]);
        let p = proposed.clone().unwrap();
        assert_eq!((p.status, p.licence.is_none()), (S::PendingDecision, true));
        let concur = || Command::ConcurInDeparture {
            licence_number: "OVS-2026-0001".into(),
            licence_expires_at: now() + Duration::days(730),
        };
        // Not the proposer, not someone without the approver role.
        let r = step(proposed.clone(), approver(), concur(), at(2), deny.clone());
        assert!(matches!(&r, Err(Rejection::Forbidden(m)) if m.contains("second approver")), "{r:?}");
        for who in everyone().into_iter().filter(|w| !w.has(Role::Approver)) {
            let r = step(proposed.clone(), who.clone(), concur(), at(2), deny.clone());
            assert!(
                matches!(r, Err(Rejection::Forbidden(_) | Rejection::NotFound)),
                "{:?}: {r:?}",
                who.roles
            );
        }
        // The gates still hold at concurrence.
        let blocked = Gates { decision: vec!["red flags".into()], ..deny.clone() };
        assert!(matches!(
            step(proposed.clone(), second_approver(), concur(), at(2), blocked),
            Err(Rejection::Blocked(_))
        ));
        let (events, after) =
            step(proposed.clone(), second_approver(), concur(), at(2), deny.clone()).unwrap();
        let a = after.as_ref().unwrap();
        assert_eq!(a.status, S::Approved);
        assert!(a.licence.is_some() && a.proposed_decision.is_none());
        let d = a.decision.as_ref().unwrap();
        assert_eq!(d.by, approver().user);
        assert_eq!(d.departure.as_ref().unwrap().second_approver, Some(second_approver().user));
        let recs = records(proposed.as_ref(), a, &events, at(2), &mut vec![]);
        assert!(recs[0].departed_from_recommendation && recs[0].first_decision);
        // Nothing to concur in without a proposal.
        let r = step(s, second_approver(), concur(), at(2), deny);
        assert!(matches!(r, Err(Rejection::Blocked(_))), "{r:?}");
    }

    #[test]
    fn an_application_under_senior_review_is_approved_only_by_two_approvers_and_refused_by_one() {
        // Submitted while enforcement says the exporter is a repeat offender: the case says why.
        let draft = case_in(S::Draft);
        let draft = ok(draft, exporter(), add_item());
        let draft = ok(draft, exporter(), add_end_user());
        let why =
            Gates { senior_review: Some("repeat offender: 2 findings of violation".into()), ..Gates::open() };
        let (events, submitted) = step(draft.clone(), exporter(), Command::Submit, at(0), why).unwrap();
        assert!(
            matches!(events.as_slice(), [Event::Submitted, Event::SeniorReviewRequired { .. }]),
            "{events:?}"
        );
        assert!(submitted.as_ref().unwrap().senior_review.as_deref().unwrap().contains("repeat offender"));
        // Without the gate, a plain submission.
        let (events, _) = step(draft, exporter(), Command::Submit, at(0), Gates::open()).unwrap();
        assert_eq!(events, vec![Event::Submitted]);
        let mut s = ok(submitted, officer(), assign());
        s = ok(s, officer(), recommend(Outcome::Approve));
        // An approval, even as recommended, waits for a second approver.
        let (events, proposed) =
            step(s.clone(), approver(), decide_cmd(Outcome::Approve), at(1), Gates::open()).unwrap();
        assert!(matches!(events.as_slice(), [Event::DepartureProposed { .. }]), "{events:?}");
        let concur = Command::ConcurInDeparture {
            licence_number: "OVS-2026-0002".into(),
            licence_expires_at: now() + Duration::days(730),
        };
        let r = step(proposed.clone(), approver(), concur.clone(), at(2), Gates::open());
        assert!(matches!(&r, Err(Rejection::Forbidden(m)) if m.contains("second approver")), "{r:?}");
        let (_, after) = step(proposed, second_approver(), concur, at(2), Gates::open()).unwrap();
        let d = after.as_ref().unwrap().decision.clone().unwrap();
        assert_eq!(
            (d.by, d.second_approver, d.departure),
            (approver().user, Some(second_approver().user), None)
        );
        // A refusal stands on one approver.
        let (events, _) = step(s, approver(), decide_cmd(Outcome::Deny), at(1), Gates::open()).unwrap();
        assert!(matches!(events.as_slice(), [Event::Decided { .. }, ..]), "{events:?}");
    }

    #[test]
    fn the_applicant_is_never_added_as_a_party() {
        let s = case_in(S::Draft);
        let cmd = Command::AddParty {
            id: PartyId(Uuid::from_u128(77)),
            role: PartyRole::Applicant,
            name: "Nordwatch Systems AB".into(),
            address: "Stockholm".into(),
            country: "SE".into(),
            sector: Sector::Commercial,
        };
        let r = run(s, exporter(), cmd);
        assert!(matches!(&r, Err(Rejection::Invalid(e)) if e.field == "role"), "{r:?}");
    }

    /// What the log check expects of a case's records is what `public_record` publishes.
    #[test]
    fn expected_kinds_are_the_kinds_public_record_publishes() {
        let script: Vec<(Actor, Command)> = vec![
            (exporter(), create()),
            (exporter(), add_item()),
            (exporter(), add_end_user()),
            (exporter(), Command::Submit),
            (officer(), assign()),
            (officer(), recommend(Outcome::Approve)),
            (approver(), decide_cmd(Outcome::Approve)),
            (enforcement(), Command::SuspendLicence { reason: reason() }),
            (approver(), Command::ReinstateLicence { reason: reason() }),
            (exporter(), Command::SurrenderLicence { reason: reason() }),
            (officer(), Command::ReleaseExporterStatement),
        ];
        let (mut state, mut all_events, mut published, mut earlier) = (None, vec![], vec![], vec![]);
        for (who, cmd) in script {
            let (events, after) = step(state.clone(), who, cmd, at(1), Gates::open()).unwrap();
            for r in records(state.as_ref(), after.as_ref().unwrap(), &events, at(1), &mut earlier) {
                published.push(r.kind);
            }
            all_events.extend(events);
            state = after;
        }
        assert_eq!(register::expected_kinds(&all_events), published);
        assert_eq!(published.len(), 5, "{published:?}");
        // A difference is found where both lists have a record; a list ahead of the other is not one.
        assert_eq!(register::first_disagreement(&published, &published[..2]), None);
        let mut edited = published.clone();
        edited[0] = RecordKind::LicenceRefused;
        assert_eq!(register::first_disagreement(&published, &edited), Some(0));
        // A withdrawn draft publishes nothing; a withdrawn submission does.
        let draft = [Event::Withdrawn { reason: reason() }];
        assert_eq!(register::expected_kinds(&draft), vec![]);
        assert_eq!(
            register::expected_kinds(&[Event::Submitted, Event::Withdrawn { reason: reason() }]),
            vec![RecordKind::ApplicationWithdrawn]
        );
    }
}

fn raise(id: u128, due_in_days: i64) -> Command {
    Command::RaiseQuery {
        id: Uuid::from_u128(id),
        question: "Which oversight body authorises the end user's interceptions?".into(),
        due: (now() + Duration::days(due_in_days)).date_naive(),
    }
}

#[test]
fn a_query_to_the_exporter_is_raised_by_an_officer_and_answered_by_the_exporter_only() {
    let s = case_in(S::PendingDecision);
    // Only a licensing officer raises one; the date must be after today and within a year.
    for a in everyone().into_iter().filter(|a| !a.has(Role::LicensingOfficer)) {
        assert!(run(s.clone(), a.clone(), raise(1, 10)).is_err(), "{:?} may not raise a query", a.roles);
    }
    assert!(matches!(run(s.clone(), officer(), raise(1, 0)), Err(Rejection::Invalid(e)) if e.field == "due"));
    assert!(
        matches!(run(s.clone(), officer(), raise(1, 400)), Err(Rejection::Invalid(e)) if e.field == "due")
    );
    let s = ok(s, officer(), raise(1, 10));
    let q = &s.as_ref().unwrap().queries[0];
    assert!(q.is_open() && !q.is_overdue(now().date_naive()));
    assert!(q.is_overdue((now() + Duration::days(11)).date_naive()));
    assert!(matches!(run(s.clone(), officer(), raise(1, 10)), Err(Rejection::Invalid(e)) if e.field == "id"));

    // While it is open the case cannot be decided.
    let err = run(s.clone(), approver(), decide_cmd(Outcome::Approve)).unwrap_err();
    assert!(matches!(&err, Rejection::Invalid(e) if e.field == "queries"), "{err:?}");

    // Another organisation does not even see it; the officer cannot answer for the exporter.
    let answer =
        Command::AnswerQuery { id: Uuid::from_u128(1), answer: "The national judicial council.".into() };
    assert!(matches!(run(s.clone(), other_exporter(), answer.clone()), Err(Rejection::NotFound)));
    assert!(matches!(run(s.clone(), officer(), answer.clone()), Err(Rejection::Forbidden(_))));
    let unknown = Command::AnswerQuery { id: Uuid::from_u128(9), answer: "x".into() };
    assert!(matches!(run(s.clone(), exporter(), unknown), Err(Rejection::NotFound)));
    let empty = Command::AnswerQuery { id: Uuid::from_u128(1), answer: "  ".into() };
    assert!(matches!(run(s.clone(), exporter(), empty), Err(Rejection::Invalid(e)) if e.field == "answer"));

    let s = ok(s, exporter(), answer.clone());
    let q = &s.as_ref().unwrap().queries[0];
    assert_eq!(q.answer.as_deref(), Some("The national judicial council."));
    assert!(!q.is_open());
    assert!(matches!(run(s.clone(), exporter(), answer), Err(Rejection::Invalid(e)) if e.field == "answer"));
    // Answered: the case can be decided.
    ok(s, approver(), decide_cmd(Outcome::Approve));
}

#[test]
fn the_clock_stops_while_a_query_is_open() {
    let monday = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let mut app = case_in(S::UnderReview).unwrap();
    app.submitted_at = Some(monday);
    let day = |n: i64| monday + Duration::days(n);
    let weekends = crate::calendar::WorkingCalendar::weekends_only();
    // Two weeks later: 10 working days.
    assert_eq!(app.working_days_elapsed(day(14), &weekends), Some(10));
    // A query open from Wednesday of the first week to Monday of the second: 3 working days stopped.
    app.queries.push(ExporterQuery {
        id: Uuid::from_u128(1),
        question: "q".into(),
        asked_at: day(2),
        due: day(9).date_naive(),
        answer: Some("a".into()),
        answered_at: Some(day(7)),
    });
    assert_eq!(app.working_days_elapsed(day(14), &weekends), Some(7));
    // A query still open (since Friday) stops the clock up to now (Monday): one working day.
    app.queries.push(ExporterQuery {
        id: Uuid::from_u128(2),
        question: "q".into(),
        asked_at: day(11),
        due: day(20).date_naive(),
        answer: None,
        answered_at: None,
    });
    assert_eq!(app.working_days_elapsed(day(14), &weekends), Some(6));
    // A draft has no clock.
    app.submitted_at = None;
    assert_eq!(app.working_days_elapsed(day(14), &weekends), None);
}

#[test]
fn the_clock_skips_holidays_and_stops_while_the_case_is_held_for_the_exporter() {
    use crate::calendar::WorkingCalendar;
    // Monday 14 December 2026; in Germany the 24th is a working day, the 25th and 26th holidays.
    let monday = Utc.with_ymd_and_hms(2026, 12, 14, 9, 0, 0).unwrap();
    let day = |n: i64| monday + Duration::days(n);
    let de = WorkingCalendar::shipped(&CountryCode::parse("DE").unwrap());
    let s = case_in(S::UnderReview);
    let mut app = s.clone().unwrap();
    app.submitted_at = Some(monday);
    // To Monday 28 December: 10 weekdays, one of them (Friday 25th) Christmas Day.
    assert_eq!(app.working_days_elapsed(day(14), &WorkingCalendar::weekends_only()), Some(10));
    assert_eq!(app.working_days_elapsed(day(14), &de), Some(9));

    // The authority's own hold: the clock runs on.
    let step = |s: Option<Application>, who: Actor, cmd: Command, at: DateTime<Utc>| {
        let ctx = Context {
            actor: who.clone(),
            now: at,
            control_list: ControlList::bundled(),
            gates: Gates::open(),
        };
        decide(s.as_ref(), cmd, &ctx)
            .unwrap()
            .into_iter()
            .fold(s, |s, event| apply(s, &Recorded { actor: who.user, at, event }))
    };
    let mut held = s.clone().unwrap();
    held.submitted_at = Some(monday);
    let own = step(
        Some(held.clone()),
        officer(),
        Command::PutOnHold { reason: reason(), stops_clock: false },
        day(1),
    );
    assert!(own.as_ref().unwrap().clock_stops().is_empty());
    // On hold for the exporter from Tuesday 15th to Monday 21st: 4 working days stopped
    // (Wed–Fri and Mon), then a query open from Tuesday 22nd to Wednesday 23rd, one more.
    let h = step(Some(held), officer(), Command::PutOnHold { reason: reason(), stops_clock: true }, day(1));
    assert!(h.as_ref().unwrap().hold.as_ref().unwrap().stops_clock);
    assert_eq!(
        h.as_ref().unwrap().working_days_elapsed(day(14), &de),
        Some(1),
        "still stopped: only Tuesday 15th counts"
    );
    let r = step(h, officer(), Command::Resume { reason: reason() }, day(7));
    let r = step(
        r,
        officer(),
        Command::RaiseQuery { id: Uuid::from_u128(5), question: "q".into(), due: day(20).date_naive() },
        day(8),
    );
    let r = step(r, exporter(), Command::AnswerQuery { id: Uuid::from_u128(5), answer: "a".into() }, day(9));
    let app = r.unwrap();
    let stops = app.clock_stops();
    assert_eq!(stops.len(), 2, "{stops:?}");
    assert_eq!(
        (stops[0].reason, stops[0].from, stops[0].until),
        (StopReason::ExporterHold, day(1), Some(day(7)))
    );
    assert_eq!((stops[1].reason, stops[1].until), (StopReason::Query, Some(day(9))));
    assert_eq!(app.working_days_elapsed(day(14), &de), Some(9 - 4 - 1));
    // Overlapping stops count a day once: a second hold over the query's days changes nothing.
    let mut overlap = app.clone();
    overlap.hold_stops.push(ClockStop {
        reason: StopReason::ExporterHold,
        from: day(8),
        until: Some(day(9)),
    });
    assert_eq!(overlap.working_days_elapsed(day(14), &de), Some(4));
}
