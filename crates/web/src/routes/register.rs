//! The public register (no login): search, one record with its proof, statistics, open data
//! (CSV, JSON lines, Atom). HTML pages are in `pages.rs`.

use axum::{
    Json,
    body::Body,
    extract::{Path, State},
    http::header,
    response::IntoResponse,
};
use chrono::{DateTime, Utc};
use oversight_app::register::{RecordWithProof, RegisterEntry, RegisterPage, RegisterQuery, RegisterStats};
use oversight_domain::Sector;
use quick_xml::{
    Writer,
    events::{BytesDecl, BytesText, Event},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::{ApiError, ApiResult, ErrorBody, internal, path_id},
    public_url::{PublicBase, PublicUrl},
    query::ApiQuery,
};

/// Outcomes a search may filter on, as the register names them (`RecordKind::outcome`).
pub(crate) const OUTCOMES: [&str; 18] = [
    "issued",
    "issued_with_conditions",
    "refused",
    "withdrawn",
    "suspended",
    "reinstated",
    "revoked",
    "surrendered",
    "expired",
    "conditions_added",
    "informed",
    "appeal_upheld",
    "appeal_overturned",
    "appeal_sent_back",
    "exporter_statement",
    "penalty",
    "debarment",
    "rule_change",
];

/// End-user sectors a search may filter on (the domain's `Sector`, as serialised).
pub(crate) const SECTORS: [&str; 8] = [
    "police",
    "intelligence",
    "military",
    "interior_ministry",
    "other_security_forces",
    "civil_government",
    "commercial",
    "individual",
];

/// The largest page number a search accepts, so that `(page - 1) * per_page` stays far inside
/// `u32` (1,000,000 × 200 < 2³²): a larger one is refused naming `page`.
pub(crate) const MAX_PAGE: u32 = 1_000_000;
/// The largest page size of the JSON search.
pub(crate) const MAX_PER_PAGE: u32 = 200;

/// Whether `s` is a sector the domain knows, by its serialised name.
/// A sector as the register spells it (the canonical form; stored aliases are not filters).
pub(crate) fn is_sector(s: &str) -> bool {
    serde_json::from_value::<Sector>(serde_json::Value::String(s.to_string())).is_ok_and(|x| x.as_str() == s)
}

/// Checks a search before it reaches the app, naming the first parameter at fault: an unknown
/// outcome or sector, `from` after `to`, a page or page size out of range. (Destinations are
/// checked by the app.)
pub(crate) fn check_query(q: &RegisterQuery) -> ApiResult<()> {
    let filled =
        |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(o) = filled(&q.outcome)
        && !OUTCOMES.contains(&o.as_str())
    {
        return Err(ApiError::invalid("outcome", format!("{o:?} is not one of {}", OUTCOMES.join(", "))));
    }
    if let Some(s) = filled(&q.end_user_sector)
        && !is_sector(&s)
    {
        return Err(ApiError::invalid(
            "end_user_sector",
            format!("{s:?} is not one of {}", SECTORS.join(", ")),
        ));
    }
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f > t
    {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    if let Some(p) = q.page
        && !(1..=MAX_PAGE).contains(&p)
    {
        return Err(ApiError::invalid("page", format!("must be between 1 and {MAX_PAGE}")));
    }
    if let Some(n) = q.per_page
        && !(1..=MAX_PER_PAGE).contains(&n)
    {
        return Err(ApiError::invalid("per_page", format!("must be between 1 and {MAX_PER_PAGE}")));
    }
    Ok(())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_register))
        .routes(routes!(register_stats))
        .routes(routes!(register_record))
        .routes(routes!(decisions_csv))
        .routes(routes!(decisions_jsonl))
        .routes(routes!(register_feed))
}

/// Searches the register: text, destination, outcome, control entry, end-user sector, date range.
#[utoipa::path(get, path = "/api/register", tag = "register", params(RegisterQuery),
    responses((status = 200, body = RegisterPage), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn search_register(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<Json<RegisterPage>> {
    check_query(&q)?;
    Ok(Json(s.app.register_search(&q)?))
}

/// Decision statistics as the UK and EU publish them, with a cyber-surveillance section.
#[utoipa::path(get, path = "/api/register/stats", tag = "register",
    responses((status = 200, body = RegisterStats), (status = 503, body = ErrorBody)))]
