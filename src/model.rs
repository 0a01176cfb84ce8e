//! go-micro's registry data model: Service, Node, Endpoint and Value.
//!
//! Field names and JSON shapes match go-micro's `registry/registry.go` exactly, so a
//! document written by a go-micro program loads here and writes back unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Free-form string metadata, as go-micro's `map[string]string`.
///
/// A `BTreeMap` keeps JSON output deterministic and is cheap to clone when small.
pub type Metadata = BTreeMap<String, String>;

/// Longest service name, node id, version or address accepted (bytes).
pub const MAX_NAME_LEN: usize = 255;
/// Longest metadata key or value accepted (bytes).
pub const MAX_METADATA_LEN: usize = 4096;
/// Most metadata entries on one service or node.
pub const MAX_METADATA_ENTRIES: usize = 256;
/// Most endpoints on one service.
pub const MAX_ENDPOINTS: usize = 4096;
/// Most nodes in one registration call.
pub const MAX_NODES: usize = 10_000;
/// Deepest nesting of request/response values.
pub const MAX_VALUE_DEPTH: usize = 32;

/// A named service at one version, with the nodes that serve it.
///
/// Its JSON is go-micro's, field for field (empty lists and maps written as
/// `null`, as Go writes them), so documents from go-micro round-trip byte for
/// byte:
///
/// ```
/// use microreg::{Endpoint, Node, Service};
///
/// let mut node = Node::new("greeter-1", "10.0.0.5:8080");
/// node.metadata.insert("zone".into(), "eu-1".into());
/// let mut service = Service::new("greeter", "1.0.0").with_node(node);
/// service.endpoints.push(Endpoint { name: "Greeter.Hello".into(), ..Default::default() });
///
/// let json = service.to_json();
/// assert!(json.starts_with(r#"{"name":"greeter","version":"1.0.0","metadata":null,"#));
/// assert_eq!(Service::from_json(&json)?, service);
///
/// // Bad input is an error that says what is wrong, never a panic.
/// assert!(Service::from_json(r#"{"name":"greeter","nodes":[{"id":"a","address":"no port"}]}"#)
///     .and_then(|s| s.validate_for_register())
///     .is_err());
/// # Ok::<(), microreg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Service {
    /// The service's name, e.g. `greeter` (what lookups ask for).
    pub name: String,
    /// Its version, free-form (`1.0.0`, `latest`); selection can filter on it
    /// as semver.
    #[serde(default)]
    pub version: String,
    /// Free-form data about the service at this version.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub metadata: Metadata,
    /// What it can be called for (RPC methods, subscribers).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub endpoints: Vec<Endpoint>,
    /// The instances that serve it. In a registration, the ones registered;
    /// in a lookup, every one known; in an event, the ones that changed.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub nodes: Vec<Node>,
}

/// One running instance of a service: where to call it.
///
/// ```
/// use microreg::Node;
///
/// let node = Node::new(format!("greeter-{}", uuid::Uuid::new_v4()), "[fd00::5]:8080");
/// node.validate()?; // an id, and an address that is host:port (IPv6 in brackets)
/// assert!(Node::new("greeter-1", "10.0.0.5").validate().is_err()); // no port
/// # Ok::<(), microreg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Node {
    /// Unique id, conventionally `<service name>-<uuid>`.
    pub id: String,
    /// `host:port`, or `[v6 address]:port`.
    #[serde(default)]
    pub address: String,
    /// Free-form data about this instance (zone, protocol...), which selection
    /// can filter on (labels).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub metadata: Metadata,
}

/// A callable endpoint of a service (an RPC method or a subscriber).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Endpoint {
    /// Its name, go-micro style: `Service.Method` (e.g. `Greeter.Hello`).
    pub name: String,
    /// The shape of the request, if known.
    #[serde(default)]
    pub request: Option<Value>,
    /// The shape of the response, if known.
    #[serde(default)]
    pub response: Option<Value>,
    /// Free-form data (go-micro marks subscribers with `"subscriber"`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub metadata: Metadata,
}

/// The shape of a request or response type, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Value {
    /// The field's name (the top level: the type's name).
    pub name: String,
    /// Its type's name, as go-micro writes it (JSON key `type`).
    #[serde(rename = "type", default)]
    pub type_name: String,
    /// Its fields, when it has any (nested at most
    /// [`MAX_VALUE_DEPTH`](crate::limits::MAX_VALUE_DEPTH) deep).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub values: Vec<Value>,
}

