//! A small mDNS peer for tests and benchmarks: registers nodes, looks services
//! up, lists or watches them, printing JSON lines. Run it only inside
//! tests/netns/isolated (it multicasts).
//!
//! ```text
//! mdns_peer register --service greeter --id greeter-<uuid> --address 10.77.0.1:8080 [--ttl 3] [--count 1000] [--services 100]
//! mdns_peer get greeter
//! mdns_peer list
//! mdns_peer watch [greeter] --count 2 --timeout-ms 5000
//! mdns_peer serve          # stdin: `get NAME [DOMAIN]` | `stats` | `drop-browses`; one JSON line each
//! ```
//! Common flags: `--dialect gomicro|dnssd|both`, `--domain`, `--interface`.

use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use std::sync::Arc;

use microreg::backend::mdns::{MdnsConfig, MdnsOptions, MdnsRegistry};
use microreg::{BackendConfig, Client, Config, Error, Node, Registry, Service};

#[derive(Parser)]
struct Cli {
    #[arg(long, default_value = "both")]
    dialect: String,
    #[arg(long, default_value = "micro")]
    domain: String,
    #[arg(long)]
    interface: Vec<String>,
    /// Bound on the nodes in view (default: the backend's).
    #[arg(long)]
    max_nodes: Option<usize>,
    /// Cap on received record TTLs, in seconds (default: the backend's).
    #[arg(long)]
    max_ttl_secs: Option<u64>,
    /// A registry key (repeat for several; the first signs).
    #[arg(long)]
    key: Vec<String>,
    /// With keys: ignore unsigned records.
    #[arg(long)]
    require_signed: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Registers `count` nodes (ids `<id>` or `<id>-<i>`) and keeps them until killed.
    Register {
        #[arg(long)]
        service: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        address: String,
        #[arg(long, default_value = "1.0.0")]
        version: String,
        #[arg(long)]
        ttl: Option<u64>,
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// Registers this many services (`<service>-<j>`, node ids `<id>-<j>`),
        /// each with `count` nodes.
        #[arg(long, default_value_t = 1)]
        services: usize,
        /// Node metadata as key=value.
        #[arg(long)]
        metadata: Vec<String>,
        /// Deregister after this many milliseconds, then exit.
        #[arg(long)]
        deregister_after_ms: Option<u64>,
    },
    Get {
        service: String,
    },
    List,
    /// Prints `count` events (or fewer when `timeout_ms` passes first).
    Watch {
        service: Option<String>,
        #[arg(long, default_value_t = 1)]
        count: usize,
        #[arg(long, default_value_t = 10_000)]
        timeout_ms: u64,
        /// Instead of `count` events: print events until this many distinct
        /// nodes have been created or updated, then `seen N`.
        #[arg(long)]
        until_nodes: Option<usize>,
    },
    /// A long-lived observer driven by stdin: `get NAME` prints
    /// `{"ok":bool,"nodes":N}`, `stats` prints the process's RSS and threads,
    /// the view's size and the backend's counters.
    Serve,
    /// Waits until `service` has `nodes` nodes, printing the elapsed milliseconds.
    WaitNodes {
        service: String,
        #[arg(long)]
        nodes: usize,
        #[arg(long, default_value_t = 10_000)]
        timeout_ms: u64,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MICROREG_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match microreg::runtime::block_on(run(cli)) {
        Ok(Ok(())) => std::process::ExitCode::SUCCESS,
        Ok(Err(Error::NotFound)) => {
            eprintln!("mdns_peer: service not found");
            std::process::ExitCode::from(3)
        }
        Ok(Err(error)) | Err(error) => {
            eprintln!("mdns_peer: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Registers `count` nodes of one service (ids `<id>` or `<id>-<i>`).
#[allow(clippy::too_many_arguments)]
async fn register(
    client: &Client,
    service: String,
    id: &str,
    address: &str,
    version: &str,
    ttl: Option<u64>,
    count: usize,
    metadata: &[String],
) -> microreg::Result<Service> {
    let mut svc = Service::new(service, version);
    for i in 0..count {
        let node_id = if count == 1 {
            id.to_string()
        } else {
            format!("{id}-{i}")
        };
        let mut node = Node::new(node_id, address);
        for pair in metadata {
            if let Some((k, v)) = pair.split_once('=') {
                node.metadata.insert(k.into(), v.into());
            }
        }
        svc.nodes.push(node);
    }
    // Without --ttl: no TTL (the host tests' nodes stay until they go).
    let options = client
        .register_options(ttl.map_or(microreg::Ttl::Never, |s| Duration::from_secs(s).into()));
    for chunk in svc.nodes.chunks(100) {
        let part = Service {
            nodes: chunk.to_vec(),
            ..svc.clone()
        };
        client.register(&part, &options).await?;
    }
    Ok(svc)
}

async fn run(cli: Cli) -> microreg::Result<()> {
    let mdns = MdnsConfig {
        interfaces: cli.interface.clone(),
        gomicro: cli.dialect != "dnssd",
        dnssd: cli.dialect != "gomicro",
        keys: cli.key.clone(),
        require_signed: cli.require_signed,
        ..MdnsConfig::default()
    };
    let config = Config {
        domain: cli.domain.clone(),
        cache: false,
        ..Config::with_backend(BackendConfig::Mdns(mdns.clone()))
    };
    let mut options = MdnsOptions::new(&cli.domain, &mdns, config.timeout());
    if let Some(max_nodes) = cli.max_nodes {
        options.limits.max_nodes = max_nodes;
    }
    if let Some(secs) = cli.max_ttl_secs {
        options.limits.max_ttl = Duration::from_secs(secs);
    }
    let backend = Arc::new(MdnsRegistry::new(options)?);
    let client = Client::with_backend(backend.clone(), config);
    let domain = cli.domain.clone();
    let result = match cli.command {
        Command::Register {
            service,
            id,
            address,
            version,
            ttl,
            count,
            services,
            metadata,
            deregister_after_ms,
        } => {
            let mut all = Vec::new();
            for j in 0..services {
                let (name, id) = if services == 1 {
                    (service.clone(), id.clone())
                } else {
                    (format!("{service}-{j}"), format!("{id}-{j}"))
                };
                all.push(
                    register(
                        &client, name, &id, &address, &version, ttl, count, &metadata,
                    )
                    .await?,
                );
            }
            println!("ready");
            match deregister_after_ms {
                Some(ms) => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    for svc in &all {
                        client.deregister(svc, &domain).await?;
                    }
                    println!("deregistered");
                }
                None => terminated().await,
            }
            Ok(())
        }
        Command::Get { service } => {
            let found = client.get_service(&service, &domain).await?;
            println!(
                "{}",
                serde_json::to_string(&found).expect("services serialize")
            );
            Ok(())
        }
        Command::List => {
            let found = client.list_services(&domain).await?;
            println!(
                "{}",
                serde_json::to_string(&found).expect("services serialize")
            );
            Ok(())
        }
        Command::Watch {
            service,
            count,
            timeout_ms,
            until_nodes,
        } => {
            let watcher = client.watch(&client.watch_options(service)).await?;
            println!("watching");
            let deadline = Instant::now() + Duration::from_millis(timeout_ms);
            let mut nodes = std::collections::HashSet::new();
            let mut events = 0;
            while until_nodes.map_or(events < count, |n| nodes.len() < n) {
                let left = deadline.saturating_duration_since(Instant::now());
                match watcher.next_timeout(left).await {
                    Ok(event) => {
                        println!("{}", event.to_json());
                        events += 1;
                        if event.action != microreg::Action::Delete {
                            nodes.extend(event.service.nodes.iter().map(|n| n.id.clone()));
                        }
                    }
                    Err(Error::Timeout) => break,
                    Err(error) => return Err(error),
                }
            }
            if until_nodes.is_some() {
                println!("seen {}", nodes.len());
            }
            Ok(())
        }
        Command::Serve => {
            println!("serving");
            serve(&client, &backend, &domain).await;
            Ok(())
        }
        Command::WaitNodes {
            service,
            nodes,
            timeout_ms,
        } => {
            let started = Instant::now();
            let deadline = started + Duration::from_millis(timeout_ms);
            loop {
                let seen = client
                    .get_service(&service, &domain)
                    .await
                    .map(|s| s.iter().map(|v| v.nodes.len()).sum::<usize>())
                    .unwrap_or(0);
                if seen >= nodes {
                    println!("{}", started.elapsed().as_millis());
                    break Ok(());
                }
                if Instant::now() > deadline {
                    break Err(Error::Timeout);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    client.close().await;
    result
}

async fn serve(client: &Client, backend: &MdnsRegistry, domain: &str) {
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = lines.recv().await {
        let reply = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["get", name, rest @ ..] => match client
                .get_service(name, rest.first().copied().unwrap_or(domain))
                .await
            {
                Ok(found) => serde_json::json!({
                    "ok": true,
                    "nodes": found.iter().map(|s| s.nodes.len()).sum::<usize>(),
                    "services": found,
                }),
                Err(error) => serde_json::json!({"ok": false, "error": error.to_string()}),
            },
            ["stats"] => serde_json::json!({
                "rss_kb": proc_status("VmRSS:"),
                "threads": proc_status("Threads:"),
                "view_nodes": backend.nodes_in_view(),
                "view_bytes": backend.bytes_in_view(),
                "counters": backend.counters(),
                "status": client.status().map(|e| e.to_string()),
            }),
            ["drop-browses"] => {
                backend.drop_dnssd_browses();
                serde_json::json!({"ok": true})
            }
            _ => break,
        };
        println!("{reply}");
    }
}

/// A number from /proc/self/status (e.g. `VmRSS:` in kB).
fn proc_status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

async fn terminated() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
