//! What a node tells its operators through the `metrics` facade (no recorder installed: nothing
//! is recorded, nothing costs). The series are listed in `docs/operations.md`.
//!
//! Counters and histograms are recorded where things happen (appends here, screening queries in
//! `screening`); the gauges that describe the state of the node are set by [`App::record_gauges`]
//! at each scrape of `/metrics`.

use crate::App;
use std::future::Future;

/// The most events a scrape reads to measure the follower's lag: a lag of more shows as this.
pub const LAG_LIMIT: u32 = 10_000;

/// Awaits an append to the store, recording its duration in `oversight_append_duration_seconds`
/// (successful or not: a refused append costs the caller too).
pub(crate) async fn timed_append<T>(append: impl Future<Output = T>) -> T {
    let started = std::time::Instant::now();
    let result = append.await;
    metrics::histogram!("oversight_append_duration_seconds").record(started.elapsed().as_secs_f64());
    result
}

/// Counts one screening query run against the engine (a case party or an ad-hoc search).
pub(crate) fn screening_query() {
    metrics::counter!("oversight_screening_queries_total").increment(1);
}

impl App {
    /// Sets the gauges that describe this node now: events folded, events stored but not yet
    /// folded (the follower's lag, at most [`LAG_LIMIT`]), the transparency log's size, the age and
    /// size of the latest signed checkpoint, and whether the node has halted. A gauge the database
    /// cannot answer for keeps its previous value (the failure is logged).
    pub async fn record_gauges(&self) {
        let folded = self.last_seq();
        metrics::gauge!("oversight_events_folded").set(folded as f64);
        metrics::gauge!("oversight_halted").set(if self.halted().is_some() { 1.0 } else { 0.0 });
        match self.store().read_all(folded, LAG_LIMIT).await {
            Ok(ahead) => metrics::gauge!("oversight_follower_lag_events").set(ahead.len() as f64),
            Err(e) => tracing::warn!("metrics: reading the event log failed: {e}"),
        }
        match self.store().log_size().await {
            Ok(size) => metrics::gauge!("oversight_log_size").set(size as f64),
            Err(e) => tracing::warn!("metrics: reading the log size failed: {e}"),
        }
        match self.store().latest_checkpoint().await {
            Ok(Some(c)) => {
                let age = (self.now() - c.signed_at).num_milliseconds().max(0) as f64 / 1000.0;
                metrics::gauge!("oversight_checkpoint_age_seconds").set(age);
                metrics::gauge!("oversight_checkpoint_size").set(c.size as f64);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("metrics: reading the latest checkpoint failed: {e}"),
        }
    }
}
