//! Risk assessment, human-rights impact assessment and the evidence register on cases (issue #4).
//!
//! Placeholder: the hooks are called by `App::execute_at`; they do nothing yet.

use oversight_domain::{Actor, Application, lifecycle::Command};
use oversight_store::StoredEvent;

use crate::{App, AppError};

/// Read model of assessments, HRIAs and evidence.
#[derive(Debug, Default)]
pub struct AssessmentProjection {}

impl AssessmentProjection {
    /// Folds one stored event (any stream; ignore what is not yours).
    pub fn apply(&mut self, _e: &StoredEvent) -> anyhow::Result<()> {
        Ok(())
    }
}

impl App {
    /// Runs before a case command is decided; an error refuses the command (nothing is appended).
    pub(crate) async fn assessment_guard(
        &self,
        _actor: &Actor,
        _state: Option<&Application>,
        _cmd: &Command,
    ) -> Result<(), AppError> {
        Ok(())
    }

    /// Records the demo case's assessment (and HRIA where required) before its decision
    /// (called by `demo::load` once the officer's recommendation is recorded).
    pub(crate) async fn demo_assess(
        &self,
        _officer: &Actor,
        _id: oversight_domain::ApplicationId,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AppError> {
        Ok(())
    }

    /// Runs after a case command's events were appended.
    pub(crate) async fn assessment_react(
        &self,
        _actor: &Actor,
        _app: &Application,
        _appended: &[StoredEvent],
    ) -> Result<(), AppError> {
        Ok(())
    }
}