async fn register_stats(State(s): State<AppState>) -> ApiResult<Json<RegisterStats>> {
    Ok(Json(s.app.register_stats()?))
}

/// One record with its inclusion proof against the latest signed checkpoint.
#[utoipa::path(get, path = "/api/register/{index}", tag = "register", params(("index" = u64, Path)),
    responses((status = 200, body = RecordWithProof), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn register_record(
    State(s): State<AppState>,
    Path(index): Path<String>,
) -> ApiResult<Json<RecordWithProof>> {
    Ok(Json(s.app.register_record(path_id(&index)?).await?))
}

const CSV_COLUMNS: [&str; 21] = [
    "index",
    "record_id",
    "kind",
    "outcome",
    "published_at",
    "decision_date",
    "licence_number",
    "licence_type",
    "destination",
    "destination_name",
    "end_user_sector",
    "control_entries",
    "cyber_surveillance",
    "goods_summary",
    "value_band",
    "refusal_criteria",
    "conditions",
    "processing_working_days",
    "exporter",
    "first_decision",
    "excluded_from_statistics",
];

/// A CSV cell as written: one that a spreadsheet would read as a formula (it begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP recommends against CSV
/// injection; the CSV layer quotes the rest.
fn csv_cell(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell }
}

// Cells that a spreadsheet would evaluate are prefixed with `'` (`csv_cell`, docs/register.md).
/// Every published record as CSV (UTF-8, header row; lists joined with "; ").
#[utoipa::path(get, path = "/register/decisions.csv", tag = "register",
    responses((status = 200, content_type = "text/csv", body = String), (status = 503, body = ErrorBody)))]
async fn decisions_csv(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = CSV_COLUMNS.to_vec();
    header.extend(["public_rationale", "act_date", "acts_on", "exporter_statement"]);
    w.write_record(&header).map_err(internal)?;
    for RegisterEntry { index, record: r } in s.app.register_all()? {
        let join = |v: &[String]| v.join("; ");
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record(
            [
                index.to_string(),
                r.record_id.clone(),
                r.kind.as_str().to_string(),
                r.kind.outcome().to_string(),
                r.published_at.to_rfc3339(),
                r.decision_date.map(|d| d.to_string()).unwrap_or_default(),
                opt(&r.licence_number),
                opt(&r.licence_type),
                opt(&r.destination),
                opt(&r.destination_name),
                r.end_user_sector.map(|x| x.as_str().to_string()).unwrap_or_default(),
                join(&r.control_entries),
                r.cyber_surveillance.to_string(),
                opt(&r.goods_summary),
                opt(&r.value_band),
                r.refusal_criteria.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("; "),
                join(&r.conditions),
                r.processing_working_days.map(|d| d.to_string()).unwrap_or_default(),
                opt(&r.exporter),
                r.first_decision.to_string(),
                opt(&r.excluded_from_statistics),
                opt(&r.public_rationale),
                r.date_of_act().to_string(),
                opt(&r.acts_on),
                opt(&r.exporter_statement),
            ]
            .map(csv_cell),
        )
        .map_err(internal)?;
    }
    let body = w.into_inner().map_err(|e| internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"decisions.csv\""),
        ],
        body,
    ))
}

/// Every published record, one JSON object per line: each line is byte for byte a leaf of the
/// transparency log, so anyone can check it is in the log (`oversight verify`). The log's other
/// statements (operating tokens and revocation lists, `oversight/attest/v1 …` lines) are not
/// records and are left out.
#[utoipa::path(get, path = "/register/decisions.jsonl", tag = "register",
    responses((status = 200, content_type = "application/jsonl", body = String), (status = 503, body = ErrorBody)))]
