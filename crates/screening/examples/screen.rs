//! The `oversight screen` command, runnable without the rest of the workspace:
//! `cargo run -p oversight-screening --example screen -- --list-file csl-csv:PATH --name "..."`.
//! It compiles the CLI's own module (crates/cli/src/screen.rs), so the flags are the same.

#[path = "../../cli/src/screen.rs"]
mod screen;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "screen", about = "Screen names against restricted-party lists")]
struct Cli {
    #[command(flatten)]
    args: screen::ScreenArgs,
}

fn main() -> anyhow::Result<()> {
    screen::run(Cli::parse().args)
}
