//! What a selection asks for: a strategy, filters, a domain. Built with a
//! builder in Rust, or parsed once from JSON for the C, Python and Go faces.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Node, Service};
use crate::registry::validate_domain;

/// How one node is picked among those that pass the filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Strategy {
    /// Uniformly at random on every call (go-micro's default).
    #[default]
    Random,
    /// In turn, per client and service; fair across concurrent callers.
    RoundRobin,
    /// The node with the fewest recent failures (see `Client::mark`); ties in turn.
    LeastFailed,
}

impl Strategy {
    /// The name used in JSON, keywords and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::RoundRobin => "round_robin",
            Strategy::LeastFailed => "least_failed",
        }
    }
}

impl std::str::FromStr for Strategy {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "random" => Ok(Strategy::Random),
            "round_robin" | "roundrobin" | "round-robin" => Ok(Strategy::RoundRobin),
            "least_failed" | "least-failed" => Ok(Strategy::LeastFailed),
            other => Err(Error::invalid(format!(
                "unknown selection strategy {other:?}; choose random, round_robin or least_failed"
            ))),
        }
    }
}

/// Which service versions a selection accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionFilter {
    /// The version string exactly ("1.2.0", "latest").
    Exact(String),
    /// A semver range ("^1.2", ">=1.0, <2", "1.x"), kept with its text: a
    /// version equal to the text also matches ("1" selects a service at "1").
    /// Other versions that are not semver never match. A leading `v` on a
    /// version is ignored.
    Range {
        /// The range as written.
        text: String,
        /// The range as parsed.
        range: semver::VersionReq,
    },
}

impl VersionFilter {
    /// A version that is itself a semver version, or no range at all, is matched
    /// exactly; anything else must parse as a semver range.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid("version filter is empty"));
        }
        if semver::Version::parse(strip_v(text)).is_ok() {
            return Ok(VersionFilter::Exact(text.to_string()));
        }
        let looks_like_range = text
            .chars()
            .any(|c| matches!(c, '^' | '~' | '<' | '>' | '=' | '*' | ',' | 'x' | 'X'))
            || text.chars().all(|c| c.is_ascii_digit() || c == '.');
        if !looks_like_range {
            return Ok(VersionFilter::Exact(text.to_string()));
        }
        semver::VersionReq::parse(text)
            .map(|range| VersionFilter::Range {
                text: text.to_string(),
                range,
            })
            .map_err(|e| {
                Error::invalid(format!(
                    "version filter {text:?} is not a semver range: {e}"
                ))
            })
    }

    /// Whether a service at `version` passes.
    pub fn matches(&self, version: &str) -> bool {
        match self {
            VersionFilter::Exact(wanted) => wanted == version,
            VersionFilter::Range { text, range } => {
                text == version
                    || semver::Version::parse(strip_v(version)).is_ok_and(|v| range.matches(&v))
            }
        }
    }
}

impl std::fmt::Display for VersionFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VersionFilter::Exact(v) => write!(f, "version {v}"),
            VersionFilter::Range { text, .. } => write!(f, "version {text}"),
        }
    }
}

fn strip_v(version: &str) -> &str {
    version.strip_prefix('v').unwrap_or(version)
}

/// One condition a node must meet to be selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// The service version (exact or a semver range).
    Version(VersionFilter),
    /// The node's metadata has `key` set to `value`.
    Label {
        /// The metadata key.
        key: String,
        /// The value it must have.
        value: String,
    },
    /// The service has an endpoint of this name.
    Endpoint(String),
}

impl Filter {
    /// Whether `node` of `service` passes.
    pub fn matches(&self, service: &Service, node: &Node) -> bool {
        self.matches_service(service) && self.matches_node(node)
    }

    /// The part of the filter that looks at the service (always true for a label).
    pub(crate) fn matches_service(&self, service: &Service) -> bool {
        match self {
            Filter::Version(version) => version.matches(&service.version),
            Filter::Label { .. } => true,
            Filter::Endpoint(name) => service.endpoints.iter().any(|e| &e.name == name),
        }
    }

    /// The part of the filter that looks at the node (true unless a label).
    pub(crate) fn matches_node(&self, node: &Node) -> bool {
        match self {
            Filter::Label { key, value } => node.metadata.get(key) == Some(value),
            Filter::Version(_) | Filter::Endpoint(_) => true,
        }
    }
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Filter::Version(v) => v.fmt(f),
            Filter::Label { key, value } => write!(f, "label {key}={value}"),
            Filter::Endpoint(name) => write!(f, "endpoint {name}"),
        }
    }
}

/// What [`Client::select`](crate::Client::select) asks for. Every filter must
/// pass; the default is a random node of any version in the client's domain.
///
/// ```
/// use microreg::select::{SelectOptions, Strategy};
/// let options = SelectOptions::new()
///     .strategy(Strategy::RoundRobin)
///     .version("^1.2")?
///     .label("zone", "eu-1")
///     .endpoint("Greeter.Hello");
/// # Ok::<(), microreg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelectOptions {
    /// How to pick among the nodes that pass the filters.
    pub strategy: Strategy,
    /// Conditions every candidate must meet (all of them).
    pub filters: Vec<Filter>,
    /// `None`: the client's domain.
    pub domain: Option<String>,
}

