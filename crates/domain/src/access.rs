//! Who may see a case, and who may act on it: the one authorisation rule every capability uses.
//!
//! - A case you may not see is `NotFound` (its existence is not revealed): an exporter sees its own
//!   organisation's cases, a partner agency none; in the authority, a case is seen only through a
//!   role that works on cases ([`CASE_FILE_ROLES`]: every case) or, for an enforcement officer,
//!   once it is decided or withdrawn ([`can_see_case_file`]). An administrator's role alone shows
//!   no case: administering accounts is not reading case files (separation of duties).
//! - An action your role lacks on a case you may see is `Forbidden`.

use crate::{
    ApplicationStatus, OrgId,
    lifecycle::Rejection,
    roles::{Actor, OrgKind, Role},
};

/// The authority's roles that work on open cases: they see every case file, and what reads of a
/// case's internal records (screening alerts, the assessment) ask for. Not the administrator (who
/// administers accounts) nor the enforcement officer (who sees decided cases only).
pub const CASE_FILE_ROLES: [Role; 4] =
    [Role::LicensingOfficer, Role::HumanRightsAssessor, Role::Approver, Role::ReviewPanelMember];

/// Whether `actor` may see some case of organisation `owner` (the organisation check, whatever the
/// case's state): a holder of the exporter's role its own organisation's, an authority user holding
/// a case-file role or the enforcement officer's role. A user without a role sees none.
pub fn can_see_case(actor: &Actor, owner: OrgId) -> bool {
    match actor.org_kind {
        OrgKind::Authority => {
            CASE_FILE_ROLES.iter().any(|r| actor.has(*r)) || actor.has(Role::EnforcementOfficer)
        }
        // A user of the exporter without the exporter's role (one whose role is still waiting for
        // approval) sees nothing.
        OrgKind::Exporter => actor.org == owner && actor.has(Role::Exporter),
        OrgKind::PartnerAgency => false,
    }
}

/// Whether `actor` may see the case file (the application, its documents and history) of a case of
/// `owner` in state `status`: as [`can_see_case`], and an enforcement officer without a case-file
/// role only once the case is closed (decided or withdrawn) — what enforcing a decision and its
/// licence needs, not the open case files.
pub fn can_see_case_file(actor: &Actor, owner: OrgId, status: ApplicationStatus) -> bool {
    if !can_see_case(actor, owner) {
        return false;
    }
    match actor.org_kind {
        OrgKind::Authority => CASE_FILE_ROLES.iter().any(|r| actor.has(*r)) || !status.is_open(),
        _ => true,
    }
}

/// Refuses unless `actor` may see the case of `owner` (`NotFound`) and is an authority user holding
/// one of `roles` (`Forbidden`, naming `what` and the roles). An authority user with no role that
/// sees cases (an administrator alone) is `NotFound`.
pub fn require_on_case(actor: &Actor, owner: OrgId, roles: &[Role], what: &str) -> Result<(), Rejection> {
    if !can_see_case(actor, owner) {
        return Err(Rejection::NotFound);
    }
    require_authority(actor, roles, what)
}

