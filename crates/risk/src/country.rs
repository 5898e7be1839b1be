//! ISO 3166-1 country codes: the join key of every indicator and evidence entry.
//!
//! The table and its parsing are `oversight-vocab`'s. The risk crate writes a country as its alpha-3
//! code ([`Iso3`]), which also accepts the non-ISO codes indicator sources use (`KSV`, `OWID_KOS`,
//! `ROM`, ...), so two sources about the same country always meet.

pub use oversight_vocab::{Country, Iso3, UnknownCountry};
