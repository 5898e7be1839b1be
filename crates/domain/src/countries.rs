//! ISO 3166-1 country codes: the one table is in `oversight-vocab`; the domain writes a country as its
//! alpha-2 code ([`CountryCode`]).

pub use oversight_vocab::{Country, CountryCode};
