//! Screening of an application's parties against restricted-party lists (issue #3, part 5).
//!
//! Placeholder: the hooks are called by `App::execute_at`; they do nothing yet.

use oversight_domain::{Actor, Application, lifecycle::Command};
use oversight_store::StoredEvent;

use crate::{App, AppError};

/// Read model of list releases, alerts and adjudications.
#[derive(Debug, Default)]
pub struct ScreeningProjection {}

impl ScreeningProjection {
    /// Folds one stored event (any stream; ignore what is not yours).
    pub fn apply(&mut self, _e: &StoredEvent) -> anyhow::Result<()> {
        Ok(())
    }
}

impl App {
    /// Runs before a case command is decided; an error refuses the command (nothing is appended).
    pub(crate) async fn screening_guard(
        &self,
        _actor: &Actor,
        _state: Option<&Application>,
        _cmd: &Command,
    ) -> Result<(), AppError> {
        Ok(())
    }

    /// Imports the demo dataset's restricted-party lists (called by `demo::load` before any case).
    pub(crate) async fn load_demo_lists(&self) -> Result<(), AppError> {
        Ok(())
    }

    /// Runs after a case command's events were appended.
    pub(crate) async fn screening_react(
        &self,
        _actor: &Actor,
        _app: &Application,
        _appended: &[StoredEvent],
    ) -> Result<(), AppError> {
        Ok(())
    }
}
