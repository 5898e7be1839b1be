//! Typed identifiers, so that an organisation id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The prefix used in event-stream names for this kind of id.
            pub const PREFIX: &'static str = $prefix;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// An application (a case).
    ApplicationId, "application"
);
id_type!(
    /// An organisation: the authority, an exporter or a partner agency.
    OrgId, "org"
);
id_type!(
    /// A user account.
    UserId, "user"
);
id_type!(
    /// An item line on an application.
    ItemId, "item"
);
id_type!(
    /// A party on an application.
    PartyId, "party"
);
id_type!(
    /// An uploaded document (its bytes live in blob storage, addressed by SHA-256).
    DocumentId, "document"
);

impl ApplicationId {
    /// The event stream that holds this case's history.
    pub fn stream(&self) -> String {
        format!("{}-{}", Self::PREFIX, self.0)
    }
}
