//! The case clock: where a case stands against the working-day target the authority publishes.
//!
//! A case is *not due* until it is within [`ClockTargets::due_soon_within`] working days of the
//! target, *due soon* until the target, *overdue* past the target, and *critically overdue* past the
//! second marker. Working days are counted by [`crate::register::working_days_between`].

use serde::{Deserialize, Serialize};

/// The targets, in working days from submission (configurable; defaults 20 and 60, due soon 5
/// working days before the target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockTargets {
    pub target: u32,
    pub second_marker: u32,
    pub due_soon_within: u32,
}

impl Default for ClockTargets {
    fn default() -> Self {
        ClockTargets { target: 20, second_marker: 60, due_soon_within: 5 }
    }
}

/// Where a case's clock stands, most urgent first (the order queues group by).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClockBand {
    CriticallyOverdue,
    Overdue,
    DueSoon,
    NotDue,
}

impl ClockBand {
    pub const ALL: [ClockBand; 4] =
        [ClockBand::CriticallyOverdue, ClockBand::Overdue, ClockBand::DueSoon, ClockBand::NotDue];

    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    /// A heading for people.
    pub fn label(&self) -> &'static str {
        match self {
            ClockBand::CriticallyOverdue => "Critically overdue",
            ClockBand::Overdue => "Overdue",
            ClockBand::DueSoon => "Due soon",
            ClockBand::NotDue => "Not due",
        }
    }
}

impl ClockTargets {
    /// The band of a case that has run `elapsed` working days.
    pub fn band(&self, elapsed: u32) -> ClockBand {
        if elapsed > self.second_marker {
            ClockBand::CriticallyOverdue
        } else if elapsed > self.target {
            ClockBand::Overdue
        } else if elapsed.saturating_add(self.due_soon_within) >= self.target {
            ClockBand::DueSoon
        } else {
            ClockBand::NotDue
        }
    }

    /// Working days left to the target (negative when overdue).
    pub fn remaining(&self, elapsed: u32) -> i64 {
        i64::from(self.target) - i64::from(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_change_exactly_at_their_boundaries() {
        let t = ClockTargets::default();
        let expect = [
            (0, ClockBand::NotDue),
            (14, ClockBand::NotDue),
            (15, ClockBand::DueSoon),
            (20, ClockBand::DueSoon),
            (21, ClockBand::Overdue),
            (60, ClockBand::Overdue),
            (61, ClockBand::CriticallyOverdue),
            (u32::MAX - 10, ClockBand::CriticallyOverdue),
        ];
        for (elapsed, band) in expect {
            assert_eq!(t.band(elapsed), band, "{elapsed} working days");
        }
        assert_eq!(t.remaining(25), -5);
    }

    #[test]
    fn a_target_closer_than_the_due_soon_window_is_due_soon_from_the_start() {
        let t = ClockTargets { target: 3, second_marker: 10, due_soon_within: 5 };
        assert_eq!(t.band(0), ClockBand::DueSoon);
        assert_eq!(t.band(4), ClockBand::Overdue);
    }

    #[test]
    fn bands_are_ordered_most_urgent_first() {
        let mut all = ClockBand::ALL;
        all.sort();
        assert_eq!(all, ClockBand::ALL);
    }
}