impl SelectOptions {
    /// A random node, no filter, the client's domain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Accepts only this version: exact ("1.2.0", "latest") or a semver range ("^1.2").
    pub fn version(mut self, version: &str) -> Result<Self> {
        self.filters
            .push(Filter::Version(VersionFilter::parse(version)?));
        Ok(self)
    }

    /// Accepts only nodes whose metadata has `key` = `value`.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.filters.push(Filter::Label {
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// Accepts only services that have this endpoint.
    pub fn endpoint(mut self, name: impl Into<String>) -> Self {
        self.filters.push(Filter::Endpoint(name.into()));
        self
    }

    /// Selects in this domain instead of the client's.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Parses the faces' JSON form; `None`, `""` and `"{}"` give the defaults:
    ///
    /// `{"strategy":"random"|"round_robin"|"least_failed", "version":"^1.2",
    ///   "labels":{"zone":"eu-1"}, "endpoint":"Greeter.Hello", "domain":"micro"}`
    ///
    /// Every field is optional; unknown fields are refused.
    pub fn from_json(json: Option<&str>) -> Result<Self> {
        match json.map(str::trim) {
            None | Some("") => Ok(Self::default()),
            Some(text) => {
                let raw: RawOptions = crate::model::object_from_json(text, "select options")?;
                raw.build()
            }
        }
    }

    /// Checks what types alone do not (the domain); the builder and JSON call it.
    pub fn validate(&self) -> Result<()> {
        if let Some(domain) = &self.domain {
            validate_domain(domain, true)?;
        }
        for filter in &self.filters {
            if let Filter::Label { key, .. } = filter {
                if key.is_empty() {
                    return Err(Error::invalid("label filter has an empty key"));
                }
            }
            if let Filter::Endpoint(name) = filter {
                if name.is_empty() {
                    return Err(Error::invalid("endpoint filter is empty"));
                }
            }
        }
        Ok(())
    }

    /// The filters as people read them: "version ^1.2, label zone=eu-1".
    pub(crate) fn describe_filters(&self) -> String {
        let parts: Vec<String> = self.filters.iter().map(ToString::to_string).collect();
        parts.join(", ")
    }
}

/// The JSON shape, kept apart so the public type stays a plain builder.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    strategy: Option<String>,
    version: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    endpoint: Option<String>,
    domain: Option<String>,
}

impl RawOptions {
    fn build(self) -> Result<SelectOptions> {
        let mut options = SelectOptions::new();
        if let Some(strategy) = self.strategy {
            options.strategy = strategy.parse()?;
        }
        if let Some(version) = self.version {
            options = options.version(&version)?;
        }
        for (key, value) in self.labels {
            options = options.label(key, value);
        }
        if let Some(endpoint) = self.endpoint {
            options = options.endpoint(endpoint);
        }
        options.domain = self.domain;
        options.validate()?;
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_exact_or_range() {
        assert_eq!(
            VersionFilter::parse("1.2.0").unwrap(),
            VersionFilter::Exact("1.2.0".into())
        );
        assert_eq!(
            VersionFilter::parse("latest").unwrap(),
            VersionFilter::Exact("latest".into())
        );
        let range = VersionFilter::parse("^1.2").unwrap();
        assert!(range.matches("1.2.0") && range.matches("v1.9.3"));
        assert!(!range.matches("2.0.0") && !range.matches("latest") && !range.matches("1.1.9"));
        // "1.2.0" is exact, not semver's implicit caret.
        assert!(!VersionFilter::parse("1.2.0").unwrap().matches("1.2.1"));
        assert!(VersionFilter::parse(">=1.0, <2").unwrap().matches("1.5.0"));
        let bare = VersionFilter::parse("1").unwrap();
        assert!(bare.matches("1") && bare.matches("1.4.0") && !bare.matches("2.0.0"));
        let error = VersionFilter::parse(">=banana").unwrap_err();
        assert!(error.to_string().contains("not a semver range"), "{error}");
        assert!(VersionFilter::parse("  ").is_err());
    }

    #[test]
    fn json_builds_the_same_options_as_the_builder() {
        let json = r#"{"strategy":"round_robin","version":"^1","labels":{"zone":"a"},
                       "endpoint":"E.F","domain":"d"}"#;
        let built = SelectOptions::new()
            .strategy(Strategy::RoundRobin)
            .version("^1")
            .unwrap()
            .label("zone", "a")
            .endpoint("E.F")
            .domain("d");
        assert_eq!(SelectOptions::from_json(Some(json)).unwrap(), built);
        assert_eq!(
            SelectOptions::from_json(None).unwrap(),
            SelectOptions::new()
        );
        assert_eq!(
            SelectOptions::from_json(Some("{}")).unwrap(),
            SelectOptions::new()
        );
    }

    #[test]
    fn bad_json_is_a_clear_error() {
        for (json, says) in [
            (
                r#"{"strategy":"fastest"}"#,
                "unknown selection strategy \"fastest\"",
            ),
            (r#"{"strategi":"random"}"#, "unknown field `strategi`"),
            (r#"{"labels":{"":"x"}}"#, "empty key"),
            (r#"{"domain":""}"#, "domain is empty"),
            (r#"{"version":3}"#, "invalid type"),
            ("[1]", "must be an object"),
            ("{", "select options JSON"),
        ] {
            let error = SelectOptions::from_json(Some(json)).unwrap_err();
            assert!(
                matches!(error, Error::InvalidArgument(_)),
                "{json}: {error}"
            );
            assert!(error.to_string().contains(says), "{json}: {error}");
        }
    }
}
