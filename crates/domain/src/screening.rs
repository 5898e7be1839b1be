//! Screening of a case against restricted-party lists, as rules: which matches become alerts, who
//! adjudicates them, how a false-match finding is remembered and when it lapses, and what an alert
//! means for an approval.
//!
//! The matching itself is the screening engine's (`oversight-screening`); the app turns its matches
//! into [`Candidate`]s (fresh alert ids chosen by the caller) and asks [`decide`] which of them to
//! raise. State is folded per case from stream `screening-<case uuid>` with [`apply`].
//!
//! | command | who | refused when |
//! |---|---|---|
//! | record a screening (submission) | anyone whose command screened the case (the rule, not a role) | never; candidates already raised or dismissed are dropped |
//! | raise alerts (re-screening) | the operator or any authority user running the import | never; as above |
//! | adjudicate an alert | licensing officer | no such alert; already adjudicated; empty reason |
//!
//! A false-match finding is remembered by (party name folded for case and spacing, party country,
//! list, source id, entry content hash): it suppresses the same alert on any case while the listed
//! entry is unchanged, and lapses by itself when the entry changes (its hash is part of the key).
//! A later true-match finding for the same key forgets it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Actor, ApplicationId, OrgId, PartyId, Role, UserId, access, lifecycle::Rejection, parse_multiline_text,
};

/// An officer's finding on an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    TrueMatch,
    FalseMatch,
}

/// Why a screening ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The application was submitted.
    Submission,
    /// A list release was imported (re-screening against its added and changed entries).
    ListImport,
    /// A case was denied, adding its end users to `authority-denials`.
    Denial,
    /// An exporter was debarred, adding it to `authority-debarments`.
    Debarment,
    /// An ad-hoc search.
    Search,
}

/// One list release a screening ran against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListVersion {
    pub name: String,
    pub version: u64,
}

/// An officer's adjudication of an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adjudication {
    pub verdict: Verdict,
    pub reason: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A possible match of a party against a listed entry: a flag on the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    pub application: ApplicationId,
    pub party_id: PartyId,
    pub party_name: String,
    pub party_country: String,
    pub list: String,
    pub list_version: u64,
    /// The source's own id of the listed entry (CSL `_id`, UN reference number, ...).
    pub source_id: String,
    /// The listed entry's primary name.
    pub entry_name: String,
    /// Content hash of the listed entry when the alert was raised (a dismissal holds while it stays).
    pub entry_hash: String,
    /// In [0, 1]; alerts are raised at or above the default threshold.
    pub score: f64,
    /// Which names met, the token alignment, and what raised or lowered the score.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub explanation: serde_json::Value,
    pub trigger: Trigger,
    pub raised_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjudication: Option<Adjudication>,
}

impl Alert {
    /// Whether this alert still stands in the way of an approval.
    pub fn blocks_approval(&self) -> bool {
        self.adjudication.as_ref().is_none_or(|j| j.verdict == Verdict::TrueMatch)
    }

    fn dismissal_key(&self) -> DismissalKey {
        DismissalKey::of(&self.party_name, &self.party_country, &self.list, &self.source_id, &self.entry_hash)
    }

    fn same_match(&self, c: &Candidate) -> bool {
        self.party_id == c.party_id
            && self.list == c.list
            && self.source_id == c.source_id
            && self.entry_hash == c.entry_hash
    }
}

/// A match the engine found for one of the case's parties, proposed as an alert. The caller picks
/// the alert id.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub alert_id: Uuid,
    pub party_id: PartyId,
    pub party_name: String,
    pub party_country: String,
    pub list: String,
    pub list_version: u64,
    pub source_id: String,
    pub entry_name: String,
    pub entry_hash: String,
    pub score: f64,
    pub explanation: serde_json::Value,
}

