//! The one-shot commands: list, get.

use microreg::{Client, Registry, Result, Service};

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

pub fn print_json_lines(services: &[Service]) {
    for service in services {
        println!("{}", service.to_json());
    }
}