/// Go writes a nil map or slice as `null`: write empties the same way, so that a
/// go-micro document round-trips byte for byte.
fn empty_as_null<S, T>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
    T: Serialize,
    for<'a> &'a T: IntoIterator,
{
    if value.into_iter().next().is_none() {
        serializer.serialize_none()
    } else {
        value.serialize(serializer)
    }
}

/// Parses a JSON object into `T`. serde would also accept an array for a
/// struct (its fields in order); options and configs must be objects.
pub fn object_from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, Error> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::invalid(format!("{what} JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::invalid(format!("{what} JSON must be an object")));
    }
    T::deserialize(value).map_err(|e| Error::invalid(format!("{what} JSON: {e}")))
}

/// go-micro writes `null` for empty maps and slices; read it as empty.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

impl Service {
    /// A service with a name and version and nothing else.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Service {
            name: name.into(),
            version: version.into(),
            ..Default::default()
        }
    }

    /// Adds a node (builder style).
    pub fn with_node(mut self, node: Node) -> Self {
        self.nodes.push(node);
        self
    }

    /// This service holding only `node`. The other nodes are not copied: a
    /// registration of N nodes split per node stays O(N), not O(N²).
    #[cfg(feature = "mdns")]
    pub(crate) fn for_node(&self, node: &Node) -> Service {
        Service {
            name: self.name.clone(),
            version: self.version.clone(),
            metadata: self.metadata.clone(),
            endpoints: self.endpoints.clone(),
            nodes: vec![node.clone()],
        }
    }

    /// Parses go-micro's JSON form of a service.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        serde_json::from_str(json).map_err(|e| Error::invalid(format!("service JSON: {e}")))
    }

    /// go-micro's JSON form of this service.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Service always serializes")
    }

    /// Checks what a registration needs: a name, nodes with ids and `host:port`
    /// addresses, and every field within its bound.
    pub fn validate_for_register(&self) -> Result<(), Error> {
        self.validate_identity()?;
        if self.nodes.is_empty() {
            return Err(Error::invalid(format!(
                "service {:?} has no nodes to register",
                self.name
            )));
        }
        if self.nodes.len() > MAX_NODES {
            return Err(Error::invalid(format!(
                "service {:?} has {} nodes, more than {MAX_NODES}",
                self.name,
                self.nodes.len()
            )));
        }
        check_len("version", &self.version, MAX_NAME_LEN)?;
        check_metadata("service metadata", &self.metadata)?;
        if self.endpoints.len() > MAX_ENDPOINTS {
            return Err(Error::invalid(format!(
                "service {:?} has {} endpoints, more than {MAX_ENDPOINTS}",
                self.name,
                self.endpoints.len()
            )));
        }
        for endpoint in &self.endpoints {
            endpoint.validate()?;
        }
        for node in &self.nodes {
            node.validate()?;
        }
        Ok(())
    }

    /// Checks what a deregistration needs: a name and node ids.
    pub fn validate_for_deregister(&self) -> Result<(), Error> {
        self.validate_identity()?;
        for node in &self.nodes {
            validate_node_id(&node.id)?;
        }
        Ok(())
    }

    fn validate_identity(&self) -> Result<(), Error> {
        validate_service_name(&self.name)
    }
}

/// A service name must be non-empty, bounded and free of control characters.
pub fn validate_service_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::invalid("service name is empty"));
    }
    check_len("service name", name, MAX_NAME_LEN)?;
    check_printable("service name", name)
}

fn validate_node_id(id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::invalid("node has no id"));
    }
    check_len("node id", id, MAX_NAME_LEN)?;
    check_printable("node id", id)
}

impl Node {
    /// A node with an id and address.
    pub fn new(id: impl Into<String>, address: impl Into<String>) -> Self {
        Node {
            id: id.into(),
            address: address.into(),
            metadata: Metadata::new(),
        }
    }

    /// Checks the id, the `host:port` address and the metadata bounds.
    pub fn validate(&self) -> Result<(), Error> {
        validate_node_id(&self.id)?;
        check_len("node address", &self.address, MAX_NAME_LEN)?;
        split_host_port(&self.address)?;
        check_metadata("node metadata", &self.metadata)
    }
}

impl Endpoint {
    fn validate(&self) -> Result<(), Error> {
        if self.name.is_empty() {
            return Err(Error::invalid("endpoint has no name"));
        }
        check_len("endpoint name", &self.name, MAX_NAME_LEN)?;
        check_metadata("endpoint metadata", &self.metadata)?;
        for value in self.request.iter().chain(self.response.iter()) {
            value.validate(1)?;
        }
        Ok(())
    }
}

