//! Parties to a transaction: end user, consignee, ultimate end user, intermediaries.

use serde::{Deserialize, Serialize};

use crate::{FieldError, countries::CountryCode, ids::PartyId, parse_text};

/// The part a party plays in the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    EndUser,
    Consignee,
    UltimateEndUser,
    Agent,
    Distributor,
    Integrator,
    FreightForwarder,
    /// The applicant itself, screened at submission against the authority's debarments: never a
    /// party added to an application.
    Applicant,
}

/// The end user's sector (it moves the risk band, see DOMAIN.md §6): one vocabulary with the risk crate.
pub use oversight_vocab::Sector;

/// A party as recorded on an application. Construct with [`Party::new`], which validates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    pub id: PartyId,
    pub role: PartyRole,
    pub name: String,
    pub address: String,
    pub country: CountryCode,
    pub sector: Sector,
}

impl Party {
    pub fn new(
        id: PartyId,
        role: PartyRole,
        name: &str,
        address: &str,
        country: &str,
        sector: Sector,
    ) -> Result<Self, FieldError> {
        Ok(Party {
            id,
            role,
            name: parse_text("name", name, 300)?,
            address: crate::parse_multiline_text("address", address, 1000)?,
            country: CountryCode::parse(country)?,
            sector,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_party_needs_a_name_and_a_real_country() {
        let id = PartyId(Uuid::nil());
        assert!(Party::new(id, PartyRole::EndUser, "Ministry", "Street 1", "FR", Sector::Police).is_ok());
        assert_eq!(
            Party::new(id, PartyRole::EndUser, "  ", "Street 1", "FR", Sector::Police).unwrap_err().field,
            "name"
        );
        assert_eq!(
            Party::new(id, PartyRole::EndUser, "M", "Street 1", "QQ", Sector::Police).unwrap_err().field,
            "country"
        );
    }
}