/// The events of stream `screening-<case>`, stored as JSON with `type` as the kind.
#[allow(clippy::large_enum_variant)] // alerts are the common event; boxing them buys nothing
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseScreeningEvent {
    /// The case's parties were screened (on submission).
    CaseScreened {
        trigger: Trigger,
        lists: Vec<ListVersion>,
        parties: u32,
        alerts_raised: u32,
    },
    ScreeningAlertRaised(Alert),
    ScreeningAlertAdjudicated {
        alert_id: Uuid,
        verdict: Verdict,
        reason: String,
        by: UserId,
    },
}

impl CaseScreeningEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            CaseScreeningEvent::CaseScreened { .. } => "case_screened",
            CaseScreeningEvent::ScreeningAlertRaised(_) => "screening_alert_raised",
            CaseScreeningEvent::ScreeningAlertAdjudicated { .. } => "screening_alert_adjudicated",
        }
    }
}

/// The stream of a case's screening record.
pub fn stream(case: ApplicationId) -> String {
    format!("screening-{}", case.0)
}

/// What a false-match dismissal is keyed by: it holds while the listed entry is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DismissalKey {
    party_name: String,
    party_country: String,
    list: String,
    source_id: String,
    entry_hash: String,
}

impl DismissalKey {
    pub fn of(party_name: &str, party_country: &str, list: &str, source_id: &str, entry_hash: &str) -> Self {
        DismissalKey {
            party_name: party_name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase(),
            party_country: party_country.to_uppercase(),
            list: list.into(),
            source_id: source_id.into(),
            entry_hash: entry_hash.into(),
        }
    }
}

/// The authority's memory of false matches, folded from every case's screening stream.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct DismissalMemory {
    keys: HashMap<Uuid, DismissalKey>,
    dismissed: HashSet<DismissalKey>,
}

impl DismissalMemory {
    /// Folds one event of any case's screening stream.
    pub fn apply(&mut self, event: &CaseScreeningEvent) {
        match event {
            CaseScreeningEvent::ScreeningAlertRaised(a) => {
                self.keys.insert(a.id, a.dismissal_key());
            }
            CaseScreeningEvent::ScreeningAlertAdjudicated { alert_id, verdict, .. } => {
                let Some(key) = self.keys.get(alert_id) else { return };
                match verdict {
                    Verdict::FalseMatch => self.dismissed.insert(key.clone()),
                    Verdict::TrueMatch => self.dismissed.remove(key),
                };
            }
            CaseScreeningEvent::CaseScreened { .. } => {}
        }
    }

    pub fn is_dismissed(&self, key: &DismissalKey) -> bool {
        self.dismissed.contains(key)
    }
}

/// A case's screening record, folded from its stream.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseScreening {
    /// How many times the case's parties were screened as a whole (on submission).
    pub screened: u32,
    pub alerts: Vec<Alert>,
    /// Events applied: the stream version.
    pub version: u64,
}

/// A request to change a case's screening record.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Records a screening of all the case's parties, raising the candidates that are new.
    Record { trigger: Trigger, lists: Vec<ListVersion>, parties: u32, candidates: Vec<Candidate> },
    /// Raises the candidates that are new (re-screening against changed entries).
    RaiseAlerts { trigger: Trigger, candidates: Vec<Candidate> },
    /// An officer's finding on an alert, with a reason.
    Adjudicate { alert_id: Uuid, verdict: Verdict, reason: String },
}

/// Everything [`decide`] needs besides the state and the command.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub case: ApplicationId,
    /// The organisation that owns the case (who may see it).
    pub case_owner: OrgId,
    pub dismissals: &'a DismissalMemory,
}

