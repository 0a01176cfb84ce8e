//! The whole path on two hosts: register, discover, select, connect. Run it
//! only inside tests/netns/isolated (the mdns backend multicasts).
//!
//! ```text
//! select_echo serve --id echo-1 --address 10.77.0.1:7101   # an echo server, registered as "echo"
//! select_echo call [--strategy round_robin] [--rounds 2]   # select a node of "echo", say hello
//! select_echo follow --gone echo-2                          # see tests/select_hosts.rs
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use microreg::select::{SelectOptions, Strategy};
use microreg::{Action, Client, Config, Error, Node, Registry, Service};

const SERVICE: &str = "echo";
const PATIENCE: Duration = Duration::from_secs(20);

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves "<id>: <line>" for each line, registered as "echo" until killed.
    Serve {
        #[arg(long)]
        id: String,
        #[arg(long)]
        address: String,
    },
    /// Selects a node of "echo" `rounds` times and says hello to each.
    Call {
        #[arg(long, default_value = "round_robin")]
        strategy: String,
        #[arg(long, default_value_t = 2)]
        rounds: usize,
    },
    /// Selects until `gone` is in rotation, waits for its delete event, then
    /// selects 2000 times more and prints what it got.
    Follow {
        #[arg(long)]
        gone: String,
    },
}

fn main() -> microreg::Result<()> {
    let client = Client::new(Config::default())?; // mdns
    match Cli::parse().command {
        Command::Serve { id, address } => serve(&client, &id, &address),
        Command::Call { strategy, rounds } => call(&client, strategy.parse()?, rounds),
        Command::Follow { gone } => follow(&client, &gone),
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    microreg::runtime::block_on(future).expect("not on a runtime thread")
}

fn serve(client: &Client, id: &str, address: &str) -> microreg::Result<()> {
    let listener = TcpListener::bind(address).map_err(|e| Error::invalid(e.to_string()))?;
    let service = Service::new(SERVICE, "1.0.0").with_node(Node::new(id, address));
    block_on(client.register(
        &service,
        &client.register_options(Some(Duration::from_secs(10))),
    ))?;
    let id = id.to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_ok() {
                // One write: a reader may take the first segment for all of it.
                let reply = format!("{id}: {}\n", line.trim_end());
                let _ = (&stream).write_all(reply.as_bytes());
            }
        }
    });
    println!("serving {} on {address}", service.nodes[0].id);
    // SIGTERM: deregister (a goodbye on the LAN), then exit.
    block_on(async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM handler");
        terminate.recv().await;
    });
    block_on(client.close());
    Ok(())
}

/// Selects, waiting for the service to be discovered (a fresh process).
fn select(client: &Client, options: &SelectOptions) -> microreg::Result<microreg::Selected> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match block_on(client.select(SERVICE, options)) {
            Err(error) if error.is_not_found() && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

fn call(client: &Client, strategy: Strategy, rounds: usize) -> microreg::Result<()> {
    let options = SelectOptions::new().strategy(strategy);
    for _ in 0..rounds {
        let selected = select(client, &options)?;
        let node = &selected.node;
        let reply = hello(&node.address, "hello from rust");
        let outcome = if reply.is_ok() {
            microreg::Outcome::Ok
        } else {
            microreg::Outcome::Failed
        };
        client.mark(&node.id, outcome)?;
        let reply = reply.map_err(|e| Error::unavailable(format!("{}: {e}", node.address)))?;
        println!(
            "rust: selected {} at {}, it answered: {reply}",
            node.id, node.address
        );
    }
    Ok(())
}

fn hello(address: &str, message: &str) -> std::io::Result<String> {
    let stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    writeln!(&stream, "{message}")?;
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply)?;
    Ok(reply.trim_end().to_string())
}

fn follow(client: &Client, gone: &str) -> microreg::Result<()> {
    let options = SelectOptions::new().strategy(Strategy::RoundRobin);
    let watcher = block_on(client.watch(&client.watch_options(Some(SERVICE.into()))))?;
    let deadline = Instant::now() + PATIENCE;
    while select(client, &options)?.node.id != gone {
        if Instant::now() > deadline {
            return Err(Error::Timeout);
        }
    }
    println!("in rotation: {gone}");
    // The delete event, as a watcher of this client sees it...
    loop {
        let event = block_on(watcher.next())?;
        if event.action == Action::Delete && event.service.nodes.iter().any(|n| n.id == gone) {
            break;
        }
    }
    // ...and applied to the cache that selection reads.
    while block_on(client.get_service(SERVICE, client.domain()))?
        .iter()
        .any(|s| s.nodes.iter().any(|n| n.id == gone))
    {
        if Instant::now() > deadline {
            return Err(Error::Timeout);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("deleted: {gone}");
    let mut picked = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..2000 {
        *picked.entry(select(client, &options)?.node.id).or_default() += 1;
    }
    println!(
        "after the delete: {}",
        serde_json::to_string(&picked).unwrap()
    );
    Ok(())
}
