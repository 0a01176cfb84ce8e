//! `microreg select NAME`: the node a client would call, as the core picks it.

use clap::Args;
use microreg::select::{SelectOptions, Strategy};
use microreg::{Client, Error, Result};

use super::args::{parse_key_value, GlobalArgs};

#[derive(Args, Debug)]
pub struct SelectArgs {
    /// Service name.
    pub name: String,
    /// random, round_robin or least_failed.
    #[arg(long, default_value = Strategy::default().as_str(), value_parser = parse_strategy)]
    pub strategy: Strategy,
    /// Only this version: exact (1.2.0, latest) or a semver range (^1.2, ">=1, <2").
    #[arg(long)]
    pub version: Option<String>,
    /// Only nodes whose metadata has KEY=VALUE (repeatable; all must match).
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub labels: Vec<(String, String)>,
    /// Only services with this endpoint.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Select this many times (shows the rotation of round_robin).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,
}

fn parse_strategy(text: &str) -> std::result::Result<Strategy, String> {
    text.parse().map_err(|e: microreg::Error| e.to_string())
}

impl SelectArgs {
    fn options(&self, domain: &str) -> Result<SelectOptions> {
        let mut options = SelectOptions::new().strategy(self.strategy).domain(domain);
        if let Some(version) = &self.version {
            options = options.version(version)?;
        }
        for (key, value) in &self.labels {
            options = options.label(key, value);
        }
        if let Some(endpoint) = &self.endpoint {
            options = options.endpoint(endpoint);
        }
        options.validate()?;
        Ok(options)
    }
}

/// Prints one line per selection: `ID ADDRESS VERSION` (or the node's JSON).
pub async fn select(client: &Client, global: &GlobalArgs, args: SelectArgs) -> Result<()> {
    let options = args.options(&global.domain)?;
    for _ in 0..args.count {
        let selected = client
            .select(&args.name, &options)
            .await
            .map_err(|error| match error {
                Error::NotFound => Error::NoMatch(format!(
                    "no node serves {:?} in domain {:?}",
                    args.name, global.domain
                )),
                other => other,
            })?;
        if global.json {
            println!(
                "{}",
                serde_json::to_string(&selected.node).expect("a Node always serializes")
            );
        } else {
            println!(
                "{} {} {}",
                selected.node.id, selected.node.address, selected.version
            );
        }
    }
    Ok(())
}
