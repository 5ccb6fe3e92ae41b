//! Crash safety: `hal-gen` killed with SIGKILL at 50 random moments while it
//! regenerates over an older generation leaves, each time, either the whole
//! old output (PAC, HAL, reports) or the whole new one, byte for byte, never
//! a mix. The next run then finishes the job and leaves nothing behind.
//!
//! The delays come from a seeded PRNG (reproducible) and are spread over
//! the whole duration of an uninterrupted run, measured first.

mod common;

use common::{fixture_path, fixture_text, read_tree};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KILLS: usize = 50;
const SEED: u64 = 0x6861_6c2d_6765_6e21;

/// splitmix64: small, seeded, good enough to spread delays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn command(svd: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(common::bin());
    cmd.arg(svd)
        .arg("-o")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn run_to_end(svd: &Path, out: &Path) -> Duration {
    let started = Instant::now();
    let status = command(svd, out).status().unwrap();
    assert!(status.success(), "hal-gen {} failed", svd.display());
    started.elapsed()
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in read_tree(from) {
        let path = to.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Everything in OUT (the PAC and HAL crates and the reports), as a
/// reader sees it.
fn live_output(out: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    out.is_dir().then(|| read_tree(out))
}

/// Leftovers of a killed run: the staging tree of the whole-output swap,
/// a hidden sibling of OUT (`.<out>.hal-gen-tmp-<pid>`).
fn leftovers(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let prefix = format!(".{name}.hal-gen-tmp-");
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

#[test]
fn killed_at_random_moments_the_output_is_old_or_new_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    // The older generation comes from a slightly different SVD: another
    // description and one more register, so several files differ.
    let old_svd: PathBuf = dir.path().join("old").join("minimal.svd");
    std::fs::create_dir_all(old_svd.parent().unwrap()).unwrap();
    let text = fixture_text("minimal.svd");
    let old_text = text
        .replace(
            "Smallest complete device for hal-gen tests.",
            "Smallest complete device, previous revision.",
        )
        .replace(
            "      </registers>",
            "        <register>\n          <name>LOAD</name>\n          <addressOffset>0x08</addressOffset>\n        </register>\n      </registers>",
        );
    std::fs::write(&old_svd, old_text).unwrap();
    let new_svd = fixture_path("minimal.svd");

    let reference_old = dir.path().join("ref-old");
    let reference_new = dir.path().join("ref-new");
    run_to_end(&old_svd, &reference_old);
    run_to_end(&new_svd, &reference_new);
    let old = live_output(&reference_old).unwrap();
    let new = live_output(&reference_new).unwrap();
    assert!(old.keys().any(|k| k.starts_with("minimal-pac/")));
    assert_ne!(old, new, "the two generations must differ");

    // How long a regeneration over the old output takes (median of 3).
    let mut took: Vec<Duration> = (0..3)
        .map(|i| {
            let out = dir.path().join(format!("timing-{i}"));
            copy_tree(&reference_old, &out);
            run_to_end(&new_svd, &out)
        })
        .collect();
    took.sort();
    // A little past the end too, so that some kills find it finished.
    let span = took[1].mul_f64(1.3);

    let mut rng = Rng(SEED);
    let (mut saw_old, mut saw_new, mut mid_write) = (0, 0, 0);
    for i in 0..KILLS {
        let out = dir.path().join(format!("kill-{i}"));
        copy_tree(&reference_old, &out);
        let delay = span.mul_f64(rng.unit());
        let mut child = command(&new_svd, &out).spawn().unwrap();
        std::thread::sleep(delay);
        // SIGKILL (a no-op if it has already finished).
        let _ = child.kill();
        child.wait().unwrap();

        let seen = live_output(&out);
        let extra = leftovers(&out);
        match seen {
            Some(t) if t == old => saw_old += 1,
            Some(t) if t == new => saw_new += 1,
            Some(t) => {
                let mixed: Vec<&String> = t
                    .iter()
                    .filter(|(k, v)| old.get(*k) != Some(*v) && new.get(*k) != Some(*v))
                    .map(|(k, _)| k)
                    .chain(old.keys().filter(|k| !t.contains_key(*k)))
                    .collect();
                panic!("kill {i} after {delay:?}: a mix of old and new; odd files {mixed:?}")
            }
            None => panic!("kill {i} after {delay:?}: no output at all; beside it {extra:?}"),
        }
        mid_write += usize::from(!extra.is_empty());

        // The next run completes the regeneration and tidies up.
        run_to_end(&new_svd, &out);
        assert_eq!(live_output(&out).as_ref(), Some(&new), "kill {i}: rerun");
        assert!(
            leftovers(&out).is_empty(),
            "kill {i}: {:?}",
            leftovers(&out)
        );
    }
    eprintln!(
        "{KILLS} kills over {span:?}: {saw_old} left the old output, {saw_new} the new one, \
         {mid_write} a staging tree beside it (killed while writing)"
    );
    // The delays spread over the run: both outcomes happen.
    assert!(saw_old > 0 && saw_new > 0, "old {saw_old}, new {saw_new}");
}
