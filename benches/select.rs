//! `Client::select` on a warm cache, a service with 10 nodes (go-micro-like
//! metadata). Part of `make bench-select`, beside the C, Python and Go faces
//! and go-micro's own selector.
//!
//! Target: ≤ 200 ns per selection. The lending form (`select_with`) is what
//! the faces build on; `select` adds the owned answer (the node cloned).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use futures::FutureExt;
use microreg::backend::MemoryRegistry;
use microreg::select::{SelectOptions, Strategy};
use microreg::{BackendConfig, Client, Config, Node, Registry, Service};

const NAME: &str = "bench.greeter";

fn ten_node_service() -> Service {
    let mut service = Service::new(NAME, "1.0.0");
    for i in 0..10 {
        let mut node = Node::new(
            format!("{NAME}-6f1c2a8e-5d1b-4b7e-9c1a-2f8d6e4b7a{i:02}"),
            format!("10.0.0.{i}:8080"),
        );
        for (k, v) in [
            ("broker", "http"),
            ("protocol", "grpc"),
            ("registry", "mdns"),
            ("server", "grpc"),
            ("transport", "grpc"),
        ] {
            node.metadata.insert(k.into(), v.into());
        }
        service.nodes.push(node);
    }
    service
}

fn warm_select(c: &mut Criterion) {
    let backend: Arc<dyn Registry> = Arc::new(MemoryRegistry::isolated());
    let config = Config {
        backend: BackendConfig::Memory,
        ..Config::default()
    };
    let client = Client::with_backend(backend, config);
    microreg::runtime::block_on(client.register(&ten_node_service(), &Default::default()))
        .unwrap()
        .unwrap();
    let random = SelectOptions::new();
    let round_robin = SelectOptions::new().strategy(Strategy::RoundRobin);
    let filtered = SelectOptions::new()
        .strategy(Strategy::RoundRobin)
        .version("^1")
        .unwrap()
        .label("protocol", "grpc");
    // Warm the cache (the first select looks the service up).
    microreg::runtime::block_on(client.select(NAME, &random))
        .unwrap()
        .unwrap();

    let mut group = c.benchmark_group("select (10 nodes, warm)");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (label, options) in [
        ("random", &random),
        ("round_robin", &round_robin),
        ("round_robin + version + label", &filtered),
    ] {
        group.bench_function(format!("Client::select_with {label} (borrowed)"), |b| {
            b.iter(|| {
                client
                    .select_with(black_box(NAME), options, |_, node| node.address.len())
                    .unwrap()
                    .unwrap()
            })
        });
    }
    group.bench_function("Client::select round_robin (owned Selected)", |b| {
        b.iter(|| {
            client
                .select(black_box(NAME), &round_robin)
                .now_or_never()
                .expect("warm: never waits")
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, warm_select);
criterion_main!(benches);