/// Decides which events a screening command produces.
pub fn decide(
    state: &CaseScreening,
    cmd: Command,
    ctx: &Context<'_>,
) -> Result<Vec<CaseScreeningEvent>, Rejection> {
    match cmd {
        Command::Record { trigger, lists, parties, candidates } => {
            let alerts = new_alerts(state, candidates, trigger, ctx);
            let mut events = vec![CaseScreeningEvent::CaseScreened {
                trigger,
                lists,
                parties,
                alerts_raised: alerts.len() as u32,
            }];
            events.extend(alerts.into_iter().map(CaseScreeningEvent::ScreeningAlertRaised));
            Ok(events)
        }
        Command::RaiseAlerts { trigger, candidates } => Ok(new_alerts(state, candidates, trigger, ctx)
            .into_iter()
            .map(CaseScreeningEvent::ScreeningAlertRaised)
            .collect()),
        Command::Adjudicate { alert_id, verdict, reason } => {
            access::require_on_case(
                ctx.actor,
                ctx.case_owner,
                &[Role::LicensingOfficer],
                "adjudicating screening alerts",
            )?;
            let alert = state.alerts.iter().find(|a| a.id == alert_id).ok_or(Rejection::NotFound)?;
            if alert.adjudication.is_some() {
                return Err(Rejection::Blocked("this alert has already been adjudicated".into()));
            }
            let reason = parse_multiline_text("reason", &reason, 2000)?;
            Ok(vec![CaseScreeningEvent::ScreeningAlertAdjudicated {
                alert_id,
                verdict,
                reason,
                by: ctx.actor.user,
            }])
        }
    }
}

/// The candidates to raise: not already raised on the case for the same party and entry content,
/// not twice in one batch, and not dismissed as a false match while the entry is unchanged.
fn new_alerts(
    state: &CaseScreening,
    candidates: Vec<Candidate>,
    trigger: Trigger,
    ctx: &Context<'_>,
) -> Vec<Alert> {
    let mut out: Vec<Alert> = Vec::new();
    for c in candidates {
        let key = DismissalKey::of(&c.party_name, &c.party_country, &c.list, &c.source_id, &c.entry_hash);
        let seen = state.alerts.iter().chain(out.iter()).any(|a| a.same_match(&c));
        if seen || ctx.dismissals.is_dismissed(&key) {
            continue;
        }
        out.push(Alert {
            id: c.alert_id,
            application: ctx.case,
            party_id: c.party_id,
            party_name: c.party_name,
            party_country: c.party_country,
            list: c.list,
            list_version: c.list_version,
            source_id: c.source_id,
            entry_name: c.entry_name,
            entry_hash: c.entry_hash,
            score: c.score,
            explanation: c.explanation,
            trigger,
            raised_at: ctx.now,
            adjudication: None,
        });
    }
    out
}

/// Folds one event of the case's stream, recorded at `at`.
pub fn apply(mut state: CaseScreening, event: &CaseScreeningEvent, at: DateTime<Utc>) -> CaseScreening {
    state.version += 1;
    match event {
        CaseScreeningEvent::CaseScreened { .. } => state.screened += 1,
        CaseScreeningEvent::ScreeningAlertRaised(a) => state.alerts.push(a.clone()),
        CaseScreeningEvent::ScreeningAlertAdjudicated { alert_id, verdict, reason, by } => {
            if let Some(a) = state.alerts.iter_mut().find(|a| a.id == *alert_id) {
                a.adjudication =
                    Some(Adjudication { verdict: *verdict, reason: reason.clone(), by: *by, at });
            }
        }
    }
    state
}

