//! How a registry is built: the settings every backend shares ([`Config`]) and
//! the chosen backend's own ([`BackendConfig`], one variant per backend, each
//! with its own struct).
//!
//! Every face hands the core one FLAT JSON object (C, Go, the go-micro adapter,
//! Python keywords, CLI flags), for example
//! `{"backend":"etcd","addresses":["127.0.0.1:2379"],"username":"u","domain":"micro"}`
//! or `{"backend":"mdns","interfaces":["eth1"]}`. The core takes the common keys
//! ([`COMMON_KEYS`]) and routes every other key to the chosen backend's struct,
//! so a field added to a backend's struct is reachable from every face at once.
//! A key that the chosen backend does not know is an error naming the backend
//! and its keys. What the program leaves out comes from go-micro's environment
//! variables ([`crate::environment`]), then from [`crate::defaults`].

use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::backend::etcd::EtcdConfig;
use crate::backend::mdns::MdnsConfig;
use crate::defaults::{
    DEFAULT_BACKEND, DEFAULT_CACHE_TTL, DEFAULT_DOMAIN, DEFAULT_REGISTER_TTL, DEFAULT_TIMEOUT,
};
use crate::environment::{self, Environment};
use crate::error::{Error, Result};
use crate::registry::validate_domain;

/// Which backend holds the registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// In this process only; every handle of the process shares it.
    Memory,
    /// The LAN, with no server: go-micro's mDNS dialect and standard DNS-SD.
    Mdns,
    /// An etcd cluster, in go-micro's etcd key layout.
    Etcd,
}

impl Default for BackendKind {
    fn default() -> Self {
        DEFAULT_BACKEND
    }
}

impl BackendKind {
    /// Every backend, in the order errors list them.
    pub const ALL: [BackendKind; 3] = [BackendKind::Memory, BackendKind::Mdns, BackendKind::Etcd];

    /// The name used in configuration, on the command line and in `MICRO_REGISTRY`.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Memory => "memory",
            BackendKind::Mdns => "mdns",
            BackendKind::Etcd => "etcd",
        }
    }
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BackendKind {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        BackendKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown backend {name:?}; choose memory, mdns or etcd"
                ))
            })
    }
}

/// The chosen backend with its own settings (hickory-dns's per-store config
/// shape): a new backend is a new variant with its own struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendConfig {
    /// In this process; no settings.
    Memory,
    /// The LAN.
    Mdns(MdnsConfig),
    /// An etcd cluster.
    Etcd(EtcdConfig),
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig::defaults_of(DEFAULT_BACKEND)
    }
}

impl BackendConfig {
    /// `kind` with its default settings.
    pub fn defaults_of(kind: BackendKind) -> Self {
        match kind {
            BackendKind::Memory => BackendConfig::Memory,
            BackendKind::Mdns => BackendConfig::Mdns(MdnsConfig::default()),
            BackendKind::Etcd => BackendConfig::Etcd(EtcdConfig::default()),
        }
    }

    /// Which backend this is.
    pub fn kind(&self) -> BackendKind {
        match self {
            BackendConfig::Memory => BackendKind::Memory,
            BackendConfig::Mdns(_) => BackendKind::Mdns,
            BackendConfig::Etcd(_) => BackendKind::Etcd,
        }
    }

    /// Builds `kind`'s settings from the keys meant for it; a key it does not
    /// know is an error that names the backend and its keys.
    fn from_options(kind: BackendKind, options: Map<String, Value>) -> Result<Self> {
        fn parse<T: serde::de::DeserializeOwned>(
            kind: BackendKind,
            options: Map<String, Value>,
        ) -> Result<T> {
            serde_json::from_value(Value::Object(options)).map_err(|e| {
                Error::invalid(format!(
                    "registry config: {e} (options of the {kind} backend; every backend also takes {})",
                    COMMON_KEYS.join(", ")
                ))
            })
        }
        Ok(match kind {
            BackendKind::Memory => {
                if let Some(key) = options.keys().next() {
                    return Err(Error::invalid(format!(
                        "registry config: unknown field `{key}`: the memory backend has no options \
                         (every backend takes {})",
                        COMMON_KEYS.join(", ")
                    )));
                }
                BackendConfig::Memory
            }
            BackendKind::Mdns => BackendConfig::Mdns(parse(kind, options)?),
            BackendKind::Etcd => BackendConfig::Etcd(parse(kind, options)?),
        })
    }

