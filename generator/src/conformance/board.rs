//! Board setups: which machine, which SVD, what is attached and which
//! instance is wired to what. One TOML file per board, validated on load;
//! every capability is either set up or skipped with a reason.

use super::ConformanceError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The capabilities a board file must account for, in report order.
pub const CAPABILITIES: [&str; 6] = crate::catalogue::Capability::NAMES;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// The file stem (`lm3s6965evb`); not in the file.
    #[serde(skip)]
    pub name: String,
    /// QEMU `-M` machine.
    pub machine: String,
    /// QEMU's system emulator, `qemu-system-<qemu_arch>`: `arm` (the
    /// default) or `riscv32`.
    #[serde(default = "default_qemu_arch")]
    pub qemu_arch: String,
    /// The SVD, relative to the repository root, or `corpus:Vendor/File.svd`
    /// (training corpus) or `validation:Vendor/File.svd` (validation corpus).
    pub svd: String,
    pub description: String,
    pub core_clock_hz: u32,
    pub gpio: Option<Gpio>,
    pub serial: Option<Serial>,
    pub spi: Option<Spi>,
    pub i2c: Option<I2c>,
    pub delay: Option<Delay>,
    pub pwm: Option<Pwm>,
    /// capability → why this board cannot test it.
    #[serde(default)]
    pub skip: BTreeMap<String, String>,
    /// test name → why this backend cannot run that one test faithfully
    /// (an emulator model that lacks what it needs). Reported as skipped.
    #[serde(default)]
    pub exclude: BTreeMap<String, String>,
    pub renode: Option<Renode>,
    pub probe_rs: Option<ProbeRs>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gpio {
    pub instance: String,
    pub pin: u32,
    /// Why the input cannot see the output here; absent when it can.
    pub no_readback: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Serial {
    /// Wired to the runner (QEMU's first `-serial`).
    pub instance: String,
    pub clock_hz: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spi {
    pub instance: String,
    pub clock_hz: u32,
    /// A register bit that loops the bus back (set after `Spi::new`).
    pub loopback: Option<LoopbackBit>,
    /// A SPI NOR flash on the bus.
    pub flash: Option<Flash>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopbackBit {
    pub address: u32,
    pub bit: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flash {
    /// QEMU `-device`.
    pub device: String,
    pub command: u8,
    pub id: [u8; 3],
    pub response_len: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I2c {
    pub instance: String,
    pub clock_hz: u32,
    /// QEMU `-device <device>,address=<address>`.
    pub device: String,
    pub address: u8,
    pub absent: u8,
    pub read_register: u8,
    pub read_value: [u8; 2],
    pub write_register: u8,
    pub write_value: [u8; 2],
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delay {
    /// Cortex-M: a timer whose `TimerOps` measures the SysTick delay, and
    /// whose `TimerDelay` is then measured by SysTick.
    pub timer: Option<String>,
    pub timer_clock_hz: Option<u32>,
    /// RISC-V: the CLINT's free-running `mtime`, which measures the HAL's
    /// `mcycle` delay (the core clock is `core_clock_hz`).
    pub mtime: Option<Mtime>,
}

/// A 64-bit free-running counter read at a fixed address (the CLINT's
/// `mtime`), from the board's documentation rather than the HAL.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mtime {
    pub address: u64,
    pub hz: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pwm {
    pub instance: String,
    pub channel: usize,
    pub period_ticks: u32,
    /// The channel's compare register, read back after each duty. Taken
    /// from the chip's reference manual, never from the HAL's binding, so
    /// a driver bound to the wrong register fails.
    pub compare_address: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Renode {
    /// A platform description shipped with Renode (`platforms/cpus/…`).
    pub platform: String,
    /// The UART's name on Renode's system bus.
    pub uart: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeRs {
    /// `probe-rs run --chip <chip>`.
    pub chip: String,
}

fn default_qemu_arch() -> String {
    "arm".into()
}

impl Board {
    /// The QEMU binary that runs this board.
    pub fn qemu_binary(&self) -> String {
        format!("qemu-system-{}", self.qemu_arch)
    }

    pub fn load(path: &Path) -> Result<Board, ConformanceError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConformanceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut board: Board = toml::from_str(&text).map_err(|e| ConformanceError::Board {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        board.name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        board
            .validate()
            .map_err(|message| ConformanceError::Board {
                path: path.to_path_buf(),
                message,
            })?;
        Ok(board)
    }

    /// The board file for `machine` in `dir` (`<dir>/<machine>.toml`).
    pub fn find(dir: &Path, machine: &str) -> Result<Board, ConformanceError> {
        let path = dir.join(format!("{machine}.toml"));
        if !path.is_file() {
            return Err(ConformanceError::NoBoard {
                machine: machine.into(),
                dir: dir.to_path_buf(),
                known: Self::list(dir),
            });
        }
        Self::load(&path)
    }

    /// Board names in `dir`, sorted.
    pub fn list(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".toml")
                    .map(String::from)
            })
            .collect();
        names.sort();
        names
    }

    fn configured(&self, capability: &str) -> bool {
        match capability {
            "gpio" => self.gpio.is_some(),
            "serial" => self.serial.is_some(),
            "spi" => self.spi.is_some(),
            "i2c" => self.i2c.is_some(),
            "delay" => self.delay.is_some(),
            "pwm" => self.pwm.is_some(),
            _ => false,
        }
    }

    /// Why `capability` is not tested here, if it is not.
    pub fn skip_reason(&self, capability: &str) -> Option<&str> {
        self.skip.get(capability).map(String::as_str)
    }

    fn validate(&self) -> Result<(), String> {
        if self.qemu_arch.is_empty()
            || !self
                .qemu_arch
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!(
                "qemu_arch = {:?}: the suffix of a qemu-system-* binary (`arm`, `riscv32`)",
                self.qemu_arch
            ));
        }
        for key in self.skip.keys() {
            if !CAPABILITIES.contains(&key.as_str()) {
                return Err(format!(
                    "skip.{key}: not a capability (one of {})",
                    CAPABILITIES.join(", ")
                ));
            }
        }
        for cap in CAPABILITIES {
            match (self.configured(cap), self.skip.contains_key(cap)) {
                (true, true) => return Err(format!("{cap} is set up and also in [skip]")),
                (false, false) => {
                    return Err(format!(
                        "{cap} is neither set up nor in [skip] with a reason"
                    ))
                }
                _ => {}
            }
        }
        if let Some(spi) = &self.spi {
            if spi.loopback.is_some() == spi.flash.is_some() {
                return Err("spi: give exactly one of `loopback` and `flash`".into());
            }
            if let Some(f) = &spi.flash {
                if !(3..=15).contains(&f.response_len) {
                    return Err("spi.flash.response_len: must be 3..=15".into());
                }
            }
        }
        if let Some(d) = &self.delay {
            match (&d.timer, d.timer_clock_hz, &d.mtime) {
                (Some(_), Some(_), None) | (None, None, Some(_)) => {}
                _ => {
                    return Err("delay: give either `timer` with `timer_clock_hz` \
                                (Cortex-M: SysTick and the timer measure each other) \
                                or `mtime` (RISC-V: mtime measures the mcycle delay)"
                        .into())
                }
            }
            if d.mtime.as_ref().is_some_and(|m| m.hz == 0) {
                return Err("delay.mtime.hz: must not be 0".into());
            }
        }
        if let Some(i2c) = &self.i2c {
            if i2c.address > 0x7f || i2c.absent > 0x7f || i2c.address == i2c.absent {
                return Err("i2c: address and absent must be distinct 7-bit addresses".into());
            }
        }
        Ok(())
    }

    /// Where the SVD is: `corpus:` paths resolve in `corpus_dir` (the
    /// training corpus), `validation:` paths in `validation_dir`, others
    /// against `root`.
    pub fn svd_path(
        &self,
        root: &Path,
        corpus_dir: Option<&Path>,
        validation_dir: Option<&Path>,
    ) -> Result<PathBuf, ConformanceError> {
        let missing = || ConformanceError::NoCorpus {
            svd: self.svd.clone(),
        };
        if let Some(rel) = self.svd.strip_prefix("corpus:") {
            return corpus_dir.map(|d| d.join(rel)).ok_or_else(missing);
        }
        if let Some(rel) = self.svd.strip_prefix("validation:") {
            return validation_dir.map(|d| d.join(rel)).ok_or_else(missing);
        }
        Ok(root.join(&self.svd))
    }
}
