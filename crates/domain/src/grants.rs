//! Role grants: separation of duties for administrators.
//!
//! A role is given in two steps by two different administrators: one proposes the grant, another
//! approves it; only then does the user hold the role. No administrator can approve a grant they
//! proposed, nor a grant to themselves, so no single administrator can give anyone — least of all
//! themselves — the power to decide cases, nor make an account (an exporter's included) through
//! which to read case files.
//!
//! The first administrators are created by the operator on the server (`oversight admin
//! create-user`), outside this rule: that is the bootstrap.

use uuid::Uuid;

use crate::{
    FieldError, UserId,
    access::require_authority,
    lifecycle::Rejection,
    roles::{Actor, OrgKind, Role},
};

/// A grant proposed and not yet approved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingGrant {
    pub id: Uuid,
    /// Who is to hold the role.
    pub user: UserId,
    pub role: Role,
    pub proposed_by: UserId,
}

/// What a grant rule needs to know of the user who is to hold the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grantee<'a> {
    pub id: UserId,
    pub org_kind: OrgKind,
    pub roles: &'a [Role],
}

/// Proposes giving `role` to `grantee`: an administrator of the authority may; the role must fit
/// the user's organisation, and the user must neither hold it already nor have it pending.
pub fn propose(
    actor: &Actor,
    grantee: &Grantee<'_>,
    role: Role,
    pending: &[PendingGrant],
    id: Uuid,
) -> Result<PendingGrant, Rejection> {
    require_authority(actor, &[Role::Administrator], "proposing a role grant")?;
    if role.org_kind() != grantee.org_kind {
        return Err(FieldError::new(
            "role",
            format!(
                "the role {} does not belong in an organisation of kind {:?}",
                role.as_str(),
                grantee.org_kind
            ),
        )
        .into());
    }
    if grantee.roles.contains(&role) {
        return Err(Rejection::Blocked(format!("the user already holds the role {}", role.as_str())));
    }
    if pending.iter().any(|g| g.user == grantee.id && g.role == role) {
        return Err(Rejection::Blocked(format!(
            "a grant of the role {} to this user is already waiting for approval",
            role.as_str()
        )));
    }
    Ok(PendingGrant { id, user: grantee.id, role, proposed_by: actor.user })
}

/// Approves a pending grant: an administrator of the authority who neither proposed it nor is to
/// hold the role.
pub fn approve(actor: &Actor, grant: &PendingGrant) -> Result<(), Rejection> {
    require_authority(actor, &[Role::Administrator], "approving a role grant")?;
    if actor.user == grant.proposed_by {
        return Err(Rejection::Forbidden(
            "a role grant needs a second administrator: the one who proposed it cannot approve it".into(),
        ));
    }
    if actor.user == grant.user {
        return Err(Rejection::Forbidden("no administrator can approve a role grant to themselves".into()));
    }
    Ok(())
}

/// Withdraws a pending grant without giving the role: any administrator of the authority may
/// (refusing a privilege needs no second pair of eyes).
pub fn withdraw(actor: &Actor, _grant: &PendingGrant) -> Result<(), Rejection> {
    require_authority(actor, &[Role::Administrator], "withdrawing a role grant")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OrgId;

    fn user(n: u128, kind: OrgKind, roles: &[Role]) -> Actor {
        Actor {
            user: UserId(Uuid::from_u128(n)),
            org: OrgId(Uuid::from_u128(100)),
            org_kind: kind,
            roles: roles.to_vec(),
        }
    }

    fn grantee(a: &Actor) -> Grantee<'_> {
        Grantee { id: a.user, org_kind: a.org_kind, roles: &a.roles }
    }

    #[test]
    fn a_grant_needs_a_second_administrator_who_is_not_the_grantee() {
        let alice = user(1, OrgKind::Authority, &[Role::Administrator]);
        let bob = user(2, OrgKind::Authority, &[Role::Administrator]);
        let carol = user(3, OrgKind::Authority, &[Role::LicensingOfficer]);
        let id = Uuid::from_u128(7);
        // Alice proposes that Carol approves cases; Alice cannot approve it, Bob can.
        let g = propose(&alice, &grantee(&carol), Role::Approver, &[], id).unwrap();
        assert_eq!(g, PendingGrant { id, user: carol.user, role: Role::Approver, proposed_by: alice.user });
        assert!(matches!(approve(&alice, &g), Err(Rejection::Forbidden(_))));
        assert_eq!(approve(&bob, &g), Ok(()));
        // Carol, the grantee, cannot approve it even as an administrator.
        let carol_admin = user(3, OrgKind::Authority, &[Role::Administrator, Role::LicensingOfficer]);
        assert!(matches!(approve(&carol_admin, &g), Err(Rejection::Forbidden(_))));
        // Alice proposes a grant to herself: Bob may approve it, she never.
        let own = propose(&alice, &grantee(&alice), Role::Approver, &[], id).unwrap();
        assert!(matches!(approve(&alice, &own), Err(Rejection::Forbidden(_))));
        assert_eq!(approve(&bob, &own), Ok(()));
    }

    #[test]
    fn only_administrators_of_the_authority_propose_approve_or_withdraw() {
        let carol = user(3, OrgKind::Authority, &[Role::LicensingOfficer]);
        let admin = user(1, OrgKind::Authority, &[Role::Administrator]);
        let g = propose(&admin, &grantee(&carol), Role::Approver, &[], Uuid::nil()).unwrap();
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Administrator) {
            let a = user(9, role.org_kind(), &[role]);
            assert!(
                matches!(
                    propose(&a, &grantee(&carol), Role::Approver, &[], Uuid::nil()),
                    Err(Rejection::Forbidden(_))
                ),
                "{role:?}"
            );
            assert!(matches!(approve(&a, &g), Err(Rejection::Forbidden(_))), "{role:?}");
            assert!(matches!(withdraw(&a, &g), Err(Rejection::Forbidden(_))), "{role:?}");
        }
        assert_eq!(withdraw(&admin, &g), Ok(()));
    }

    #[test]
    fn a_grant_must_fit_the_organisation_and_not_repeat_a_role_held_or_pending() {
        let admin = user(1, OrgKind::Authority, &[Role::Administrator]);
        let carol = user(3, OrgKind::Authority, &[Role::LicensingOfficer]);
        let exporter = user(4, OrgKind::Exporter, &[Role::Exporter]);
        let e = propose(&admin, &grantee(&exporter), Role::Approver, &[], Uuid::nil()).unwrap_err();
        assert!(matches!(e, Rejection::Invalid(ref f) if f.field == "role"), "{e:?}");
        let held = propose(&admin, &grantee(&carol), Role::LicensingOfficer, &[], Uuid::nil());
        assert!(matches!(held, Err(Rejection::Blocked(_))), "{held:?}");
        let g = propose(&admin, &grantee(&carol), Role::Approver, &[], Uuid::nil()).unwrap();
        let again = propose(&admin, &grantee(&carol), Role::Approver, std::slice::from_ref(&g), Uuid::nil());
        assert!(matches!(again, Err(Rejection::Blocked(_))), "{again:?}");
        // Another role for the same user, or the same role for another user, may be proposed.
        assert!(
            propose(
                &admin,
                &grantee(&carol),
                Role::HumanRightsAssessor,
                std::slice::from_ref(&g),
                Uuid::nil()
            )
            .is_ok()
        );
        let dave = user(5, OrgKind::Authority, &[Role::LicensingOfficer]);
        assert!(
            propose(&admin, &grantee(&dave), Role::Approver, std::slice::from_ref(&g), Uuid::nil()).is_ok()
        );
    }
}
