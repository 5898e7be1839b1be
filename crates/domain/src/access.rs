//! Who may see a case, and who may act on it: the one authorisation rule every capability uses.
//!
//! - A case you may not see is `NotFound` (its existence is not revealed): the authority sees every
//!   case, an exporter its own organisation's, a partner agency none.
//! - An action your role lacks on a case you may see is `Forbidden`.

use crate::{
    OrgId,
    lifecycle::Rejection,
    roles::{Actor, OrgKind, Role},
};

/// Every role of the authority: what reads of a case's internal records (screening alerts, the
/// assessment) ask for.
pub const AUTHORITY_ROLES: [Role; 6] = [
    Role::LicensingOfficer,
    Role::HumanRightsAssessor,
    Role::Approver,
    Role::EnforcementOfficer,
    Role::ReviewPanelMember,
    Role::Administrator,
];

/// Whether `actor` may see a case of organisation `owner`.
pub fn can_see_case(actor: &Actor, owner: OrgId) -> bool {
    match actor.org_kind {
        OrgKind::Authority => true,
        OrgKind::Exporter => actor.org == owner,
        OrgKind::PartnerAgency => false,
    }
}

/// Refuses unless `actor` may see the case of `owner` (`NotFound`) and is an authority user holding
/// one of `roles` (`Forbidden`, naming `what` and the roles).
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
}
