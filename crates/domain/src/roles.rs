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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Exporter,
    LicensingOfficer,
    HumanRightsAssessor,
    Approver,
    EnforcementOfficer,
    ReviewPanelMember,
    PartnerAgency,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Exporter,
        Role::LicensingOfficer,
        Role::HumanRightsAssessor,
        Role::Approver,
        Role::EnforcementOfficer,
        Role::ReviewPanelMember,
        Role::PartnerAgency,
        Role::Administrator,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Exporter => "exporter",
            Role::LicensingOfficer => "licensing_officer",
            Role::HumanRightsAssessor => "human_rights_assessor",
            Role::Approver => "approver",
            Role::EnforcementOfficer => "enforcement_officer",
            Role::ReviewPanelMember => "review_panel_member",
            Role::PartnerAgency => "partner_agency",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
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
}
