//! The per-call options of the C API, as JSON objects. Unknown fields are
//! refused so that a misspelt option is an error, not silently ignored.

use std::borrow::Cow;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::object_from_json;
use crate::registry::{RegisterOptions, WatchOptions};

/// `{"ttl_ms": 30000, "domain": "micro"}`; both optional.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RegisterJson {
    ttl_ms: Option<u64>,
    domain: Option<String>,
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

/// Register options; the TTL is absent unless given (kept until deregistered).
pub(crate) fn register(client: &Client, json: Option<&str>) -> Result<RegisterOptions> {
    let parsed: RegisterJson = parse(json, "register options")?;
    let ttl = match parsed.ttl_ms {
        Some(0) => {
            return Err(Error::invalid(
                "ttl_ms must be above zero; omit it for no TTL",
            ))
        }
        ttl_ms => ttl_ms.map(Duration::from_millis),
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

    fn client() -> Client {
        Client::new(Config {
            domain: "home".into(),
            ..Config::default()
        })
        .unwrap()
    }

    #[test]
    fn defaults_come_from_the_client() {
        let client = client();
        for json in [None, Some(""), Some("  "), Some("{}")] {
            let options = register(&client, json).unwrap();
            assert_eq!((options.ttl, options.domain.as_str()), (None, "home"));
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
    fn unknown_fields_wrong_types_and_non_objects_are_refused() {
        let client = client();
        for json in [
            r#"{"ttl":1}"#,
            r#"{"ttl_ms":"1s"}"#,
            r#"{"ttl_ms":0}"#,
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
