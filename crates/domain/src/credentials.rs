//! Credentials: how long a sign-in session and an API token live, and the sign-in throttle. Pure
//! rules; the accounts capability (`oversight_app::accounts`) passes in the time and what it has
//! stored.
//!
//! - A **session** ends at the first of: its absolute end (`expires_at`, set at sign-in), an idle
//!   period longer than [`SessionPolicy::idle`] since its last recorded activity, sign-out, or its
//!   user being disabled. Activity is recorded at most once per [`SessionPolicy::touch_every`], so
//!   the idle timeout is honoured to within that interval on every node.
//! - An **API token** has an expiry chosen at creation, at most [`TokenPolicy::max_days`] ahead.
//! - The **sign-in throttle** counts attempts, reserved before the password is hashed (a successful
//!   sign-in gives its reservation back), in fixed windows, under two keys: the account *from one
//!   client address* and the client address across all accounts. A stranger elsewhere can therefore
//!   not lock a real user out: the account's limit applies per address.

use chrono::{DateTime, Duration, Utc};

use crate::FieldError;

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// From sign-in to the session's end, however active.
    pub absolute: Duration,
    /// Without activity for longer than this, the session is over.
    pub idle: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { absolute: Duration::hours(12), idle: Duration::minutes(30) }
    }
}

impl SessionPolicy {
    /// Refuses an idle timeout under one minute or longer than the absolute lifetime.
    pub fn new(absolute: Duration, idle: Duration) -> Result<SessionPolicy, FieldError> {
        if absolute < Duration::minutes(1) {
            return Err(FieldError::new("session_hours", "must be at least one minute"));
        }
        if idle < Duration::minutes(1) || idle > absolute {
            return Err(FieldError::new(
                "session_idle_minutes",
                "must be at least one minute and at most the session's lifetime",
            ));
        }
        Ok(SessionPolicy { absolute, idle })
    }

    /// The policy of the settings `session_hours` and `session_idle_minutes`.
    pub fn from_settings(session_hours: u32, session_idle_minutes: u32) -> Result<SessionPolicy, FieldError> {
        Self::new(Duration::hours(session_hours.into()), Duration::minutes(session_idle_minutes.into()))
    }

    /// How often a session's activity is recorded: a sixth of the idle timeout, at most five
    /// minutes, at least ten seconds.
    pub fn touch_every(&self) -> Duration {
        (self.idle / 6).clamp(Duration::seconds(10), Duration::minutes(5))
    }

    /// Whether a session that ends absolutely at `expires_at` and was last recorded active at
    /// `last_active` is still live at `now`.
    pub fn is_live(&self, expires_at: DateTime<Utc>, last_active: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now < expires_at && now - last_active <= self.idle
    }

    /// Whether a request at `now` should record the session's activity.
    pub fn needs_touch(&self, last_active: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - last_active >= self.touch_every()
    }
}

/// How long API tokens may live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPolicy {
    /// The longest lifetime a token can be given, in days (also the default).
    pub max_days: u32,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        TokenPolicy { max_days: 90 }
    }
}

/// How often a token's use is recorded (its "last used" is shown to this precision).
pub const TOKEN_USE_RECORDED_EVERY: Duration = Duration::hours(1);

impl TokenPolicy {
    /// When a token created at `now` and asked to live `days` (the maximum when `None`) expires.
    pub fn expiry(&self, now: DateTime<Utc>, days: Option<u32>) -> Result<DateTime<Utc>, FieldError> {
        let days = days.unwrap_or(self.max_days);
        if days == 0 || days > self.max_days {
            return Err(FieldError::new(
                "expires_in_days",
                format!("must be between 1 and {} days", self.max_days),
            ));
        }
        Ok(now + Duration::days(i64::from(days)))
    }

    /// The expiry of a token recorded before tokens had one: the maximum lifetime from its issue.
    pub fn legacy_expiry(&self, issued_at: DateTime<Utc>) -> DateTime<Utc> {
        issued_at + Duration::days(i64::from(self.max_days))
    }
}

/// Whether a token's use at `now` should be recorded, given when it was last recorded.
pub fn token_use_needs_recording(last_recorded: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_recorded.is_none_or(|t| now - t >= TOKEN_USE_RECORDED_EVERY)
}

/// The sign-in throttle's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// The length of a counting window.
    pub window: Duration,
    /// Attempts on one account from one client address per window (failed or in progress).
    pub per_account_and_address: u32,
    /// Attempts from one client address per window, on any accounts (failed or in progress).
    pub per_address: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy { window: Duration::minutes(15), per_account_and_address: 10, per_address: 100 }
    }
}

/// A key the throttle counts attempts under, with its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKey {
    pub key: String,
    pub limit: u32,
}

impl ThrottlePolicy {
    /// The keys a sign-in of `email` (normalised) from `client` (an address, or a name such as
    /// `local` for the command line) is counted under: the account from that client, and the client.
    pub fn keys(&self, email: &str, client: &str) -> [ThrottleKey; 2] {
        [
            ThrottleKey { key: format!("account:{client}:{email}"), limit: self.per_account_and_address },
            ThrottleKey { key: format!("address:{client}"), limit: self.per_address },
        ]
    }

