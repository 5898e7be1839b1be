//! Licences: how an issued licence is numbered and how long it is valid. The lifecycle issues the
//! licence with the decision (`lifecycle::Command::Decide`) and expires it once this date passes
//! (`lifecycle::Command::ExpireLicence`).

use chrono::{DateTime, Datelike, Duration, Utc};

use crate::ApplicationId;

/// How long an issued licence is valid unless the decision says otherwise.
pub const DEFAULT_VALIDITY_DAYS: i64 = 730;

/// The licence number of a case decided at `at`: `OVS-<year>-<last 8 hex digits of the case id>`.
/// Unique per case (case ids are UUIDv7 and the suffix is their random part), readable on a phone.
pub fn number(case: ApplicationId, at: DateTime<Utc>) -> String {
    let hex = case.0.simple().to_string().to_uppercase();
    format!("OVS-{}-{}", at.year(), &hex[hex.len() - 8..])
}

/// When a licence issued at `at` expires by default.
pub fn default_expiry(at: DateTime<Utc>) -> DateTime<Utc> {
    at + Duration::days(DEFAULT_VALIDITY_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    #[test]
    fn numbers_name_the_year_and_the_case_and_licences_last_two_years() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let id = ApplicationId(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_dead_beef));
        assert_eq!(number(id, at), "OVS-2026-DEADBEEF");
        assert_eq!(default_expiry(at), Utc.with_ymd_and_hms(2028, 2, 29, 12, 0, 0).unwrap());
    }
}
