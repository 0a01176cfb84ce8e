//! The `microreg` command: parse, build a client, run one command.

mod args;
mod browse;
mod query;
mod register;
mod select;
mod table;

use clap::Parser;
use microreg::{Client, Result};

use args::{Cli, Command};

/// Runs the command line; the exit status is 0 on success, 1 on any error.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MICROREG_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot start the runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("microreg: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let global = &cli.global;
    let client = Client::new(global.config())?;
    let result = match cli.command {
        Command::List => query::list(&client, global).await,
        Command::Get { name } => query::get(&client, global, &name).await,
        Command::Watch { name } => query::watch(&client, global, name).await,
        Command::Register(args) => register::register(&client, global, args).await,
        Command::Select(args) => select::select(&client, global, args).await,
        Command::Browse { once } => browse::browse(&client, global, once).await,
    };
    client.close().await;
    result
}

/// Resolves on Ctrl-C or SIGTERM.
async fn interrupted() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("cannot listen for SIGTERM");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
