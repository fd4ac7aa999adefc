//! `flowctl`: build, test and lint Estuary Flow catalogs, in one process.
//!
//! This crate is the command line only: argument parsing (clap), renderers for
//! each output format, and exit codes. Catalog logic lives in the library
//! crates; see server/ARCHITECTURE.md.

mod args;
mod commands;
mod output;
mod paths;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli).and_then(|code| output::flush().map(|()| code)) {
        Ok(code) => code,
        Err(error) => {
            output::eprint_line(&format!("error: {error}"));
            ExitCode::from(2)
        }
    }
}
