//! The demo dataset: an authority, three exporters, a partner agency, and a dozen applications spread
//! over every state, to specific destinations and end users, with back-dated histories.
//!
//! Organisations, people and deals are fictional; destinations and end-user agencies are real kinds
//! of agencies that appear in public reporting on surveillance exports.

use chrono::{DateTime, Duration, Utc};
use oversight_domain::{
    Actor, ApplicationId, ItemId, OrgKind, PartyId, Role, Sector,
    application::{DocumentKind, Outcome},
    compliance::{ComplianceCommand, ObligationKind, ObligationTerm, ShipmentLine},
    lifecycle::Command,
    party::PartyRole,
};

use crate::{App, AppError, cases::decision_command};

/// The password of every demo account (printed by `oversight serve --demo`).
pub const DEMO_PASSWORD: &str = "oversight-demo-2026";

/// The demo's debarred exporter (an organisation without users): on the register and on the
/// authority's restricted list `authority-debarments`.
pub const DEMO_DEBARRED: &str = "Orion Lawful Intercept SRL";

/// Demo logins: (e-mail, role description).
pub const DEMO_LOGINS: &[(&str, &str)] = &[
    ("officer@authority.example", "licensing officer"),
    ("officer2@authority.example", "licensing officer"),
    ("approver@authority.example", "approver"),
    ("approver2@authority.example", "approver (second approver of departures)"),
    ("assessor@authority.example", "human-rights assessor"),
    ("enforcement@authority.example", "enforcement officer"),
    ("admin@authority.example", "administrator"),
    ("admin2@authority.example", "administrator (the second, for role grants)"),
    ("ombudsperson@authority.example", "ombudsperson (complaints from the public)"),
    ("panel@authority.example", "review-panel member"),
    ("panel2@authority.example", "review-panel member"),
    (
        "officer.panel@authority.example",
        "licensing officer who also sits on the review panel (never for a case they worked on)",
    ),
    ("compliance@nordwatch.example", "exporter (Nordwatch Systems AB)"),
    ("compliance@helix-forensics.example", "exporter (Helix Forensics GmbH)"),
    ("compliance@sentinel-signal.example", "exporter (Sentinel Signal Ltd)"),
    ("liaison@partner-agency.example", "partner agency"),
];

struct Case {
    exporter: usize,
    title: &'static str,
    end_use: &'static str,
    destination: &'static str,
    item: (&'static str, &'static str, u32, u64),
    end_user: (&'static str, &'static str, Sector),
    /// How far the case gets.
    stage: Stage,
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Draft,
    Submitted,
    UnderReview,
    Consultation,
    PendingDecision,
    OnHold,
    Approved,
    ApprovedWithConditions,
    Denied,
    /// Refused, then overturned on appeal and decided again by another approver (`demo_appeals`).
    Overturned,
    Withdrawn,
    Suspended,
    Revoked,
}

