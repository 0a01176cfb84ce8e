//! `microreg register`: join the registry as a node until interrupted.

use microreg::{Client, Node, RegisterOptions, Registry, Result, Service};

use super::args::{GlobalArgs, RegisterArgs};

pub async fn register(client: &Client, global: &GlobalArgs, args: RegisterArgs) -> Result<()> {
    let id = args
        .id
        .unwrap_or_else(|| format!("{}-{}", args.name, uuid::Uuid::new_v4()));
    let mut node = Node::new(id, args.address);
    node.metadata.extend(args.metadata);
    let service = Service::new(args.name, args.version).with_node(node);
    let options = RegisterOptions {
        ttl: Some(args.ttl),
        // As given: the wildcard is rejected here, since it is a view, not a home.
        domain: global.domain.clone(),
    };
    // Listening before the node is announced: a SIGTERM right after the
    // "registered" line must still deregister, not kill the process.
    let mut interrupts = super::Interrupts::new();
    client.register(&service, &options).await?;

    let node = &service.nodes[0];
    if global.json {
        println!("{}", service.to_json());
    } else {
        println!(
            "registered {} {} as {} at {} in domain {} (ttl {}); Ctrl-C to deregister",
            service.name,
            service.version,
            node.id,
            node.address,
            options.domain,
            humantime::format_duration(args.ttl)
        );
    }
    interrupts.recv().await;
    client.close().await; // deregisters
    if !global.json {
        println!("deregistered {}", node.id);
    }
    Ok(())
}
