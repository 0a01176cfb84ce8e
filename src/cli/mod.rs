//! The `microreg` command: parse, build a client, run one command.

mod args;
mod browse;
#[cfg(feature = "mdns")]
mod doctor;
mod query;
mod register;
mod table;
mod watch;

use clap::Parser;
use microreg::{BackendKind, Client, Error};

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
        Err(message) => {
            eprintln!("microreg: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs one command; the error is the one line to print.
async fn run(cli: Cli) -> std::result::Result<(), String> {
    let global = &cli.global;
    let config = global.config().map_err(|e| e.to_string())?;
    match cli.command {
        Command::Config => {
            // What the flags, the environment and the defaults resolve to,
            // without opening the backend.
            println!("{}", config.to_json_redacted());
            return Ok(());
        }
        #[cfg(feature = "mdns")]
        Command::Doctor { listen } => {
            return doctor::doctor(global, config, listen)
                .await
                .map_err(|e| e.to_string());
        }
        #[cfg(not(feature = "mdns"))]
        Command::Doctor { .. } => {
            return Err(
                "doctor checks the mdns backend, which is not part of this build; \
                 rebuild with --features mdns"
                    .to_string(),
            );
        }
        _ => {}
    }
    let backend = config.kind();
    let local = process_local(backend);
    let client = Client::new(config).map_err(|e| e.to_string())?;
    // Said before a command that runs until interrupted, after one that ends
    // (so that a usage error stays one line).
    let long_running = matches!(
        cli.command,
        Command::Watch { .. } | Command::Browse { once: false }
    );
    if local && long_running {
        eprintln!("microreg: {}", local_note(backend));
    }
    let result = match cli.command {
        Command::List => query::list(&client, global).await,
        Command::Get { name } => query::get(&client, global, &name).await,
        Command::Watch { name } => watch::watch(&client, global, name).await,
        Command::Register(args) => register::register(&client, global, args).await,
        Command::Browse { once } => browse::browse(&client, global, once).await,
        Command::Doctor { .. } | Command::Config => unreachable!("answered above"),
    };
    client.close().await;
    match result {
        // Not found in a store that only this process can fill says why.
        Err(error @ Error::NotFound) if local => Err(format!("{error} ({})", local_note(backend))),
        Ok(()) if local && !long_running => {
            eprintln!("microreg: {}", local_note(backend));
            Ok(())
        }
        other => other.map_err(|e| e.to_string()),
    }
}

/// Whether registrations in this backend live inside one process, so that a
/// command (a process of its own) sees nobody else's.
fn process_local(backend: BackendKind) -> bool {
    backend == BackendKind::Memory
}

fn local_note(backend: BackendKind) -> String {
    format!(
        "note: the {} backend keeps registrations inside one process, so this command \
         sees only its own; use --backend mdns (the LAN) or etcd to see other processes",
        backend.as_str()
    )
}

/// Ctrl-C and SIGTERM, listened for from creation on: a signal that arrives
/// while the command is busy is kept for the next [`Interrupts::recv`].
pub struct Interrupts {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Interrupts {
    pub fn new() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind| signal(kind).expect("cannot listen for signals");
        Interrupts {
            interrupt: listen(SignalKind::interrupt()),
            terminate: listen(SignalKind::terminate()),
            hangup: listen(SignalKind::hangup()),
        }
    }

    /// Resolves on the next Ctrl-C, SIGTERM or SIGHUP.
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
    }
}

/// Resolves on Ctrl-C, SIGTERM or SIGHUP; listening starts at this call, not at
/// the first poll: a command that says "Ctrl-C to deregister" must already mean it.
fn interrupted() -> impl std::future::Future<Output = ()> {
    let mut interrupts = Interrupts::new();
    async move { interrupts.recv().await }
}
