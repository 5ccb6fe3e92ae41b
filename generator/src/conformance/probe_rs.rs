//! The probe-rs backend, for real boards: the harness built with RTT
//! instead of semihosting, flashed and run by `probe-rs run --chip <name>`,
//! its RTT output read with the same protocol parser. Without probe-rs or
//! without an attached probe it reports "no probe, not run".

use super::protocol::{parse_line, Event};
use super::{base_results, build, not_run, Backend, ConformanceError, Options, Prepared, Results};
use std::process::Command;
use std::time::{Duration, Instant};

/// Probes `probe-rs list` reports, from its output.
pub fn probes_in_list_output(text: &str) -> usize {
    // "The following debug probes were found:" then "[0]: …" lines;
    // "No debug probes were found." otherwise.
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with('[') && l.contains("]:")
        })
        .count()
}

/// The protocol events in a `probe-rs run` transcript.
pub fn events_in_transcript(text: &str) -> Vec<(Duration, Event)> {
    text.lines()
        .filter_map(parse_line)
        .map(|e| (Duration::ZERO, e))
        .collect()
}

pub fn run(p: &Prepared, opts: &Options) -> Result<Results, ConformanceError> {
    let Some(probe) = &p.board.probe_rs else {
        let r = base_results(p, Backend::ProbeRs, "-", opts.fault);
        return Ok(not_run(
            r,
            format!("board {} names no probe-rs chip, not run", p.board.name),
        ));
    };
    let mut r = base_results(p, Backend::ProbeRs, &probe.chip, opts.fault);
    let list = Command::new("probe-rs").arg("list").output();
    let probes = match &list {
        Err(_) => {
            return Ok(not_run(
                r,
                "no probe, not run (probe-rs not installed)".into(),
            ))
        }
        Ok(out) => probes_in_list_output(&String::from_utf8_lossy(&out.stdout)),
    };
    if probes == 0 {
        return Ok(not_run(
            r,
            "no probe, not run (probe-rs list found none)".into(),
        ));
    }
    let t = Instant::now();
    let elf = build(p, opts, &["rtt"], false)?;
    r.build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let out = Command::new("probe-rs")
        .args(["run", "--chip", &probe.chip])
        .arg(&elf)
        .output()
        .map_err(|e| ConformanceError::Tool {
            tool: "probe-rs".into(),
            message: e.to_string(),
        })?;
    r.duration_s = t.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    r.tests = super::tests_from_events(&events_in_transcript(&text));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of `probe-rs run` output with RTT (progress lines, then
    /// the target's RTT lines), modelled on probe-rs 0.24's format. It is
    /// not a recording from a board: no board or probe exists here.
    const TRANSCRIPT: &str = "      Erasing ✔ [00:00:00] [####################] 16.00 KiB/16.00 KiB @ 40.12 KiB/s (eta 0s )
  Programming ✔ [00:00:00] [####################] 15.00 KiB/15.00 KiB @ 30.50 KiB/s (eta 0s )    Finished in 0.912s
@hgc 1 begin ATSAMD21G18A feather_m0
@hgc 1 test gpio_output_stateful gpio digital::StatefulOutputPin PORT pass
@hgc 1 test gpio_input_readback gpio digital::InputPin PORT skip no jumper on this board
@hgc 1 test delay_ms delay delay::DelayNs SysTick fail asked 5000000 ns, took 2500000 ns: too short
@hgc 1 end 1 1 1
";

    #[test]
    fn reads_results_out_of_a_probe_rs_transcript() {
        let events = events_in_transcript(TRANSCRIPT);
        let tests = crate::conformance::tests_from_events(&events);
        assert_eq!(tests.len(), 3);
        assert_eq!(tests[2].status, crate::conformance::protocol::Status::Fail);
        assert_eq!(tests[1].detail, "no jumper on this board");
        assert!(matches!(
            events.last(),
            Some((
                _,
                Event::End {
                    passed: 1,
                    failed: 1,
                    skipped: 1
                }
            ))
        ));
    }

    #[test]
    fn counts_probes_in_list_output() {
        assert_eq!(probes_in_list_output("No debug probes were found.\n"), 0);
        assert_eq!(
            probes_in_list_output(
                "The following debug probes were found:\n[0]: J-Link (J-Link) (VID: 1366, PID: 0101, Serial: 000123, JLink)\n[1]: ST-Link V2 (VID: 0483, PID: 3748, StLink)\n"
            ),
            2
        );
    }
}