const CASES: &[Case] = &[
    Case {
        exporter: 0,
        title: "Lawful interception mediation platform",
        end_use: "Lawful interception of IP traffic under court order by the national police security service.",
        destination: "NO",
        item: (
            "5A001.j",
            "Carrier-grade IP interception and mediation system, 10 Gbit/s probes",
            1,
            1_800_000,
        ),
        end_user: ("Norwegian Police Security Service (PST)", "Nydalen allé 7, Oslo", Sector::Police),
        stage: Stage::Draft,
    },
    Case {
        exporter: 1,
        title: "Mobile forensic extraction kits",
        end_use: "Extraction of data from seized phones in criminal investigations, under warrant.",
        destination: "MX",
        item: ("5A004.b", "Mobile device forensic extraction kit with authentication bypass", 12, 420_000),
        end_user: (
            "Fiscalía General de la República",
            "Av. Paseo de la Reforma 211, Ciudad de México",
            Sector::Police,
        ),
        stage: Stage::Submitted,
    },
    Case {
        exporter: 2,
        title: "IMSI catchers for counter-terrorism unit",
        end_use: "Locating mobile handsets of suspects in counter-terrorism operations.",
        destination: "IN",
        item: ("5A001.f", "Portable 2G/3G/4G IMSI catcher with active interception", 4, 960_000),
        end_user: (
            "Intelligence Bureau, Ministry of Home Affairs",
            "35 S.P. Marg, New Delhi",
            Sector::Intelligence,
        ),
        stage: Stage::UnderReview,
    },
    Case {
        exporter: 0,
        title: "Remote device monitoring software",
        end_use: "Covert remote collection from devices of persons under investigation.",
        destination: "AE",
        item: ("4D004", "Software for delivery and command-and-control of intrusion software", 1, 3_500_000),
        end_user: ("Signals Intelligence Agency", "Abu Dhabi", Sector::Intelligence),
        stage: Stage::Consultation,
    },
    Case {
        exporter: 1,
        title: "Forensic workstation upgrade",
        end_use: "Digital evidence laboratory of the federal police; court-supervised extraction only.",
        destination: "CA",
        item: ("5A004.b", "Forensic extraction software licences and workstations", 20, 310_000),
        end_user: ("Royal Canadian Mounted Police", "73 Leikin Drive, Ottawa", Sector::Police),
        stage: Stage::PendingDecision,
    },
    Case {
        exporter: 2,
        title: "Monitoring centre for interior ministry",
        end_use: "Monitoring centre for lawful interception at national telecom operators.",
        destination: "EG",
        item: (
            "5D001.e",
            "Law-enforcement monitoring centre software with target relationship mapping",
            1,
            5_200_000,
        ),
        end_user: ("Ministry of Interior, Homeland Security Sector", "Cairo", Sector::InteriorMinistry),
        stage: Stage::OnHold,
    },
    Case {
        exporter: 1,
        title: "Forensic extraction for gendarmerie",
        end_use: "Criminal investigations by the national gendarmerie under judicial authorisation.",
        destination: "FR",
        item: ("5A004.b", "Mobile forensic extraction kits", 30, 540_000),
        end_user: ("Gendarmerie nationale", "4 rue Claude Bernard, Issy-les-Moulineaux", Sector::Police),
        stage: Stage::Approved,
    },
    Case {
        exporter: 0,
        title: "Monitoring software for federal police",
        end_use: "Analysis of lawfully intercepted data in organised-crime investigations.",
        destination: "BR",
        item: (
            "5D001.e",
            "Monitoring and analysis software for handover interface data (site licences)",
            4,
            1_200_000,
        ),
        end_user: ("Polícia Federal", "SAS Quadra 6, Brasília", Sector::Police),
        stage: Stage::ApprovedWithConditions,
    },
    Case {
        exporter: 2,
        title: "IMSI catchers for state security",
        end_use: "Stated: public-order protection during mass events.",
        destination: "BY",
        item: ("5A001.f", "Vehicle-mounted IMSI catcher with selective jamming", 6, 2_100_000),
        end_user: (
            "State Security Committee of the Republic of Belarus",
            "Praspiekt Niezalieznasci 17, Minsk",
            Sector::Intelligence,
        ),
        stage: Stage::Denied,
    },
    Case {
        exporter: 1,
        title: "Facial recognition for city police",
        end_use: "Live facial recognition in public spaces of the capital.",
        destination: "KE",
        item: ("NAT-FRS", "Live facial recognition system with 500-camera licence", 1, 2_750_000),
        end_user: ("National Police Service", "Vigilance House, Harambee Avenue, Nairobi", Sector::Police),
        stage: Stage::Withdrawn,
    },
    Case {
        exporter: 0,
        title: "Location tracking platform",
        end_use: "Tracking of fugitives' handsets via signalling data with operator cooperation.",
        destination: "PH",
        item: ("NAT-LOC", "SS7/Diameter location query platform", 1, 950_000),
        end_user: ("Philippine National Police", "Camp Crame, Quezon City", Sector::Police),
        stage: Stage::Suspended,
    },
    Case {
        exporter: 2,
        title: "Intrusion software delivery system",
        end_use: "Stated: counter-terrorism device exploitation.",
        destination: "SA",
        item: ("4A005", "Hardware appliance for the delivery of intrusion software", 2, 7_400_000),
        end_user: ("Presidency of State Security", "Riyadh", Sector::Intelligence),
        stage: Stage::Revoked,
    },
    Case {
        exporter: 1,
        title: "Forensic extraction for anti-corruption prosecutors",
        end_use: "Extraction of data from phones seized in corruption prosecutions, under a judge's warrant.",
        destination: "CL",
        item: ("5A004.b", "Mobile device forensic extraction kits", 6, 210_000),
        end_user: (
            "Fiscalía Nacional, Unidad Especializada Anticorrupción",
            "General Mackenna 1369, Santiago",
            Sector::CivilGovernment,
        ),
        stage: Stage::Overturned,
    },
];

/// A demo user as an actor.
fn demo_actor(app: &App, email: &str) -> Result<Actor, AppError> {
    let id = app.user_by_email(email).ok_or(AppError::NotFound)?;
    let me = app.me_of_id(id)?;
    Ok(Actor { user: me.id, org: me.organisation, org_kind: me.organisation_kind, roles: me.roles })
}

/// A decided demo case and the time of its last act (the decision, suspension or revocation).
type Acts = std::collections::BTreeMap<&'static str, (ApplicationId, DateTime<Utc>)>;

