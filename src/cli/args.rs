//! The command line, as clap reads it.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use microreg::{BackendKind, Config};

#[derive(Parser, Debug)]
#[command(
    name = "microreg",
    version,
    about = "Browse, query and join a service registry (go-micro's model) over mDNS, etcd or memory"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug)]
pub struct GlobalArgs {
    /// Where registrations live: mdns (the LAN), etcd, or memory (this process).
    #[arg(long, global = true, value_parser = parse_backend, default_value = BackendKind::default().as_str())]
    pub backend: BackendKind,
    /// Registry domain; "*" means every domain (for list, get, watch, browse).
    #[arg(long, global = true, default_value = microreg::DEFAULT_DOMAIN)]
    pub domain: String,
    /// One JSON document per line instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// mDNS: use only these interfaces (name or address; repeatable).
    #[arg(long = "interface", global = true, value_name = "IFACE")]
    pub interfaces: Vec<String>,
    /// etcd: cluster member host:port (repeatable).
    #[arg(long = "etcd-address", global = true, value_name = "HOST:PORT")]
    pub addresses: Vec<String>,
    /// Time limit of one backend operation.
    #[arg(long, global = true, value_parser = parse_duration, default_value = "5s")]
    pub timeout: Duration,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every service with its versions and node counts.
    List,
    /// Show every node of a service.
    Get {
        /// Service name.
        name: String,
    },
    /// Print changes as they happen (one line each).
    Watch {
        /// Only this service.
        name: Option<String>,
    },
    /// Register a service node and keep it alive until Ctrl-C.
    Register(RegisterArgs),
    /// Pick the node of a service to call (strategy, version, labels, endpoint).
    Select(super::select::SelectArgs),
    /// A live table of services and their nodes, updated as they change.
    Browse {
        /// Print the table once and exit.
        #[arg(long)]
        once: bool,
    },
}

#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// Service name.
    pub name: String,
    /// Where the node listens: host:port or [v6]:port.
    #[arg(long)]
    pub address: String,
    /// Service version.
    #[arg(long, default_value = "latest")]
    pub version: String,
    /// Node id (default: NAME-<random uuid>).
    #[arg(long)]
    pub id: Option<String>,
    /// Node metadata, key=value (repeatable).
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub metadata: Vec<(String, String)>,
    /// Drop the registration if not refreshed within this time (e.g. 30s, 1m).
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub ttl: Duration,
}

impl GlobalArgs {
    /// The registry configuration these flags describe.
    pub fn config(&self) -> Config {
        Config {
            backend: self.backend,
            // The wildcard is a view, not a home: the handle's own domain stays
            // the default and each call names the one asked for.
            domain: if self.domain == microreg::WILDCARD_DOMAIN {
                microreg::DEFAULT_DOMAIN.to_string()
            } else {
                self.domain.clone()
            },
            interfaces: self.interfaces.clone(),
            addresses: self.addresses.clone(),
            timeout_ms: self.timeout.as_millis().max(1) as u64,
            ..Config::default()
        }
    }
}

fn parse_backend(text: &str) -> Result<BackendKind, String> {
    text.parse().map_err(|e: microreg::Error| e.to_string())
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (try 30s, 500ms or 1m)"))
}

pub(super) fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}
