//! `microreg browse`: a live table of every service and node.
//!
//! The table is a [`ServiceView`] fed by its own watch: the watch starts first,
//! then one listing fills the view, then every event is applied in order. It
//! never asks a cache after an event (a cache fed by another watch may not have
//! seen that event yet, and its older answer would bring back a node the event
//! removed, for good).

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use microreg::{Client, Error, Registry, Result, ServiceView, WatchOptions, Watcher};
use tokio::signal::unix::{signal, SignalKind};

use super::args::GlobalArgs;
use super::table::{nodes_table, sorted, terminal_size};

/// Events that arrive together (a burst of registrations) make one redraw.
const MAX_EVENTS_PER_REDRAW: usize = 4096;

pub async fn browse(client: &Client, args: &GlobalArgs, once: bool) -> Result<()> {
    let domain = args.domain.as_str();
    let mut interrupts = super::Interrupts::new();
    let (mut watcher, mut view) = follow(client, domain).await?;
    let mut screen = Screen::new(args.json, once);
    if !screen.show(&view) || once {
        return Ok(());
    }
    let mut resized = signal(SignalKind::window_change()).ok();
    loop {
        tokio::select! {
            event = watcher.next() => {
                view.apply(&event?);
                // Apply what is already queued before drawing.
                for _ in 0..MAX_EVENTS_PER_REDRAW {
                    match watcher.next_timeout(Duration::ZERO).await {
                        Ok(event) => view.apply(&event),
                        Err(_) => break,
                    }
                }
                if watcher.dropped_events() > 0 {
                    // The queue overflowed: events are lost, so start over.
                    (watcher, view) = follow(client, domain).await?;
                }
            }
            Some(()) = async { resized.as_mut()?.recv().await } => {}
            _ = interrupts.recv() => return Ok(()),
        }
        if !screen.show(&view) {
            return Ok(());
        }
    }
}

/// A watch and the listing taken after it started: applying the watch's
/// events to the listing keeps it current.
async fn follow(client: &Client, domain: &str) -> Result<(Watcher, ServiceView)> {
    let options = WatchOptions {
        service: None,
        domain: domain.to_string(),
    };
    let watcher = client.watch(&options).await?;
    let mut listing = client.list_services(domain).await?;
    // A backend whose listing names services without their nodes (as
    // go-micro's mdns registry does) is asked for each of them.
    let bare: BTreeSet<String> = listing
        .iter()
        .filter(|s| s.nodes.is_empty())
        .map(|s| s.name.clone())
        .collect();
    listing.retain(|s| !bare.contains(&s.name));
    for name in bare {
        match client.get_service(&name, domain).await {
            Ok(services) => listing.extend(services),
            Err(Error::NotFound) => {}
            Err(error) => return Err(error),
        }
    }
    Ok((watcher, ServiceView::from_services(listing)))
}

/// Where the table goes: drawn in place on the terminal's alternate screen,
/// appended otherwise (`--once`, pipes, `--json`).
struct Screen {
    json: bool,
    /// The terminal is in the alternate screen and must be restored.
    live: Option<AlternateScreen>,
}

impl Screen {
    fn new(json: bool, once: bool) -> Self {
        let live = (!json && !once && std::io::stdout().is_terminal()).then(AlternateScreen::enter);
        Screen { json, live }
    }

    /// Shows the view; false when stdout is gone (e.g. a closed pipe).
    fn show(&mut self, view: &ServiceView) -> bool {
        let services: Vec<_> = view.services().cloned().collect();
        let text = if self.json {
            // One line per state of the table: the services as `list --json`
            // prints them, gathered in one array.
            let services = sorted(&services);
            format!(
                "{}\n",
                serde_json::to_string(&services).expect("services serialize")
            )
        } else {
            let table = nodes_table(&services);
            let summary = format!("{} service(s), {} node(s)", view.len(), view.node_count());
            match (&self.live, terminal_size()) {
                (Some(_), Some((columns, rows))) => frame(&table, &summary, columns, rows),
                _ => format!("{}{summary}\n\n", table.render()),
            }
        };
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .is_ok()
    }
}

/// One screenful: the header on the first line, as many rows as fit, and the
/// summary on the last line (saying how many rows did not fit). Each line is
/// cleared to its end and so is the rest of the screen, so nothing flickers.
fn frame(table: &super::table::Table, summary: &str, columns: usize, rows: usize) -> String {
    let lines = table.lines(Some(columns));
    let room = rows.saturating_sub(2).max(1); // header + summary
    let shown = (lines.len() - 1).min(room);
    let hidden = table.len() - shown;
    let footer = if hidden > 0 {
        format!("{summary}; {hidden} more row(s) below (enlarge the window)")
    } else {
        summary.to_string()
    };
    let mut out = String::from("\x1b[H");
    for line in lines.iter().take(shown + 1) {
        out.push_str(line.trim_end_matches('\n'));
        out.push_str("\x1b[K\r\n");
    }
    let footer: String = footer.chars().take(columns).collect();
    out.push_str(&format!("\x1b[7m{footer}\x1b[0m\x1b[K\x1b[J"));
    out
}

/// The terminal's alternate screen with the cursor hidden, for as long as this
/// lives: dropping it (on every way out: Ctrl-C, SIGTERM, an error, a panic)
/// gives the user back the screen they had.
struct AlternateScreen;

impl AlternateScreen {
    fn enter() -> Self {
        print!("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
        let _ = std::io::stdout().flush();
        AlternateScreen
    }
}

impl Drop for AlternateScreen {
    fn drop(&mut self) {
        print!("\x1b[?25h\x1b[?1049l");
        let _ = std::io::stdout().flush();
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::Table;
    use super::*;

    #[test]
    fn the_header_stays_and_the_footer_counts_what_did_not_fit() {
        let mut table = Table::new(vec!["SERVICE", "NODE"]);
        for i in 0..10 {
            table.push(vec![format!("svc{i}"), format!("svc{i}-node")]);
        }
        let text = frame(&table, "10 service(s)", 40, 6);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("\x1b[HSERVICE"), "{:?}", lines[0]);
        assert_eq!(lines.len(), 6, "header, 4 rows, footer: {text:?}");
        assert!(lines[5].contains("6 more row(s)"), "{:?}", lines[5]);
    }
}
