//! go-micro's environment conventions, read by the core for every face, so a
//! Python, C++ or Go service deployed beside go-micro services with the same
//! environment joins the same registry:
//!
//! - `MICRO_REGISTRY=etcd|mdns|memory` chooses the backend when the program
//!   names none;
//! - `MICRO_REGISTRY_ADDRESS=host:port,...` gives etcd's members when the
//!   program gives none. The mdns and memory backends have no address, and
//!   ignore it, as go-micro's mdns registry ignores `registry.Addrs`;
//! - `ETCD_USERNAME` / `ETCD_PASSWORD` give etcd's credentials when the program
//!   gives none.
//!
//! Precedence: an option the program gives > the environment > the default.
//! Empty variables count as unset.

/// Names the backend when the program does not.
pub const MICRO_REGISTRY: &str = "MICRO_REGISTRY";
/// Comma-separated `host:port` of the registry's members (etcd).
pub const MICRO_REGISTRY_ADDRESS: &str = "MICRO_REGISTRY_ADDRESS";
/// etcd user name.
pub const ETCD_USERNAME: &str = "ETCD_USERNAME";
/// etcd password.
pub const ETCD_PASSWORD: &str = "ETCD_PASSWORD";

/// A snapshot of the variables above.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// `MICRO_REGISTRY`.
    pub registry: Option<String>,
    /// `MICRO_REGISTRY_ADDRESS`, split at commas, blanks dropped.
    pub registry_address: Vec<String>,
    /// `ETCD_USERNAME`.
    pub etcd_username: Option<String>,
    /// `ETCD_PASSWORD`.
    pub etcd_password: Option<String>,
}

impl Environment {
    /// The variables of this process.
    pub fn from_process() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// No variables at all: only the program's options and the defaults count.
    pub fn none() -> Self {
        Self::default()
    }

    /// The variables as `lookup` reports them (for tests and embedders).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Environment {
            registry: get(MICRO_REGISTRY).map(|v| v.trim().to_string()),
            registry_address: get(MICRO_REGISTRY_ADDRESS)
                .map(|v| split_list(&v))
                .unwrap_or_default(),
            etcd_username: get(ETCD_USERNAME),
            etcd_password: get(ETCD_PASSWORD),
        }
    }
}

/// `"a:1, b:2,"` → `["a:1", "b:2"]`, as go-micro's `--registry_address` is split.
pub fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_splits_the_variables() {
        let env = Environment::from_lookup(|name| match name {
            MICRO_REGISTRY => Some(" etcd ".into()),
            MICRO_REGISTRY_ADDRESS => Some("10.0.0.1:2379, 10.0.0.2:2379,".into()),
            ETCD_USERNAME => Some("".into()),
            ETCD_PASSWORD => Some("secret".into()),
            _ => None,
        });
        assert_eq!(env.registry.as_deref(), Some("etcd"));
        assert_eq!(env.registry_address, ["10.0.0.1:2379", "10.0.0.2:2379"]);
        assert_eq!(env.etcd_username, None, "an empty variable is unset");
        assert_eq!(env.etcd_password.as_deref(), Some("secret"));
    }
}