    /// The backend's own keys, as JSON.
    fn options(&self) -> Map<String, Value> {
        let value = match self {
            BackendConfig::Memory => return Map::new(),
            BackendConfig::Mdns(mdns) => serde_json::to_value(mdns),
            BackendConfig::Etcd(etcd) => serde_json::to_value(etcd),
        };
        match value {
            Ok(Value::Object(map)) => map,
            _ => unreachable!("backend configs are structs"),
        }
    }

    /// Fills what the program left out from go-micro's environment.
    /// `given` lists the keys the program gave.
    fn apply_environment(&mut self, given: &Map<String, Value>, env: &Environment) {
        // mdns and memory have no address: MICRO_REGISTRY_ADDRESS is for etcd
        // (go-micro's mdns registry ignores registry.Addrs too).
        if let BackendConfig::Etcd(etcd) = self {
            if !given_non_empty(given, "addresses") {
                etcd.addresses = if env.registry_address.is_empty() {
                    EtcdConfig::default().addresses
                } else {
                    env.registry_address.clone()
                };
            }
            if !given.contains_key("username") && etcd.username.is_none() {
                etcd.username = env.etcd_username.clone();
            }
            if !given.contains_key("password") && etcd.password.is_none() {
                etcd.password = env.etcd_password.clone();
            }
        }
    }

    /// Checks the backend's own settings.
    pub fn validate(&self) -> Result<()> {
        match self {
            BackendConfig::Memory => Ok(()),
            BackendConfig::Mdns(mdns) => mdns.validate(),
            BackendConfig::Etcd(etcd) => etcd.validate(),
        }
    }
}

/// The backend the program names in `options`, else `MICRO_REGISTRY`, else the default.
fn chosen_backend(options: &Map<String, Value>, env: &Environment) -> Result<BackendKind> {
    match options.get("backend") {
        None | Some(Value::Null) => match &env.registry {
            Some(name) => name.parse().map_err(|_| {
                Error::invalid(format!(
                    "{}={name:?} names no backend; choose memory, mdns or etcd",
                    environment::MICRO_REGISTRY
                ))
            }),
            None => Ok(DEFAULT_BACKEND),
        },
        Some(Value::String(name)) => name.parse(),
        Some(other) => Err(Error::invalid(format!(
            "registry config: backend must be a string (memory, mdns or etcd), not {other}"
        ))),
    }
}

/// `text` as the JSON type of `shape` (a field's default value); text when the
/// field is unknown or has no value by default.
fn typed_like(shape: Option<&Value>, text: &str) -> std::result::Result<Value, String> {
    let wrong = |what: &str| format!("{text:?} is not {what}");
    Ok(match shape {
        Some(Value::Number(_)) => Value::from(
            text.trim()
                .parse::<u64>()
                .map_err(|_| wrong("a whole number"))?,
        ),
        Some(Value::Bool(_)) => match text.trim() {
            "true" | "yes" | "on" | "1" => Value::Bool(true),
            "false" | "no" | "off" | "0" => Value::Bool(false),
            _ => return Err(wrong("true or false")),
        },
        Some(Value::Array(_)) => Value::Array(
            crate::environment::split_list(text)
                .into_iter()
                .map(Value::String)
                .collect(),
        ),
        _ => Value::String(text.to_string()),
    })
}

/// An explicitly empty list counts as not given (faces may always send one).
fn given_non_empty(given: &Map<String, Value>, key: &str) -> bool {
    match given.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Array(items)) => !items.is_empty(),
        Some(_) => true,
    }
}

/// The keys every backend takes; any other key belongs to the chosen backend.
pub const COMMON_KEYS: [&str; 6] = [
    "backend",
    "domain",
    "timeout_ms",
    "cache",
    "cache_ttl_ms",
    "register_ttl_ms",
];

