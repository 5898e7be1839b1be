//! What each audience may see of a case's history: the authority sees every event; the applicant
//! (the exporter that owns the case) sees its own case without the authority's internal
//! deliberation. Decided on the typed events, never on their JSON.

use crate::{
    UserId,
    application::{Application, Document, Hold},
    lifecycle::Event,
    roles::OrgKind,
};

/// An event as an audience may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
// A transient answer, one per event shown, never stored in bulk: boxing the event would cost an
// allocation per shown event for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Disclosed {
    /// The event in full (or with internal fields removed).
    Shown(Event),
    /// That something of this kind happened, without its content.
    KindOnly(&'static str),
    /// Not shown at all (not even that it happened).
    Hidden,
}

/// The id shown to an applicant in place of an authority user's id ("the licensing authority").
pub const AUTHORITY: UserId = UserId(uuid::Uuid::nil());

/// What an applicant is told of a hold, in place of the authority's reason (which may name red
/// flags, an investigation or a partner).
pub const HOLD_NOTICE: &str = "The licensing authority has put the case on hold while it examines it.";

/// The event as an organisation of kind `to` may see it (visibility of the case itself is
/// [`crate::access::can_see_case`]'s). `own` says whether a user belongs to the viewer's
/// organisation: only their ids are shown to an applicant.
///
/// Per event, what the applicant sees (exhaustive: a new event must be placed here):
///
/// | event | applicant sees |
/// |---|---|
/// | created, draft edited, item / party added or removed, submitted, withdrawn | in full (their own input) |
/// | document attached | in full, the uploader's id only if of their organisation |
/// | assigned | that it happened (not which officer) |
/// | consultation started / ended | that it happened (not the partner, the reason or the summary) |
/// | recommended | that it happened (not the outcome or reasoning) |
/// | decided | outcome, criteria, public rationale, conditions, date; not the internal note, the approver or a departure from the assessment |
/// | departure proposed | nothing (a decision not yet taken) |
/// | put on hold, resumed | that it happened (not the reason: red flags, clearance reasoning) |
/// | licence issued, suspended, reinstated, revoked, surrendered, expired | in full (published reasons) |
/// | exporter statement released | in full (their own words) |
pub fn disclose(event: &Event, to: OrgKind, own: &dyn Fn(UserId) -> bool) -> Disclosed {
    if to == OrgKind::Authority {
        return Disclosed::Shown(event.clone());
    }
    let shown = |e: &Event| Disclosed::Shown(e.clone());
    match event {
        Event::Created { .. }
        | Event::DraftEdited { .. }
        | Event::ItemAdded { .. }
        | Event::ItemRemoved { .. }
        | Event::PartyAdded { .. }
        | Event::PartyRemoved { .. }
        | Event::Submitted
        | Event::Withdrawn { .. }
        | Event::LicenceIssued { .. }
        | Event::LicenceSuspended { .. }
        | Event::LicenceReinstated { .. }
        | Event::LicenceRevoked { .. }
        | Event::LicenceSurrendered { .. }
        | Event::LicenceExpired
        | Event::LicenceConditionsAdded { .. }
        | Event::ExporterStatementReleased { .. }
        | Event::QueryRaised { .. }
        | Event::QueryAnswered { .. } => shown(event),
        // The appeal's outcome and reasons; not which approvers it excludes.
        Event::AppealDecided { appeal, subject, outcome, reasons, .. } => {
            Disclosed::Shown(Event::AppealDecided {
                appeal: *appeal,
                subject: *subject,
                outcome: *outcome,
                reasons: reasons.clone(),
                excluded_approvers: vec![],
            })
        }
        Event::DocumentAttached { document } => {
            Disclosed::Shown(Event::DocumentAttached { document: document_for(document, own) })
        }
        Event::Assigned { .. }
        | Event::ConsultationStarted { .. }
        | Event::ConsultationEnded { .. }
        | Event::Recommended { .. }
        | Event::PutOnHold { .. }
        | Event::Resumed { .. }
        | Event::SeniorReviewRequired { .. } => Disclosed::KindOnly(event.kind()),
        Event::Decided { decision } => Disclosed::Shown(Event::Decided { decision: decision_for(decision) }),
        Event::DepartureProposed { .. } => Disclosed::Hidden,
    }
}

/// A decision as the applicant sees it: no internal note, no approver, no departure (the assessment
/// and the approvers' justification are internal; the register says that a departure happened).
fn decision_for(d: &crate::application::Decision) -> crate::application::Decision {
    let mut d = d.clone();
    d.internal_note.clear();
    d.by = AUTHORITY;
    d.departure = None;
    d.second_approver = None;
    d
}

fn document_for(d: &Document, own: &dyn Fn(UserId) -> bool) -> Document {
    let mut d = d.clone();
    if !own(d.uploaded_by) {
        d.uploaded_by = AUTHORITY;
    }
    d
}

