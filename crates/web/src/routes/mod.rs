//! One module per area of the API, each exposing `router()`.

pub mod admin;
pub mod appeals;
pub mod applications;
pub mod assessment;
pub mod complaints;
pub mod enforcement;
pub mod health;
pub mod licences;
pub mod log;
pub mod pages;
pub mod reference;
pub mod register;
pub mod reports;
pub mod rulemaking;
pub mod screening;
pub mod session;
pub mod tokens;