/// Appeals in every state, each filed within the window of the act it appeals: a refusal upheld
/// after the panel's question was answered; a refusal overturned and decided again by another
/// approver; a condition sent back (a licence review opens); a suspension whose panel waits for the
/// exporter's answer; a revocation waiting for a panel.
async fn demo_appeals(app: &App, acts: &Acts) -> Result<(), AppError> {
    use crate::appeals::AppealRequest;
    use oversight_domain::appeal::{AppealOutcome, AppealSubject};
    let actor = |email: &str| demo_actor(app, email);
    let (nordwatch, helix, sentinel) = (
        actor("compliance@nordwatch.example")?,
        actor("compliance@helix-forensics.example")?,
        actor("compliance@sentinel-signal.example")?,
    );
    let (panel, panel2) = (actor("panel@authority.example")?, actor("panel2@authority.example")?);
    let act = |title: &str| acts.get(title).copied().ok_or(AppError::NotFound);
    let days = Duration::days;
    let file = |who: &Actor, case, subject, grounds: &str, at| {
        let req = AppealRequest { subject, grounds: grounds.into() };
        let who = who.clone();
        async move { app.file_appeal_at(&who, case, req, vec![], at).await.map(|a| a.id) }
    };

    // Upheld, after a question answered.
    let (case, at) = act("IMSI catchers for state security")?;
    let id = file(&sentinel, case, AppealSubject::Refusal, "The devices would be used only to protect crowds at mass events; the end user has given a written assurance that they will not be used against demonstrators.", at + days(6)).await?;
    app.join_panel_at(&panel, id, at + days(8)).await?;
    app.join_panel_at(&panel2, id, at + days(8)).await?;
    let asked = app
        .ask_appellant_at(
            &panel,
            id,
            "Which independent body would supervise the end user's use of the devices?",
            at + days(9),
        )
        .await?;
    let question = asked.questions.last().map(|q| q.id).ok_or(AppError::NotFound)?;
    app.answer_panel_at(
        &sentinel,
        id,
        question,
        "The end user's own inspectorate reviews every deployment.",
        at + days(12),
    )
    .await?;
    app.decide_appeal_at(&panel2, id, AppealOutcome::Upheld, "An assurance from the end user, supervised by its own inspectorate, does not remove the clear risk of use for internal repression. The refusal stands.", at + days(20)).await?;

    // Overturned; another approver decides again.
    let (case, at) = act("Forensic extraction for anti-corruption prosecutors")?;
    let id = file(&helix, case, AppealSubject::Refusal, "The end user is the prosecution service, not the police: the reports cited concern phones seized by the Carabineros. Every extraction needs a judge's warrant.", at + days(4)).await?;
    app.join_panel_at(&panel, id, at + days(6)).await?;
    app.join_panel_at(&panel2, id, at + days(6)).await?;
    app.decide_appeal_at(&panel, id, AppealOutcome::Overturned, "The refusal relied on reports about another body. The end user acts only under a judge's warrant, reviewed by the courts; the risk named in the refusal is not shown for this end user. The case is reopened for a new decision by an approver who did not take part.", at + days(14)).await?;
    let approver2 = actor("approver2@authority.example")?;
    let at = at + days(18);
    let obligations = vec![
        ObligationTerm { kind: ObligationKind::EndUseCertificate, days: None },
        ObligationTerm { kind: ObligationKind::PostShipmentVerification, days: Some(90) },
    ];
    let cmd = decision_command(
        case,
        Outcome::ApproveWithConditions,
        vec![],
        "Licensed with conditions after the review panel overturned the refusal: the end user is the prosecution service, acting under judicial warrant.".into(),
        "Demo decision after an appeal.".into(),
        vec![],
        "Demo: the review panel found the risk named in the refusal not shown for this end user.".into(),
        at,
        obligations,
    );
    let view = app.execute_at(&approver2, case, cmd, at).await?;
    if view.application.proposed_decision.is_some() {
        // The only other approver refused: nobody may concur, so the demo must not depart.
        return Err(AppError::Conflict(
            "the demo's decision after an appeal departs from the assessment".into(),
        ));
    }

    // Sent back: a condition of a licence goes to the approvers as a licence review.
    let (case, at) = act("Monitoring software for federal police")?;
    let id = file(&nordwatch, case, AppealSubject::Condition { index: 1 }, "A verification visit within 90 days cannot be arranged: the end user's sites are closed to foreign visitors by law. We propose verification by the end user's own inspector-general.", at + days(4)).await?;
    app.join_panel_at(&panel, id, at + days(7)).await?;
    app.join_panel_at(&panel2, id, at + days(7)).await?;
    app.decide_appeal_at(&panel2, id, AppealOutcome::SentBack, "The grounds raise a point the approvers did not consider: whether a verification by the end user's inspector-general is an adequate substitute. Sent back for a new decision on this condition.", at + days(15)).await?;

    // The panel waits for the exporter's answer.
    let (case, at) = act("Location tracking platform")?;
    let id = file(
        &nordwatch,
        case,
        AppealSubject::Suspension,
        "The overdue verification was delayed by the end user's move to a new site; it has now taken place.",
        at + days(5),
    )
    .await?;
    app.join_panel_at(&panel, id, at + days(8)).await?;
    app.ask_appellant_at(
        &panel,
        id,
        "Please send the verification report and say who carried out the visit.",
        at + days(10),
    )
    .await?;

    // Filed, waiting for a panel.
    let (case, at) = act("Intrusion software delivery system")?;
    file(&sentinel, case, AppealSubject::Revocation, "The reports cited concern another product; our appliance was never deployed outside the end user's own premises.", at + days(26)).await?;
    Ok(())
}

