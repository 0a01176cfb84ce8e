//! The CLI on a terminal (a pseudo-terminal made here): `browse` draws on the
//! alternate screen and gives the terminal back on Ctrl-C, fits the width (an
//! ellipsis, no wrapping), keeps the header, redraws on resize; `--once`
//! prints without clearing; rows in natural order. Uses the mdns backend, so it
//! runs inside `tests/netns/isolated`:
//! `tests/netns/isolated cargo test --offline --test cli_terminal`.

mod support;

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::Children;

const BIN: &str = env!("CARGO_BIN_EXE_microreg");
const DOMAIN: &str = "tty";

/// A command whose stdin, stdout and stderr are a pseudo-terminal.
struct OnTerminal {
    child: Child,
    master: OwnedFd,
    output: Arc<Mutex<Vec<u8>>>,
}

fn winsize(columns: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

impl OnTerminal {
    fn spawn(args: &[&str], columns: u16, rows: u16) -> Self {
        let (mut master, mut slave) = (-1, -1);
        let size = winsize(columns, rows);
        // SAFETY: openpty writes two descriptors that we then own.
        let ok = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(ok, 0, "openpty");
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let child = Command::new(BIN)
            .args(["--backend", "mdns", "--domain", DOMAIN])
            .args(args)
            .env("TERM", "xterm")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = std::fs::File::from(master.try_clone().unwrap());
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once every holder of the terminal's other side exits.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        OnTerminal {
            child,
            master,
            output,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the output satisfies `done` (or fails the test).
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if done(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "{what}: never came in {text:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn resize(&self, columns: u16, rows: u16) {
        let size = winsize(columns, rows);
        // SAFETY: TIOCSWINSZ reads one winsize.
        unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
        // The child is not in the terminal's foreground group: tell it.
        signal(&self.child, "WINCH");
    }

    fn exit_status(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for OnTerminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(child: &Child, name: &str) {
    Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
}

/// The text of the last frame drawn (after the last cursor-home), as lines
/// without escape sequences.
fn last_frame(text: &str) -> Vec<String> {
    let frame = text.rsplit("\x1b[H").next().unwrap_or_default();
    frame
        .split("\r\n")
        .map(strip_escapes)
        .filter(|l| !l.is_empty())
        .collect()
}

fn strip_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        if c != '\r' && c != '\n' {
            out.push(c);
        }
    }
    out
}

fn register(name: &str, port: u16, meta: &str) -> Child {
    Command::new(BIN)
        .args(["--backend", "mdns", "--domain", DOMAIN, "register", name])
        .args(["--address", &format!("127.0.0.1:{port}"), "--meta", meta])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn browse_fits_the_terminal_and_gives_it_back() {
    support::require_isolated_network();
    let long = format!("note={}", "x".repeat(200));
    let _nodes = Children(vec![
        register("svc10", 7010, &long),
        register("svc2", 7002, "team=core"),
    ]);
    let mut browse = OnTerminal::spawn(&["browse"], 60, 20);
    let text = browse.wait_for("both services", |t| {
        let frame = last_frame(t);
        frame.iter().any(|l| l.starts_with("svc10")) && frame.iter().any(|l| l.starts_with("svc2 "))
    });
    assert!(
        text.starts_with("\x1b[?1049h"),
        "alternate screen first: {text:?}"
    );
    let frame = last_frame(&text);
    assert!(frame[0].starts_with("SERVICE"), "header on top: {frame:?}");
    for line in &frame {
        assert!(line.chars().count() <= 60, "wider than 60: {line:?}");
    }
    let row = |prefix: &str| frame.iter().position(|l| l.starts_with(prefix)).unwrap();
    assert!(row("svc2 ") < row("svc10"), "natural order: {frame:?}");
    assert!(
        frame[row("svc10")].ends_with('…'),
        "cut with an ellipsis: {frame:?}"
    );

    // A narrower window: redrawn to its width.
    let before = text.len();
    browse.resize(40, 20);
    let text = browse.wait_for("a redraw", |t| {
        t.len() > before && t[before..].contains("\x1b[H")
    });
    for line in last_frame(&text) {
        assert!(line.chars().count() <= 40, "wider than 40: {line:?}");
    }

    // Ctrl-C: the terminal is given back (cursor shown, main screen).
    signal(&browse.child, "INT");
    assert!(browse.exit_status().success());
    let text = browse.wait_for("the main screen back", |t| {
        t.ends_with("\x1b[?25h\x1b[?1049l")
    });
    assert!(text.ends_with("\x1b[?25h\x1b[?1049l"));
}

#[test]
fn once_prints_without_clearing_and_fits() {
    support::require_isolated_network();
    let long = format!("note={}", "y".repeat(200));
    let _nodes = Children(vec![register("svc7", 7007, &long)]);
    // Wait until it is on the LAN, seen by a fresh process.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(
        &Command::new(BIN)
            .args(["--backend", "mdns", "--domain", DOMAIN, "list"])
            .output()
            .unwrap()
            .stdout,
    )
    .contains("svc7")
    {
        assert!(Instant::now() < deadline, "svc7 never listed");
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut once = OnTerminal::spawn(&["browse", "--once"], 50, 10);
    assert!(once.exit_status().success());
    let text = once.wait_for("the table", |t| t.contains("node(s)"));
    assert!(
        !text.contains("\x1b[?1049h") && !text.contains("\x1b[2J"),
        "{text:?}"
    );
    let lines: Vec<String> = text.lines().map(strip_escapes).collect();
    assert!(lines[0].starts_with("SERVICE"), "{lines:?}");
    for line in &lines {
        assert!(line.chars().count() <= 50, "wider than 50: {line:?}");
    }
}
