//! Restricted-party screening: read sanctions and export-control lists, normalise names, find and
//! score candidates, and explain every alert.
//!
//! Responsible for: the list formats (`formats`), the entry model (`model`), name normalisation
//! (`normalize`), the in-memory candidate index and the scorer (`index`, `score`), and batch
//! screening (`batch`). It is a pure library: no async runtime, no database, no HTTP, no clock, no
//! randomness; the application stores entries (they are serde types) and builds an `Index` from them.
//!
//! Start reading at [`Index::build`] and [`Index::screen`]; the scoring rules and the default
//! threshold are in `score`.

mod batch;
mod countries;
mod error;
pub mod formats;
mod index;
mod model;
mod names;
pub mod normalize;
mod score;

pub use batch::{BatchQuery, BatchResult, screen_batch};
pub use countries::country_code;
pub use error::Error;
pub use formats::{Format, load_list_spec};
pub use index::{Index, Query};
pub use model::{Entry, EntryName, Identifier, ListDelta, NameStrength, Schema, diff_entries};
pub use score::{Adjustment, DEFAULT_THRESHOLD, Explanation, Match, TokenPair};
