//! One connection to an etcd cluster: the members with failover, TLS and
//! user/password auth, made on first use and bounded in time, and etcd's
//! errors turned into clear microreg errors.

use std::future::Future;
use std::time::Duration;

use etcd_client::{Certificate, Client, ConnectOptions, Identity, TlsOptions};
use tokio::sync::OnceCell;

use super::config::EtcdConfig;
use crate::error::{Error, Result};

/// Largest answer accepted from etcd (a prefix read of many thousand nodes).
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// The etcd client, connected on first use (so that building a registry never
/// blocks and a cluster that comes up later is found).
pub(crate) struct Connection {
    endpoints: Vec<String>,
    options: ConnectOptions,
    client: OnceCell<Client>,
    /// Limit of one request (and of connecting, with `dial`).
    request_timeout: Duration,
    dial_timeout: Duration,
    /// For messages: the members as configured.
    members: String,
}

impl Connection {
    /// Checks `config` (addresses, TLS files) and prepares the connection.
    pub fn new(config: &EtcdConfig, request_timeout: Duration) -> Result<Self> {
        let dial_timeout = Duration::from_millis(config.dial_timeout_ms.max(1));
        let tls = tls_options(config)?;
        let endpoints = endpoints(&config.addresses, tls.is_some())?;
        let mut options = ConnectOptions::new()
            .with_connect_timeout(dial_timeout)
            // Dead members are noticed while idle, not at the next request.
            .with_keep_alive(Duration::from_secs(10), Duration::from_secs(5))
            .with_auto_token_refresh(true);
        if let Some(tls) = tls {
            options = options.with_tls(tls);
        }
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => options = options.with_user(user, password),
            (None, None) => {}
            _ => {
                return Err(Error::invalid(
                    "etcd username and password go together: give both or neither",
                ))
            }
        }
        Ok(Connection {
            members: endpoints.join(","),
            endpoints,
            options,
            client: OnceCell::new(),
            request_timeout,
            dial_timeout,
        })
    }

    /// The client, connecting (and authenticating) first if needed.
    pub async fn client(&self) -> Result<Client> {
        let client = self
            .client
            .get_or_try_init(|| async {
                let connect = Client::connect(&self.endpoints, Some(self.options.clone()));
                match tokio::time::timeout(self.dial_timeout + self.request_timeout, connect).await
                {
                    Ok(Ok(client)) => Ok(client),
                    Ok(Err(error)) => Err(self.error("connect", error)),
                    Err(_) => Err(self.unreachable("connect")),
                }
            })
            .await?;
        Ok(client.clone())
    }

    /// Runs one request against the cluster within the request timeout. With
    /// several members, a request that could not reach one (or met no leader)
    /// is tried again, so that the balanced channel passes a dead member over.
    pub async fn call<T, F, Fut>(&self, what: &str, request: F) -> Result<T>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = std::result::Result<T, etcd_client::Error>>,
    {
        let deadline = tokio::time::Instant::now() + self.request_timeout;
        // With one member, fail at once; with several, keep trying others
        // until the deadline.
        let attempts = if self.endpoints.len() > 1 {
            usize::MAX
        } else {
            1
        };
        let mut last = None;
        for attempt in 0..attempts {
            let once = async {
                let client = self.client().await.map_err(|e| (e, true))?;
                request(client)
                    .await
                    .map_err(|e| (is_connection_failure(&e), e))
                    .map_err(|(retry, e)| (self.error(what, e), retry))
            };
            match tokio::time::timeout_at(deadline, once).await {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err((error, retry))) => {
                    if !retry || attempt + 1 == attempts {
                        return Err(error);
                    }
                    last = Some(error);
                    let pause = Duration::from_millis(20 << attempt.min(3));
                    if tokio::time::Instant::now() + pause >= deadline {
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
                Err(_) => break,
            }
        }
        Err(last.unwrap_or_else(|| self.unreachable(what)))
    }

    /// A KV client that accepts large answers.
    pub fn kv(client: &Client) -> etcd_client::KvClient {
        client
            .kv_client()
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// A watch client that accepts large answers.
    pub fn watch(client: &Client) -> etcd_client::WatchClient {
        client
            .watch_client()
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    fn unreachable(&self, what: &str) -> Error {
        Error::unavailable(format!(
            "etcd {}: {what} got no answer within {} ms (cluster unreachable?)",
            self.members,
            self.request_timeout.as_millis()
        ))
    }

    /// etcd's error as microreg's, naming the members and the operation.
    pub fn error(&self, what: &str, error: etcd_client::Error) -> Error {
        classify(&self.members, what, error)
    }
}

/// Whether a request failed on its way to a member (connection refused or
/// lost, no leader), so that another attempt may reach a healthy member.
fn is_connection_failure(error: &etcd_client::Error) -> bool {
    match error {
        etcd_client::Error::GRpcStatus(status) => status.code() == tonic::Code::Unavailable,
        etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_) => true,
        _ => false,
    }
}

/// Whether an error means the lease named in a request no longer exists.
pub(crate) fn is_lease_not_found(error: &etcd_client::Error) -> bool {
    let text = match error {
        etcd_client::Error::GRpcStatus(status) => status.message().to_string(),
        other => other.to_string(),
    };
    text.contains("lease not found")
}

fn classify(members: &str, what: &str, error: etcd_client::Error) -> Error {
    use tonic::Code;
    match &error {
        etcd_client::Error::GRpcStatus(status) => {
            let message = status.message();
            if message.contains("authentication failed") {
                Error::unavailable(format!(
                    "etcd {members}: {what}: authentication failed (wrong user name or password)"
                ))
            } else if status.code() == Code::PermissionDenied
                || status.code() == Code::Unauthenticated
                || message.contains("permission denied")
                || message.contains("user name is empty")
            {
                Error::unavailable(format!("etcd {members}: {what}: access refused: {message}"))
            } else if status.code() == Code::Unavailable || status.code() == Code::DeadlineExceeded
            {
                Error::unavailable(format!("etcd {members} unreachable: {what}: {message}"))
            } else {
                Error::unavailable(format!("etcd {members}: {what}: {message}"))
            }
        }
        etcd_client::Error::InvalidArgs(message) => {
            Error::invalid(format!("etcd {members}: {message}"))
        }
        etcd_client::Error::InvalidUri(uri) => {
            Error::invalid(format!("etcd address in {members}: {uri}"))
        }
        _ => Error::unavailable(format!("etcd {members}: {what}: {error}")),
    }
}

/// `host:port`, `host` (port 2379, as go-micro) or a URL, checked.
fn endpoints(addresses: &[String], tls: bool) -> Result<Vec<String>> {
    let mut endpoints = Vec::new();
    for address in addresses.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        let (scheme, rest) = match address.split_once("://") {
            Some((scheme @ ("http" | "https"), rest)) => (Some(scheme), rest),
            Some((other, _)) => {
                return Err(Error::invalid(format!(
                    "etcd address {address:?}: scheme {other:?} is neither http nor https"
                )))
            }
            None => (None, address),
        };
        let host_port = rest.trim_end_matches('/');
        if host_port.is_empty() || host_port.contains('/') {
            return Err(Error::invalid(format!(
                "etcd address {address:?} is not host:port"
            )));
        }
        let has_port = match host_port.rsplit_once(':') {
            Some((host, port)) => {
                // `[v6]` without a port ends in `]`; `::1` alone is a bare v6 host.
                (!host.contains(':') || host.ends_with(']')) && !port.ends_with(']')
            }
            None => false,
        };
        let host_port = if has_port {
            let port = host_port.rsplit_once(':').map(|(_, p)| p).unwrap_or("");
            if port.parse::<u16>().is_err() {
                return Err(Error::invalid(format!(
                    "etcd address {address:?}: port {port:?} is not a number"
                )));
            }
            host_port.to_string()
        } else if host_port.contains(':') && !host_port.starts_with('[') {
            format!("[{host_port}]:2379")
        } else {
            format!("{host_port}:2379")
        };
        let scheme = scheme.unwrap_or(if tls { "https" } else { "http" });
        if scheme == "http" && tls {
            return Err(Error::invalid(format!(
                "etcd address {address:?} is http:// but TLS is configured"
            )));
        }
        endpoints.push(format!("{scheme}://{host_port}"));
    }
    if endpoints.is_empty() {
        return Err(Error::invalid("etcd needs at least one member address"));
    }
    Ok(endpoints)
}