/// Why an approval must wait, in plain words; `None` when screening does not stand in the way.
/// A denial is never held back by screening.
pub fn approval_blocker(state: &CaseScreening) -> Option<String> {
    if state.screened == 0 {
        return Some("the parties of this case have no screening record".into());
    }
    let open = state.alerts.iter().filter(|a| a.adjudication.is_none()).count();
    let true_matches = state.alerts.iter().filter(|a| a.blocks_approval()).count() - open;
    (open > 0 || true_matches > 0).then(|| {
        format!("{open} screening alert(s) not yet adjudicated and {true_matches} confirmed as true matches")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OrgKind;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap()
    }
    fn actor(kind: OrgKind, org: u128, roles: &[Role]) -> Actor {
        Actor {
            user: UserId(Uuid::from_u128(7)),
            org: OrgId(Uuid::from_u128(org)),
            org_kind: kind,
            roles: roles.to_vec(),
        }
    }
    fn officer() -> Actor {
        actor(OrgKind::Authority, 100, &[Role::LicensingOfficer])
    }
    fn candidate(n: u128, name: &str, hash: &str) -> Candidate {
        Candidate {
            alert_id: Uuid::from_u128(n),
            // One party per first letter of its name.
            party_id: PartyId(Uuid::from_u128(name.to_lowercase().as_bytes()[0] as u128)),
            party_name: name.into(),
            party_country: "by".into(),
            list: "us-csl".into(),
            list_version: 1,
            source_id: "32275".into(),
            entry_name: "LISTED".into(),
            entry_hash: hash.into(),
            score: 0.9,
            explanation: serde_json::Value::Null,
        }
    }
    fn ctx<'a>(actor: &'a Actor, memory: &'a DismissalMemory) -> Context<'a> {
        Context {
            actor,
            now: now(),
            case: ApplicationId(Uuid::from_u128(1)),
            case_owner: OrgId(Uuid::from_u128(1)),
            dismissals: memory,
        }
    }
    fn run(
        state: CaseScreening,
        cmd: Command,
        ctx: &Context<'_>,
    ) -> (CaseScreening, Vec<CaseScreeningEvent>) {
        let events = decide(&state, cmd, ctx).expect("accepted");
        let s = events.iter().fold(state, |s, e| apply(s, e, now()));
        (s, events)
    }
    fn record(candidates: Vec<Candidate>) -> Command {
        Command::Record { trigger: Trigger::Submission, lists: vec![], parties: 2, candidates }
    }

    #[test]
    fn an_unscreened_case_cannot_be_approved_and_a_clean_one_can() {
        let memory = DismissalMemory::default();
        let o = officer();
        assert!(approval_blocker(&CaseScreening::default()).is_some());
        let (s, events) = run(CaseScreening::default(), record(vec![]), &ctx(&o, &memory));
        assert_eq!(events.len(), 1);
        assert_eq!(s.version, 1);
        assert_eq!(approval_blocker(&s), None);
    }

    #[test]
    fn open_and_true_matches_block_approval_false_matches_do_not() {
        let memory = DismissalMemory::default();
        let o = officer();
        let c = ctx(&o, &memory);
        let (s, _) =
            run(CaseScreening::default(), record(vec![candidate(1, "A", "h"), candidate(2, "B", "h")]), &c);
        assert_eq!(s.alerts.len(), 2, "different parties' names are different alerts");
        assert!(approval_blocker(&s).unwrap().starts_with("2 screening alert(s) not yet adjudicated"));
        let adjudicate = |id, verdict| Command::Adjudicate {
            alert_id: Uuid::from_u128(id),
            verdict,
            reason: "checked".into(),
        };
        let (s, _) = run(s, adjudicate(1, Verdict::FalseMatch), &c);
        let (s, _) = run(s, adjudicate(2, Verdict::TrueMatch), &c);
        assert_eq!(
            approval_blocker(&s).unwrap(),
            "0 screening alert(s) not yet adjudicated and 1 confirmed as true matches"
        );
        assert_eq!(
            decide(&s, adjudicate(2, Verdict::FalseMatch), &c),
            Err(Rejection::Blocked("this alert has already been adjudicated".into()))
        );
    }

    #[test]
    fn an_alert_is_raised_once_per_party_and_entry_content() {
        let memory = DismissalMemory::default();
        let o = officer();
        let c = ctx(&o, &memory);
        let (s, ev) =
            run(CaseScreening::default(), record(vec![candidate(1, "A", "h"), candidate(2, "A", "h")]), &c);
        assert_eq!(ev.len(), 2, "the duplicate within one batch is dropped");
        let (s, ev) = run(
            s,
            Command::RaiseAlerts { trigger: Trigger::ListImport, candidates: vec![candidate(3, "A", "h")] },
            &c,
        );
        assert!(ev.is_empty(), "already raised on the case");
        let (s, ev) = run(
            s,
            Command::RaiseAlerts { trigger: Trigger::ListImport, candidates: vec![candidate(4, "A", "h2")] },
            &c,
        );
        assert_eq!(ev.len(), 1, "the entry changed: a new alert");
        assert_eq!(s.alerts.len(), 2);
    }

    #[test]
    fn a_false_match_is_remembered_across_cases_until_the_entry_changes_or_a_true_match_is_found() {
        let mut memory = DismissalMemory::default();
        let raised = CaseScreeningEvent::ScreeningAlertRaised(Alert {
            id: Uuid::from_u128(1),
            application: ApplicationId(Uuid::from_u128(9)),
            party_id: PartyId(Uuid::from_u128(50)),
            party_name: "Ivan  Petrov".into(),
            party_country: "BY".into(),
            list: "us-csl".into(),
            list_version: 1,
            source_id: "32275".into(),
            entry_name: "LISTED".into(),
            entry_hash: "h".into(),
            score: 0.9,
            explanation: serde_json::Value::Null,
            trigger: Trigger::Submission,
            raised_at: now(),
            adjudication: None,
        });
        memory.apply(&raised);
        let judged = |verdict| CaseScreeningEvent::ScreeningAlertAdjudicated {
            alert_id: Uuid::from_u128(1),
            verdict,
            reason: "r".into(),
            by: UserId(Uuid::from_u128(7)),
        };
        memory.apply(&judged(Verdict::FalseMatch));
        let o = officer();
        let c = ctx(&o, &memory);
        let (_, ev) = run(CaseScreening::default(), record(vec![candidate(2, "ivan petrov", "h")]), &c);
        assert_eq!(
            ev.len(),
            1,
            "only the screening record: the dismissed match is not raised (case and spacing folded)"
        );
        let (_, ev) = run(CaseScreening::default(), record(vec![candidate(3, "ivan petrov", "changed")]), &c);
        assert_eq!(ev.len(), 2, "the dismissal lapses when the listed entry changes");
        memory.apply(&judged(Verdict::TrueMatch));
        let c = ctx(&o, &memory);
        let (_, ev) = run(CaseScreening::default(), record(vec![candidate(4, "ivan petrov", "h")]), &c);
        assert_eq!(ev.len(), 2, "a true-match finding forgets the dismissal");
    }

    #[test]
    fn only_a_licensing_officer_who_may_see_the_case_adjudicates() {
        let memory = DismissalMemory::default();
        let o = officer();
        let (s, _) = run(CaseScreening::default(), record(vec![candidate(1, "A", "h")]), &ctx(&o, &memory));
        let cmd = Command::Adjudicate {
            alert_id: Uuid::from_u128(1),
            verdict: Verdict::FalseMatch,
            reason: "r".into(),
        };
        let approver = actor(OrgKind::Authority, 100, &[Role::Approver]);
        let owner = actor(OrgKind::Exporter, 1, &[Role::Exporter]);
        let stranger = actor(OrgKind::Exporter, 2, &[Role::Exporter]);
        assert!(matches!(decide(&s, cmd.clone(), &ctx(&approver, &memory)), Err(Rejection::Forbidden(_))));
        assert!(matches!(decide(&s, cmd.clone(), &ctx(&owner, &memory)), Err(Rejection::Forbidden(_))));
        assert_eq!(decide(&s, cmd.clone(), &ctx(&stranger, &memory)), Err(Rejection::NotFound));
        let blank = Command::Adjudicate {
            alert_id: Uuid::from_u128(1),
            verdict: Verdict::FalseMatch,
            reason: "  ".into(),
        };
        assert!(matches!(decide(&s, blank, &ctx(&o, &memory)), Err(Rejection::Invalid(_))));
        let unknown = Command::Adjudicate {
            alert_id: Uuid::from_u128(99),
            verdict: Verdict::FalseMatch,
            reason: "r".into(),
        };
        assert_eq!(decide(&s, unknown, &ctx(&o, &memory)), Err(Rejection::NotFound));
    }

    #[test]
    fn stored_events_keep_their_json_shape() {
        let e = CaseScreeningEvent::CaseScreened {
            trigger: Trigger::Submission,
            lists: vec![],
            parties: 1,
            alerts_raised: 0,
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "case_screened");
        assert_eq!(serde_json::from_value::<CaseScreeningEvent>(v).unwrap(), e);
    }
}