/// Everything needed to build a registry: the settings shared by every backend
/// and the chosen backend's own.
///
/// Every face hands the core the same flat JSON object: the common keys
/// (`backend`, `domain`, `timeout_ms`, `cache`, `cache_ttl_ms`,
/// `register_ttl_ms`) and any key of the chosen backend. What it leaves out
/// comes from go-micro's environment ([`Config::from_json`]), then the
/// [defaults](crate::defaults).
///
/// ```
/// use std::time::Duration;
/// use microreg::{BackendConfig, BackendKind, Config};
///
/// let config = Config::default(); // the built-in defaults, no environment
/// assert_eq!((config.kind(), config.domain.as_str()), (BackendKind::Mdns, "micro"));
/// assert_eq!(config.register_ttl(), Some(Duration::from_secs(90)));
///
/// let etcd = Config::from_json(Some(
///     r#"{"backend":"etcd","addresses":["10.0.0.1:2379"],"domain":"shop","register_ttl_ms":0}"#,
/// ))?;
/// assert_eq!(etcd.domain, "shop");
/// assert_eq!(etcd.register_ttl(), None); // 0: registrations never expire
/// let BackendConfig::Etcd(settings) = &etcd.backend else { unreachable!() };
/// assert_eq!(settings.addresses, ["10.0.0.1:2379"]);
///
/// // A key the chosen backend does not take is an error naming its keys.
/// let error = Config::from_json(Some(r#"{"backend":"memory","interfaces":["eth0"]}"#));
/// assert!(error.unwrap_err().to_string().contains("interfaces"));
/// # Ok::<(), microreg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The domain used when a call names none.
    pub domain: String,
    /// Time limit of one backend operation, in milliseconds.
    pub timeout_ms: u64,
    /// Answer lookups from the watch-fed cache.
    pub cache: bool,
    /// How long the cache trusts an entry that no live watch keeps current (ms).
    pub cache_ttl_ms: u64,
    /// The TTL of a registration that names none (ms); `None` keeps such
    /// registrations until they are deregistered. JSON: `0` or `null` for none.
    pub register_ttl_ms: Option<u64>,
    /// Which backend, with its own settings.
    pub backend: BackendConfig,
}

impl Default for Config {
    /// The built-in defaults ([`crate::defaults`]), without the environment;
    /// [`Config::from_env`] is what a program that chooses nothing gets.
    fn default() -> Self {
        Config {
            domain: DEFAULT_DOMAIN.to_string(),
            timeout_ms: DEFAULT_TIMEOUT.as_millis() as u64,
            cache: true,
            cache_ttl_ms: DEFAULT_CACHE_TTL.as_millis() as u64,
            register_ttl_ms: Some(DEFAULT_REGISTER_TTL.as_millis() as u64),
            backend: BackendConfig::default(),
        }
    }
}

/// The common keys as JSON reads them; every one optional.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CommonJson {
    domain: Option<String>,
    timeout_ms: Option<u64>,
    cache: Option<bool>,
    cache_ttl_ms: Option<u64>,
    #[serde(deserialize_with = "given_or_null")]
    register_ttl_ms: Option<Option<u64>>,
}

/// Tells `null` (given, none) from a missing key (not given).
fn given_or_null<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(d).map(Some)
}

impl Config {
    /// The built-in defaults with `backend` (and its default settings).
    pub fn with_backend(backend: BackendConfig) -> Self {
        Config {
            backend,
            ..Config::default()
        }
    }

    /// The in-process memory backend, defaults otherwise.
    pub fn memory() -> Self {
        Self::with_backend(BackendConfig::Memory)
    }

    /// What a program that chooses nothing gets: the defaults, with go-micro's
    /// environment variables applied (`MICRO_REGISTRY`, `MICRO_REGISTRY_ADDRESS`,
    /// `ETCD_USERNAME`, `ETCD_PASSWORD`).
    pub fn from_env() -> Result<Self> {
        Self::from_options(Map::new(), &Environment::from_process())
    }

    /// Parses a flat JSON object (see the module docs); `None`, `""` and `"{}"`
    /// give [`Config::from_env`]. What the object leaves out comes from the
    /// environment, then the defaults.
    pub fn from_json(json: Option<&str>) -> Result<Self> {
        Self::from_json_with(json, &Environment::from_process())
    }

