//! The string forms of the domain's closed vocabularies are in stored events, the API and the
//! register: they are pinned here, and the derived `as_str`/`parse`/`ALL` must agree with serde.

use oversight_domain::register::RecordKind;
use oversight_domain::{ApplicationStatus, CountryCode, Event, Role, Sector, Tier};

fn json(v: impl serde::Serialize) -> String {
    serde_json::to_value(v).unwrap().as_str().unwrap().to_string()
}

#[test]
fn application_statuses_keep_their_names() {
    let names: Vec<&str> = ApplicationStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "draft",
            "submitted",
            "under_review",
            "consultation",
            "pending_decision",
            "on_hold",
            "approved",
            "approved_with_conditions",
            "denied",
            "withdrawn"
        ]
    );
    for s in ApplicationStatus::ALL {
        assert_eq!(json(s), s.as_str());
        assert_eq!(ApplicationStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(ApplicationStatus::parse("Draft"), None, "parsing is exact, as before");
}

#[test]
fn roles_keep_their_names() {
    let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        [
            "exporter",
            "licensing_officer",
            "human_rights_assessor",
            "approver",
            "enforcement_officer",
            "review_panel_member",
            "partner_agency",
            "administrator",
            "ombudsperson"
        ]
    );
    for r in Role::ALL {
        assert_eq!(json(r), r.as_str());
        assert_eq!(Role::parse(r.as_str()), Some(r));
    }
    assert_eq!(Role::parse("root"), None);
}

#[test]
fn record_kinds_keep_their_names() {
    use RecordKind::*;
    let all = [
        LicenceIssued,
        LicenceIssuedWithConditions,
        LicenceRefused,
        ApplicationWithdrawn,
        LicenceSuspended,
        LicenceReinstated,
        LicenceRevoked,
        LicenceSurrendered,
        LicenceExpired,
        AppealUpheld,
        AppealOverturned,
        InformedNotice,
        RuleChange,
        Penalty,
        Debarment,
    ];
    for k in all {
        assert_eq!(json(k), k.as_str());
    }
    assert_eq!(LicenceIssuedWithConditions.as_str(), "licence_issued_with_conditions");
    assert_eq!(RuleChange.as_str(), "rule_change");
}

#[test]
fn sectors_and_tiers_are_the_shared_vocabulary() {
    assert_eq!(json(Sector::OtherSecurityForces), "other_security_forces");
    assert_eq!(json(Tier::B), "B");
}

/// A `party_added` event as stored before the vocabularies were merged, and one written with the
/// risk crate's spelling: both read, and the party is written back with the domain's spelling.
#[test]
fn stored_party_events_keep_reading() {
    for sector in ["other_security_forces", "other_security"] {
        let stored = serde_json::json!({
            "type": "party_added",
            "party": {
                "id": "0190a6e2-5f00-7000-8000-000000000001",
                "role": "end_user",
                "name": "Border Guard",
                "address": "1 Main Street",
                "country": "SRB",
                "sector": sector,
            }
        });
        let event: Event = serde_json::from_value(stored).unwrap();
        let Event::PartyAdded { party } = &event else { panic!("{event:?}") };
        assert_eq!(party.sector, Sector::OtherSecurityForces);
        assert_eq!(party.country, CountryCode::parse("RS").unwrap());
        let again = serde_json::to_value(&event).unwrap();
        assert_eq!(again["party"]["sector"], "other_security_forces");
        assert_eq!(again["party"]["country"], "RS");
    }
}