impl Value {
    fn validate(&self, depth: usize) -> Result<(), Error> {
        if depth > MAX_VALUE_DEPTH {
            return Err(Error::invalid(format!(
                "endpoint value nests deeper than {MAX_VALUE_DEPTH} levels"
            )));
        }
        check_len("value name", &self.name, MAX_METADATA_LEN)?;
        check_len("value type", &self.type_name, MAX_METADATA_LEN)?;
        self.values.iter().try_for_each(|v| v.validate(depth + 1))
    }
}

/// Splits `host:port` or `[v6]:port` as Go's `net.SplitHostPort` does, and checks
/// that the port is a number in 0..=65535.
pub fn split_host_port(address: &str) -> Result<(&str, u16), Error> {
    let bad = || Error::invalid(format!("address {address:?} is not host:port"));
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        (host, after.strip_prefix(':').ok_or_else(bad)?)
    } else {
        let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
        if host.contains(':') {
            return Err(bad()); // a bare IPv6 address needs brackets
        }
        (host, port)
    };
    if host.is_empty() || port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let port = port.parse::<u16>().map_err(|_| bad())?;
    Ok((host, port))
}

fn check_len(what: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.len() > max {
        return Err(Error::invalid(format!(
            "{what} is {} bytes long, more than {max}",
            value.len()
        )));
    }
    Ok(())
}

fn check_printable(what: &str, value: &str) -> Result<(), Error> {
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "{what} {value:?} contains control characters"
        )));
    }
    Ok(())
}

fn check_metadata(what: &str, metadata: &Metadata) -> Result<(), Error> {
    if metadata.len() > MAX_METADATA_ENTRIES {
        return Err(Error::invalid(format!(
            "{what} has {} entries, more than {MAX_METADATA_ENTRIES}",
            metadata.len()
        )));
    }
    for (key, value) in metadata {
        if key.is_empty() {
            return Err(Error::invalid(format!("{what} has an empty key")));
        }
        check_len(what, key, MAX_METADATA_LEN)?;
        check_len(what, value, MAX_METADATA_LEN)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "mdns")]
    fn for_node_keeps_the_service_with_only_that_node() {
        let mut service = Service::new("greeter", "1.0.0")
            .with_node(Node::new("greeter-1", "10.0.0.1:1"))
            .with_node(Node::new("greeter-2", "10.0.0.2:2"));
        service.metadata.insert("team".into(), "a".into());
        service.endpoints.push(Endpoint {
            name: "Greeter.Hello".into(),
            ..Default::default()
        });
        let single = service.for_node(&service.nodes[1]);
        assert_eq!(single.nodes, vec![service.nodes[1].clone()]);
        assert_eq!(
            Service {
                nodes: service.nodes[1..].to_vec(),
                ..service.clone()
            },
            single
        );
    }

    #[test]
    fn splits_addresses_like_go() {
        assert_eq!(
            split_host_port("10.0.0.5:8080").unwrap(),
            ("10.0.0.5", 8080)
        );
        assert_eq!(split_host_port("[::1]:53").unwrap(), ("::1", 53));
        assert_eq!(split_host_port("host.lan:0").unwrap(), ("host.lan", 0));
        for bad in [
            "", "nohost", ":80", "h:", "h:port", "::1:80", "[::1]80", "h:70000",
        ] {
            assert!(split_host_port(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn rejects_invalid_registrations() {
        let ok = Service::new("greeter", "1").with_node(Node::new("greeter-1", "10.0.0.1:80"));
        assert!(ok.validate_for_register().is_ok());

        let mut no_name = ok.clone();
        no_name.name.clear();
        assert!(no_name.validate_for_register().is_err());

        let mut no_id = ok.clone();
        no_id.nodes[0].id.clear();
        assert!(no_id.validate_for_register().is_err());

        let mut bad_address = ok.clone();
        bad_address.nodes[0].address = "10.0.0.1".into();
        assert!(bad_address.validate_for_register().is_err());

        let mut huge = ok.clone();
        huge.nodes[0]
            .metadata
            .insert("k".into(), "x".repeat(MAX_METADATA_LEN + 1));
        assert!(huge.validate_for_register().is_err());

        assert!(Service::new("greeter", "1")
            .validate_for_register()
            .is_err());
    }

    #[test]
    fn reads_go_nulls_as_empty() {
        let s = Service::from_json(
            r#"{"name":"a","version":"1","metadata":null,"endpoints":null,"nodes":[{"id":"a-1","address":"h:1","metadata":null}]}"#,
        )
        .unwrap();
        assert!(s.metadata.is_empty() && s.endpoints.is_empty());
        assert!(s.nodes[0].metadata.is_empty());
    }
}
