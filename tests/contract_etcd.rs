//! The backend contract (tests/contract) on the etcd backend, against the etcd
//! server named by `MICROREG_TEST_ETCD` (host:port, on 127.0.0.1). Run it with
//! a throwaway server:
//!
//!     tests/etcd/with-etcd cargo test --test contract_etcd -- --include-ignored
//!
//! Without `MICROREG_TEST_ETCD` each test fails saying so, unless
//! `MICROREG_SKIP_ETCD=1`. Ignored by a plain `cargo test` until the etcd
//! server is part of `make test`.

mod contract;

use std::sync::Arc;

use microreg::backend::etcd::EtcdConfig;
use microreg::{BackendConfig, Config, Registry};

struct Etcd(Config);

impl contract::Backend for Etcd {
    fn handle(&self) -> Arc<dyn Registry> {
        microreg::backend::open(&self.0).expect("the etcd backend opens")
    }
}

fn etcd() -> Option<Etcd> {
    match std::env::var("MICROREG_TEST_ETCD") {
        Ok(endpoint) if !endpoint.trim().is_empty() => Some(Etcd(Config::with_backend(
            BackendConfig::Etcd(EtcdConfig {
                addresses: microreg::environment::split_list(&endpoint),
                ..EtcdConfig::default()
            }),
        ))),
        _ if std::env::var("MICROREG_SKIP_ETCD").as_deref() == Ok("1") => {
            eprintln!("skipped: MICROREG_SKIP_ETCD=1");
            None
        }
        _ => panic!(
            "MICROREG_TEST_ETCD is not set: run the etcd contract against a throwaway \
             server with `tests/etcd/with-etcd cargo test --test contract_etcd -- \
             --include-ignored` (or set MICROREG_TEST_ETCD=127.0.0.1:PORT; \
             MICROREG_SKIP_ETCD=1 skips it)"
        ),
    }
}

contract_tests!(
    etcd(),
    #[ignore = "needs an etcd server: tests/etcd/with-etcd cargo test --test contract_etcd -- --include-ignored"]
);
