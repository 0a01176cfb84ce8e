//! The CLI's configuration: the core's defaults, go-micro's environment
//! (MICRO_REGISTRY & co.) and flags, and backend settings passed through
//! `--backend-option` without the CLI knowing them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

const GO_MICRO_ENV: [&str; 4] = [
    "MICRO_REGISTRY",
    "MICRO_REGISTRY_ADDRESS",
    "ETCD_USERNAME",
    "ETCD_PASSWORD",
];

/// `microreg ARGS` with exactly `env` of go-micro's variables set.
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_microreg"));
    for name in GO_MICRO_ENV {
        command.env_remove(name);
    }
    command.envs(env.iter().copied()).args(args);
    command
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    command(args, env).output().expect("microreg runs")
}

/// `microreg config` (which opens nothing) as JSON.
fn config(args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let out = run(&[args, &["config"]].concat(), env);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("config prints one JSON object")
}

#[test]
fn the_defaults_are_the_cores() {
    let config = config(&[], &[]);
    assert_eq!(config["backend"], "mdns");
    assert_eq!(config["domain"], "micro");
    assert_eq!(config["register_ttl_ms"], 90_000);
    assert_eq!(config["timeout_ms"], 5_000);
}

#[test]
fn go_micros_environment_chooses_what_the_flags_do_not() {
    let env = [
        ("MICRO_REGISTRY", "etcd"),
        ("MICRO_REGISTRY_ADDRESS", "127.0.0.1:23790,127.0.0.1:23791"),
        ("ETCD_USERNAME", "svc"),
        ("ETCD_PASSWORD", "secret"),
    ];
    let config = config(&[], &env);
    assert_eq!(config["backend"], "etcd");
    assert_eq!(
        config["addresses"],
        serde_json::json!(["127.0.0.1:23790", "127.0.0.1:23791"])
    );
    assert_eq!(config["username"], "svc");
    assert_eq!(config["password"], "***", "secrets are masked");

    // Flags win: both spellings of go-micro's flag, and --backend.
    for flag in ["--registry-address", "--registry_address"] {
        let config = self::config(&[flag, "127.0.0.1:2379,127.0.0.1:2380"], &env);
        assert_eq!(
            config["addresses"],
            serde_json::json!(["127.0.0.1:2379", "127.0.0.1:2380"])
        );
    }
    assert_eq!(
        self::config(&["--backend", "memory"], &env)["backend"],
        "memory"
    );
    assert_eq!(
        self::config(&["--registry", "memory"], &env)["backend"],
        "memory"
    );
    let out = run(&["list"], &[("MICRO_REGISTRY", "consul")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("MICRO_REGISTRY"));
}

#[test]
fn backend_options_pass_through_typed_by_the_backend() {
    let config = config(
        &[
            "--backend",
            "etcd",
            "--backend-option",
            "tls_ca=/etc/ca.pem",
            "--backend-option",
            "dial_timeout_ms=750",
            "--backend-option",
            "password=123",
        ],
        &[],
    );
    assert_eq!(config["tls_ca"], "/etc/ca.pem");
    assert_eq!(config["dial_timeout_ms"], 750);
    assert_eq!(config["password"], "***");
    let config = self::config(
        &["--backend-option", "gomicro=false", "--interface", "lo"],
        &[],
    );
    assert_eq!(
        (config["gomicro"].clone(), config["dnssd"].clone()),
        (false.into(), true.into())
    );
    assert_eq!(config["interfaces"], serde_json::json!(["lo"]));

    // A setting of another backend names the chosen one and its settings.
    let out = run(&["--backend", "etcd", "--interface", "eth0", "config"], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`interfaces`")
            && stderr.contains("etcd backend")
            && stderr.contains("`addresses`"),
        "{stderr}"
    );
    let out = run(&["--backend-option", "gomicro=maybe", "config"], &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("gomicro"));
}

/// The first line `register` prints (memory backend), then SIGTERM.
fn registered_line(args: &[&str]) -> String {
    let mut child = command(
        &[
            &[
                "--backend",
                "memory",
                "register",
                "svc",
                "--address",
                "10.0.0.1:80",
            ],
            args,
        ]
        .concat(),
        &[],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
    line
}

#[test]
fn register_uses_the_default_ttl_unless_given() {
    assert!(registered_line(&[]).contains("(ttl 1m 30s)"));
    assert!(registered_line(&["--ttl", "5s"]).contains("(ttl 5s)"));
    assert!(registered_line(&["--ttl", "0s"]).contains("(ttl none)"));
    let line = registered_line(&["--backend-option", "register_ttl_ms=20000"]);
    assert!(line.contains("(ttl 20s)"), "{line}");
}
