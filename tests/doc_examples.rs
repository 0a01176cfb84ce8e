//! The examples of README.md and docs/ that are not Rust: the CLI example runs
//! as written, and every page of docs/ is collected by the crate's doc tests
//! (src/lib.rs), so that its Rust examples run too. The CLI example uses the
//! LAN: `tests/netns/isolated cargo test --offline --test doc_examples`.

mod support;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_microreg");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The first ```sh block after the heading `heading` of a Markdown page.
fn sh_block_after(page: &Path, heading: &str) -> String {
    let text = std::fs::read_to_string(page).unwrap();
    let section = text
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no heading {heading:?} in {}", page.display()))
        .1;
    let block = section
        .split_once("```sh\n")
        .unwrap_or_else(|| panic!("no sh block after {heading:?} in {}", page.display()))
        .1;
    block.split_once("```").unwrap().0.to_string()
}

#[test]
fn the_readme_cli_example_runs_as_written() {
    support::require_isolated_network();
    let script = sh_block_after(&root().join("README.md"), "### CLI");
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    // Its own process group, so that a timeout kills the shell and what it
    // started in the background.
    let mut child = Command::new("sh")
        .args(["-e", "-c", &script])
        .env("PATH", path)
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut timed_out = false;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Whatever the script left running (a failed step leaves the background
    // registrant) holds the output pipes open: end the whole group first.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let out = child.wait_with_output().unwrap();
    assert!(
        !timed_out,
        "README's CLI example did not end within 60 s:\n{script}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "README's CLI example failed ({}):\n{script}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // `get` as a table and as JSON both show the registered node.
    assert!(stdout.contains("10.0.0.5:8080"), "{stdout}");
    assert!(stdout.contains(r#""name":"greeter""#), "{stdout}");
}

#[test]
fn every_docs_page_is_collected_by_the_doc_tests() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let mut pages = 0;
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".md") {
            pages += 1;
            assert!(
                lib.contains(&format!("\"../docs/{name}\"")),
                "docs/{name} is not included by src/lib.rs's doc_examples, so its Rust examples are not run"
            );
        }
    }
    assert!(pages > 0, "no page in docs/");
}
