//! Test hosts (tests/netns/hosts) and processes running on them, shared by the
//! multi-host test files.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// Three test hosts, made once per test binary; the tests of a binary take
/// turns on them (the guard is the turn).
pub fn hosts() -> MutexGuard<'static, ()> {
    impaired_hosts(&[])
}

/// Three test hosts with impairments (`tests/netns/hosts up 3 ARGS`, e.g.
/// `--loss 20 --delay 50`), made once per test binary: every test of a binary
/// gets the same ones.
pub fn impaired_hosts(impairments: &[&str]) -> MutexGuard<'static, ()> {
    static UP: OnceLock<Vec<String>> = OnceLock::new();
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let made = UP.get_or_init(|| {
        super::require_isolated_network();
        // Hosts left by an earlier test binary in the same namespace go first.
        // The kernel tears a namespace's links down after its last process
        // has gone, asynchronously: a name may still be taken for a moment
        // ("File exists"), so a failed `up` is cleaned up and tried again.
        let made = (0..3).any(|attempt| {
            if attempt > 0 {
                std::thread::sleep(Duration::from_secs(2));
            }
            let _ = hosts_command().arg("down").status();
            hosts_command()
                .args(["up", "3"])
                .args(impairments)
                .status()
                .expect("tests/netns/hosts")
                .success()
        });
        assert!(made, "cannot make the test hosts");
        impairments.iter().map(|s| s.to_string()).collect()
    });
    assert_eq!(made, impairments, "one kind of hosts per test binary");
    turn
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// An example binary of this package (built by `cargo build --examples`).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --example {name}`",
        path.display()
    );
    path
}

fn hosts_command() -> Command {
    Command::new(root().join("tests/netns/hosts"))
}

fn on_host<S: AsRef<OsStr>>(host: u32, program: &[S]) -> Command {
    let mut command = hosts_command();
    command.args(["exec", &host.to_string()]).args(program);
    command
}

/// A test's child process (usually on a test host), its stdout read line by
/// line. Killed when dropped.
pub struct TestProcess {
    child: Child,
    lines: Receiver<String>,
    stdin: Option<std::process::ChildStdin>,
}

impl TestProcess {
    /// Starts `program` on test host `host`.
    pub fn start<S: AsRef<OsStr>>(host: u32, program: &[S]) -> TestProcess {
        Self::spawn(on_host(host, program))
    }

    /// Starts `program` on test host `host`, with a pipe to its stdin for
    /// [`send`](Self::send).
    pub fn start_with_stdin<S: AsRef<OsStr>>(host: u32, program: &[S]) -> TestProcess {
        let mut command = on_host(host, program);
        command.stdin(Stdio::piped());
        Self::spawn(command)
    }

    /// Writes one line to the process's stdin (see `start_with_stdin`).
    pub fn send(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("started with a stdin pipe");
        writeln!(stdin, "{line}").expect("write to the process");
        stdin.flush().expect("flush to the process");
    }

    /// Starts any command, reading its stdout.
    pub fn spawn(mut command: Command) -> TestProcess {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        TestProcess {
            child,
            lines,
            stdin,
        }
    }

    /// Runs a program on a host to completion.
    pub fn run<S: AsRef<OsStr>>(host: u32, program: &[S]) -> Output {
        on_host(host, program)
            .output()
            .expect("run a process on a test host")
    }

    /// The next line of output; fails the test if none comes `within`.
    pub fn line(&self, within: Duration) -> String {
        self.lines
            .recv_timeout(within)
            .unwrap_or_else(|_| panic!("no output within {within:?}"))
    }

    /// The next line of output, if one comes `within`.
    pub fn try_line(&self, within: Duration) -> Option<String> {
        self.lines.recv_timeout(within).ok()
    }

    /// The process id (on a test host: the program's own, as the host
    /// wrapper execs it).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process gets no chance to say goodbye.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for the exit.
    pub fn terminate(&mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let _ = self.child.wait();
    }
}

impl Drop for TestProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `count` fresh test hosts for a benchmark run by hand (`make bench-*`,
/// inside tests/netns/isolated, named by `make_target`); taken down when the
/// guard is dropped.
pub fn bench_hosts(count: u32, make_target: &str) -> BenchHosts {
    assert_eq!(
        std::env::var("MICROREG_ISOLATED").as_deref(),
        Ok("1"),
        "run inside tests/netns/isolated (make {make_target})"
    );
    let _ = hosts_command().arg("down").status();
    let up = hosts_command()
        .args(["up", &count.to_string()])
        .status()
        .expect("tests/netns/hosts");
    assert!(up.success(), "cannot make the test hosts");
    BenchHosts
}

/// The hosts of [`bench_hosts`]; dropped: taken down.
pub struct BenchHosts;

impl Drop for BenchHosts {
    fn drop(&mut self) {
        let _ = hosts_command().arg("down").status();
    }
}

/// The `register` command line of the peer examples (mdns_peer): node `id`
/// of `service` at `address`.
pub fn register_args<'a>(service: &'a str, id: &'a str, address: &'a str) -> Vec<&'a str> {
    vec![
        "register",
        "--service",
        service,
        "--id",
        id,
        "--address",
        address,
    ]
}
