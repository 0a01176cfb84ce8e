//! Plain-text tables for people: rows in natural order, columns padded to their
//! widest cell and, on a terminal, fitted to its width (cells cut with an
//! ellipsis, lines never wrap).

use std::cmp::Ordering;
use std::io::IsTerminal;

use microreg::{Metadata, Service};

/// Spaces between two columns.
const GAP: usize = 2;
/// A column is not squeezed below this many characters (ellipsis included)
/// while wider columns can give.
const MIN_COLUMN: usize = 4;

/// Rows of cells under a header, printed with two spaces between columns.
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    /// Columns that give up width first when the terminal is narrow (long,
    /// least telling at a glance: node ids, metadata).
    elastic: Vec<bool>,
}

impl Table {
    pub fn new(header: Vec<&'static str>) -> Self {
        Table {
            elastic: vec![false; header.len()],
            header,
            rows: Vec::new(),
        }
    }

    /// Marks the named columns as the first to narrow.
    pub fn elastic(mut self, columns: &[&str]) -> Self {
        for (flag, name) in self.elastic.iter_mut().zip(&self.header) {
            *flag = columns.contains(name);
        }
        self
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// How many rows (the header not counted).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The table for standard output: fitted to the terminal's width when
    /// stdout is one, whole otherwise (pipes and files get every character).
    pub fn render(&self) -> String {
        let width = std::io::stdout()
            .is_terminal()
            .then(terminal_size)
            .flatten()
            .map(|(columns, _)| columns);
        self.lines(width).concat()
    }

    /// The header and rows, each ending in a newline; with `width`, no line is
    /// longer than `width` characters.
    pub fn lines(&self, width: Option<usize>) -> Vec<String> {
        let natural = self.natural_widths();
        let widths = match width {
            Some(width) => fit(&natural, &self.elastic, width),
            None => natural,
        };
        let header: Vec<String> = self.header.iter().map(|h| h.to_string()).collect();
        std::iter::once(&header)
            .chain(&self.rows)
            .map(|row| {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| pad(&cut(cell, *width), *width))
                    .collect();
                let mut line = cells.join(&" ".repeat(GAP)).trim_end().to_string();
                if let Some(width) = width {
                    // Only when even one character per column does not fit.
                    line = cut(&line, width);
                }
                line.push('\n');
                line
            })
            .collect()
    }

    fn natural_widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        widths
    }
}

/// Column widths that fit `total` characters with the gaps: elastic columns
/// give up characters first, then all; the widest go first, so short columns
/// stay whole.
fn fit(natural: &[usize], elastic: &[bool], total: usize) -> Vec<usize> {
    let gaps = GAP * natural.len().saturating_sub(1);
    let budget = total.saturating_sub(gaps).max(natural.len());
    let mut widths = natural.to_vec();
    if elastic.iter().any(|e| *e) {
        shrink(&mut widths, budget, |i| elastic[i]);
    }
    shrink(&mut widths, budget, |_| true);
    // Lowering columns together may overshoot: give the rest back, left first.
    let mut spare = budget.saturating_sub(widths.iter().sum::<usize>());
    for (w, n) in widths.iter_mut().zip(natural) {
        let give = spare.min(n.saturating_sub(*w));
        *w += give;
        spare -= give;
    }
    widths
}

/// Lowers the widest of the columns that `may` allows until the widths fit
/// `budget` or those columns reach their floor.
fn shrink(widths: &mut [usize], budget: usize, may: impl Fn(usize) -> bool) {
    let chosen: Vec<usize> = (0..widths.len()).filter(|i| may(*i)).collect();
    while widths.iter().sum::<usize>() > budget {
        let Some(widest) = chosen.iter().map(|i| widths[*i]).max() else {
            return;
        };
        // Every column at the floor: squeeze them all, one character at least.
        let floor = if widest > MIN_COLUMN { MIN_COLUMN } else { 1 };
        if widest <= floor {
            return;
        }
        let second = chosen
            .iter()
            .map(|i| widths[*i])
            .filter(|w| *w < widest)
            .max()
            .unwrap_or(floor)
            .max(floor);
        let excess = widths.iter().sum::<usize>() - budget;
        let at_widest: Vec<usize> = chosen
            .iter()
            .copied()
            .filter(|i| widths[*i] == widest)
            .collect();
        // Lower every widest column together, down to the next width at most.
        let step = excess.div_ceil(at_widest.len()).min(widest - second).max(1);
        for i in at_widest {
            widths[i] -= step;
        }
    }
}

/// `text` cut to `width` characters, the last one an ellipsis when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