    /// [`Config::from_json`] against the given environment.
    pub fn from_json_with(json: Option<&str>, env: &Environment) -> Result<Self> {
        let options: Map<String, Value> = match json.map(str::trim) {
            None | Some("") => Map::new(),
            Some(text) => crate::model::object_from_json(text, "registry config")?,
        };
        Self::from_options(options, env)
    }

    /// The one place a configuration is resolved: the program's `options` (a flat
    /// object), else the environment, else the defaults; then validated.
    pub fn from_options(mut options: Map<String, Value>, env: &Environment) -> Result<Self> {
        let kind = chosen_backend(&options, env)?;
        options.remove("backend");
        let mut common = Map::new();
        for key in COMMON_KEYS {
            if let Some(value) = options.remove(key) {
                common.insert(key.to_string(), value);
            }
        }
        let common: CommonJson = serde_json::from_value(Value::Object(common))
            .map_err(|e| Error::invalid(format!("registry config: {e}")))?;
        let given = options.clone();
        let mut backend = BackendConfig::from_options(kind, options)?;
        backend.apply_environment(&given, env);

        let defaults = Config::default();
        let config = Config {
            domain: common.domain.unwrap_or(defaults.domain),
            timeout_ms: common.timeout_ms.unwrap_or(defaults.timeout_ms),
            cache: common.cache.unwrap_or(defaults.cache),
            cache_ttl_ms: common.cache_ttl_ms.unwrap_or(defaults.cache_ttl_ms),
            register_ttl_ms: match common.register_ttl_ms {
                None => defaults.register_ttl_ms,
                Some(ttl) => ttl.filter(|&ms| ms > 0),
            },
            backend,
        };
        config.validate()?;
        Ok(config)
    }

    /// For command lines: `options` as in [`Config::from_options`], plus
    /// `key=value` pairs given as text (`--backend-option`), each typed after
    /// the chosen backend's field of that name (`dial_timeout_ms=3000` is a
    /// number, `gomicro=false` a boolean, `interfaces=eth0,eth1` a list, anything
    /// else a string). A key given both ways is an error.
    pub fn from_options_and_text(
        mut options: Map<String, Value>,
        text: &[(String, String)],
        env: &Environment,
    ) -> Result<Self> {
        let kind = chosen_backend(&options, env)?;
        let shapes = Config::with_backend(BackendConfig::defaults_of(kind)).to_map();
        for (key, value) in text {
            if options.contains_key(key) {
                return Err(Error::invalid(format!(
                    "registry option `{key}` is given twice"
                )));
            }
            let value = typed_like(shapes.get(key), value)
                .map_err(|e| Error::invalid(format!("registry option `{key}`: {e}")))?;
            options.insert(key.clone(), value);
        }
        Self::from_options(options, env)
    }

    /// Checks values that JSON types alone do not.
    pub fn validate(&self) -> Result<()> {
        validate_domain(&self.domain, false)?;
        if self.timeout_ms == 0 {
            return Err(Error::invalid("timeout_ms must be above zero"));
        }
        if self.register_ttl_ms == Some(0) {
            return Err(Error::invalid(
                "register_ttl_ms must be above zero; null means no TTL",
            ));
        }
        self.backend.validate()
    }

    /// Which backend.
    pub fn kind(&self) -> BackendKind {
        self.backend.kind()
    }

    /// The backend operation time limit.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// The TTL of a registration that names none; `None` = no TTL.
    pub fn register_ttl(&self) -> Option<Duration> {
        self.register_ttl_ms.map(Duration::from_millis)
    }

    /// The flat JSON object (the same shape [`Config::from_json`] reads).
    pub fn to_json(&self) -> String {
        Value::Object(self.to_map()).to_string()
    }

    /// [`Config::to_json`] with secrets (the etcd password) replaced by `"***"`:
    /// what a face shows as "the configuration in use".
    pub fn to_json_redacted(&self) -> String {
        let mut map = self.to_map();
        if let Some(password) = map.get_mut("password") {
            if !password.is_null() {
                *password = Value::String("***".to_string());
            }
        }
        Value::Object(map).to_string()
    }

    fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("backend".into(), self.kind().as_str().into());
        map.insert("domain".into(), self.domain.clone().into());
        map.insert("timeout_ms".into(), self.timeout_ms.into());
        map.insert("cache".into(), self.cache.into());
        map.insert("cache_ttl_ms".into(), self.cache_ttl_ms.into());
        map.insert("register_ttl_ms".into(), self.register_ttl_ms.into());
        map.extend(self.backend.options());
        map
    }
}

impl Serialize for Config {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

/// Reads the flat object without the environment (deserializing is pure; use
/// [`Config::from_json`] for what a program gets).
impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let options = Map::deserialize(d)?;
        Config::from_options(options, &Environment::none()).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Config> {
        Config::from_json_with(Some(json), &Environment::none())
    }

    fn env(pairs: &[(&str, &str)]) -> Environment {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Environment::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    fn etcd(config: &Config) -> &EtcdConfig {
        match &config.backend {
            BackendConfig::Etcd(etcd) => etcd,
            other => panic!("not etcd: {other:?}"),
        }
    }

    #[test]
    fn nothing_given_is_the_defaults() {
        for json in ["", "  ", "{}"] {
            let config = Config::from_json_with(Some(json), &Environment::none()).unwrap();
            assert_eq!(config, Config::default());
        }
        let config = Config::default();
        assert_eq!(config.kind(), BackendKind::Mdns);
        assert_eq!(config.domain, "micro");
        assert_eq!(config.register_ttl(), Some(Duration::from_secs(90)));
        assert_eq!(config.backend, BackendConfig::Mdns(MdnsConfig::default()));
    }

    #[test]
    fn flat_keys_go_to_the_chosen_backend() {
        let config = parse(
            r#"{"backend":"etcd","addresses":["127.0.0.1:2379"],"username":"u","password":"p","domain":"shop"}"#,
        )
        .unwrap();
        assert_eq!(config.domain, "shop");
        let etcd = etcd(&config);
        assert_eq!(etcd.addresses, ["127.0.0.1:2379"]);
        assert_eq!(
            (etcd.username.as_deref(), etcd.password.as_deref()),
            (Some("u"), Some("p"))
        );
        assert_eq!(etcd.prefix, EtcdConfig::default().prefix);

        let config = parse(r#"{"backend":"mdns","interfaces":["eth1"],"gomicro":false}"#).unwrap();
        assert_eq!(
            config.backend,
            BackendConfig::Mdns(MdnsConfig {
                interfaces: vec!["eth1".into()],
                gomicro: false,
                dnssd: true,
                ..MdnsConfig::default()
            })
        );
        assert_eq!(
            parse(r#"{"backend":"etcd"}"#).unwrap().backend,
            BackendConfig::Etcd(EtcdConfig::default())
        );
    }

    #[test]
    fn the_names_faces_used_before_still_work() {
        let config =
            parse(r#"{"mdns_gomicro":false,"mdns_dnssd":true,"interfaces":["lo"]}"#).unwrap();
        let BackendConfig::Mdns(mdns) = config.backend else {
            panic!("mdns is the default")
        };
        assert!(!mdns.gomicro && mdns.dnssd);
        let config = parse(
            r#"{"backend":"memory","domain":"x","timeout_ms":10,"cache":false,"cache_ttl_ms":5}"#,
        )
        .unwrap();
        assert_eq!(config.backend, BackendConfig::Memory);
        assert_eq!(
            (config.timeout_ms, config.cache, config.cache_ttl_ms),
            (10, false, 5)
        );
    }

    #[test]
    fn a_key_of_another_backend_is_an_error_naming_the_backend_and_its_keys() {
        let error = parse(r#"{"backend":"etcd","interfaces":["eth0"]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`interfaces`") && error.contains("etcd backend"),
            "{error}"
        );
        assert!(
            error.contains("`addresses`") && error.contains("domain"),
            "{error}"
        );
        let error = parse(r#"{"backend":"mdns","addresses":["a:1"]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`addresses`") && error.contains("mdns backend"),
            "{error}"
        );
        assert!(error.contains("`interfaces`"), "{error}");
        let error = parse(r#"{"backend":"memory","interfaces":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("memory backend has no options"), "{error}");
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            r#"{"backend":"zookeeper"}"#,
            r#"{"backend":5}"#,
            r#"{"domain":""}"#,
            r#"{"domain":"*"}"#,
            r#"{"timeout_ms":0}"#,
            r#"{"timeout_ms":"5s"}"#,
            r#"{"register_ttl_ms":-1}"#,
            r#"{"gomicro":false,"dnssd":false}"#,
            r#"{"backend":"etcd","tls_cert":"c.pem"}"#,
            r#"{"backend":"etcd","dial_timeout_ms":0}"#,
            r#"{"backend":"etcd","addresses":[""]}"#,
            "[]",
            "null",
            "{",
        ] {
            assert!(
                matches!(parse(bad), Err(Error::InvalidArgument(_))),
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn register_ttl_zero_or_null_is_none() {
        assert_eq!(
            parse(r#"{"register_ttl_ms":0}"#).unwrap().register_ttl(),
            None
        );
        assert_eq!(
            parse(r#"{"register_ttl_ms":null}"#).unwrap().register_ttl(),
            None
        );
        assert_eq!(
            parse(r#"{"register_ttl_ms":1500}"#).unwrap().register_ttl(),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn the_environment_chooses_what_the_program_does_not() {
        let env = env(&[
            ("MICRO_REGISTRY", "etcd"),
            ("MICRO_REGISTRY_ADDRESS", "10.0.0.1:2379,10.0.0.2:2379"),
            ("ETCD_USERNAME", "envuser"),
            ("ETCD_PASSWORD", "envpass"),
        ]);
        let config = Config::from_json_with(None, &env).unwrap();
        let etcd_config = etcd(&config);
        assert_eq!(etcd_config.addresses, ["10.0.0.1:2379", "10.0.0.2:2379"]);
        assert_eq!(etcd_config.username.as_deref(), Some("envuser"));
        assert_eq!(etcd_config.password.as_deref(), Some("envpass"));

        // The program's options win, field by field.
        let config = Config::from_json_with(
            Some(r#"{"addresses":["127.0.0.1:1"],"username":"me","password":"pw"}"#),
            &env,
        )
        .unwrap();
        let etcd_config = etcd(&config);
        assert_eq!(etcd_config.addresses, ["127.0.0.1:1"]);
        assert_eq!(etcd_config.username.as_deref(), Some("me"));
        assert_eq!(etcd_config.password.as_deref(), Some("pw"));
        // An empty list is no choice: the environment's, else the default.
        let config = Config::from_json_with(Some(r#"{"addresses":[]}"#), &env).unwrap();
        assert_eq!(etcd(&config).addresses.len(), 2);
        let config = parse(r#"{"backend":"etcd","addresses":[]}"#).unwrap();
        assert_eq!(etcd(&config).addresses, EtcdConfig::default().addresses);

        // The program's backend wins over MICRO_REGISTRY; mdns ignores the address.
        let config = Config::from_json_with(Some(r#"{"backend":"mdns"}"#), &env).unwrap();
        assert_eq!(config.kind(), BackendKind::Mdns);
        let memory = Config::from_json_with(
            None,
            &self::env(&[
                ("MICRO_REGISTRY", "memory"),
                ("MICRO_REGISTRY_ADDRESS", "x:1"),
            ]),
        )
        .unwrap();
        assert_eq!(memory.backend, BackendConfig::Memory);
    }

    #[test]
    fn an_unknown_micro_registry_is_an_error_naming_the_variable() {
        let error = Config::from_json_with(None, &env(&[("MICRO_REGISTRY", "consul")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("MICRO_REGISTRY") && error.contains("consul"),
            "{error}"
        );
        // ... but not when the program chose the backend itself.
        assert!(Config::from_json_with(
            Some(r#"{"backend":"memory"}"#),
            &env(&[("MICRO_REGISTRY", "consul")])
        )
        .is_ok());
    }

    #[test]
    fn json_round_trips_and_redacts_the_password() {
        let config = parse(r#"{"backend":"etcd","password":"secret","tls_ca":"/ca.pem"}"#).unwrap();
        assert_eq!(parse(&config.to_json()).unwrap(), config);
        let shown = config.to_json_redacted();
        assert!(
            !shown.contains("secret") && shown.contains(r#""password":"***""#),
            "{shown}"
        );
        let again: Config = serde_json::from_str(&Config::default().to_json()).unwrap();
        assert_eq!(again, Config::default());
    }
}
