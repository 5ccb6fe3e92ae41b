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

fn runs(n: usize) -> String {
    if n == 1 {
        "1 run".into()
    } else {
        format!("{n} runs")
    }
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
        "Produced by `{}` on a {}-core machine shared with other work (1-minute load average \
         {:.1} at the start, {:.1} at the end), in {:.0} min. Every figure is the median of {} \
         (min–max in brackets) unless its section says otherwise; the two sides of each \
         comparison run interleaved. Raw runs are in [bench.json](bench.json).\n",
        r.command,
        r.cores,
        r.load_start,
        r.load_end,
        r.wall_s / 60.0,
        runs(r.runs)
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
             | chip | svd2rust (default output) | hal-gen `--features all` | ratio | hal-gen `all,impl-debug` | \
             hal-gen `all` without `enums` |\n\
             |---|---:|---:|---:|---:|---:|",
            p.timed
        );
        for row in &p.rows {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                row.chip,
                fig(&row.svd2rust),
                fig(&row.hal_gen_all),
                opt(row.ratio),
                fig(&row.hal_gen_all_impl_debug),
                fig(&row.hal_gen_all_no_enums)
            );
        }
        let _ = writeln!(
            s,
            "\nMedian ratio hal-gen / svd2rust: **{}**. The last two columns are levers: Debug impls \
             compiled in, and the PAC without its `enums` feature (as the HAL uses it).\n",
            opt(p.median_ratio)
        );
    }

    if let Some(a) = &r.app_check {
        let gated = a.rows.iter().any(|row| row.svd2rust_gated.is_some());
        let _ = writeln!(
            s,
            "## 3. `cargo check` of a small application\n\n(a) blinky + serial echo (the HAL's own examples, \
             two binaries) on hal-gen's HAL with default features off and only the two examples' driver \
             instances on, so the PAC builds only those peripherals; (b) the same with every driver and the \
             PAC's `all` feature; the PAC's `enums` are off in both, as the HAL leaves them; (c) a blinky \
             with raw register writes on svd2rust's PAC, no HAL.{} Timed: {}.\n",
            if gated {
                " (c) builds every peripheral while (a) builds two, so (d) is the fair baseline: \
                 the same blinky on svd2rust's PAC generated with `--feature-peripheral`, only the \
                 peripherals the blinky touches enabled as cargo features (svd2rust's enums kept: \
                 its PACs have no enum gate). On nrf51 and MB9BF50xR (d) also enables the clock \
                 controller (`clock`, `crg`): GPIO there has no interrupt, and svd2rust 0.37.1's \
                 gated PAC does not compile when no enabled peripheral has one (E0084, an empty \
                 `#[repr(u16)] enum Interrupt`)."
            } else {
                ""
            },
            a.timed
        );
        if gated {
            let _ = writeln!(
                s,
                "| chip | (a) HAL, 2 instances | (b) HAL, all drivers + PAC `all` | (c) svd2rust PAC, raw | \
                 (d) svd2rust PAC, feature-gated, raw | a/c | **a/d** | b/c |\n|---|---:|---:|---:|---:|---:|---:|---:|"
            );
        } else {
            let _ = writeln!(
                s,
                "| chip | (a) HAL, 2 instances | (b) HAL, all drivers + PAC `all` | (c) svd2rust PAC, raw | a/c | b/c |\n\
                 |---|---:|---:|---:|---:|---:|"
            );
        }
        for row in &a.rows {
            let d = if gated {
                format!(" {} |", row.svd2rust_gated.as_ref().map_or("–".into(), fig))
            } else {
                String::new()
            };
            let ad = if gated {
                format!(" **{}** |", opt(row.a_over_d))
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |{d} {} |{ad} {} |",
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
            "\nMedian a/c: **{}** (goal ≤ 0.2); median b/c: **{}**. Medians are over the chips where (c) compiles.",
            opt(a.median_a_over_c),
            opt(a.median_b_over_c)
        );
        if gated {
            let _ = writeln!(
                s,
                "Against the fair baseline: median a/d **{}**, per chip {}. A median over six chips hides \
                 the small ones; read the rows.",
                opt(a.median_a_over_d),
                spread(a.rows.iter().map(|row| (row.chip.as_str(), row.a_over_d)))
            );
        }
        s.push('\n');
    }

    if let Some(t) = &r.thumb {
        let gated = t.rows.iter().any(|row| row.svd2rust_gated.is_some());
        let _ = writeln!(
            s,
            "## 4. Release build for the target\n\nTimed: {}. Flash is `text + data` from `size`.{}\n",
            t.timed,
            if gated {
                " (d) is the raw blinky on svd2rust's feature-gated PAC, as in figure 3."
            } else {
                ""
            }
        );
        if gated {
            let _ = writeln!(
                s,
                "| chip | target | hal-gen (a) | svd2rust (c) | svd2rust gated (d) | a/c | a/d | flash: blinky (a) | \
                 serial echo (a) | raw blinky (c) | raw blinky (d) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
        } else {
            let _ = writeln!(
                s,
                "| chip | target | hal-gen (a) | svd2rust (c) | ratio | flash: blinky (a) | serial echo (a) | raw blinky (c) |\n\
                 |---|---|---:|---:|---:|---:|---:|---:|"
            );
        }
        for row in &t.rows {
            if gated {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    row.chip,
                    row.triple.as_deref().unwrap_or("–"),
                    fig(&row.hal),
                    fig(&row.svd2rust_raw),
                    row.svd2rust_gated.as_ref().map_or("–".into(), fig),
                    opt(row.ratio),
                    opt(row.ratio_gated),
                    bytes(&row.hal_bins, "-blinky"),
                    bytes(&row.hal_bins, "-serial-echo"),
                    bytes(&row.svd2rust_bins, "-raw-blinky"),
                    bytes(&row.svd2rust_gated_bins, "-raw-blinky-gated"),
                );
            } else {
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
        }
        let _ = writeln!(
            s,
            "\nMedian build-time ratio: **{}**{}.\n",
            opt(t.median_ratio),
            if gated {
                format!(
                    "; against the feature-gated PAC (a/d) **{}**, per chip {}",
                    opt(t.median_ratio_gated),
                    spread(
                        t.rows
                            .iter()
                            .map(|row| (row.chip.as_str(), row.ratio_gated))
                    )
                )
            } else {
                String::new()
            }
        );
    }

    if let Some(c) = &r.corpus {
        let _ = writeln!(
            s,
            "## 5. Whole-corpus generation\n\n{} SVDs ({} fail to generate), median of {}. Timed: {}.\n\n\
             | threads | wall time | CPU time (median) | cores used |\n|---:|---:|---:|---:|\n\
             | 1 | {} | {} |\n| {} | {} | {} |\n\n\
             1-minute load average before each pass, in order: {}. Cores used is CPU time ÷ wall \
             time: below the thread count, the pass waited for cores other work held.\n\n\
             Goal on all cores: ≤ 120 s.\n",
            c.svds,
            c.failed,
            runs(c.runs),
            c.timed,
            c.one_thread.show(),
            cpu(&c.one_thread_cpu_s, c.one_thread.median_s),
            c.threads,
            c.all_threads.show(),
            cpu(&c.all_threads_cpu_s, c.all_threads.median_s),
            if c.load_before.is_empty() {
                "not recorded".into()
            } else {
                c.load_before
                    .iter()
                    .map(|l| format!("{l:.1}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    let _ = write!(s, "## Levers\n\n{}", levers_table(r));
    s
}

/// Every chip's ratio, in the rows' order: "LM3S6965 0.42, nrf51 0.12, …".
fn spread<'a>(per_chip: impl Iterator<Item = (&'a str, Option<f64>)>) -> String {
    per_chip
        .map(|(chip, r)| format!("{chip} {}", opt(r)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "CPU s | cores used" cells, from the CPU times and the median wall.
fn cpu(cpu_s: &[f64], wall_s: f64) -> String {
    if cpu_s.is_empty() {
        return "not recorded | –".into();
    }
    let m = crate::util::median(&mut cpu_s.to_vec());
    format!("{m:.0} s | {:.2}", m / wall_s)
}

/// "median chip N%, from A% (chip) to B% (chip)" for per-chip ratios
/// slow ÷ fast, as the share of `slow` that the lever saves.
fn saving(per_chip: Vec<(String, Option<f64>)>) -> String {
    let mut known: Vec<(String, f64)> = per_chip
        .into_iter()
        .filter_map(|(c, r)| Some((c, r?)))
        .collect();
    if known.is_empty() {
        return "–".into();
    }
    let pct = |r: f64| (1.0 - 1.0 / r) * 100.0;
    let m = median_of(known.iter().map(|(_, r)| Some(*r))).unwrap_or(f64::NAN);
    known.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (lo, hi) = (&known[0], &known[known.len() - 1]);
    format!(
        "median chip {:.0}%; from {:.0}% ({}) to {:.0}% ({})",
        pct(m),
        pct(lo.1),
        lo.0,
        pct(hi.1),
        hi.0
    )
}

fn median_of(v: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    super::median_ratio(v)
}

fn secs(f: &Figure) -> String {
    match f {
        Figure::Ok(s) => format!("{:.2} s", s.median_s),
        Figure::Failed(_) => "fails".into(),
    }
}

/// The levers that can be measured from the figures: (lever, how, figure).
pub fn levers(r: &Results) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    if let Some(a) = &r.app_check {
        let m = median_of(
            a.rows
                .iter()
                .map(|row| super::ratio(&row.hal_all, &row.hal)),
        );
        out.push((
            "A feature per HAL driver instance, each enabling only its PAC peripheral".into(),
            "app check (b) every driver + PAC `all` ÷ (a) the examples' 2 instances, median chip"
                .into(),
            m.map_or("–".into(), |m| format!("(a) is {m:.2}× faster")),
        ));
    }
    if let Some(p) = &r.pac_check {
        // Share of the check time a lever saves, per chip.
        type Pick = fn(&super::check::PacRow) -> &Figure;
        let per_chip = |with: Pick, without: Pick| {
            p.rows
                .iter()
                .map(|row| (row.chip.clone(), super::ratio(with(row), without(row))))
                .collect()
        };
        out.push((
            "Debug impls behind the `impl-debug` feature".into(),
            "PAC check `all` against `all,impl-debug`: share of the check time saved".into(),
            saving(per_chip(|r| &r.hal_gen_all_impl_debug, |r| &r.hal_gen_all)),
        ));
        out.push((
            "Enums behind the PAC's `enums` feature (default on; the HAL turns it off)".into(),
            "PAC check `all` with and without `enums`: share saved, per chip".into(),
            saving(per_chip(|r| &r.hal_gen_all, |r| &r.hal_gen_all_no_enums)),
        ));
    }
    if let Some(g) = &r.generation {
        let stage = |row: &super::generation::Row, names: &[&str]| -> f64 {
            row.hal_gen_stages
                .iter()
                .chain(&row.baseline_stages)
                .filter(|(n, _)| names.contains(&n.as_str()))
                .map(|(_, t)| t)
                .sum()
        };
        let m = median_of(g.rows.iter().map(|row| {
            let ours = stage(row, &["split + format"]);
            (ours > 0.0).then(|| stage(row, &["form", "rustfmt"]) / ours)
        }));
        out.push((
            "Split and format in-process (prettyplease) instead of `form` + `rustfmt`".into(),
            "baseline `form` + `rustfmt` seconds ÷ hal-gen's `split + format` stage, median chip"
                .into(),
            m.map_or("–".into(), |m| format!("{m:.1}× faster")),
        ));
    }
    if let Some(c) = &r.corpus {
        out.push((
            "Parallel generation across the corpus".into(),
            format!("corpus wall time, 1 thread ÷ {} threads", c.threads),
            format!(
                "{:.2}× ({:.0} s → {:.0} s)",
                c.one_thread.median_s / c.all_threads.median_s,
                c.one_thread.median_s,
                c.all_threads.median_s
            ),
        ));
    }
    out
}

fn levers_table(r: &Results) -> String {
    let mut s = String::from("| lever | measured as | result |\n|---|---|---|\n");
    for (lever, how, figure) in levers(r) {
        let _ = writeln!(s, "| {lever} | {how} | {figure} |");
    }
    s
}

/// The README's table: medians only, every figure on one row per chip.
pub fn readme_block(r: &Results) -> String {
    let mut s = format!(
        "Measured by `{}` ({} per figure, medians; {}-core machine shared with other work, load \
         average {:.1} at the start). Min–max, stage times and what exactly is timed: \
         [docs/bench/bench.md](docs/bench/bench.md).\n\n",
        r.command,
        runs(r.runs),
        r.cores,
        r.load_start
    );
    let gated = r
        .app_check
        .as_ref()
        .is_some_and(|a| a.rows.iter().any(|row| row.svd2rust_gated.is_some()));
    if gated {
        s.push_str(
            "(c) is svd2rust's whole PAC; (d) its `--feature-peripheral` PAC with only the blinky's \
             peripherals enabled, the fair baseline for (a).\n\n\
             | chip | (1) generation ratio | (2) PAC check: svd2rust / hal-gen `all` | (3) app check: (a) / (b) / (c) / (d) | a/c | a/d | \
             (4) release build: hal-gen / svd2rust | blinky flash: hal-gen / svd2rust |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|\n",
        );
    } else {
        s.push_str(
            "| chip | (1) generation ratio | (2) PAC check: svd2rust / hal-gen `all` | (3) app check: (a) / (b) / (c) | a/c | \
             (4) release build: hal-gen / svd2rust | blinky flash: hal-gen / svd2rust |\n\
             |---|---:|---:|---:|---:|---:|---:|\n",
        );
    }
    for chip in &r.chips {
        let gen = r
            .generation
            .as_ref()
            .and_then(|g| g.rows.iter().find(|row| &row.chip == chip))
            .map_or("–".into(), |row| format!("{:.2}", row.ratio));
        let pac = r
            .pac_check
            .as_ref()
            .and_then(|p| p.rows.iter().find(|row| &row.chip == chip))
            .map_or("–".into(), |row| {
                format!("{} / {}", secs(&row.svd2rust), secs(&row.hal_gen_all))
            });
        let (app, ac) = r
            .app_check
            .as_ref()
            .and_then(|a| a.rows.iter().find(|row| &row.chip == chip))
            .map_or(
                ("–".into(), if gated { "– | –" } else { "–" }.into()),
                |row| {
                    let d = row
                        .svd2rust_gated
                        .as_ref()
                        .map(|d| format!(" / {}", secs(d)))
                        .unwrap_or_default();
                    (
                        format!(
                            "{} / {} / {}{d}",
                            secs(&row.hal),
                            secs(&row.hal_all),
                            secs(&row.svd2rust_raw)
                        ),
                        if gated {
                            format!("{} | {}", opt(row.a_over_c), opt(row.a_over_d))
                        } else {
                            opt(row.a_over_c)
                        },
                    )
                },
            );
        let (build, flash) = r
            .thumb
            .as_ref()
            .and_then(|t| t.rows.iter().find(|row| &row.chip == chip))
            .map_or(("–".into(), "–".into()), |row| {
                let b = |bins: &[thumb::Binary], suffix: &str| match bins
                    .iter()
                    .find(|b| b.bin.ends_with(suffix))
                    .map(|b| &b.flash)
                {
                    Some(Ok(n)) => format!("{n} B"),
                    _ => "–".into(),
                };
                (
                    format!("{} / {}", secs(&row.hal), secs(&row.svd2rust_raw)),
                    format!(
                        "{} / {}",
                        b(&row.hal_bins, "-blinky"),
                        b(&row.svd2rust_bins, "-raw-blinky")
                    ),
                )
            });
        let _ = writeln!(
            s,
            "| {chip} | {gen} | {pac} | {app} | {ac} | {build} | {flash} |"
        );
    }
    let mut goals = Vec::new();
    if let Some(g) = &r.generation {
        goals.push(format!(
            "(1) median ratio **{}** (goal ≤ 1.0)",
            opt(g.median_ratio)
        ));
    }
    if let Some(a) = &r.app_check {
        goals.push(format!(
            "(3) median a/c **{}** (goal ≤ 0.2), b/c **{}**{}",
            opt(a.median_a_over_c),
            opt(a.median_b_over_c),
            if gated {
                format!(
                    "; against the fair baseline (d) median a/d **{}**, per chip {}",
                    opt(a.median_a_over_d),
                    spread(a.rows.iter().map(|row| (row.chip.as_str(), row.a_over_d)))
                )
            } else {
                String::new()
            }
        ));
    }
    if let Some(c) = &r.corpus {
        goals.push(format!(
            "(5) all {} SVDs generate in **{:.0} s** on {} threads (goal ≤ 120 s), {:.0} s on one",
            c.svds, c.all_threads.median_s, c.threads, c.one_thread.median_s
        ));
    }
    if !goals.is_empty() {
        let _ = writeln!(s, "\n{}.", goals.join("; "));
    }
    let _ = write!(s, "\nLevers, measured:\n\n{}", levers_table(r));
    s
}
