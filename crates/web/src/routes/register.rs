//! The public register (no login): search, one record with its proof, statistics, open data
//! (CSV, JSON lines, Atom). HTML pages are in `pages.rs`.

use axum::{
    Json,
    body::Body,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, header},
    response::IntoResponse,
};
use oversight_app::register::{RecordWithProof, RegisterEntry, RegisterPage, RegisterQuery, RegisterStats};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::{ApiError, ApiResult, ErrorBody},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_register))
        .routes(routes!(register_stats))
        .routes(routes!(register_record))
        .routes(routes!(decisions_csv))
        .routes(routes!(decisions_jsonl))
        .routes(routes!(register_feed))
}

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(v)| v).map_err(|e| {
        let text = e.body_text();
        // serde names the offending parameter in its message: report it as the field.
        let field = text.split('`').nth(1).unwrap_or("query").to_string();
        ApiError::invalid(field, text)
    })
}

/// Searches the register: text, destination, outcome, control entry, end-user sector, date range.
#[utoipa::path(get, path = "/api/register", tag = "register", params(RegisterQuery),
    responses((status = 200, body = RegisterPage), (status = 422, body = ErrorBody)))]
async fn search_register(
    State(s): State<AppState>,
    q: Result<Query<RegisterQuery>, QueryRejection>,
) -> ApiResult<Json<RegisterPage>> {
    Ok(Json(s.app.register_search(&query(q)?)?))
}

/// Decision statistics as the UK and EU publish them, with a cyber-surveillance section.
#[utoipa::path(get, path = "/api/register/stats", tag = "register", responses((status = 200, body = RegisterStats)))]
async fn register_stats(State(s): State<AppState>) -> Json<RegisterStats> {
    Json(s.app.register_stats())
}

/// One record with its inclusion proof against the latest signed checkpoint.
#[utoipa::path(get, path = "/api/register/{index}", tag = "register", params(("index" = u64, Path)),
    responses((status = 200, body = RecordWithProof), (status = 404, body = ErrorBody)))]
async fn register_record(
    State(s): State<AppState>,
    Path(index): Path<String>,
) -> ApiResult<Json<RecordWithProof>> {
    let index: u64 = index.parse().map_err(|_| ApiError::not_found())?;
    Ok(Json(s.app.register_record(index).await?))
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

/// Every published record as CSV (UTF-8, header row; lists joined with "; ").
#[utoipa::path(get, path = "/register/decisions.csv", tag = "register",
    responses((status = 200, content_type = "text/csv", body = String)))]
async fn decisions_csv(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = CSV_COLUMNS.to_vec();
    header.push("public_rationale");
    w.write_record(&header).map_err(internal)?;
    for RegisterEntry { index, record: r } in s.app.register_all() {
        let join = |v: &[String]| v.join("; ");
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([
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
        ])
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

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::from(oversight_app::AppError::Internal(anyhow::anyhow!("{e}")))
}

/// Every published record, one JSON object per line: each line is byte for byte a leaf of the
/// transparency log, so anyone can check it is in the log (`oversight verify`).
#[utoipa::path(get, path = "/register/decisions.jsonl", tag = "register",
    responses((status = 200, content_type = "application/jsonl", body = String)))]
async fn decisions_jsonl(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
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
                for l in leaves {
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
    responses((status = 200, content_type = "application/atom+xml", body = String)))]
async fn register_feed(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<impl IntoResponse> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let base = format!("http://{host}");
    let page = s.app.register_search(&RegisterQuery { per_page: Some(100), ..Default::default() })?;
    let updated = page.records.first().map(|e| e.record.published_at).unwrap_or_else(|| s.app.now());
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    xml += &format!(
        "  <title>Oversight public register of export-licensing decisions</title>\n  <id>{base}/register</id>\n  <link rel=\"self\" href=\"{base}/register/feed.atom\"/>\n  <link href=\"{base}/register\"/>\n  <updated>{}</updated>\n  <author><name>Licensing authority</name></author>\n",
        updated.to_rfc3339()
    );
    for e in &page.records {
        let r = &e.record;
        let title = format!(
            "{}: {}{}",
            r.kind.outcome().replace('_', " "),
            r.destination_name.as_deref().unwrap_or("-"),
            r.goods_summary.as_deref().map(|g| format!(" — {g}")).unwrap_or_default()
        );
        xml += &format!(
            "  <entry>\n    <id>urn:uuid:{}</id>\n    <title>{}</title>\n    <link href=\"{base}/register/{}\"/>\n    <updated>{}</updated>\n    <summary>{}</summary>\n  </entry>\n",
            escape(&r.record_id),
            escape(&title),
            e.index,
            r.published_at.to_rfc3339(),
            escape(r.public_rationale.as_deref().unwrap_or(""))
        );
    }
    xml += "</feed>\n";
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml))
}

/// Escapes text for XML and HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