/// An exporter's suspicious-activity report waiting for triage, and an informed notice to another.
async fn demo_reports(app: &App) -> Result<(), AppError> {
    let actor = |email: &str| demo_actor(app, email);
    let report = crate::reports::ReportRequest {
        requester: "Horizon Gulf Trading FZE".into(),
        requester_country: "AE".into(),
        items: "Twelve portable IMSI catchers and the decryption module, delivered to a free-zone warehouse.".into(),
        why: "The buyer would not name the end user, offered to pay in cash above list price and asked us to label the goods as network test equipment.".into(),
    };
    app.file_report(&actor("compliance@nordwatch.example")?, report, vec![]).await?;
    let sentinel = app.org_by_name("Sentinel Signal Ltd").ok_or(AppError::NotFound)?;
    let notice = crate::reports::NoticeRequest {
        exporter: sentinel.id.to_string(),
        item: "Social-media monitoring and sentiment analysis platform (not on the control list)".into(),
        end_user: None,
        destination: Some("EG".into()),
        reason: "Credible reports that comparable platforms were used to identify and detain peaceful protesters in the destination: the item may be intended for internal repression (Regulation (EU) 2021/821, Article 5).".into(),
    };
    app.issue_notice(&actor("approver@authority.example")?, notice).await?;
    // A complaint from the public, waiting for the ombudsperson.
    let complaint = crate::complaints::ComplaintRequest {
        kind: oversight_domain::complaint::ComplaintKind::Misuse,
        about: None,
        account: "At the protest outside the ministry on 12 October, officers used a vehicle-mounted device that blocked every phone in the square; several organisers were later questioned about messages they never sent publicly.".into(),
        contact: None,
    };
    app.submit_complaint("demo", complaint, vec![]).await?;
    Ok(())
}

/// Enforcement: a broker debarred for two years with a warning and a fine (on the register and the
/// authority's restricted list), and an open investigation of one of the demo's exporters.
async fn demo_enforcement(app: &App) -> Result<(), AppError> {
    let officer = demo_actor(app, "enforcement@authority.example")?;
    let orion = app.register_org(None, DEMO_DEBARRED, OrgKind::Exporter, "RO").await?;
    let open = |exporter, summary: &str| crate::enforcement::InvestigationRequest {
        exporter,
        origin: oversight_domain::enforcement::Origin::Officer,
        source: None,
        summary: summary.into(),
    };
    let inv = app
        .open_investigation(
            &officer,
            open(orion, "Customs stopped two consignments of interception probes declared as network test equipment, consigned to an integrator in an embargoed destination without a licence."),
        )
        .await?;
    let id = inv.investigation.id;
    app.add_investigation_evidence(
        &officer,
        id,
        "Customs seizure reports of both consignments, with the commercial invoices naming the integrator.",
        None,
    )
    .await?;
    app.add_investigation_evidence(
        &officer,
        id,
        "Interview with the managing director: the company knew a licence was needed and did not apply.",
        None,
    )
    .await?;
    let conclusion = crate::enforcement::ConclusionRequest {
        violation: true,
        findings: "The company exported interception equipment without a licence, twice, knowing one was required, and misdeclared the goods to customs.".into(),
        penalties: vec![
            oversight_domain::enforcement::Penalty::Warning,
            oversight_domain::enforcement::Penalty::Fine { amount_eur: 250_000 },
            oversight_domain::enforcement::Penalty::Debarment {
                until: (app.now() + Duration::days(2 * 365)).date_naive(),
            },
        ],
    };
    app.conclude_investigation(&officer, id, conclusion).await?;
    let nordwatch = app.org_by_name("Nordwatch Systems AB").ok_or(AppError::NotFound)?;
    app.open_investigation(
        &officer,
        open(nordwatch.id, "Press reports that monitoring software of the kind licensed to the company was demonstrated to a security service in a destination it holds no licence for."),
    )
    .await?;
    Ok(())
}

