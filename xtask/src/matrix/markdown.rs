//! coverage/MATRIX.md: the per-vendor summary, then chip × trait.

use super::input::CAPABILITIES;
use super::model::{Matrix, Summary, LEVELS};
use std::fmt::Write as _;

/// One letter per level in the summary table.
fn letter(level: &str) -> &'static str {
    match level {
        "verified" => "V",
        "failed" => "F",
        "generated" => "G",
        "broken" => "B",
        "skeleton" => "S",
        "absent" => "A",
        _ => "U",
    }
}

pub fn render(m: &Matrix) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Coverage matrix\n");
    let _ = writeln!(
        s,
        "Per chip and embedded-hal capability: the strongest evidence hal-gen has. \
         Written by `cargo xtask matrix` ({}); schema and cell rules in \
         [README.md](README.md); the same data as a page: [index.html](index.html).\n",
        m.generated_by
    );
    let _ = writeln!(
        s,
        "{} chips ({} corpus, {} project, {} validation corpus). Inputs: corpus report {} (checks: {}); \
         coverage records {}; {} conformance run(s).\n",
        m.chips.len(),
        m.chips.iter().filter(|c| c.source == "corpus").count(),
        m.chips.iter().filter(|c| c.source == "project").count(),
        m.chips.iter().filter(|c| c.source == "validation").count(),
        m.inputs
            .corpus_report
            .as_deref()
            .map_or("none".to_string(), |p| format!("`{p}`")),
        if m.inputs.report_checks.is_empty() {
            "none".to_string()
        } else {
            m.inputs.report_checks.join(", ")
        },
        m.inputs
            .records
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        m.runs.len()
    );
    let _ = writeln!(s, "Legend: `verified:<backend>` conformance tests passed there (none failed); `failed:<backend>` a conformance test failed; `generated` a family matched and a driver was generated; `generated✗` (level `broken`) generated, but the HAL failed to compile in the corpus report; `skeleton` the peripheral exists, no family matched; `absent` no such peripheral; `unknown` no coverage record (generation failed or not run).\n");
    let _ = writeln!(
        s,
        "Traits: {}.\n",
        m.capabilities
            .iter()
            .map(|(c, t)| format!("{c} = `{t}`"))
            .collect::<Vec<_>>()
            .join("; ")
    );

    let _ = writeln!(s, "## Per vendor\n");
    let _ = writeln!(s, "Chips per level: V verified, F failed, G generated, B generated✗ (HAL does not compile), S skeleton, A absent, U unknown. HAL build is from the corpus report (pass / fail / not run).\n");
    let _ = write!(s, "| vendor | chips |");
    for c in CAPABILITIES {
        let _ = write!(s, " {c} |");
    }
    let _ = writeln!(s, " HAL build |");
    let _ = write!(s, "|---|---:|");
    for _ in CAPABILITIES {
        s.push_str("---|");
    }
    s.push_str("---|\n");
    for (vendor, v) in &m.vendors {
        summary_row(&mut s, vendor, v);
    }
    summary_row(&mut s, "**all**", &m.totals);

    let _ = writeln!(s, "\n## Chip × trait\n");
    let _ = write!(s, "| chip | vendor | core |");
    for c in CAPABILITIES {
        let _ = write!(s, " {c} |");
    }
    let _ = writeln!(s, " HAL build | PAC check s |");
    let _ = write!(s, "|---|---|---|");
    for _ in CAPABILITIES {
        s.push_str("---|");
    }
    s.push_str("---|---:|\n");
    for c in &m.chips {
        let _ = write!(
            s,
            "| {}{} | {} | {} |",
            c.chip,
            match c.source.as_str() {
                "project" => " (svd/)",
                "validation" => " (validation corpus)",
                _ => "",
            },
            c.vendor,
            c.core
        );
        for cap in CAPABILITIES {
            let _ = write!(s, " {} |", c.cells[cap].label);
        }
        let check = c.build.pac_check.map_or("-".to_string(), |(ok, secs)| {
            if ok {
                format!("{secs:.1}")
            } else {
                format!("fail ({secs:.1})")
            }
        });
        let _ = writeln!(s, " {} | {check} |", c.build.hal_build);
    }
    if !m.peers.is_empty() {
        peers(&mut s, m);
    }
    s
}

/// HALs nobody here wrote, each beside the generated HAL on its board.
fn peers(s: &mut String, m: &Matrix) {
    let _ = writeln!(s, "\n## Peer HALs\n");
    let _ = writeln!(s, "The same conformance tests against a HAL hal-gen did not generate, on the same board, each row followed by the generated HAL's run there. A cell counts that run's tests of the trait: `failed` names the failing tests. Explanations: [docs/conformance/peer](../docs/conformance/peer/README.md).\n");
    let _ = write!(s, "| HAL | chip | board |");
    for c in CAPABILITIES {
        let _ = write!(s, " {c} |");
    }
    let _ = write!(s, "\n|---|---|---|");
    for _ in CAPABILITIES {
        s.push_str("---|");
    }
    s.push('\n');
    for p in &m.peers {
        for (hal, cells) in [
            (p.hal.as_str(), &p.cells),
            ("generated by hal-gen", &p.generated),
        ] {
            if cells.is_empty() {
                continue;
            }
            let _ = write!(s, "| {hal} | {} | {} |", p.chip, p.board);
            for cap in CAPABILITIES {
                let cell = &cells[cap];
                if cell.failed.is_empty() {
                    let _ = write!(s, " {} |", cell.label);
                } else {
                    let _ = write!(s, " {}: {} |", cell.label, cell.failed.join(", "));
                }
            }
            s.push('\n');
        }
    }
}

fn summary_row(s: &mut String, name: &str, v: &Summary) {
    let _ = write!(s, "| {name} | {} |", v.chips);
    for cap in CAPABILITIES {
        let counts = v.cells.get(cap);
        let parts: Vec<String> = LEVELS
            .iter()
            .filter_map(|l| {
                let n = counts.and_then(|c| c.get(*l)).copied().unwrap_or(0);
                (n > 0).then(|| format!("{}&nbsp;{n}", letter(l)))
            })
            .collect();
        let _ = write!(s, " {} |", parts.join(" "));
    }
    let b = |k: &str| v.hal_build.get(k).copied().unwrap_or(0);
    let _ = writeln!(s, " {} / {} / {} |", b("pass"), b("fail"), b("not-run"));
}
