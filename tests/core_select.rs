//! Node selection (`Client::select`, `Client::mark`) on the memory backend:
//! strategies, filters, marks, and following the registry live.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use microreg::backend::MemoryRegistry;
use microreg::select::{Outcome, SelectOptions, Strategy};
use microreg::{BackendConfig, Client, Config, Endpoint, Error, Node, Registry, Service};

const PATIENCE: Duration = Duration::from_secs(10);

fn config() -> Config {
    Config {
        backend: BackendConfig::Memory,
        ..Config::default()
    }
}

/// Two clients over one private memory registry: one registers, one selects.
fn pair() -> (Client, Client) {
    let backend: Arc<dyn Registry> = Arc::new(MemoryRegistry::isolated());
    (
        Client::with_backend(backend.clone(), config()),
        Client::with_backend(backend, config()),
    )
}

fn node(id: &str, port: u16, labels: &[(&str, &str)]) -> Node {
    let mut node = Node::new(id, format!("10.0.0.1:{port}"));
    for (k, v) in labels {
        node.metadata.insert(k.to_string(), v.to_string());
    }
    node
}

async fn register_nodes(client: &Client, name: &str, version: &str, ids: &[&str]) {
    let mut service = Service::new(name, version);
    for (i, id) in ids.iter().enumerate() {
        service.nodes.push(node(id, 8000 + i as u16, &[]));
    }
    client
        .register(&service, &client.register_options(None))
        .await
        .unwrap();
}

fn ten_ids() -> Vec<String> {
    (0..10).map(|i| format!("svc-{i}")).collect()
}

async fn ten_nodes(client: &Client) -> Vec<String> {
    let ids = ten_ids();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    register_nodes(client, "svc", "1.0.0", &refs).await;
    ids
}

fn round_robin() -> SelectOptions {
    SelectOptions::new().strategy(Strategy::RoundRobin)
}

/// Waits until `select_with` answers from the warm cache (the first select
/// of a name warms it).
async fn warm(client: &Client, name: &str) {
    client.select(name, &SelectOptions::new()).await.unwrap();
    assert!(client
        .select_with(name, &SelectOptions::new(), |_, _| ())
        .is_some());
}

