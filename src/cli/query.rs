//! The one-shot commands: list, get, watch.

use std::io::Write;

use microreg::{Client, Registry, Result, Service, WatchOptions};

use super::args::GlobalArgs;
use super::table::{nodes_table, services_table};

pub async fn list(client: &Client, args: &GlobalArgs) -> Result<()> {
    let services = client.list_services(&args.domain).await?;
    if args.json {
        print_json_lines(&services);
    } else {
        print!("{}", services_table(&services).render());
    }
    Ok(())
}

pub async fn get(client: &Client, args: &GlobalArgs, name: &str) -> Result<()> {
    let services = client.get_service(name, &args.domain).await?;
    if args.json {
        print_json_lines(&services);
    } else {
        print!("{}", nodes_table(&services).render());
    }
    Ok(())
}

/// Prints every change until interrupted, or until the watch ends.
pub async fn watch(client: &Client, args: &GlobalArgs, name: Option<String>) -> Result<()> {
    let options = WatchOptions {
        service: name,
        domain: args.domain.clone(),
    };
    let watcher = client.watch(&options).await?;
    let mut out = std::io::stdout().lock();
    loop {
        let event = tokio::select! {
            event = watcher.next() => event?,
            _ = super::interrupted() => return Ok(()),
        };
        let line = if args.json {
            event.to_json()
        } else {
            let nodes: Vec<String> = event
                .service
                .nodes
                .iter()
                .map(|n| format!("{} {}", n.id, n.address))
                .collect();
            format!(
                "{:<6} {} {} {}",
                event.action.as_str(),
                event.service.name,
                event.service.version,
                nodes.join(" ")
            )
        };
        // A closed pipe (e.g. `| head`) ends the watch quietly.
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            return Ok(());
        }
    }
}

pub fn print_json_lines(services: &[Service]) {
    for service in services {
        println!("{}", service.to_json());
    }
}
