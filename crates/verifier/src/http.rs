//! The register's log API as seen by the verifier: one function per endpoint, each returning
//! typed data or a [`VerifyError`] naming the URL and what was wrong with the response.

use std::io::Read;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;

use crate::VerifyError;

/// Largest response accepted (decisions.jsonl of a large register): a bound, not a target.
const MAX_BODY: u64 = 4 << 30;

pub(crate) struct Api {
    base: String,
    agent: ureq::Agent,
}

#[derive(Deserialize)]
struct EntriesPage {
    start: u64,
    entries: Vec<String>,
}

#[derive(Deserialize)]
struct InclusionResponse {
    index: u64,
    size: u64,
    leaf_hash: String,
    proof: Vec<String>,
}

#[derive(Deserialize)]
struct ConsistencyResponse {
    old: u64,
    new: u64,
    proof: Vec<String>,
}

fn malformed(url: &str, what: impl Into<String>) -> VerifyError {
    VerifyError::Malformed { url: url.to_string(), what: what.into() }
}

impl Api {
    pub(crate) fn new(base_url: &str, timeout: Duration) -> Self {
        Api {
            base: base_url.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
        }
    }

    fn get(&self, path: &str) -> Result<(String, Vec<u8>), VerifyError> {
        let url = format!("{}{}", self.base, path);
        let response = match self.agent.get(&url).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(status, r)) => {
                let mut body = String::new();
                let _ = r.into_reader().take(300).read_to_string(&mut body);
                return Err(VerifyError::HttpStatus { url, status, body: body.trim().to_string() });
            }
            Err(ureq::Error::Transport(t)) => {
                // ureq's own Display repeats the URL; keep just the cause.
                let mut reason = t.kind().to_string();
                if let Some(m) = t.message() {
                    reason = format!("{reason}: {m}");
                }
                if let Some(source) = std::error::Error::source(&t) {
                    reason = format!("{reason}: {source}");
                }
                return Err(VerifyError::Http { url, reason });
            }
        };
        // Size the buffer from Content-Length when given: decisions.jsonl can be hundreds of MB.
        let hint =
            response.header("Content-Length").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0).min(MAX_BODY);
        let mut body = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
        response
            .into_reader()
            .take(MAX_BODY)
            .read_to_end(&mut body)
            .map_err(|e| VerifyError::Http { url: url.clone(), reason: format!("reading the body: {e}") })?;
        Ok((url, body))
    }

    fn get_text(&self, path: &str) -> Result<(String, String), VerifyError> {
        let (url, body) = self.get(path)?;
        let text = String::from_utf8(body).map_err(|_| malformed(&url, "body is not UTF-8"))?;
        Ok((url, text))
    }

    fn get_json<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<(String, T), VerifyError> {
        let (url, body) = self.get(path)?;
        let value =
            serde_json::from_slice(&body).map_err(|e| malformed(&url, format!("invalid JSON: {e}")))?;
        Ok((url, value))
    }

    /// `GET /log/checkpoint`: the signed checkpoint note.
    pub(crate) fn checkpoint(&self) -> Result<String, VerifyError> {
        Ok(self.get_text("/log/checkpoint")?.1)
    }

    /// `GET /log/key`: the log's note verifier key string.
    pub(crate) fn key(&self) -> Result<String, VerifyError> {
        Ok(self.get_text("/log/key")?.1.trim().to_string())
    }

    /// `GET /log/entries?start=S&end=E`, paging until all of `[start, end)` has arrived; calls
    /// `each` with every leaf's bytes in order.
    pub(crate) fn entries(
        &self,
        start: u64,
        end: u64,
        mut each: impl FnMut(u64, Vec<u8>) -> Result<(), VerifyError>,
    ) -> Result<(), VerifyError> {
        let mut next = start;
        while next < end {
            let (url, page) =
                self.get_json::<EntriesPage>(&format!("/log/entries?start={next}&end={end}"))?;
            if page.start != next {
                return Err(malformed(&url, format!("page starts at {} instead of {next}", page.start)));
            }
            if page.entries.is_empty() {
                return Err(malformed(&url, format!("no entries although the log has {end}")));
            }
            if page.entries.len() as u64 > end - next {
                return Err(malformed(
                    &url,
                    format!("{} entries returned, at most {} asked", page.entries.len(), end - next),
                ));
            }
            let count = page.entries.len() as u64;
            for (i, entry) in page.entries.into_iter().enumerate() {
                let index = next + i as u64;
                let bytes = B64
                    .decode(entry.as_bytes())
                    .map_err(|_| malformed(&url, format!("entry {index} is not base64")))?;
                each(index, bytes)?;
            }
            next += count;
        }
        Ok(())
    }

    /// `GET /log/proof/consistency?old=M&new=N`.
    pub(crate) fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Vec<u8>>, VerifyError> {
        let (url, r) =
            self.get_json::<ConsistencyResponse>(&format!("/log/proof/consistency?old={old}&new={new}"))?;
        if r.old != old || r.new != new {
            return Err(malformed(
                &url,
                format!("proof is for sizes {} → {}, not {old} → {new}", r.old, r.new),
            ));
        }
        r.proof
            .iter()
            .map(|p| B64.decode(p.as_bytes()).map_err(|_| malformed(&url, "proof element is not base64")))
            .collect()
    }

    /// `GET /log/proof/inclusion?index=I&size=N`: `(leaf hash, proof)` as raw bytes.
    pub(crate) fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<(Vec<u8>, Vec<Vec<u8>>), VerifyError> {
        let (url, r) =
            self.get_json::<InclusionResponse>(&format!("/log/proof/inclusion?index={index}&size={size}"))?;
        if r.index != index || r.size != size {
            return Err(malformed(
                &url,
                format!("proof is for leaf {} in size {}, not {index} in {size}", r.index, r.size),
            ));
        }
        let decode = |s: &str| B64.decode(s.as_bytes()).map_err(|_| malformed(&url, "hash is not base64"));
        let leaf = decode(&r.leaf_hash)?;
        let proof = r.proof.iter().map(|p| decode(p)).collect::<Result<_, _>>()?;
        Ok((leaf, proof))
    }

    /// `GET /register/decisions.jsonl`: the raw bytes.
    pub(crate) fn decisions(&self) -> Result<Vec<u8>, VerifyError> {
        Ok(self.get("/register/decisions.jsonl")?.1)
    }
}