/// Public participation in rule-making: an embargo-list change adopted after its comment period
/// (one comment published, one rejected, the authority's response), and an assessment-policy
/// change in its comment period (two comments published, one held for moderation).
async fn demo_rulemaking(app: &App) -> Result<(), AppError> {
    use crate::rulemaking::{CommentRequest, ProposalRequest};
    use oversight_domain::rulemaking::{ModerationDecision, RuleKind};
    let actor = |email: &str| demo_actor(app, email);
    let (approver, admin) = (actor("approver@authority.example")?, actor("admin@authority.example")?);
    let now = app.now();
    let days = chrono::Duration::days;
    let period = days(i64::from(app.comment_period_days()));
    let comment = |text: &str, name: Option<&str>| CommentRequest {
        text: text.into(),
        name: name.map(String::from),
        contact: None,
    };

    // Adopted: Myanmar added to the embargo list (no demo case goes there).
    let (_, embargoes) = app.rule_in_force(RuleKind::EmbargoList);
    let proposed_at = now - period - days(20);
    let content = embargoes.replacen("version = \"1\"", "version = \"2\"", 1)
        + "\n[[embargo]]\niso3 = \"MMR\"\nregime = \"EU restrictive measures on Myanmar/Burma: ban on equipment for monitoring telecommunications\"\nreference = \"Council Regulation (EU) No 401/2013, as amended\"\nurl = \"https://eur-lex.europa.eu/eli/reg/2013/401/oj\"\n";
    let req = ProposalRequest {
        kind: RuleKind::EmbargoList,
        title: "Add the EU embargo on Myanmar".into(),
        explanation: "The EU restrictive measures on Myanmar/Burma prohibit the export of equipment and software for monitoring telecommunications. Listing them makes every assessment for Myanmar raise the sanctions red flag, which recommends refusal.".into(),
        content,
    };
    let adopted = app.propose_rule_at(&approver, req, proposed_at).await?;
    let r = adopted.reference.clone();
    let c1 = comment(
        "We support the change. Please also say in the explanation that the measure covers software and services, not only hardware.",
        Some("Digital Rights Observatory"),
    );
    app.comment_on_rule_at("demo-1", &r, c1, vec![], proposed_at + days(3)).await?;
    let c2 = comment("Cheap phone trackers, best prices, visit our shop!", None);
    app.comment_on_rule_at("demo-2", &r, c2, vec![], proposed_at + days(4)).await?;
    app.moderate_comment_at(&admin, &r, 1, ModerationDecision::Published, None, proposed_at + days(5))
        .await?;
    let spam = Some("Advertising, not a comment on the proposal.".to_string());
    app.moderate_comment_at(&admin, &r, 2, ModerationDecision::Rejected, spam, proposed_at + days(5)).await?;
    let response = "One comment was published and supported the change; it asked that the measure's scope be stated. The embargo entry cites Council Regulation (EU) No 401/2013, which covers equipment, technology and software for monitoring telecommunications, and the entry's text says so. Adopted as proposed.";
    app.adopt_rule_at(&approver, &r, response, proposed_at + period + days(1)).await?;

    // In its comment period: the high-risk band starts at 45 instead of 50.
    let (_, policy) = app.rule_in_force(RuleKind::AssessmentPolicy);
    let proposed_at = now - days(6);
    let content = policy.replacen("version = \"1.0.0\"", "version = \"1.1.0\"", 1).replacen(
        "high = 50.0",
        "high = 45.0",
        1,
    );
    let req = ProposalRequest {
        kind: RuleKind::AssessmentPolicy,
        title: "Lower the threshold of the high-risk band from 50 to 45".into(),
        explanation: "Destinations scoring between 45 and 50 include several where surveillance of journalists is documented. Moving the edge of the high band down means items of tiers A and B to them are referred or refused rather than approved with conditions.".into(),
        content,
    };
    let open = app.propose_rule_at(&approver, req, proposed_at).await?;
    let r = open.reference.clone();
    let comments = [
        (
            "The change is welcome. The authority should publish which destinations move band as a result.",
            Some("Surveillance Export Watch"),
        ),
        (
            "As an exporter we ask for a transition period for applications already submitted.",
            Some("Nordwatch Systems AB"),
        ),
        ("Why 45 and not 40? The explanation should show the scores of the destinations concerned.", None),
    ];
    for (i, (text, name)) in comments.into_iter().enumerate() {
        let at = proposed_at + days(1 + i as i64);
        app.comment_on_rule_at(&format!("demo-{}", 3 + i), &r, comment(text, name), vec![], at).await?;
    }
    for n in [1, 2] {
        app.moderate_comment_at(&admin, &r, n, ModerationDecision::Published, None, proposed_at + days(4))
            .await?;
    }
    Ok(())
}

/// The obligations of the demo's conditional licences.
fn demo_obligations() -> Vec<ObligationTerm> {
    vec![
        ObligationTerm { kind: ObligationKind::EndUseCertificate, days: None },
        ObligationTerm { kind: ObligationKind::PostShipmentVerification, days: Some(90) },
        ObligationTerm { kind: ObligationKind::RecipientTraining, days: Some(30) },
        ObligationTerm { kind: ObligationKind::PeriodicReport, days: Some(90) },
        ObligationTerm { kind: ObligationKind::AuditOnRequest, days: None },
    ]
}