async fn decisions_jsonl(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    s.app.register_guard()?;
    let size = s.app.store().log_size().await.map_err(oversight_app::AppError::from)?;
    let store = s.app.store().clone();
    // Streamed from the log table in pages, so the download is exactly what the log holds.
    let pages = futures_util::stream::unfold(0u64, move |at| {
        let store = store.clone();
        async move {
            if at >= size {
                return None;
            }
            let end = (at + 2000).min(size);
            let chunk = store.log_leaves(at, end).await.map(|leaves| {
                let mut buf = Vec::new();
                for l in leaves.into_iter().filter(|l| !l.starts_with(b"oversight/attest/v1 ")) {
                    buf.extend_from_slice(&l);
                    buf.push(b'\n');
                }
                buf
            });
            Some((chunk.map_err(std::io::Error::other), end))
        }
    });
    Ok(([(header::CONTENT_TYPE, "application/jsonl; charset=utf-8")], Body::from_stream(pages)))
}

/// An Atom feed of the newest 100 records.
#[utoipa::path(get, path = "/register/feed.atom", tag = "register",
    responses((status = 200, content_type = "application/atom+xml", body = String), (status = 503, body = ErrorBody)))]
async fn register_feed(
    State(s): State<AppState>,
    PublicBase(base): PublicBase,
) -> ApiResult<impl IntoResponse> {
    let page = s.app.register_search(&RegisterQuery { per_page: Some(100), ..Default::default() })?;
    let updated = page.records.first().map(|e| e.record.published_at).unwrap_or_else(|| s.app.now());
    let xml = atom_feed(&base, updated, &page.records).map_err(internal)?;
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml))
}

/// The Atom document (RFC 4287); every text and attribute is escaped by the writer.
fn atom_feed(
    base: &PublicUrl,
    updated: DateTime<Utc>,
    entries: &[RegisterEntry],
) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("feed").with_attribute(("xmlns", "http://www.w3.org/2005/Atom")).write_inner_content(
        |w| {
            w.create_element("title").write_text_content(BytesText::new(
                "Oversight public register of export-licensing decisions",
            ))?;
            w.create_element("id").write_text_content(BytesText::new(&base.join("/register")))?;
            w.create_element("link")
                .with_attributes([("rel", "self"), ("href", base.join("/register/feed.atom").as_str())])
                .write_empty()?;
            w.create_element("link")
                .with_attribute(("href", base.join("/register").as_str()))
                .write_empty()?;
            w.create_element("updated").write_text_content(BytesText::new(&updated.to_rfc3339()))?;
            w.create_element("author").write_inner_content(|w| {
                w.create_element("name").write_text_content(BytesText::new("Licensing authority"))?;
                Ok(())
            })?;
            for e in entries {
                let r = &e.record;
                let title = format!(
                    "{}: {}{}",
                    r.kind.outcome().replace('_', " "),
                    r.destination_name.as_deref().unwrap_or("-"),
                    r.goods_summary.as_deref().map(|g| format!(" — {g}")).unwrap_or_default()
                );
                w.create_element("entry").write_inner_content(|w| {
                    w.create_element("id")
                        .write_text_content(BytesText::new(&format!("urn:uuid:{}", r.record_id)))?;
                    w.create_element("title").write_text_content(BytesText::new(&title))?;
                    w.create_element("link")
                        .with_attribute(("href", base.join(&format!("/register/{}", e.index)).as_str()))
                        .write_empty()?;
                    w.create_element("updated")
                        .write_text_content(BytesText::new(&r.published_at.to_rfc3339()))?;
                    w.create_element("summary")
                        .write_text_content(BytesText::new(r.public_rationale.as_deref().unwrap_or("")))?;
                    Ok(())
                })?;
            }
            Ok(())
        },
    )?;
    let mut xml = w.into_inner();
    xml.push(b'\n');
    Ok(xml)
}