    /// The verdict on an attempt, given the count its reservation reached under a key (itself
    /// included) and when that key's window started: `Ok` to go on, or the seconds to wait until
    /// the window ends.
    pub fn verdict(
        &self,
        limit: u32,
        count: u64,
        window_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), u64> {
        if count <= u64::from(limit) {
            return Ok(());
        }
        let left = (window_start + self.window - now).num_seconds();
        Err(left.max(1) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_session_ends_when_idle_too_long_or_at_its_absolute_end() {
        let p = SessionPolicy::default();
        let start = t("2026-01-01T08:00:00Z");
        let end = start + p.absolute;
        // Active a moment ago: live until the absolute end, never after.
        for minutes in [0, 1, 29, 30] {
            assert!(p.is_live(end, start, start + Duration::minutes(minutes)), "{minutes}");
        }
        assert!(!p.is_live(end, start, start + Duration::minutes(31)));
        assert!(p.is_live(end, end - Duration::minutes(1), end - Duration::seconds(1)));
        assert!(!p.is_live(end, end, end), "over at its absolute end, however active");
        assert!(!p.is_live(end, end, end + Duration::minutes(1)));
    }

    #[test]
    fn activity_is_recorded_often_enough_for_the_idle_timeout() {
        for idle in [1, 5, 30, 60, 600] {
            let p = SessionPolicy::new(Duration::hours(12), Duration::minutes(idle)).unwrap();
            let every = p.touch_every();
            assert!(every * 6 <= p.idle || every == Duration::seconds(10), "{idle}: {every}");
            assert!(every <= Duration::minutes(5) && every >= Duration::seconds(10));
            let at = t("2026-01-01T08:00:00Z");
            assert!(!p.needs_touch(at, at + every - Duration::seconds(1)));
            assert!(p.needs_touch(at, at + every));
        }
    }

    #[test]
    fn a_session_policy_names_the_setting_it_refuses() {
        let h = Duration::hours;
        let m = Duration::minutes;
        assert_eq!(SessionPolicy::new(h(1), m(0)).unwrap_err().field, "session_idle_minutes");
        assert_eq!(SessionPolicy::new(h(1), m(61)).unwrap_err().field, "session_idle_minutes");
        assert_eq!(SessionPolicy::new(Duration::seconds(30), m(1)).unwrap_err().field, "session_hours");
        assert!(SessionPolicy::new(h(1), m(60)).is_ok());
        assert_eq!(SessionPolicy::from_settings(12, 30), Ok(SessionPolicy::default()));
        assert_eq!(SessionPolicy::from_settings(1, 61).unwrap_err().field, "session_idle_minutes");
    }

    #[test]
    fn a_token_lives_as_asked_within_the_maximum() {
        let p = TokenPolicy { max_days: 90 };
        let now = t("2026-01-01T00:00:00Z");
        assert_eq!(p.expiry(now, None).unwrap(), now + Duration::days(90));
        assert_eq!(p.expiry(now, Some(1)).unwrap(), now + Duration::days(1));
        assert_eq!(p.expiry(now, Some(90)).unwrap(), now + Duration::days(90));
        for bad in [0, 91, u32::MAX] {
            assert_eq!(p.expiry(now, Some(bad)).unwrap_err().field, "expires_in_days", "{bad}");
        }
        assert_eq!(p.legacy_expiry(now), now + Duration::days(90));
    }

    #[test]
    fn a_tokens_use_is_recorded_at_most_hourly() {
        let now = t("2026-01-01T12:00:00Z");
        assert!(token_use_needs_recording(None, now));
        assert!(!token_use_needs_recording(Some(now - Duration::minutes(59)), now));
        assert!(token_use_needs_recording(Some(now - Duration::hours(1)), now));
    }

    #[test]
    fn the_throttle_counts_an_account_per_address_and_an_address_across_accounts() {
        let p = ThrottlePolicy::default();
        let [account, address] = p.keys("a@b.example", "192.0.2.1");
        assert_eq!(account.limit, p.per_account_and_address);
        assert_eq!(address.limit, p.per_address);
        // The same account from another address is another key: a stranger cannot lock it out.
        let [elsewhere, other_address] = p.keys("a@b.example", "198.51.100.7");
        assert_ne!(account.key, elsewhere.key);
        assert_ne!(address.key, other_address.key);
        // Another account from the same address shares the address key only.
        let [other_account, same_address] = p.keys("c@b.example", "192.0.2.1");
        assert_ne!(account.key, other_account.key);
        assert_eq!(address.key, same_address.key);
    }

    #[test]
    fn the_throttle_refuses_past_the_limit_until_the_window_ends() {
        let p = ThrottlePolicy::default();
        let start = t("2026-01-01T12:00:00Z");
        for count in 1..=10 {
            assert_eq!(p.verdict(10, count, start, start), Ok(()));
        }
        assert_eq!(p.verdict(10, 11, start, start), Err(15 * 60));
        assert_eq!(p.verdict(10, 1000, start, start + Duration::minutes(14)), Err(60));
        // At or past the window's end the store has started a new window; never a wait of 0.
        assert_eq!(p.verdict(10, 11, start, start + Duration::minutes(15)), Err(1));
    }
}
