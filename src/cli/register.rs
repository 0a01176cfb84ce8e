//! `microreg register`: join the registry as a node until interrupted.

use microreg::{Client, Node, Registry, Result, Service, Ttl};

use super::args::{GlobalArgs, RegisterArgs};

pub async fn register(client: &Client, global: &GlobalArgs, args: RegisterArgs) -> Result<()> {
    let id = args
        .id
        .unwrap_or_else(|| format!("{}-{}", args.name, uuid::Uuid::new_v4()));
    let mut node = Node::new(id, args.address);
    node.metadata.extend(args.metadata);
    let service = Service::new(args.name, args.version).with_node(node);
    let interrupted = super::interrupted();
    let mut options = client.register_options(args.ttl.map_or(Ttl::Default, Ttl::from));
    // As given: the wildcard is rejected here, since it is a view, not a home.
    options.domain = global.domain.clone();
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
            options
                .ttl
                .map_or("none".to_string(), |t| humantime::format_duration(t)
                    .to_string())
        );
    }
    interrupted.await;
    client.close().await; // deregisters
    if !global.json {
        println!("deregistered {}", node.id);
    }
    Ok(())
}
