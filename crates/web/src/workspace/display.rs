//! Words and dates for people: how codes, states and timestamps read on a page.

use chrono::{DateTime, Utc};

/// `under_review` → "Under review".
pub fn humanise(code: &str) -> String {
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The code a value serialises to (`end_use_undertaking`, `approver`): a form's option value.
pub fn code(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// A value's code in words: `end_use_undertaking` → "End use undertaking".
pub fn label(v: &impl serde::Serialize) -> String {
    humanise(&code(v))
}

/// A message from the core as a sentence: its first letter upper-case.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// "30 November 2026".
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y").to_string()
}

/// "30 Nov 2026, 14:05 UTC".
pub fn date_time(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// The machine-readable form for `<time datetime="…">`.
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `1234567` → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 working day", "12 working days".
pub fn working_days(n: i64) -> String {
    if n.abs() == 1 { format!("{n} working day") } else { format!("{n} working days") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_dates_read_as_words() {
        assert_eq!(humanise("pending_decision"), "Pending decision");
        assert_eq!(humanise(""), "");
        let at = DateTime::parse_from_rfc3339("2026-03-04T09:05:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(date(at), "4 March 2026");
        assert_eq!(date_time(at), "4 Mar 2026, 09:05 UTC");
        assert_eq!(working_days(1), "1 working day");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(960000), "960,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(working_days(-3), "-3 working days");
    }
}