/// The case as an organisation of kind `to` may see it. Per field (exhaustive: a new field of
/// [`Application`] must be placed here), the applicant sees everything they supplied and the
/// state of their case, and none of the authority's deliberation: no recommendation, no internal
/// note, no officer's or approver's id, no consultation partner, no hold reason.
pub fn disclose_application(app: &Application, to: OrgKind, own: &dyn Fn(UserId) -> bool) -> Application {
    if to == OrgKind::Authority {
        return app.clone();
    }
    let Application {
        id,
        org,
        created_by,
        created_at,
        status,
        title,
        end_use,
        destination,
        items,
        parties,
        documents,
        submitted_at,
        assigned_officer: _,
        consultation_with: _,
        recommendation: _,
        hold,
        decision,
        licence,
        exporter_statement,
        proposed_decision: _,
        queries,
        hold_stops,
        excluded_approvers: _,
        reopened_on_appeal,
        senior_review: _,
        version,
    } = app.clone();
    Application {
        id,
        org,
        created_by,
        created_at,
        status,
        title,
        end_use,
        destination,
        items,
        parties,
        documents: documents.iter().map(|d| document_for(d, own)).collect(),
        submitted_at,
        assigned_officer: None,
        consultation_with: None,
        recommendation: None,
        hold: hold.map(|h| Hold {
            reason: HOLD_NOTICE.to_string(),
            resume_to: h.resume_to,
            since: h.since,
            red_flags_of: None,
            // A hold waiting for the exporter says so: the exporter is the one to act.
            stops_clock: h.stops_clock,
        }),
        decision: decision.as_ref().map(decision_for),
        licence,
        exporter_statement,
        proposed_decision: None,
        // The exporter's own queries: addressed to them, with nothing of the authority's beyond
        // the question and the date.
        queries,
        // When the clock stood still for the exporter's reasons: dates only.
        hold_stops,
        excluded_approvers: Vec::new(),
        reopened_on_appeal,
        // Why the case went to senior review is the authority's (the event shows that it did).
        senior_review: None,
        version,
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
        assert_eq!(disclose(&rec, OrgKind::Exporter, &|_| false), Disclosed::KindOnly("recommended"));
        assert_eq!(disclose(&rec, OrgKind::Authority, &|_| false), Disclosed::Shown(rec.clone()));
        let decided = Event::Decided {
            decision: Decision {
                by,
                outcome: Outcome::Deny,
                criteria: vec![2],
                public_rationale: "public".into(),
                internal_note: "internal".into(),
                conditions: vec![],
                at,
                departure: None,
                obligations: vec![],
                second_approver: None,
            },
        };
        let Disclosed::Shown(Event::Decided { decision }) = disclose(&decided, OrgKind::Exporter, &|_| false)
        else {
            panic!("a decision is shown")
        };
        assert_eq!((decision.public_rationale.as_str(), decision.internal_note.as_str()), ("public", ""));
        assert!(!shows_actor(OrgKind::Exporter, false));
        assert!(shows_actor(OrgKind::Exporter, true));
        assert!(shows_actor(OrgKind::Authority, false));
    }

    fn t() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    const OWN: UserId = UserId(Uuid::from_u128(10));
    const OFFICER: UserId = UserId(Uuid::from_u128(20));
    const APPROVER: UserId = UserId(Uuid::from_u128(30));

    fn own(u: UserId) -> bool {
        u == OWN
    }

    fn decision() -> Decision {
        Decision {
            by: APPROVER,
            outcome: Outcome::Approve,
            criteria: vec![],
            public_rationale: "public".into(),
            internal_note: "confidential remark".into(),
            conditions: vec![],
            at: t(),
            departure: Some(crate::application::Departure {
                recommended: "deny".into(),
                direction: crate::application::DepartureDirection::TowardsApproval,
                justification: "the approvers' reasoning".into(),
                second_approver: Some(OFFICER),
            }),
            obligations: vec![],
            second_approver: None,
        }
    }

    fn document(by: UserId) -> crate::application::Document {
        crate::application::Document {
            id: crate::DocumentId(Uuid::from_u128(7)),
            kind: crate::application::DocumentKind::Correspondence,
            filename: "letter.pdf".into(),
            sha256: "ab".repeat(32),
            size: 3,
            uploaded_by: by,
            uploaded_at: t(),
        }
    }

    /// A case with every internal field filled in.
    fn case() -> Application {
        Application {
            id: crate::ApplicationId(Uuid::from_u128(1)),
            org: crate::OrgId(Uuid::from_u128(2)),
            created_by: OWN,
            created_at: t(),
            status: crate::ApplicationStatus::OnHold,
            title: "title".into(),
            end_use: "end use".into(),
            destination: crate::CountryCode::parse("NO").unwrap(),
            items: vec![],
            parties: vec![],
            documents: vec![document(OWN), document(OFFICER)],
            submitted_at: Some(t()),
            assigned_officer: Some(OFFICER),
            consultation_with: Some("Partner intelligence service".into()),
            recommendation: Some(Recommendation {
                by: OFFICER,
                outcome: Outcome::Deny,
                reasoning: "secret".into(),
                conditions: vec![],
                at: t(),
            }),
            hold: Some(Hold {
                reason: "Red flags raised by the risk assessment (assessment 1): end_user_abuse_evidence"
                    .into(),
                resume_to: crate::ApplicationStatus::PendingDecision,
                since: t(),
                red_flags_of: Some(1),
                stops_clock: false,
            }),
            decision: Some(decision()),
            licence: None,
            exporter_statement: None,
            queries: Vec::new(),
            hold_stops: Vec::new(),
            excluded_approvers: Vec::new(),
            reopened_on_appeal: false,
            senior_review: None,
            proposed_decision: Some(decision()),
            version: 9,
        }
    }

    #[test]
    fn the_applicant_sees_each_field_of_the_case_as_the_table_says() {
        let mine = disclose_application(&case(), OrgKind::Exporter, &own);
        // Hidden: the authority's deliberation and its people.
        assert_eq!(mine.assigned_officer, None);
        assert_eq!(mine.consultation_with, None);
        assert_eq!(mine.recommendation, None);
        assert_eq!(mine.proposed_decision, None);
        let hold = mine.hold.as_ref().unwrap();
        assert_eq!((hold.reason.as_str(), hold.red_flags_of), (HOLD_NOTICE, None));
        assert_eq!(hold.resume_to, crate::ApplicationStatus::PendingDecision);
        let d = mine.decision.as_ref().unwrap();
        assert_eq!((d.by, d.internal_note.as_str(), d.departure.as_ref()), (AUTHORITY, "", None));
        assert_eq!(d.public_rationale, "public");
        assert_eq!(mine.documents[0].uploaded_by, OWN, "their own uploader is shown");
        assert_eq!(mine.documents[1].uploaded_by, AUTHORITY, "an officer's id is not");
        // Shown: everything else, as it is.
        let full = case();
        assert_eq!(
            (mine.id, mine.org, mine.created_by, mine.status, mine.version),
            (full.id, full.org, full.created_by, full.status, full.version)
        );
        assert_eq!(
            (mine.title, mine.end_use, mine.submitted_at),
            (full.title.clone(), full.end_use.clone(), full.submitted_at)
        );
        // The authority sees it all; nothing in the applicant's JSON names an officer or the reasons.
        assert_eq!(disclose_application(&full, OrgKind::Authority, &own), full);
        let json = serde_json::to_string(&disclose_application(&full, OrgKind::Exporter, &own)).unwrap();
        for secret in [
            OFFICER.0.to_string(),
            APPROVER.0.to_string(),
            "Partner intelligence".into(),
            "end_user_abuse_evidence".into(),
            "secret".into(),
            "confidential remark".into(),
            "approvers' reasoning".into(),
        ] {
            assert!(!json.contains(&secret), "{secret} leaks: {json}");
        }
    }

    #[test]
    fn the_applicant_sees_each_event_as_the_table_says() {
        let e = |event: Event| disclose(&event, OrgKind::Exporter, &own);
        let kind_only = [
            Event::Assigned { officer: OFFICER },
            Event::ConsultationStarted { with: "Partner intelligence service".into(), reason: "r".into() },
            Event::ConsultationEnded { summary: "s".into() },
            Event::PutOnHold {
                reason: "Red flags: end_user_abuse_evidence".into(),
                red_flags_of: Some(1),
                stops_clock: false,
            },
            Event::PutOnHold { reason: "Investigation".into(), red_flags_of: None, stops_clock: false },
            Event::Resumed { reason: "Cleared: the approver's reasoning".into() },
        ];
        for event in kind_only {
            assert_eq!(e(event.clone()), Disclosed::KindOnly(event.kind()), "{event:?}");
        }
        assert_eq!(e(Event::DepartureProposed { decision: decision() }), Disclosed::Hidden);
        let Disclosed::Shown(Event::Decided { decision: d }) = e(Event::Decided { decision: decision() })
        else {
            panic!()
        };
        assert_eq!((d.by, d.internal_note.as_str(), d.departure), (AUTHORITY, "", None));
        let Disclosed::Shown(Event::DocumentAttached { document: d }) =
            e(Event::DocumentAttached { document: document(OFFICER) })
        else {
            panic!()
        };
        assert_eq!(d.uploaded_by, AUTHORITY);
        let Disclosed::Shown(Event::DocumentAttached { document: d }) =
            e(Event::DocumentAttached { document: document(OWN) })
        else {
            panic!()
        };
        assert_eq!(d.uploaded_by, OWN);
        for shown in [
            Event::Submitted,
            Event::Withdrawn { reason: "theirs".into() },
            Event::LicenceRevoked { reason: "published reason".into() },
            Event::LicenceExpired,
            Event::ExporterStatementReleased { statement: "theirs".into() },
        ] {
            assert_eq!(e(shown.clone()), Disclosed::Shown(shown));
        }
        let all = Event::Assigned { officer: OFFICER };
        assert_eq!(disclose(&all, OrgKind::Authority, &own), Disclosed::Shown(all));
    }
}