/// A licence's life after the decision, issued at `issued` (some 130 days ago): obligations in
/// every state — the end-use certificate and training accepted, a verification overdue, an end-use
/// report rejected, a second verification waiting for an officer, an audit requested — two
/// shipments drawn down and one refused. The obligation sweep at the end of the load sends the
/// breaches past their grace period to licence reviews.
async fn demo_compliance(
    app: &App,
    id: ApplicationId,
    exporter: &Actor,
    officer: &Actor,
    issued: DateTime<Utc>,
) -> Result<(), AppError> {
    let now = app.now();
    let case = app.case(id).ok_or(AppError::NotFound)?;
    let item = case.items[0].id;
    let end_user = case
        .parties
        .iter()
        .find(|p| p.role == PartyRole::EndUser)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let day = |d: i64| issued + Duration::days(d);
    let ago = |d: i64| now - Duration::days(d);
    let ship = |quantity: u32, value_eur: u64, consignee: &str, at: DateTime<Utc>| {
        ComplianceCommand::ReportShipment {
            id: app.new_id(),
            date: at.date_naive(),
            lines: vec![ShipmentLine { item, quantity }],
            value_eur,
            consignee: consignee.to_string(),
        }
    };
    let fulfil = |key: &str, note: &str| ComplianceCommand::Fulfil {
        key: key.into(),
        note: note.into(),
        document: None,
    };
    let judge = |key: &str, accept: bool, reason: &str| ComplianceCommand::Judge {
        key: key.into(),
        accept,
        reason: reason.into(),
    };
    let steps: Vec<(&Actor, ComplianceCommand, DateTime<Utc>)> = vec![
        (
            exporter,
            fulfil("t0", "End-use certificate signed by the Director-General of the Polícia Federal."),
            day(2),
        ),
        (
            officer,
            judge("t0", true, "Signature and stamp checked against the end user's published register."),
            day(3),
        ),
        (exporter, ship(2, 600_000, &end_user, day(10)), day(10)),
        (
            exporter,
            fulfil(
                "t2",
                "Two-day course on the legal framework and human-rights safeguards, 14 officers trained.",
            ),
            day(30),
        ),
        (officer, judge("t2", true, "Attendance list and syllabus received."), day(31)),
        (exporter, fulfil("t3-p1", "The system is in use as licensed."), day(85)),
        (
            officer,
            judge(
                "t3-p1",
                false,
                "The report names no site: list the installations and the units using them.",
            ),
            day(88),
        ),
        (exporter, ship(1, 300_000, &end_user, ago(20)), ago(20)),
        (
            officer,
            ComplianceCommand::RequestAudit {
                id: app.new_id(),
                scope: "Inspection of the audit trail of interception warrants processed by the system."
                    .into(),
                due: (now + Duration::days(20)).date_naive(),
            },
            ago(10),
        ),
        (exporter, ship(1, 300_000, "Intermediário Comercial Ltda", ago(3)), ago(3)),
    ];
    for (who, cmd, at) in steps {
        app.compliance_command(who, id, cmd, at).await?;
    }
    // The second shipment's verification, sent and waiting for a verdict.
    let record = app.compliance(officer, id)?;
    if let Some(o) = record.obligations.iter().find(|o| {
        o.kind == ObligationKind::PostShipmentVerification
            && o.status == oversight_domain::compliance::ObligationStatus::Pending
    }) {
        let cmd = fulfil(
            &o.key,
            "Verification visit on site: serial numbers match the shipment; photographs attached to the file.",
        );
        app.compliance_command(exporter, id, cmd, ago(2)).await?;
    }
    Ok(())
}

/// How many days ago an open demo case was started (`None` for a decided one), chosen so that on
/// any day the demo is loaded its open cases stand in different bands of a 20-working-day target:
/// a new submission not yet due, a case under review due soon, a consultation overdue, a red-flag
/// hold critically overdue. Every step of a case is a few days after its start, all in the past.
fn opened_days_ago(stage: Stage) -> Option<i64> {
    match stage {
        Stage::Draft => Some(3),
        Stage::Submitted => Some(5),
        Stage::PendingDecision => Some(21),
        Stage::UnderReview => Some(25),
        Stage::Consultation => Some(36),
        Stage::OnHold => Some(100),
        _ => None,
    }
}

/// Loads the demo dataset. Refuses if the database already has organisations.
pub async fn load(app: &App) -> Result<(), AppError> {
    let acts = load_history(app).await?;
    demo_appeals(app, &acts).await?;
    demo_reports(app).await?;
    demo_enforcement(app).await?;
    demo_rulemaking(app).await?;
    // Breaches past their grace period go to licence reviews, as the server's hourly sweep does.
    app.sweep_obligations().await?;
    // The installation on the active licence renews twice: its tokens are the log's last leaves,
    // after the history's records (whose log indexes stay as they were).
    let key = crate::tokens::demo_key(7);
    for _ in 0..2 {
        crate::tokens::demo_renew(app, &key).await?;
    }
    // One checkpoint over the whole demo history, so the register starts fully signed (not at
    // whatever size the background sequencer signed last).
    app.publish_checkpoint().await;
    Ok(())
}

