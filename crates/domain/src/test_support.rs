//! Test fixtures shared by the core's modules: actors and a licensed case.

use chrono::{Duration, TimeZone, Utc};
use uuid::Uuid;

use crate::{
    Application, ApplicationId, ApplicationStatus, ItemId, OrgId, PartyId, UserId,
    application::{Item, Licence, LicenceStatus},
    compliance::{ObligationKind, ObligationTerm},
    countries::CountryCode,
    party::{Party, PartyRole, Sector},
    roles::{Actor, OrgKind, Role},
};

pub(crate) const EXPORTER_ORG: OrgId = OrgId(Uuid::from_u128(1));
pub(crate) const AUTHORITY: OrgId = OrgId(Uuid::from_u128(100));

pub(crate) fn authority(roles: &[Role], user: u128) -> Actor {
    Actor {
        user: UserId(Uuid::from_u128(user)),
        org: AUTHORITY,
        org_kind: OrgKind::Authority,
        roles: roles.to_vec(),
    }
}

pub(crate) fn exporter_of(case: &Application) -> Actor {
    Actor {
        user: UserId(Uuid::from_u128(10)),
        org: case.org,
        org_kind: OrgKind::Exporter,
        roles: vec![Role::Exporter],
    }
}

pub(crate) fn item_id() -> ItemId {
    ItemId(Uuid::from_u128(5))
}

/// An approved case with an active licence issued on 2 March 2026 for two years: 10 monitoring
/// systems worth EUR 1,000,000 to the National Police Directorate (end user) via Nordic Secure AS
/// (consignee), with an end-use certificate, post-shipment verification within 30 days, training
/// within 30 days, a report every 90 days and audits on request.
pub(crate) fn licensed_case() -> Application {
    let issued = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let party = |n: u128, role, name: &str| {
        Party::new(PartyId(Uuid::from_u128(n)), role, name, "Oslo", "NO", Sector::Police).unwrap()
    };
    let terms = vec![
        ObligationTerm { kind: ObligationKind::EndUseCertificate, days: None },
        ObligationTerm { kind: ObligationKind::PostShipmentVerification, days: Some(30) },
        ObligationTerm { kind: ObligationKind::RecipientTraining, days: Some(30) },
        ObligationTerm { kind: ObligationKind::PeriodicReport, days: Some(90) },
        ObligationTerm { kind: ObligationKind::AuditOnRequest, days: None },
    ];
    Application {
        id: ApplicationId(Uuid::from_u128(999)),
        org: EXPORTER_ORG,
        created_by: UserId(Uuid::from_u128(10)),
        created_at: issued - Duration::days(40),
        status: ApplicationStatus::ApprovedWithConditions,
        title: "Monitoring centre".into(),
        end_use: "Lawful interception".into(),
        destination: CountryCode::parse("NO").unwrap(),
        items: vec![Item {
            id: item_id(),
            control_code: "5A001.j".into(),
            description: "Monitoring system".into(),
            quantity: 10,
            value_eur: 1_000_000,
        }],
        parties: vec![
            party(6, PartyRole::EndUser, "National Police Directorate"),
            party(7, PartyRole::Consignee, "Nordic Secure AS"),
        ],
        documents: vec![],
        submitted_at: Some(issued - Duration::days(30)),
        assigned_officer: None,
        consultation_with: None,
        recommendation: None,
        hold: None,
        decision: None,
        licence: Some(Licence {
            number: "OVS-2026-0001".into(),
            status: LicenceStatus::Active,
            issued_at: issued,
            expires_at: issued + Duration::days(730),
            conditions: terms.iter().map(ObligationTerm::wording).collect(),
            obligations: terms,
        }),
        exporter_statement: None,
        proposed_decision: None,
        queries: vec![],
        hold_stops: vec![],
        excluded_approvers: vec![],
        reopened_on_appeal: false,
        senior_review: None,
        version: 10,
    }
}
