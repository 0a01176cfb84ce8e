//! Plain-text tables for people: columns padded to their widest cell.

use microreg::{Metadata, Service};

/// Rows of cells under a header, printed with two spaces between columns.
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: Vec<&'static str>) -> Self {
        Table {
            header,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let header = self
            .header
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>();
        for row in std::iter::once(&header).chain(&self.rows) {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

/// One row per service version: name, version, node count.
pub fn services_table(services: &[Service]) -> Table {
    let mut table = Table::new(vec!["SERVICE", "VERSION", "NODES"]);
    for service in services {
        table.push(vec![
            service.name.clone(),
            service.version.clone(),
            service.nodes.len().to_string(),
        ]);
    }
    table
}

/// One row per node: service, version, node id, address, metadata.
pub fn nodes_table(services: &[Service]) -> Table {
    let mut table = Table::new(vec!["SERVICE", "VERSION", "NODE", "ADDRESS", "METADATA"]);
    for service in services {
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

    #[test]
    fn columns_line_up() {
        let mut table = Table::new(vec!["A", "BB"]);
        table.push(vec!["long cell".into(), "x".into()]);
        assert_eq!(table.render(), "A          BB\nlong cell  x\n");
    }
}