async fn load_history(app: &App) -> Result<Acts, AppError> {
    if !app.orgs().is_empty() {
        return Err(AppError::Conflict(
            "the database is not empty; the demo loads only into an empty one".into(),
        ));
    }
    let authority =
        app.register_org(None, "Export Control Authority (demo)", OrgKind::Authority, "DE").await?;
    let exporters = [
        app.register_org(None, "Nordwatch Systems AB", OrgKind::Exporter, "SE").await?,
        app.register_org(None, "Helix Forensics GmbH", OrgKind::Exporter, "DE").await?,
        app.register_org(None, "Sentinel Signal Ltd", OrgKind::Exporter, "GB").await?,
    ];
    let partner =
        app.register_org(None, "Partner State Export Agency (demo)", OrgKind::PartnerAgency, "NL").await?;

    let mk = |org, email: &'static str, name: &'static str, roles: Vec<Role>| async move {
        app.create_user(None, org, email, name, &roles, DEMO_PASSWORD).await
    };
    mk(authority, "officer@authority.example", "Alex Moreau", vec![Role::LicensingOfficer]).await?;
    mk(authority, "officer2@authority.example", "Priya Raman", vec![Role::LicensingOfficer]).await?;
    mk(authority, "approver@authority.example", "Sam Okafor", vec![Role::Approver]).await?;
    mk(authority, "approver2@authority.example", "Noor Haddad", vec![Role::Approver]).await?;
    mk(authority, "assessor@authority.example", "Lena Fischer", vec![Role::HumanRightsAssessor]).await?;
    mk(authority, "enforcement@authority.example", "Tomás Silva", vec![Role::EnforcementOfficer]).await?;
    mk(authority, "admin@authority.example", "Robin Admin", vec![Role::Administrator]).await?;
    // A second administrator: role grants need two (separation of duties).
    mk(authority, "admin2@authority.example", "Kim Second", vec![Role::Administrator]).await?;
    mk(authority, "ombudsperson@authority.example", "Dara Quinn", vec![Role::Ombudsperson]).await?;
    mk(authority, "panel@authority.example", "Ines Varga", vec![Role::ReviewPanelMember]).await?;
    mk(authority, "panel2@authority.example", "Marek Nowak", vec![Role::ReviewPanelMember]).await?;
    mk(
        authority,
        "officer.panel@authority.example",
        "Aiko Tanaka",
        vec![Role::LicensingOfficer, Role::ReviewPanelMember],
    )
    .await?;
    mk(exporters[0], "compliance@nordwatch.example", "Ingrid Berg", vec![Role::Exporter]).await?;
    mk(exporters[1], "compliance@helix-forensics.example", "Jonas Weber", vec![Role::Exporter]).await?;
    mk(exporters[2], "compliance@sentinel-signal.example", "Claire Hughes", vec![Role::Exporter]).await?;
    mk(partner, "liaison@partner-agency.example", "Pieter de Vries", vec![Role::PartnerAgency]).await?;

    let actor = |email: &str| demo_actor(app, email);
    let exporter_logins = [
        "compliance@nordwatch.example",
        "compliance@helix-forensics.example",
        "compliance@sentinel-signal.example",
    ];
    let officer = actor("officer@authority.example")?;
    let approver = actor("approver@authority.example")?;
    let second_approver = actor("approver2@authority.example")?;
    let enforcement = actor("enforcement@authority.example")?;

    // Restricted-party lists, so that submissions can be screened (see `crate::screening`).
    app.load_demo_lists().await?;

    // Far enough back that every back-dated step of the last case is in the past.
    let start = app.now() - Duration::days(200);
    let mut acts = Acts::new();
    for (i, c) in CASES.iter().enumerate() {
        let exporter = actor(exporter_logins[c.exporter])?;
        let id = ApplicationId(app.new_id());
        // Decided cases start a little later than the one before, months back; open cases are
        // recent, so that the work queue shows every band of the clock (see `opened_days_ago`).
        let begins = match opened_days_ago(c.stage) {
            Some(days) => app.now() - Duration::days(days),
            None => start + Duration::days(11 * i as i64),
        };
        let t: std::cell::Cell<DateTime<Utc>> = std::cell::Cell::new(begins);
        let step = |who: &Actor, cmd: Command, days: i64| {
            t.set(t.get() + Duration::days(days));
            let (who, at) = (who.clone(), t.get());
            async move { app.execute_at(&who, id, cmd, at).await }
        };
        let cmd = Command::Create {
            id,
            title: c.title.into(),
            end_use: c.end_use.into(),
            destination: c.destination.into(),
        };
        step(&exporter, cmd, 0).await?;
        let (code, description, quantity, value_eur) = c.item;
        let cmd = Command::AddItem {
            id: ItemId(app.new_id()),
            control_code: code.into(),
            description: description.into(),
            quantity,
            value_eur,
        };
        step(&exporter, cmd, 0).await?;
        let (name, address, sector) = c.end_user;
        let cmd = Command::AddParty {
            id: PartyId(app.new_id()),
            role: PartyRole::EndUser,
            name: name.into(),
            address: address.into(),
            country: c.destination.into(),
            sector,
        };
        step(&exporter, cmd, 0).await?;
        let undertaking = format!(
            "END-USE UNDERTAKING\n\nThe end user {name} certifies that the items will be used only for: {}\n",
            c.end_use
        );
        app.store().put_blob(undertaking.as_bytes(), t.get()).await?;
        let cmd = Command::AttachDocument {
            id: oversight_domain::DocumentId(app.new_id()),
            kind: DocumentKind::EndUseUndertaking,
            filename: "end-use-undertaking.txt".into(),
            sha256: oversight_store::sha256_hex(undertaking.as_bytes()),
            size: undertaking.len() as u64,
        };
        step(&exporter, cmd, 1).await?;
        if c.stage == Stage::Draft {
            continue;
        }
        step(&exporter, Command::Submit, 1).await?;
        match c.stage {
            Stage::Submitted => continue,
            Stage::Withdrawn => {
                let reason = "Customer postponed the procurement; we will re-apply if it resumes.";
                step(&exporter, Command::Withdraw { reason: reason.into() }, 6).await?;
                continue;
            }
            _ => {}
        }
        let assign = Command::Assign { officer: officer.user, officer_roles: officer.roles.clone() };
        step(&officer, assign, 2).await?;
        match c.stage {
            Stage::UnderReview => continue,
            Stage::Consultation => {
                let cmd = Command::StartConsultation {
                    with: "Ministry of Foreign Affairs; partner states (no-undercut check)".into(),
                    reason:
                        "Tier-A intrusion capability to an intelligence end user: foreign-policy view needed."
                            .into(),
                };
                step(&officer, cmd, 4).await?;
                continue;
            }
            Stage::OnHold => {
                let cmd = Command::PutOnHold {
                    reason: "Red flag: credible reports of interception used against journalists; query sent to exporter about the end user's oversight arrangements.".into(),
                    // The authority's own concern: the clock runs on.
                    stops_clock: false,
                };
                step(&officer, cmd, 5).await?;
                continue;
            }
            _ => {}
        }
        let (outcome, reasoning, conditions) = match c.stage {
            Stage::Overturned => (
                Outcome::Deny,
                "Risk of use against protesters (criterion 2): reports of phones seized from demonstrators in 2019.",
                vec![],
            ),
            Stage::Denied => (
                Outcome::Deny,
                "Clear risk of use for internal repression (criterion 2); end user is the state security service of a closed autocracy.",
                vec![],
            ),
            Stage::ApprovedWithConditions | Stage::Suspended => (
                Outcome::ApproveWithConditions,
                "Acceptable with safeguards: judicial authorisation exists; conditions mitigate misuse.",
                vec![
                    "End-use assurance signed by the end user before shipment".to_string(),
                    "Post-shipment verification within 90 days".to_string(),
                    "Recipient training on human-rights safeguards before use".to_string(),
                    "An end-use report every 90 days".to_string(),
                ],
            ),
            _ => (
                Outcome::Approve,
                "Low-risk destination with strong judicial oversight of surveillance.",
                vec![],
            ),
        };
        let cmd = Command::Recommend { outcome, reasoning: reasoning.into(), conditions: conditions.clone() };
        step(&officer, cmd, 8).await?;
        // The assessment and, where required, the HRIA come before a decision (`crate::assessment`).
        app.demo_assess(&officer, id, t.get()).await?;
        if c.stage == Stage::PendingDecision {
            continue;
        }
        let (criteria, rationale) = match outcome {
            Outcome::Deny if c.stage == Stage::Overturned => (
                vec![2],
                "Refused: there is a risk that the kits would be used on phones seized from demonstrators (criterion 2).",
            ),
            Outcome::Deny => (
                vec![2, 7],
                "Refused: there is a clear risk that the equipment would be used for internal repression (criterion 2), and a risk of diversion to other security bodies (criterion 7).",
            ),
            Outcome::ApproveWithConditions => (
                vec![],
                "Licensed with conditions: the destination has judicial authorisation of interception; end-use assurance, post-shipment verification and training are required.",
            ),
            Outcome::Approve => (
                vec![],
                "Licensed: low-risk destination with independent judicial oversight of surveillance.",
            ),
        };
        t.set(t.get() + Duration::days(3));
        // A conditional licence's conditions are obligations the exporter fulfils (`compliance`).
        let (conditions, obligations) = match outcome {
            Outcome::ApproveWithConditions => (vec![], demo_obligations()),
            _ => (conditions, vec![]),
        };
        let cmd = decision_command(
            id,
            outcome,
            criteria,
            rationale.into(),
            "Demo decision.".into(),
            conditions,
            "Demo: the case officer's review of the end user and the destination weighs more than the indicator score."
                .into(),
            t.get(),
            obligations,
        );
        let view = app.execute_at(&approver, id, cmd, t.get()).await?;
        if view.application.proposed_decision.is_some() {
            // A departure towards approval: a second approver concurs (`lifecycle`).
            let cmd = Command::ConcurInDeparture {
                licence_number: oversight_domain::licence::number(id, t.get()),
                licence_expires_at: oversight_domain::licence::default_expiry(t.get()),
            };
            app.execute_at(&second_approver, id, cmd, t.get()).await?;
        }
        match c.stage {
            Stage::ApprovedWithConditions => {
                demo_compliance(app, id, &exporter, &officer, t.get()).await?;
                // An installation holding operating tokens (issue 13).
                crate::tokens::demo_installation(
                    app,
                    id,
                    &exporter,
                    7,
                    "Monitoring centre, site 1 (demo installation)",
                    0,
                )
                .await?;
            }
            Stage::Suspended => {
                let cmd = Command::SuspendLicence {
                    reason:
                        "Post-shipment verification overdue and credible complaint received; review opened."
                            .into(),
                };
                step(&enforcement, cmd, 20).await?;
            }
            Stage::Revoked => {
                // An installation registered before the licence was revoked: its renewals are
                // refused, and the revocation list names it.
                crate::tokens::demo_installation(
                    app,
                    id,
                    &exporter,
                    8,
                    "Delivery appliance, Riyadh (demo installation)",
                    0,
                )
                .await?;
                let cmd = Command::RevokeLicence {
                    reason:
                        "New evidence that the end user used similar technology against activists abroad."
                            .into(),
                };
                step(&approver, cmd, 30).await?;
            }
            _ => {}
        }
        acts.insert(c.title, (id, t.get()));
    }
    Ok(acts)
}
