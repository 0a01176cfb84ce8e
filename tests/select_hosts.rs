//! Selection across test hosts over mdns: a node deleted on one host is never
//! selected on another once the delete event is applied. (The per-face
//! register → select → connect walk-through is tests/select/two_hosts.sh.)
//! Runs inside tests/netns/isolated (`make test`).

mod support;

use std::time::Duration;

use support::hosts::{example, hosts, TestProcess};

const PATIENCE: Duration = Duration::from_secs(60);

fn select_echo(args: &[&str]) -> Vec<String> {
    let mut program = vec![example("select_echo").display().to_string()];
    program.extend(args.iter().map(|a| a.to_string()));
    program
}

#[test]
fn a_node_deleted_on_another_host_is_never_selected_after_the_delete_event() {
    let _turn = hosts();
    let a = TestProcess::start(
        1,
        &select_echo(&["serve", "--id", "echo-a", "--address", "10.77.0.1:7201"]),
    );
    let mut b = TestProcess::start(
        1,
        &select_echo(&["serve", "--id", "echo-b", "--address", "10.77.0.1:7202"]),
    );
    assert_eq!(a.line(PATIENCE), "serving echo-a on 10.77.0.1:7201");
    assert_eq!(b.line(PATIENCE), "serving echo-b on 10.77.0.1:7202");

    let follower = TestProcess::start(2, &select_echo(&["follow", "--gone", "echo-b"]));
    assert_eq!(follower.line(PATIENCE), "in rotation: echo-b");
    b.terminate(); // deregisters: a goodbye to host 2
    assert_eq!(follower.line(PATIENCE), "deleted: echo-b");
    // 2000 round-robin selections after the event: every one is echo-a.
    assert_eq!(
        follower.line(PATIENCE),
        r#"after the delete: {"echo-a":2000}"#
    );
}
