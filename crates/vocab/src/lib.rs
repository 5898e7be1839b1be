//! `oversight-vocab`: the one vocabulary the regime's pure crates share.
//!
//! Responsible for: the ISO 3166-1 country table and its two written forms ([`CountryCode`], alpha-2,
//! the form of cases, the API and the register; [`Iso3`], alpha-3, the join key of indicator data and
//! the form of risk records), end-user [`Sector`]s, sensitivity [`Tier`]s, and the [`FieldError`] a
//! value that does not parse is reported with. Each value has exactly one spelling when written and
//! accepts the spellings already in stored events when read (see [`Sector`]).
//!
//! Must not depend on: any other Oversight crate (domain, screening and risk depend on this one),
//! storage, HTTP, an async runtime, the clock or randomness. It holds names of things, not rules:
//! who may do what (roles, organisation kinds) stays in the domain, which owns those rules.
//!
//! Start reading at [`country`], then [`Sector`] and [`Tier`].

#![forbid(unsafe_code)]

pub mod country;
mod sector;
mod tier;

pub use country::{Country, CountryCode, Iso3, UnknownCountry};
pub use sector::{Sector, UnknownSector};
pub use tier::Tier;

/// A validation failure of one named field: what the web layer reports as 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Every variant of `T`, in declaration order, as an array: the `ALL` constants of the enums are
/// defined with it, so the list comes from `strum`'s derive and is never written by hand. Used in a
/// constant, a wrong `N` is a compile error.
pub const fn all_variants<T: strum::VariantArray + Copy, const N: usize>() -> [T; N] {
    assert!(T::VARIANTS.len() == N, "the array length must be the number of variants");
    match T::VARIANTS.first_chunk::<N>() {
        Some(all) => *all,
        None => unreachable!(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, strum::VariantArray)]
    enum Three {
        A,
        B,
        C,
    }

    #[test]
    fn all_variants_lists_every_variant_in_order() {
        const ALL: [Three; 3] = all_variants();
        assert_eq!(ALL, [Three::A, Three::B, Three::C]);
    }
}
