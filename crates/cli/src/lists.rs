//! `oversight lists import FORMAT:PATH --name NAME`: imports a restricted-party list release into the
//! database (placeholder until the screening integration lands).

use anyhow::{Result, bail};

#[derive(clap::Subcommand, Debug)]
pub enum ListsCmd {
    /// Import a list file as a new release of the named list.
    Import(ImportArgs),
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// FORMAT:PATH, with the formats of `oversight screen --list-file`.
    pub spec: String,
    /// The list's name in the platform (e.g. "us-csl").
    #[arg(long)]
    pub name: String,
    /// Database URL.
    #[arg(long, env = "OVERSIGHT_DB", default_value = "sqlite://oversight.db")]
    pub db: String,
}

pub async fn run(cmd: ListsCmd) -> Result<()> {
    match cmd {
        ListsCmd::Import(args) => bail!("importing {} as {} is not available yet", args.spec, args.name),
    }
}
