//! What each audience may see of a case's history: the authority sees every event; the applicant
//! (the exporter that owns the case) sees its own case without the authority's internal
//! deliberation. Decided on the typed events, never on their JSON.

use crate::{lifecycle::Event, roles::OrgKind};

/// An event as an audience may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disclosed {
    /// The event in full (or with internal fields removed).
    Shown(Event),
    /// That something of this kind happened, without its content.
    KindOnly(&'static str),
}

/// The event as an organisation of kind `to` may see it (visibility of the case itself is
/// [`crate::access::can_see_case`]'s).
pub fn disclose(event: &Event, to: OrgKind) -> Disclosed {
    if to == OrgKind::Authority {
        return Disclosed::Shown(event.clone());
    }
    match event {
        // The officer's recommendation is internal until the decision.
        Event::Recommended { .. } => Disclosed::KindOnly(event.kind()),
        Event::Decided { decision } => {
            let mut decision = decision.clone();
            decision.internal_note.clear();
            Disclosed::Shown(Event::Decided { decision })
        }
        other => Disclosed::Shown(other.clone()),
    }
}

/// Whether an audience sees who (which user) recorded an event of another organisation: only the
/// authority does; the applicant sees "Licensing authority".
pub fn shows_actor(to: OrgKind, actor_is_viewer: bool) -> bool {
    to == OrgKind::Authority || actor_is_viewer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        UserId,
        application::{Decision, Outcome, Recommendation},
    };
    use chrono::TimeZone;
    use uuid::Uuid;

    #[test]
    fn the_applicant_never_sees_the_recommendation_or_the_internal_note() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let by = UserId(Uuid::from_u128(1));
        let rec = Event::Recommended {
            recommendation: Recommendation {
                by,
                outcome: Outcome::Deny,
                reasoning: "secret".into(),
                conditions: vec![],
                at,
            },
        };
        assert_eq!(disclose(&rec, OrgKind::Exporter), Disclosed::KindOnly("recommended"));
        assert_eq!(disclose(&rec, OrgKind::Authority), Disclosed::Shown(rec.clone()));
        let decided = Event::Decided {
            decision: Decision {
                by,
                outcome: Outcome::Deny,
                criteria: vec![2],
                public_rationale: "public".into(),
                internal_note: "internal".into(),
                conditions: vec![],
                at,
            },
        };
        let Disclosed::Shown(Event::Decided { decision }) = disclose(&decided, OrgKind::Exporter) else {
            panic!("a decision is shown")
        };
        assert_eq!((decision.public_rationale.as_str(), decision.internal_note.as_str()), ("public", ""));
        assert!(!shows_actor(OrgKind::Exporter, false));
        assert!(shows_actor(OrgKind::Exporter, true));
        assert!(shows_actor(OrgKind::Authority, false));
    }
}