/// Refuses unless `actor` is an authority user holding one of `roles`.
pub fn require_authority(actor: &Actor, roles: &[Role], what: &str) -> Result<(), Rejection> {
    if actor.org_kind == OrgKind::Authority && roles.iter().any(|r| actor.has(*r)) {
        Ok(())
    } else {
        let names: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
        Err(Rejection::Forbidden(format!("{what} requires the role {}", names.join(" or "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;
    use uuid::Uuid;

    fn actor(kind: OrgKind, org: u128, roles: &[Role]) -> Actor {
        Actor {
            user: UserId(Uuid::from_u128(9)),
            org: OrgId(Uuid::from_u128(org)),
            org_kind: kind,
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn a_case_you_may_not_see_is_not_found_and_a_role_you_lack_is_forbidden() {
        let owner = OrgId(Uuid::from_u128(1));
        let own_exporter = actor(OrgKind::Exporter, 1, &[Role::Exporter]);
        let other_exporter = actor(OrgKind::Exporter, 2, &[Role::Exporter]);
        let partner = actor(OrgKind::PartnerAgency, 3, &[Role::PartnerAgency]);
        let officer = actor(OrgKind::Authority, 4, &[Role::LicensingOfficer]);
        let approver = actor(OrgKind::Authority, 4, &[Role::Approver]);
        let need = [Role::LicensingOfficer];
        assert_eq!(require_on_case(&other_exporter, owner, &need, "x"), Err(Rejection::NotFound));
        assert_eq!(require_on_case(&partner, owner, &need, "x"), Err(Rejection::NotFound));
        assert!(matches!(require_on_case(&own_exporter, owner, &need, "x"), Err(Rejection::Forbidden(_))));
        assert!(matches!(require_on_case(&approver, owner, &need, "x"), Err(Rejection::Forbidden(_))));
        assert_eq!(require_on_case(&officer, owner, &need, "x"), Ok(()));
    }

    #[test]
    fn an_administrator_sees_case_content_only_through_a_role_that_allows_it() {
        let owner = OrgId(Uuid::from_u128(1));
        let admin = actor(OrgKind::Authority, 4, &[Role::Administrator]);
        assert!(!can_see_case(&admin, owner));
        for status in ApplicationStatus::ALL {
            assert!(!can_see_case_file(&admin, owner, status), "{status:?}");
        }
        assert_eq!(require_on_case(&admin, owner, &CASE_FILE_ROLES, "x"), Err(Rejection::NotFound));
        for kind in [OrgKind::Authority, OrgKind::Exporter, OrgKind::PartnerAgency] {
            let roleless = actor(kind, 1, &[]);
            assert!(
                ApplicationStatus::ALL.iter().all(|s| !can_see_case_file(&roleless, owner, *s)),
                "{kind:?}"
            );
        }
        let admin_and_officer = actor(OrgKind::Authority, 4, &[Role::Administrator, Role::LicensingOfficer]);
        assert!(ApplicationStatus::ALL.iter().all(|s| can_see_case_file(&admin_and_officer, owner, *s)));
    }

    #[test]
    fn every_role_sees_the_case_files_least_privilege_allows_and_no_more() {
        let owner = OrgId(Uuid::from_u128(1));
        for role in Role::ALL {
            let kind = role.org_kind();
            let org = if kind == OrgKind::Exporter { 1 } else { 4 };
            let a = actor(kind, org, &[role]);
            let stranger = actor(kind, 2, &[role]);
            for status in ApplicationStatus::ALL {
                let expected = match role {
                    Role::Exporter => true,
                    Role::PartnerAgency | Role::Administrator | Role::Ombudsperson => false,
                    Role::EnforcementOfficer => !status.is_open(),
                    Role::LicensingOfficer
                    | Role::HumanRightsAssessor
                    | Role::Approver
                    | Role::ReviewPanelMember => true,
                };
                assert_eq!(can_see_case_file(&a, owner, status), expected, "{role:?} {status:?}");
                if kind != OrgKind::Authority {
                    assert!(!can_see_case_file(&stranger, owner, status), "another {role:?}'s case");
                }
            }
            // The internal records (screening alerts, the assessment) need a case-file role.
            let internal = require_on_case(&a, owner, &CASE_FILE_ROLES, "x");
            match role {
                Role::LicensingOfficer
                | Role::HumanRightsAssessor
                | Role::Approver
                | Role::ReviewPanelMember => {
                    assert_eq!(internal, Ok(()), "{role:?}")
                }
                Role::Exporter | Role::EnforcementOfficer => {
                    assert!(matches!(internal, Err(Rejection::Forbidden(_))), "{role:?}: {internal:?}")
                }
                Role::PartnerAgency | Role::Administrator | Role::Ombudsperson => {
                    assert_eq!(internal, Err(Rejection::NotFound), "{role:?}")
                }
            }
        }
    }
}