/// Escapes text for XML and HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use quick_xml::{Reader, events::Event};

    #[test]
    fn csv_cells_a_spreadsheet_would_evaluate_get_a_leading_quote() {
        for (cell, written) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
            ("'quoted", "'quoted"),
        ] {
            assert_eq!(csv_cell(cell.to_string()), written, "{cell:?}");
        }
    }

    fn entry(index: u64, rationale: &str, goods: &str) -> RegisterEntry {
        let record = serde_json::from_value(serde_json::json!({
            "record_id": "0190c0de-0000-7000-8000-000000000001",
            "kind": "licence_refused",
            "published_at": "2026-03-02T10:00:00Z",
            "destination_name": "Côte d'Ivoire <CI>",
            "cyber_surveillance": true,
            "goods_summary": goods,
            "public_rationale": rationale,
            "first_decision": true
        }))
        .unwrap();
        RegisterEntry { index, record }
    }

    /// Every element's text and every attribute, in document order, as read back by an XML parser.
    fn read_back(xml: &[u8]) -> Vec<(String, String)> {
        let mut reader = Reader::from_reader(xml);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf).expect("well-formed XML") {
                Event::Eof => return out,
                Event::Start(e) | Event::Empty(e) => {
                    for a in e.attributes() {
                        let a = a.unwrap();
                        let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                        out.push((format!("@{key}"), a.unescape_value().unwrap().into_owned()));
                    }
                }
                Event::Text(t) => {
                    let text = t.unescape().unwrap().trim().to_string();
                    if !text.is_empty() {
                        out.push(("text".into(), text));
                    }
                }
                _ => {}
            }
            buf.clear();
        }
    }

    #[test]
    fn the_atom_feed_escapes_every_text_and_attribute() {
        let nasty = "Refused: <script>alert(\"x\")</script> & 'more' ]]>";
        let base = PublicUrl::parse("https://register.example.gov").unwrap();
        let updated = "2026-03-02T10:00:00Z".parse().unwrap();
        let xml = atom_feed(&base, updated, &[entry(7, nasty, "A & B <c>")]).unwrap();
        let text = String::from_utf8(xml.clone()).unwrap();
        assert!(!text.contains("<script>"), "{text}");
        let items = read_back(&xml);
        assert!(items.contains(&("text".into(), nasty.into())), "{items:?}");
        assert!(
            items.contains(&("text".into(), "refused: Côte d'Ivoire <CI> — A & B <c>".into())),
            "{items:?}"
        );
        assert!(
            items.contains(&("@href".into(), "https://register.example.gov/register/7".into())),
            "{items:?}"
        );
        assert!(items.contains(&("@href".into(), "https://register.example.gov/register/feed.atom".into())));
        assert!(items.contains(&("text".into(), "https://register.example.gov/register".into())));
    }

    #[test]
    fn searches_out_of_range_are_refused_naming_the_parameter() {
        let q = |f: fn(&mut RegisterQuery)| {
            let mut q = RegisterQuery::default();
            f(&mut q);
            check_query(&q).err().map(|e| (e.status, e.field.unwrap_or_default()))
        };
        let invalid = |f: &str| Some((StatusCode::UNPROCESSABLE_ENTITY, f.to_string()));
        assert_eq!(q(|q| q.page = Some(u32::MAX)), invalid("page"));
        assert_eq!(q(|q| q.page = Some(0)), invalid("page"));
        assert_eq!(q(|q| q.per_page = Some(201)), invalid("per_page"));
        assert_eq!(q(|q| q.outcome = Some("maybe".into())), invalid("outcome"));
        assert_eq!(q(|q| q.end_user_sector = Some("pirates".into())), invalid("end_user_sector"));
        assert_eq!(
            q(|q| {
                q.from = "2026-02-01".parse().ok();
                q.to = "2026-01-01".parse().ok();
            }),
            invalid("from")
        );
        assert_eq!(q(|q| q.page = Some(MAX_PAGE)), None);
        assert_eq!(q(|q| q.outcome = Some(String::new())), None, "empty means any");
        // The largest page of the largest size still fits the app's u32 arithmetic.
        assert!((MAX_PAGE - 1).checked_mul(MAX_PER_PAGE).is_some());
    }

    #[test]
    fn the_sectors_offered_are_the_domains() {
        for s in SECTORS {
            assert!(is_sector(s), "{s} is not a domain Sector");
        }
        assert!(!is_sector("other_security"));
    }
}
