//! docs/bench/bench.md from the results.

use super::{thumb, Figure, Results};
use std::fmt::Write as _;

/// Collapse whitespace, cut to `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(max).collect();
    if flat.chars().count() > max {
        out.push('…');
    }
    out
}

fn opt(r: Option<f64>) -> String {
    r.map_or("–".into(), |r| format!("{r:.2}"))
}

fn bytes(bins: &[thumb::Binary], suffix: &str) -> String {
    bins.iter()
        .find(|b| b.bin.ends_with(suffix))
        .map_or("–".into(), |b| match &b.flash {
            Ok(n) => format!("{n}"),
            Err(e) => one_line(e, 40).replace('|', "\\|"),
        })
}

pub fn render(r: &Results) -> String {
    let mut s = String::from("# Benchmarks\n\n");
    let _ = writeln!(
        s,
        "Produced by `{}` on a {}-core machine shared with other work, in {:.0} min. \
         Every figure is the median of {} runs (min–max in brackets) unless its section says \
         otherwise; the two sides of each comparison run interleaved. Raw runs are in \
         [bench.json](bench.json).\n",
        r.command,
        r.cores,
        r.wall_s / 60.0,
        r.runs
    );
    let _ = writeln!(s, "Tools: {}.\n", r.tools.join("; "));
    let fig = |f: &Figure| f.show().replace('|', "\\|");

    if let Some(g) = &r.generation {
        let _ = writeln!(
            s,
            "## 1. Generation\n\nThe `hal-gen` binary (writes the PAC *and* the HAL and the coverage record, split and \
             formatted) against svd2rust's CLI + `form` + `rustfmt` (writes a PAC only).\n\n\
             | chip | hal-gen (PAC + HAL) | svd2rust + form + rustfmt | ratio |\n|---|---:|---:|---:|"
        );
        for row in &g.rows {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.2} |",
                row.chip,
                row.hal_gen.show(),
                row.svd2rust_form_rustfmt.show(),
                row.ratio
            );
        }
        let _ = writeln!(
            s,
            "\nMedian ratio: **{}** (goal ≤ 1.0).\n",
            opt(g.median_ratio)
        );
        if let Some(first) = g.rows.first() {
            let names: Vec<&str> = first
                .hal_gen_stages
                .iter()
                .chain(&first.baseline_stages)
                .map(|(n, _)| n.as_str())
                .collect();
            let _ = writeln!(
                s,
                "Where the time goes (median seconds per stage; hal-gen's `--timings`, then the baseline's three \
                 processes):\n\n| chip | {} |\n|---|{}",
                names.join(" | "),
                "---:|".repeat(names.len())
            );
            for row in &g.rows {
                let cells: Vec<String> = row
                    .hal_gen_stages
                    .iter()
                    .chain(&row.baseline_stages)
                    .map(|(_, t)| format!("{t:.2}"))
                    .collect();
                let _ = writeln!(s, "| {} | {} |", row.chip, cells.join(" | "));
            }
            s.push('\n');
        }
    }

    if let Some(p) = &r.pac_check {
        let _ = writeln!(
            s,
            "## 2. `cargo check` of the PAC alone\n\nTimed: {}.\n\n\
             | chip | svd2rust (default output) | hal-gen `--features all` | ratio | hal-gen `all,impl-debug` |\n\
             |---|---:|---:|---:|---:|",
            p.timed
        );
        for row in &p.rows {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                row.chip,
                fig(&row.svd2rust),
                fig(&row.hal_gen_all),
                opt(row.ratio),
                fig(&row.hal_gen_all_impl_debug)
            );
        }
        let _ = writeln!(
            s,
            "\nMedian ratio hal-gen / svd2rust: **{}**.\n",
            opt(p.median_ratio)
        );
    }

    if let Some(a) = &r.app_check {
        let _ = writeln!(
            s,
            "## 3. `cargo check` of a small application\n\n(a) blinky + serial echo (the HAL's own examples, \
             two binaries) on hal-gen's HAL with default features, so the PAC builds only the peripherals the \
             HAL uses; (b) the same with the PAC's `all` feature; (c) a blinky with raw register writes on \
             svd2rust's PAC, no HAL. Timed: {}.\n\n\
             | chip | (a) HAL | (b) HAL + PAC `all` | (c) svd2rust PAC, raw | a/c | b/c |\n|---|---:|---:|---:|---:|---:|",
            a.timed
        );
        for row in &a.rows {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                row.chip,
                fig(&row.hal),
                fig(&row.hal_all),
                fig(&row.svd2rust_raw),
                opt(row.a_over_c),
                opt(row.b_over_c)
            );
        }
        let _ = writeln!(
            s,
            "\nMedian a/c: **{}** (goal ≤ 0.2); median b/c: **{}**. Medians are over the chips where (c) compiles.\n",
            opt(a.median_a_over_c),
            opt(a.median_b_over_c)
        );
    }

    if let Some(t) = &r.thumb {
        let _ = writeln!(
            s,
            "## 4. Release build for the target\n\nTimed: {}. Flash is `text + data` from `size`.\n\n\
             | chip | target | hal-gen (a) | svd2rust (c) | ratio | flash: blinky (a) | serial echo (a) | raw blinky (c) |\n\
             |---|---|---:|---:|---:|---:|---:|---:|",
            t.timed
        );
        for row in &t.rows {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                row.chip,
                row.triple.as_deref().unwrap_or("–"),
                fig(&row.hal),
                fig(&row.svd2rust_raw),
                opt(row.ratio),
                bytes(&row.hal_bins, "-blinky"),
                bytes(&row.hal_bins, "-serial-echo"),
                bytes(&row.svd2rust_bins, "-raw-blinky"),
            );
        }
        let _ = writeln!(
            s,
            "\nMedian build-time ratio: **{}**.\n",
            opt(t.median_ratio)
        );
    }

    if let Some(c) = &r.corpus {
        let _ = writeln!(
            s,
            "## 5. Whole-corpus generation\n\n{} SVDs ({} fail to generate), median of {} runs. Timed: {}.\n\n\
             | threads | wall time |\n|---:|---:|\n| 1 | {} |\n| {} | {} |\n\n\
             Goal on all cores: ≤ 120 s.\n",
            c.svds,
            c.failed,
            c.runs,
            c.timed,
            c.one_thread.show(),
            c.threads,
            c.all_threads.show()
        );
    }
    s
}
