//! The `microreg` command: parse, build a client, run one command.

mod args;
mod browse;
mod query;
mod register;
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
    let config = global.config()?;
    if let Command::Config = cli.command {
        // What the flags, the environment and the defaults resolve to, without
        // opening the backend.
        println!("{}", config.to_json_redacted());
        return Ok(());
    }
    let client = Client::new(config)?;
    let result = match cli.command {
        Command::List => query::list(&client, global).await,
        Command::Get { name } => query::get(&client, global, &name).await,
        Command::Watch { name } => query::watch(&client, global, name).await,
        Command::Register(args) => register::register(&client, global, args).await,
        Command::Browse { once } => browse::browse(&client, global, once).await,
        Command::Config => Ok(()),
    };
    client.close().await;
    result
}

/// Resolves on Ctrl-C or SIGTERM.
/// The signals are caught from this call on, not from the first poll: a
/// command that says "Ctrl-C to deregister" must already mean it.
fn interrupted() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).expect("cannot listen for SIGINT");
    let mut terminate = signal(SignalKind::terminate()).expect("cannot listen for SIGTERM");
    async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    }
}
