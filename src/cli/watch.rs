//! `microreg watch`: one line per change, as it happens.

use std::io::Write;

use microreg::{Client, Event, Registry, Result, WatchOptions, WILDCARD_DOMAIN};

use super::args::GlobalArgs;

/// Prints every change until interrupted, or until the watch ends.
pub async fn watch(client: &Client, args: &GlobalArgs, name: Option<String>) -> Result<()> {
    let options = WatchOptions {
        service: name,
        domain: args.domain.clone(),
    };
    let mut interrupts = super::Interrupts::new();
    let watcher = client.watch(&options).await?;
    let mut out = std::io::stdout().lock();
    loop {
        let event = tokio::select! {
            event = watcher.next() => event?,
            _ = interrupts.recv() => return Ok(()),
        };
        let line = if args.json {
            event.to_json()
        } else {
            text_line(&event, &args.domain)
        };
        // A closed pipe (e.g. `| head`) ends the watch quietly.
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            return Ok(());
        }
    }
}

/// `TIME DOMAIN ACTION SERVICE VERSION NODE ADDRESS...`: the time in UTC to the
/// millisecond, and the node's domain (under `*`, the one each node is in).
pub fn text_line(event: &Event, domain: &str) -> String {
    let time = humantime::format_rfc3339_millis(event.timestamp);
    let node_domain = |metadata: &microreg::Metadata| -> String {
        match metadata.get("domain") {
            Some(d) if domain == WILDCARD_DOMAIN => d.clone(),
            _ => domain.to_string(),
        }
    };
    let shown_domain = event
        .service
        .nodes
        .first()
        .map(|n| node_domain(&n.metadata))
        .unwrap_or_else(|| domain.to_string());
    let nodes: Vec<String> = event
        .service
        .nodes
        .iter()
        .map(|n| format!("{} {}", n.id, n.address))
        .collect();
    format!(
        "{time} {shown_domain} {:<6} {} {} {}",
        event.action.as_str(),
        event.service.name,
        event.service.version,
        nodes.join(" ")
    )
    .trim_end()
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use microreg::{Action, Node, Service};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn lines_carry_the_time_and_the_domain() {
        let mut node = Node::new("a-1", "10.0.0.1:80");
        node.metadata.insert("domain".into(), "prod".into());
        let event = Event {
            action: Action::Create,
            service: Service::new("a", "1.0").with_node(node),
            timestamp: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
        };
        assert_eq!(
            text_line(&event, "*"),
            "2023-11-14T22:13:20.123Z prod create a 1.0 a-1 10.0.0.1:80"
        );
        assert_eq!(
            text_line(&event, "micro"),
            "2023-11-14T22:13:20.123Z micro create a 1.0 a-1 10.0.0.1:80"
        );
    }
}
