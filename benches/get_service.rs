//! get_service on a warm cache, service with 3 nodes (go-micro-like metadata).
//!
//!   make bench          (or: cargo bench --bench get_service)
//!
//! Target: ≤ 1 µs per lookup. The call is the whole async `get_service`, driven
//! to completion; a warm lookup never waits, so a minimal executor drives it.
//! Each lookup is timed twice: with the answer dropped inside the timing, and
//! with the drop left out (criterion's `iter_with_large_drop`).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use futures::executor::block_on;
use microreg::backend::MemoryRegistry;
use microreg::CachedRegistry;
use microreg::{Client, Config, Node, RegisterOptions, Registry, Service};

fn three_node_service() -> Service {
    let mut service = Service::new("bench.greeter", "1.0.0");
    for i in 0..3 {
        let mut node = Node::new(
            format!("bench.greeter-6f1c2a8e-5d1b-4b7e-9c1a-2f8d6e4b7a9{i}"),
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

fn warm_get_service(c: &mut Criterion) {
    let service = three_node_service();

    let backend = MemoryRegistry::isolated();
    let cache = CachedRegistry::new(Arc::new(backend.clone()));
    microreg::runtime::block_on(backend.register(&service, &RegisterOptions::default()))
        .unwrap()
        .unwrap();
    block_on(cache.get_service("bench.greeter", "micro")).unwrap(); // warm it
    c.bench_function("cache get_service (3 nodes, warm)", |b| {
        b.iter(|| block_on(cache.get_service(black_box("bench.greeter"), "micro")).unwrap())
    });
    // The same call, timing the lookup alone: the caller's later drop of the
    // answer (about a third of the above: ~40 frees) is left out.
    c.bench_function(
        "cache get_service (3 nodes, warm), answer dropped untimed",
        |b| {
            b.iter_with_large_drop(|| {
                block_on(cache.get_service(black_box("bench.greeter"), "micro")).unwrap()
            })
        },
    );

    let client = Client::with_backend(Arc::new(backend.clone()), Config::default());
    block_on(client.get_service("bench.greeter", "micro")).unwrap();
    c.bench_function("Client get_service (3 nodes, warm)", |b| {
        b.iter(|| block_on(client.get_service(black_box("bench.greeter"), "micro")).unwrap())
    });
    c.bench_function(
        "Client get_service (3 nodes, warm), answer dropped untimed",
        |b| {
            b.iter_with_large_drop(|| {
                block_on(client.get_service(black_box("bench.greeter"), "micro")).unwrap()
            })
        },
    );

    // Borrowing instead of copying: what the C, Go and Python faces build on.
    c.bench_function(
        "Client read_cached (3 nodes, warm, borrowed, no copy)",
        |b| {
            b.iter(|| {
                client
                    .read_cached(black_box("bench.greeter"), "micro", |services| {
                        services[0].nodes.len()
                    })
                    .unwrap()
                    .unwrap()
            })
        },
    );

    c.bench_function("memory backend get_service, no cache (3 nodes)", |b| {
        b.iter(|| block_on(backend.get_service(black_box("bench.greeter"), "micro")).unwrap())
    });
}

criterion_group!(benches, warm_get_service);
criterion_main!(benches);
