//! `microreg browse`: a live table of every service and node.
//!
//! The client's cache does the work: a watch says which service changed, and
//! `get_service` (answered from the watch-fed cache) gives its current nodes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};

use microreg::{Client, Error, Registry, Result, Service};

use super::args::GlobalArgs;
use super::table::nodes_table;

pub async fn browse(client: &Client, args: &GlobalArgs, once: bool) -> Result<()> {
    let domain = args.domain.as_str();
    // Watch first, so that nothing registered during the first listing is missed.
    let watcher = client.watch(&client_watch_options(domain)).await?;
    let names: BTreeSet<String> = client
        .list_services(domain)
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let mut view: BTreeMap<String, Vec<Service>> = BTreeMap::new();
    for name in names {
        refresh(client, domain, &mut view, name).await?;
    }
    let screen = Screen::new(args.json);
    if !screen.show(&view) || once {
        return Ok(());
    }
    loop {
        let event = tokio::select! {
            event = watcher.next() => event?,
            _ = super::interrupted() => return Ok(()),
        };
        refresh(client, domain, &mut view, event.service.name).await?;
        if !screen.show(&view) {
            return Ok(());
        }
    }
}

fn client_watch_options(domain: &str) -> microreg::WatchOptions {
    microreg::WatchOptions {
        service: None,
        domain: domain.to_string(),
    }
}

async fn refresh(
    client: &Client,
    domain: &str,
    view: &mut BTreeMap<String, Vec<Service>>,
    name: String,
) -> Result<()> {
    match client.get_service(&name, domain).await {
        Ok(services) => {
            view.insert(name, services);
        }
        Err(Error::NotFound) => {
            view.remove(&name);
        }
        Err(error) => return Err(error),
    }
    Ok(())
}

/// Where the table goes: redrawn in place on a terminal, appended otherwise.
struct Screen {
    json: bool,
    redraw: bool,
}

impl Screen {
    fn new(json: bool) -> Self {
        Screen {
            json,
            redraw: !json && std::io::stdout().is_terminal(),
        }
    }

    /// Shows the view; false when stdout is gone (e.g. a closed pipe).
    fn show(&self, view: &BTreeMap<String, Vec<Service>>) -> bool {
        let services: Vec<Service> = view.values().flatten().cloned().collect();
        let text = if self.json {
            format!(
                "{}\n",
                serde_json::to_string(&services).expect("services serialize")
            )
        } else {
            let table = nodes_table(&services).render();
            let count = format!(
                "{} service(s), {} node(s)\n",
                view.len(),
                node_count(&services)
            );
            if self.redraw {
                format!("\x1b[H\x1b[2J{table}{count}")
            } else {
                format!("{table}{count}\n")
            }
        };
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .is_ok()
    }
}

fn node_count(services: &[Service]) -> usize {
    services.iter().map(|s| s.nodes.len()).sum()
}