/// The terminal's (columns, rows), if stdout is a terminal that says.
pub fn terminal_size() -> Option<(usize, usize)> {
    // TIOCGWINSZ through rustix's safe wrapper: the CLI has no unsafe code.
    let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
    (size.ws_col > 0 && size.ws_row > 0)
        .then_some((usize::from(size.ws_col), usize::from(size.ws_row)))
}

/// Natural order: runs of digits compare as numbers, so `svc2` comes before
/// `svc10` and version `1.9` before `1.10`; ties are broken by plain order,
/// so the order is total and stable.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let run = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (m, n) = (run(x), run(y));
                let strip = |s: &[u8]| {
                    let zeros = s.iter().take_while(|c| **c == b'0').count();
                    s[zeros..].to_vec()
                };
                let (p, q) = (strip(&x[..m]), strip(&y[..n]));
                let order = p.len().cmp(&q.len()).then_with(|| p.cmp(&q));
                if order != Ordering::Equal {
                    return order;
                }
                x = &x[m..];
                y = &y[n..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

/// Services by name, then version, in natural order; nodes of each by id.
pub fn sorted(services: &[Service]) -> Vec<Service> {
    let mut sorted = services.to_vec();
    sorted.sort_by(|a, b| {
        natural_cmp(&a.name, &b.name).then_with(|| natural_cmp(&a.version, &b.version))
    });
    for service in &mut sorted {
        service.nodes.sort_by(|a, b| {
            natural_cmp(&a.id, &b.id).then_with(|| natural_cmp(&a.address, &b.address))
        });
    }
    sorted
}

/// One row per service version: name, version, node count.
pub fn services_table(services: &[Service]) -> Table {
    let mut table = Table::new(vec!["SERVICE", "VERSION", "NODES"]);
    for service in sorted(services) {
        table.push(vec![
            service.name,
            service.version,
            service.nodes.len().to_string(),
        ]);
    }
    table
}

/// One row per node: service, version, node id, address, metadata.
pub fn nodes_table(services: &[Service]) -> Table {
    let mut table = Table::new(vec!["SERVICE", "VERSION", "NODE", "ADDRESS", "METADATA"])
        .elastic(&["NODE", "METADATA"]);
    for service in sorted(services) {
        for node in &service.nodes {
            table.push(vec![
                service.name.clone(),
                service.version.clone(),
                node.id.clone(),
                node.address.clone(),
                metadata_cell(&node.metadata),
            ]);
        }
    }
    table
}

fn metadata_cell(metadata: &Metadata) -> String {
    metadata
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use microreg::Node;

    #[test]
    fn columns_line_up() {
        let mut table = Table::new(vec!["A", "BB"]);
        table.push(vec!["long cell".into(), "x".into()]);
        assert_eq!(table.lines(None).concat(), "A          BB\nlong cell  x\n");
    }

    #[test]
    fn a_narrow_terminal_cuts_the_widest_columns_with_an_ellipsis() {
        let mut table = Table::new(vec!["SERVICE", "NODE", "METADATA"]).elastic(&["METADATA"]);
        table.push(vec![
            "greeter".into(),
            "greeter-0123456789abcdef".into(),
            "a=1,b=2,c=3,d=4,e=5,f=6,g=7".into(),
        ]);
        for width in [80, 40, 30, 20, 12, 3] {
            let lines = table.lines(Some(width));
            for line in &lines {
                let shown = line.trim_end_matches('\n').chars().count();
                assert!(shown <= width, "{width}: {line:?}");
            }
            if width == 40 {
                assert_eq!(
                    lines[1], "greeter  greeter-0123456789abcdef  a=1,…\n",
                    "the elastic column gives first"
                );
            }
        }
        assert!(!table.lines(Some(80)).concat().contains('…'), "room enough");
    }

    #[test]
    fn natural_order_puts_svc2_before_svc10() {
        let mut names = vec!["svc10", "svc2", "svc1", "api", "svc02", "1.10.0", "1.9.1"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["1.9.1", "1.10.0", "api", "svc1", "svc02", "svc2", "svc10"]
        );
    }

    #[test]
    fn rows_come_in_natural_order_whatever_the_input_order() {
        let service = |name: &str, version: &str, id: &str| {
            Service::new(name, version).with_node(Node::new(id, "10.0.0.1:1"))
        };
        let input = vec![
            service("svc10", "1", "a"),
            service("svc2", "1.10", "b"),
            service("svc2", "1.9", "c"),
        ];
        let mut reversed = input.clone();
        reversed.reverse();
        let render = |s: &[Service]| nodes_table(s).lines(None).concat();
        assert_eq!(render(&input), render(&reversed));
        let order: Vec<String> = nodes_table(&input)
            .rows
            .iter()
            .map(|r| format!("{} {}", r[0], r[1]))
            .collect();
        assert_eq!(order, ["svc2 1.9", "svc2 1.10", "svc10 1"]);
    }
}