#[test]
fn round_robin_visits_every_node_once_per_cycle_across_8_threads() {
    let client = Client::new(config()).unwrap();
    let name = "rr-8-threads";
    let ids: Vec<String> = (0..10).map(|i| format!("{name}-{i}")).collect();
    microreg::runtime::block_on(async {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        register_nodes(&client, name, "1.0.0", &refs).await;
        warm(&client, name).await;
    })
    .unwrap();
    let cycles_per_thread = 250;
    let picks: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    (0..cycles_per_thread * ids.len())
                        .map(|_| {
                            client
                                .select_with(name, &round_robin(), |_, n| n.id.clone())
                                .expect("warm")
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut counts: HashMap<String, usize> = HashMap::new();
    for id in picks.iter().flatten() {
        *counts.entry(id.clone()).or_default() += 1;
    }
    // 8 threads × 250 cycles: every node exactly 2000 times, none more.
    assert_eq!(counts.len(), ids.len(), "{counts:?}");
    for id in &ids {
        assert_eq!(counts[id], 8 * cycles_per_thread, "{id}: {counts:?}");
    }
}

#[test]
fn round_robin_in_one_thread_is_a_strict_rotation() {
    microreg::runtime::block_on(async {
        let client = Client::new(config()).unwrap();
        let name = "rr-rotation";
        register_nodes(&client, name, "1.0.0", &["rr-a", "rr-b", "rr-c"]).await;
        let mut seen = Vec::new();
        for _ in 0..9 {
            seen.push(client.select(name, &round_robin()).await.unwrap().node.id);
        }
        for cycle in seen.chunks(3) {
            let mut cycle = cycle.to_vec();
            cycle.sort();
            assert_eq!(cycle, ["rr-a", "rr-b", "rr-c"], "{seen:?}");
        }
        // Each cycle repeats the same order.
        assert_eq!(seen[0..3], seen[3..6]);
    })
    .unwrap();
}

#[test]
fn random_is_uniform_within_a_chi_square_bound() {
    let (publisher, client) = pair();
    let ids = microreg::runtime::block_on(async {
        let ids = ten_nodes(&publisher).await;
        warm(&client, "svc").await;
        ids
    })
    .unwrap();
    // The warm path draws on the calling thread's generator: seeded, the
    // test is reproducible.
    fastrand::seed(0x5eed_cafe);
    let picks = 100_000usize;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..picks {
        let id = client
            .select_with("svc", &SelectOptions::new(), |_, n| n.id.clone())
            .expect("warm")
            .unwrap();
        *counts.entry(id).or_default() += 1;
    }
    let expected = picks as f64 / ids.len() as f64;
    let chi_square: f64 = ids
        .iter()
        .map(|id| {
            let observed = *counts.get(id).unwrap_or(&0) as f64;
            (observed - expected).powi(2) / expected
        })
        .sum();
    // 9 degrees of freedom: P(χ² > 27.88) = 0.001 for a uniform choice.
    assert!(chi_square < 27.88, "χ² = {chi_square}: {counts:?}");
    // And it is random, not a rotation: consecutive picks repeat sometimes.
    let mut repeats = 0;
    let mut last = String::new();
    for _ in 0..1000 {
        let id = client
            .select_with("svc", &SelectOptions::new(), |_, n| n.id.clone())
            .unwrap()
            .unwrap();
        repeats += usize::from(id == last);
        last = id;
    }
    assert!(repeats > 0);
}

fn filtered_registry() -> (Client, Client) {
    let (publisher, client) = pair();
    microreg::runtime::block_on(async {
        let hello = Endpoint {
            name: "Greeter.Hello".into(),
            ..Endpoint::default()
        };
        let mut v1 = Service::new("greeter", "1.2.0");
        v1.endpoints.push(hello.clone());
        v1.nodes.push(node("g-1-eu", 1, &[("zone", "eu")]));
        v1.nodes.push(node("g-1-us", 2, &[("zone", "us")]));
        let mut v2 = Service::new("greeter", "2.0.1");
        v2.nodes.push(node("g-2-eu", 3, &[("zone", "eu")]));
        let mut latest = Service::new("greeter", "latest");
        latest.endpoints.push(hello);
        latest.nodes.push(node("g-latest", 4, &[]));
        for service in [v1, v2, latest] {
            publisher
                .register(&service, &publisher.register_options(None))
                .await
                .unwrap();
        }
    })
    .unwrap();
    (publisher, client)
}

/// Every node id a selection can return (round robin, enough turns).
fn reachable(client: &Client, options: SelectOptions) -> Result<Vec<String>, Error> {
    let options = options.strategy(Strategy::RoundRobin);
    let mut ids = Vec::new();
    for _ in 0..20 {
        let selected = microreg::runtime::block_on(client.select("greeter", &options)).unwrap()?;
        ids.push(selected.node.id);
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

#[test]
fn filters_by_version_label_and_endpoint() {
    let (_publisher, client) = filtered_registry();
    let all = reachable(&client, SelectOptions::new()).unwrap();
    assert_eq!(all, ["g-1-eu", "g-1-us", "g-2-eu", "g-latest"]);
    let exact = SelectOptions::new().version("1.2.0").unwrap();
    assert_eq!(reachable(&client, exact).unwrap(), ["g-1-eu", "g-1-us"]);
    let range = SelectOptions::new().version(">=1.0, <3").unwrap();
    assert_eq!(
        reachable(&client, range).unwrap(),
        ["g-1-eu", "g-1-us", "g-2-eu"]
    );
    let caret = SelectOptions::new().version("^2").unwrap();
    assert_eq!(reachable(&client, caret).unwrap(), ["g-2-eu"]);
    let not_semver = SelectOptions::new().version("latest").unwrap();
    assert_eq!(reachable(&client, not_semver).unwrap(), ["g-latest"]);
    let eu = SelectOptions::new().label("zone", "eu");
    assert_eq!(reachable(&client, eu).unwrap(), ["g-1-eu", "g-2-eu"]);
    let hello = SelectOptions::new().endpoint("Greeter.Hello");
    assert_eq!(
        reachable(&client, hello).unwrap(),
        ["g-1-eu", "g-1-us", "g-latest"]
    );
    let all_three = SelectOptions::new()
        .version("^1")
        .unwrap()
        .label("zone", "eu")
        .endpoint("Greeter.Hello");
    assert_eq!(reachable(&client, all_three).unwrap(), ["g-1-eu"]);
    // The selected node comes with its service's version.
    let selected = microreg::runtime::block_on(
        client.select("greeter", &SelectOptions::new().version("^2").unwrap()),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        (selected.service.as_str(), selected.version.as_str()),
        ("greeter", "2.0.1")
    );
    // The lending form has the service's endpoints at hand.
    let endpoints = client
        .select_with(
            "greeter",
            &SelectOptions::new().version("1.2.0").unwrap(),
            |s, _| s.endpoints.len(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(endpoints, 1);
}

#[test]
fn a_filter_that_matches_nothing_is_not_found_with_the_reason() {
    let (_publisher, client) = filtered_registry();
    let options = SelectOptions::new()
        .version("^3")
        .unwrap()
        .label("zone", "eu");
    let error = reachable(&client, options).unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    let message = error.to_string();
    for part in [
        "\"greeter\"",
        "version ^3, label zone=eu",
        "4 nodes",
        "1.2.0, 2.0.1, latest",
    ] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    microreg::runtime::block_on(async {
        let client = Client::new(config()).unwrap();
        let error = client.select("", &SelectOptions::new()).await.unwrap_err();
        assert_eq!(error, Error::invalid("service name is empty"));
        let error = client
            .select("nobody-here", &SelectOptions::new())
            .await
            .unwrap_err();
        assert_eq!(error, Error::NotFound);
        let error = SelectOptions::from_json(Some(r#"{"strategy":"best"}"#)).unwrap_err();
        assert!(error.to_string().contains("unknown selection strategy"));
        let error = client.mark("", Outcome::Failed).unwrap_err();
        assert_eq!(error, Error::invalid("node id is empty"));
        let error = client
            .select("x", &SelectOptions::new().domain("a.b"))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
        // A closed client refuses, warm or cold.
        client.close().await;
        let error = client.select("x", &SelectOptions::new()).await.unwrap_err();
        assert!(matches!(error, Error::InvalidArgument(_)));
        assert!(client.mark("x", Outcome::Ok).is_err());
    })
    .unwrap();
}

#[test]
fn a_failed_node_is_skipped_until_it_is_the_only_one_left_and_success_clears_it() {
    let (publisher, client) = pair();
    microreg::runtime::block_on(async {
        register_nodes(&publisher, "svc", "1.0.0", &["a", "b", "c"]).await;
        warm(&client, "svc").await;
    })
    .unwrap();
    let pick = |options: &SelectOptions| {
        client
            .select_with("svc", options, |_, n| n.id.clone())
            .unwrap()
            .unwrap()
    };
    client.mark("b", Outcome::Failed).unwrap();
    for strategy in [
        Strategy::Random,
        Strategy::RoundRobin,
        Strategy::LeastFailed,
    ] {
        let options = SelectOptions::new().strategy(strategy);
        for _ in 0..50 {
            assert_ne!(pick(&options), "b", "{strategy:?}");
        }
    }
    // All failed: the one whose backoff ends first (a: one failure) is used.
    client.mark("c", Outcome::Failed).unwrap();
    client.mark("c", Outcome::Failed).unwrap();
    client.mark("a", Outcome::Failed).unwrap();
    for _ in 0..10 {
        assert_eq!(pick(&round_robin()), "b", "b's 1 s backoff ends before a's");
    }
    // A success clears the mark at once.
    client.mark("c", Outcome::Ok).unwrap();
    for _ in 0..10 {
        assert_eq!(pick(&round_robin()), "c");
    }
    client.reset_selection();
    let mut seen: Vec<String> = (0..3).map(|_| pick(&round_robin())).collect();
    seen.sort();
    assert_eq!(seen, ["a", "b", "c"]);
}

#[test]
fn least_failed_prefers_the_nodes_with_fewer_failures() {
    // Failed nodes back off; once healthy again, fewer failures come first.
    let (publisher, client) = pair();
    microreg::runtime::block_on(async {
        register_nodes(&publisher, "svc", "1.0.0", &["a", "b", "c"]).await;
        warm(&client, "svc").await;
    })
    .unwrap();
    let least_failed = SelectOptions::new().strategy(Strategy::LeastFailed);
    let pick = || {
        client
            .select_with("svc", &least_failed, |_, n| n.id.clone())
            .unwrap()
            .unwrap()
    };
    client.mark("a", Outcome::Failed).unwrap();
    client.mark("b", Outcome::Failed).unwrap();
    for _ in 0..10 {
        assert_eq!(pick(), "c");
    }
    client.mark("a", Outcome::Ok).unwrap();
    let mut seen: Vec<String> = (0..4).map(|_| pick()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen, ["a", "c"], "ties are taken in turn");
}

#[test]
fn selection_follows_the_registry_live() {
    let (publisher, client) = pair();
    microreg::runtime::block_on(async {
        register_nodes(&publisher, "svc", "1.0.0", &["a", "b", "c"]).await;
        warm(&client, "svc").await;
        client.mark("b", Outcome::Failed).unwrap();
        let gone = Service::new("svc", "1.0.0").with_node(node("b", 8001, &[]));
        publisher.deregister(&gone, "micro").await.unwrap();
        // Once the delete event is applied (the cache no longer has b), b is
        // never selected again.
        let deadline = Instant::now() + PATIENCE;
        while client
            .read_cached("svc", "micro", |s| s[0].nodes.iter().any(|n| n.id == "b"))
            .unwrap()
            .unwrap()
        {
            assert!(Instant::now() < deadline, "delete event never applied");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for _ in 0..1000 {
            let id = client.select("svc", &round_robin()).await.unwrap().node.id;
            assert_ne!(id, "b");
        }
        // A new node enters the rotation.
        register_nodes(&publisher, "svc", "1.0.0", &["d"]).await;
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut seen: Vec<String> = Vec::new();
            for _ in 0..3 {
                seen.push(client.select("svc", &round_robin()).await.unwrap().node.id);
            }
            seen.sort();
            if seen == ["a", "c", "d"] {
                break;
            }
            assert!(Instant::now() < deadline, "d never selected: {seen:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // The last node gone: NotFound.
        let all = Service::new("svc", "1.0.0")
            .with_node(node("a", 8000, &[]))
            .with_node(node("c", 8002, &[]))
            .with_node(node("d", 8000, &[]));
        publisher.deregister(&all, "micro").await.unwrap();
        let deadline = Instant::now() + PATIENCE;
        loop {
            match client.select("svc", &round_robin()).await {
                Err(Error::NotFound) => break,
                Ok(_) => assert!(Instant::now() < deadline, "nodes never left"),
                Err(other) => panic!("{other:?}"),
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .unwrap();
}

#[test]
fn without_the_cache_select_asks_the_backend() {
    let backend: Arc<dyn Registry> = Arc::new(MemoryRegistry::isolated());
    let uncached = Client::with_backend(
        backend,
        Config {
            cache: false,
            ..config()
        },
    );
    microreg::runtime::block_on(async {
        register_nodes(&uncached, "svc", "1.0.0", &["a"]).await;
        // No warm path without a cache...
        assert!(uncached
            .select_with("svc", &SelectOptions::new(), |_, _| ())
            .is_none());
        // ...but select works, and marks still apply.
        let selected = uncached.select("svc", &SelectOptions::new()).await.unwrap();
        assert_eq!(selected.node.id, "a");
        uncached.mark("a", Outcome::Failed).unwrap();
        let selected = uncached.select("svc", &SelectOptions::new()).await.unwrap();
        assert_eq!(selected.node.id, "a", "the only node left");
    })
    .unwrap();
}

#[test]
fn select_json_lends_the_node_json_and_follows_changes() {
    let (publisher, client) = pair();
    microreg::runtime::block_on(async {
        register_nodes(&publisher, "svc", "1.0.0", &["a"]).await;
        warm(&client, "svc").await;
        let json = |client: &Client| {
            client
                .select_json("svc", &SelectOptions::new(), str::to_string)
                .unwrap()
                .unwrap()
        };
        assert_eq!(
            json(&client),
            r#"{"id":"a","address":"10.0.0.1:8000","metadata":null}"#
        );
        // The node changes: the next answer is the new node's JSON.
        let changed = Service::new("svc", "1.0.0").with_node(node("a", 9000, &[("k", "v")]));
        publisher
            .register(&changed, &publisher.register_options(None))
            .await
            .unwrap();
        let wanted = r#"{"id":"a","address":"10.0.0.1:9000","metadata":{"k":"v"}}"#;
        let deadline = Instant::now() + PATIENCE;
        while json(&client) != wanted {
            assert!(Instant::now() < deadline, "still {}", json(&client));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .unwrap();
}

#[test]
fn round_robin_covers_a_service_with_many_nodes() {
    let (publisher, client) = pair();
    let ids: Vec<String> = (0..50).map(|i| format!("many-{i:02}")).collect();
    microreg::runtime::block_on(async {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        register_nodes(&publisher, "svc", "1.0.0", &refs).await;
        warm(&client, "svc").await;
    })
    .unwrap();
    for _ in 0..3 {
        let mut cycle: Vec<String> = (0..50)
            .map(|_| {
                client
                    .select_with("svc", &round_robin(), |_, n| n.id.clone())
                    .unwrap()
                    .unwrap()
            })
            .collect();
        cycle.sort();
        assert_eq!(cycle, ids);
    }
}
