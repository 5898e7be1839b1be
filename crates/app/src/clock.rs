//! Time and randomness come from sources the app is given, so tests and the demo can set them and no
//! use case reads the wall clock or the operating system's random source behind the app's back.

use chrono::{DateTime, Utc};
use rand::{RngCore, SeedableRng, rngs::StdRng};
use std::sync::Mutex;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that says what it is told (tests, demo back-dating).
#[derive(Debug)]
pub struct FixedClock(pub Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where fresh ids and secrets get their random bits.
pub trait Entropy: Send + Sync + 'static {
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's random source (`rand`'s `OsRng`): what a server uses.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        rand::rngs::OsRng.fill_bytes(buf);
    }
}

/// A reproducible random source from a seed (tests).
#[derive(Debug)]
pub struct SeededEntropy(Mutex<StdRng>);

impl SeededEntropy {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(StdRng::seed_from_u64(seed)))
    }
}

impl Entropy for SeededEntropy {
    fn fill(&self, buf: &mut [u8]) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).fill_bytes(buf);
    }
}

/// A UUIDv7 for time `at` with random bits from `entropy`.
pub fn uuid_v7(at: DateTime<Utc>, entropy: &dyn Entropy) -> uuid::Uuid {
    let mut bytes = [0u8; 10];
    entropy.fill(&mut bytes);
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_are_version_7_ordered_by_time_and_reproducible_from_a_seed() {
        let t = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
        let (a, b) = (SeededEntropy::new(1), SeededEntropy::new(1));
        let first = uuid_v7(t, &a);
        assert_eq!(first, uuid_v7(t, &b));
        assert_eq!(first.get_version_num(), 7);
        assert!(uuid_v7(t + chrono::Duration::milliseconds(1), &a) > first);
    }
}
