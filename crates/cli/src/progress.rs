//! Progress of long work on standard error: a bar (`indicatif`) when standard error is a
//! terminal, otherwise plain lines at every tenth of the work and at the end
//! ("screened 12,000 of 40,000 queries"), which a log collector or a pipe can read.
//!
//! Standard output is never touched: batch results written there stay a clean contract.

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// Reports `done of total` as work advances. Cheap to call often: a bar redraws at most a few
/// times a second, plain lines are written only when a tenth of the work has passed.
pub struct Progress {
    inner: Mutex<Inner>,
}

enum Output {
    Bar(ProgressBar),
    Lines(Box<dyn Write + Send>),
}

struct Inner {
    verb: &'static str,
    unit: &'static str,
    out: Output,
    /// Plain lines: the next `done` at which a line is written.
    next: u64,
    finished: bool,
}

impl Progress {
    /// A bar on a terminal, plain lines on anything else.
    pub fn new(verb: &'static str, unit: &'static str) -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len} ({eta} left)")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.set_message(verb);
            Progress::with_output(verb, unit, Output::Bar(bar))
        } else {
            Progress::lines(verb, unit, Box::new(std::io::stderr()))
        }
    }

    /// Plain lines to `out` (what a non-terminal gets).
    pub fn lines(verb: &'static str, unit: &'static str, out: Box<dyn Write + Send>) -> Progress {
        Progress::with_output(verb, unit, Output::Lines(out))
    }

    fn with_output(verb: &'static str, unit: &'static str, out: Output) -> Progress {
        Progress { inner: Mutex::new(Inner { verb, unit, out, next: 0, finished: false }) }
    }

    /// `done` of `total` are finished.
    pub fn update(&self, done: u64, total: u64) {
        let mut p = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if p.finished {
            return;
        }
        let finished = done >= total;
        let Inner { verb, unit, out, next, .. } = &mut *p;
        match out {
            Output::Bar(bar) => {
                bar.set_length(total);
                bar.set_position(done);
                if finished {
                    bar.finish();
                }
            }
            Output::Lines(w) => {
                if done >= *next || finished {
                    let _ = writeln!(w, "{verb} {} of {} {unit}", HumanCount(done), HumanCount(total));
                    let _ = w.flush();
                    let step = (total / 10).max(1);
                    *next = (done / step + 1) * step;
                }
            }
        }
        p.finished = finished;
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn plain_lines_at_each_tenth_and_at_the_end() {
        let out = Shared::default();
        let p = Progress::lines("imported", "entries", Box::new(out.clone()));
        for done in (0..=40_000).step_by(1_000) {
            p.update(done, 40_000);
        }
        p.update(40_000, 40_000);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.first(), Some(&"imported 0 of 40,000 entries"));
        assert!(lines.contains(&"imported 12,000 of 40,000 entries"), "{text}");
        assert_eq!(lines.last(), Some(&"imported 40,000 of 40,000 entries"));
        assert_eq!(lines.len(), 11, "{text}");
    }

    #[test]
    fn a_small_job_still_ends_with_its_total() {
        let out = Shared::default();
        let p = Progress::lines("screened", "queries", Box::new(out.clone()));
        p.update(3, 3);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "screened 3 of 3 queries\n");
    }
}
