//! A throwaway etcd server for one test: /usr/bin/etcd (Debian's etcd-server)
//! on 127.0.0.1 only, on ports the kernel chose, with a temporary data
//! directory; killed and removed when dropped. It can be stopped and started
//! again on the same ports and data (an etcd restart).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct EtcdServer {
    pub client_port: u16,
    peer_port: u16,
    pub metrics_port: u16,
    data_dir: PathBuf,
    child: Option<Child>,
    /// etcdctl needs these once auth is on.
    root_password: Option<String>,
    /// Set for a TLS server: certificates made for this server.
    pub tls: Option<TestCertificates>,
}

/// A throwaway CA, a server certificate for 127.0.0.1 and a client certificate.
pub struct TestCertificates {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl TestCertificates {
    /// Makes them with openssl in `dir`.
    fn make(dir: &std::path::Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let run = |args: &[&str]| {
            let status = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("openssl");
            assert!(status.success(), "openssl {args:?}");
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=microreg test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]);
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n",
        )
        .unwrap();
        for who in ["server", "client"] {
            let (key, csr, pem) = (
                format!("{who}.key"),
                format!("{who}.csr"),
                format!("{who}.pem"),
            );
            run(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN=microreg-{who}"),
                "-keyout",
                &key,
                "-out",
                &csr,
            ]);
            run(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
                "-out",
                &pem,
            ]);
        }
        TestCertificates {
            ca: dir.join("ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            client_cert: dir.join("client.pem"),
            client_key: dir.join("client.key"),
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .unwrap()
        .port()
}

impl EtcdServer {
    /// Starts a server and waits until it answers.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// Starts a server that speaks TLS only and asks clients for a certificate.
    pub fn start_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        let data_dir = std::env::temp_dir().join(format!(
            "microreg-etcd-test-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        let mut server = EtcdServer {
            client_port: free_port(),
            peer_port: free_port(),
            metrics_port: free_port(),
            data_dir,
            child: None,
            root_password: None,
            tls: None,
        };
        if tls {
            server.tls = Some(TestCertificates::make(
                &server.data_dir.with_extension("tls"),
            ));
        }
        server.launch();
        server
    }

    /// `127.0.0.1:PORT` for clients.
    pub fn endpoint(&self) -> String {
        format!("127.0.0.1:{}", self.client_port)
    }

    fn launch(&mut self) {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let client = format!("{scheme}://127.0.0.1:{}", self.client_port);
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let metrics = format!("http://127.0.0.1:{}", self.metrics_port);
        let log = std::fs::File::create(
            std::env::temp_dir().join(format!("microreg-etcd-test-{}.log", self.client_port)),
        )
        .expect("etcd log file");
        let mut command = Command::new("etcd");
        if let Some(tls) = &self.tls {
            command
                .arg("--cert-file")
                .arg(&tls.server_cert)
                .arg("--key-file")
                .arg(&tls.server_key)
                .arg("--trusted-ca-file")
                .arg(&tls.ca)
                .arg("--client-cert-auth");
        }
        let child = command
            .args(["--name", "microreg-test", "--data-dir"])
            .arg(&self.data_dir)
            .args([
                "--listen-client-urls",
                &client,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .args(["--initial-cluster", &format!("microreg-test={peer}")])
            .args(["--listen-metrics-urls", &metrics])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("cannot start etcd (Debian's etcd-server: `make etcd-server`)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.ctl(&["endpoint", "health"]).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("etcd on {client} did not become healthy");
    }

    /// Kills the server (kill -9), keeping its data.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same ports and data.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// Runs etcdctl against this server; its stdout, or its stderr as the error.
    pub fn ctl(&self, args: &[&str]) -> Result<String, String> {
        let mut command = Command::new("etcdctl");
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let endpoint = format!("{scheme}://{}", self.endpoint());
        command
            .env("ETCDCTL_API", "3")
            .args(["--endpoints", &endpoint, "--dial-timeout", "2s"]);
        if let Some(password) = &self.root_password {
            command.args(["--user", &format!("root:{password}")]);
        }
        if let Some(tls) = &self.tls {
            command
                .arg("--cacert")
                .arg(&tls.ca)
                .arg("--cert")
                .arg(&tls.client_cert)
                .arg("--key")
                .arg(&tls.client_key);
        }
        let output = command
            .args(args)
            .output()
            .map_err(|e| format!("etcdctl: {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// Turns auth on with a root user and a read-write user `user:password`.
    pub fn enable_auth(&mut self, user: &str, password: &str) {
        let root = format!("root-{}", uuid::Uuid::new_v4().simple());
        let steps: Vec<Vec<String>> = vec![
            vec!["user".into(), "add".into(), format!("root:{root}")],
            vec!["user".into(), "add".into(), format!("{user}:{password}")],
            vec!["role".into(), "add".into(), "registry".into()],
            vec![
                "role".into(),
                "grant-permission".into(),
                "--prefix=true".into(),
                "registry".into(),
                "readwrite".into(),
                "/".into(),
            ],
            vec![
                "user".into(),
                "grant-role".into(),
                user.into(),
                "registry".into(),
            ],
            vec!["auth".into(), "enable".into()],
        ];
        for step in steps {
            let args: Vec<&str> = step.iter().map(String::as_str).collect();
            self.ctl(&args).expect("etcdctl auth setup");
        }
        self.root_password = Some(root);
    }

    /// Reads etcd's Prometheus metrics page.
    pub fn metrics(&self) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.metrics_port))
            .expect("connect to etcd metrics");
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        let _ = std::fs::remove_dir_all(self.data_dir.with_extension("tls"));
    }
}