fn tls_options(config: &EtcdConfig) -> Result<Option<TlsOptions>> {
    let read = |path: &std::path::Path, what: &str| {
        std::fs::read(path)
            .map_err(|e| Error::invalid(format!("etcd {what} {}: {e}", path.display())))
    };
    let identity = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(Identity::from_pem(
            read(cert, "TLS client certificate")?,
            read(key, "TLS client key")?,
        )),
        (None, None) => None,
        _ => {
            return Err(Error::invalid(
                "etcd tls_cert and tls_key go together: give both or neither",
            ))
        }
    };
    if config.tls_ca.is_none() && identity.is_none() {
        return Ok(None);
    }
    let mut tls = TlsOptions::new();
    if let Some(ca) = &config.tls_ca {
        tls = tls.ca_certificate(Certificate::from_pem(read(ca, "TLS CA")?));
    }
    if let Some(identity) = identity {
        tls = tls.identity(identity);
    }
    Ok(Some(tls))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eps(list: &[&str]) -> Result<Vec<String>> {
        endpoints(
            &list.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            false,
        )
    }

    #[test]
    fn addresses_become_urls() {
        assert_eq!(
            eps(&["127.0.0.1:2379", "etcd-2", "http://h:1", "[::1]:3", "::1"]).unwrap(),
            [
                "http://127.0.0.1:2379",
                "http://etcd-2:2379",
                "http://h:1",
                "http://[::1]:3",
                "http://[::1]:2379"
            ]
        );
    }

    #[test]
    fn bad_addresses_are_refused() {
        assert!(eps(&[]).is_err());
        assert!(eps(&["  "]).is_err());
        assert!(eps(&["h:notaport"]).is_err());
        assert!(eps(&["ftp://h:1"]).is_err());
        assert!(eps(&["h:1/path"]).is_err());
    }

    #[test]
    fn half_credentials_are_refused() {
        let config = EtcdConfig {
            username: Some("u".into()),
            ..EtcdConfig::default()
        };
        assert!(Connection::new(&config, Duration::from_secs(1)).is_err());
        let config = EtcdConfig {
            tls_ca: Some("/nonexistent/ca.pem".into()),
            ..EtcdConfig::default()
        };
        let error = Connection::new(&config, Duration::from_secs(1))
            .err()
            .unwrap();
        assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
    }
}
