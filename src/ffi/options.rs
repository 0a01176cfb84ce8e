//! The per-call options of the C API, as JSON objects. Unknown fields are
//! refused so that a misspelt option is an error, not silently ignored.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::client::Client;
use crate::error::Result;
use crate::model::object_from_json;
use crate::registry::{RegisterOptions, Ttl, WatchOptions};

/// `{"ttl_ms": 30000, "domain": "micro"}`; both optional. `ttl_ms` absent is
/// the registry's default register TTL; `0` or `null` is no TTL.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RegisterJson {
    #[serde(deserialize_with = "given_or_null")]
    ttl_ms: Option<Option<u64>>,
    domain: Option<String>,
}

/// Tells `null` (given: no TTL) from a missing key (not given: the default).
fn given_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(d).map(Some)
}

/// `{"domain": "micro"}` for deregister, get and list.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct DomainJson {
    domain: Option<String>,
}

/// `{"service": "greeter", "domain": "micro"}`; both optional.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct WatchJson {
    service: Option<String>,
    domain: Option<String>,
}

/// NULL, "" and "{}" are the defaults; anything else must be a JSON object.
fn parse<T: DeserializeOwned + Default>(json: Option<&str>, what: &str) -> Result<T> {
    match json.map(str::trim) {
        None | Some("") => Ok(T::default()),
        Some(text) => object_from_json(text, what),
    }
}

/// Register options; the TTL is the client's default unless given.
pub(crate) fn register(client: &Client, json: Option<&str>) -> Result<RegisterOptions> {
    let parsed: RegisterJson = parse(json, "register options")?;
    let ttl = match parsed.ttl_ms {
        None => Ttl::Default,
        Some(ttl_ms) => Ttl::from_millis(Some(ttl_ms.unwrap_or(0))),
    };
    let mut options = client.register_options(ttl);
    if let Some(domain) = parsed.domain {
        options.domain = domain;
    }
    Ok(options)
}

/// The domain named by deregister/get/list options, else the client's
/// (borrowed: lookups are hot).
pub(crate) fn domain<'a>(
    client: &'a Client,
    json: Option<&str>,
    what: &str,
) -> Result<Cow<'a, str>> {
    let parsed: DomainJson = parse(json, what)?;
    Ok(parsed
        .domain
        .map_or(Cow::Borrowed(client.domain()), Cow::Owned))
}

/// Watch options: every service unless one is named, in the client's domain
/// unless one is named.
pub(crate) fn watch(client: &Client, json: Option<&str>) -> Result<WatchOptions> {
    let parsed: WatchJson = parse(json, "watch options")?;
    let mut options = client.watch_options(parsed.service);
    if let Some(domain) = parsed.domain {
        options.domain = domain;
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::error::Error;
    use std::time::Duration;

    fn client() -> Client {
        Client::new(Config {
            domain: "home".into(),
            register_ttl_ms: Some(7000),
            ..Config::memory()
        })
        .unwrap()
    }

    #[test]
    fn defaults_come_from_the_client() {
        let client = client();
        for json in [None, Some(""), Some("  "), Some("{}")] {
            let options = register(&client, json).unwrap();
            assert_eq!(
                (options.ttl, options.domain.as_str()),
                (Some(Duration::from_secs(7)), "home")
            );
            assert_eq!(domain(&client, json, "o").unwrap(), "home");
            let watch = watch(&client, json).unwrap();
            assert_eq!((watch.service, watch.domain.as_str()), (None, "home"));
        }
    }

    #[test]
    fn given_values_are_used() {
        let client = client();
        let options = register(&client, Some(r#"{"ttl_ms":1500,"domain":"shop"}"#)).unwrap();
        assert_eq!(options.ttl, Some(Duration::from_millis(1500)));
        assert_eq!(options.domain, "shop");
        assert_eq!(
            domain(&client, Some(r#"{"domain":"*"}"#), "o").unwrap(),
            "*"
        );
        let watch = watch(&client, Some(r#"{"service":"cart"}"#)).unwrap();
        assert_eq!(watch.service.as_deref(), Some("cart"));
    }

    #[test]
    fn zero_or_null_ttl_is_no_ttl() {
        let client = client();
        for json in [r#"{"ttl_ms":0}"#, r#"{"ttl_ms":null}"#] {
            assert_eq!(register(&client, Some(json)).unwrap().ttl, None, "{json}");
        }
    }

    #[test]
    fn unknown_fields_wrong_types_and_non_objects_are_refused() {
        let client = client();
        for json in [
            r#"{"ttl":1}"#,
            r#"{"ttl_ms":"1s"}"#,
            r#"{"ttl_ms":-5}"#,
            "[]",
            "null",
            "{",
        ] {
            let error = register(&client, Some(json)).unwrap_err();
            assert!(
                matches!(error, Error::InvalidArgument(_)),
                "{json}: {error}"
            );
        }
        assert!(domain(&client, Some(r#"{"ttl_ms":1}"#), "get options").is_err());
        assert!(watch(&client, Some(r#"{"service":1}"#)).is_err());
    }
}
