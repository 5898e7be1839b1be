//! Organisations, roles, and the actor who issues a command.

use serde::{Deserialize, Serialize};

use crate::ids::{OrgId, UserId};

/// What kind of organisation a user belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The licensing authority.
    Authority,
    /// A company that applies for licences.
    Exporter,
    /// Another state's export-control authority.
    PartnerAgency,
}

/// A role a user holds. A user may hold several (but see the four-eyes rule in `lifecycle`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Exporter,
    LicensingOfficer,
    HumanRightsAssessor,
    Approver,
    EnforcementOfficer,
    ReviewPanelMember,
    PartnerAgency,
    Administrator,
    /// Examines complaints from the public, independently of the licensing officers.
    Ombudsperson,
}

impl Role {
    pub const ALL: [Role; 9] = oversight_vocab::all_variants();

    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Role> {
        s.parse().ok()
    }

    /// The kind of organisation a holder of this role must belong to.
    pub fn org_kind(&self) -> OrgKind {
        match self {
            Role::Exporter => OrgKind::Exporter,
            Role::PartnerAgency => OrgKind::PartnerAgency,
            _ => OrgKind::Authority,
        }
    }
}

/// Who is issuing a command: the authenticated user, their organisation and roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: UserId,
    pub org: OrgId,
    pub org_kind: OrgKind,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The platform itself, acting on a rule's own schedule (a breach past its grace period sent
    /// to review): an authority actor with no user and no role, recorded without a user.
    pub fn platform() -> Actor {
        Actor {
            user: UserId(uuid::Uuid::nil()),
            org: OrgId(uuid::Uuid::nil()),
            org_kind: OrgKind::Authority,
            roles: vec![],
        }
    }

    pub fn is_platform(&self) -> bool {
        self.user.0.is_nil() && self.org_kind == OrgKind::Authority && self.roles.is_empty()
    }
}
