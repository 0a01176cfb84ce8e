//! The command line, as clap reads it.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use microreg::environment::Environment;
use microreg::{BackendKind, Config, Result};
use serde_json::{Map, Value};

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
    /// Without it: $MICRO_REGISTRY, else mdns. Also spelt --registry (go-micro's flag).
    #[arg(long, alias = "registry", global = true, value_parser = parse_backend)]
    pub backend: Option<BackendKind>,
    /// Registry domain; "*" means every domain (for list, get, watch, browse).
    #[arg(long, global = true, default_value = microreg::DEFAULT_DOMAIN)]
    pub domain: String,
    /// One JSON document per line instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// mDNS: use only these interfaces (name or address; repeatable).
    #[arg(long = "interface", global = true, value_name = "IFACE")]
    pub interfaces: Vec<String>,
    /// The registry's members, host:port[,host:port...] (etcd; repeatable).
    /// Without it: $MICRO_REGISTRY_ADDRESS. Also spelt --registry_address.
    #[arg(
        long = "registry-address",
        alias = "registry_address",
        alias = "etcd-address",
        global = true,
        value_name = "HOST:PORT,..."
    )]
    pub addresses: Vec<String>,
    /// Any other setting of the backend or the registry, KEY=VALUE (repeatable),
    /// e.g. tls_ca=/etc/ca.pem, username=u, gomicro=false, register_ttl_ms=0.
    #[arg(long = "backend-option", global = true, value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub backend_options: Vec<(String, String)>,
    /// Time limit of one backend operation (default 5s).
    #[arg(long, global = true, value_parser = parse_duration)]
    pub timeout: Option<Duration>,
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
    /// A live table of services and their nodes, updated as they change.
    Browse {
        /// Print the table once and exit.
        #[arg(long)]
        once: bool,
    },
    /// Print the configuration in use (flags, then MICRO_REGISTRY & co., then
    /// the defaults) as one JSON object, secrets masked; opens nothing.
    Config,
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
    /// Drop the registration if not refreshed within this time (e.g. 30s, 1m;
    /// 0 for no TTL). Default: the registry's register TTL (90s).
    #[arg(long, value_parser = parse_duration)]
    pub ttl: Option<Duration>,
}

impl GlobalArgs {
    /// The registry configuration these flags describe; what they leave out
    /// comes from go-micro's environment variables, then the core's defaults.
    pub fn config(&self) -> Result<Config> {
        let mut options = Map::new();
        if let Some(backend) = self.backend {
            options.insert("backend".into(), backend.as_str().into());
        }
        // The wildcard is a view, not a home: the handle's own domain stays
        // the default and each call names the one asked for.
        if self.domain != microreg::WILDCARD_DOMAIN {
            options.insert("domain".into(), self.domain.clone().into());
        }
        if !self.interfaces.is_empty() {
            options.insert("interfaces".into(), strings(&self.interfaces));
        }
        let addresses: Vec<String> = self
            .addresses
            .iter()
            .flat_map(|list| microreg::environment::split_list(list))
            .collect();
        if !addresses.is_empty() {
            options.insert("addresses".into(), strings(&addresses));
        }
        if let Some(timeout) = self.timeout {
            options.insert(
                "timeout_ms".into(),
                (timeout.as_millis().max(1) as u64).into(),
            );
        }
        Config::from_options_and_text(options, &self.backend_options, &Environment::from_process())
    }
}

fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

fn parse_backend(text: &str) -> Result<BackendKind, String> {
    text.parse().map_err(|e: microreg::Error| e.to_string())
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (try 30s, 500ms or 1m)"))
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}
