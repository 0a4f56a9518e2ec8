//! docs/configuration.md lists every variable the Worker reads, and no other:
//! its table is compared with `config::VARIABLES`, which every read goes
//! through (`Reader::text` asserts it in debug builds), and with the names
//! the Worker's source mentions.

use ghl_bridge::config::VARIABLES;
use std::collections::BTreeSet;

fn documented() -> Vec<(String, String)> {
    let doc = include_str!("../docs/configuration.md");
    doc.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((name.to_string(), cells.get(2)?.to_string()))
        })
        .collect()
}

#[test]
fn the_table_lists_every_variable_the_code_reads_as_secret_or_var() {
    let doc: BTreeSet<(String, String)> = documented().into_iter().collect();
    let code: BTreeSet<(String, String)> = VARIABLES
        .iter()
        .map(|v| {
            let kind = if v.secret { "secret" } else { "var" };
            (v.name.to_string(), kind.to_string())
        })
        .collect();
    assert_eq!(doc, code, "docs/configuration.md against src/config.rs");
}

#[test]
fn every_name_the_config_reads_is_listed() {
    let listed: BTreeSet<&str> = VARIABLES.iter().map(|v| v.name).collect();
    let source = include_str!("../src/config.rs");
    // Each `r.text("X")`, `r.url("X", ..)`, ... call of the reader.
    for (at, _) in source.match_indices("(\"") {
        let rest = &source[at + 2..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        if name.len() > 3 && rest[name.len()..].starts_with('"') {
            assert!(
                listed.contains(name.as_str()),
                "{name} is read but not listed"
            );
        }
    }
}
