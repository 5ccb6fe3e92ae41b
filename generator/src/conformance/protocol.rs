//! Reads the harness's protocol lines (see `hal_gen_conformance::protocol`)
//! out of whatever the backend prints: QEMU's semihosting output, or
//! `probe-rs run`'s RTT output with its own progress lines around it.

use hal_gen_conformance::protocol::{PREFIX, VERSION};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Begin {
        chip: String,
        board: String,
    },
    Test(TestLine),
    End {
        passed: u32,
        failed: u32,
        skipped: u32,
    },
    Abort {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestLine {
    pub name: String,
    pub capability: String,
    pub trait_path: String,
    pub instance: String,
    pub status: Status,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// The event on one line of output, if it carries one. Tolerates what
/// sits in front of the prefix (RTT channel tags, timestamps, ANSI
/// colour) and a trailing CR.
pub fn parse_line(line: &str) -> Option<Event> {
    let start = line.find(PREFIX)?;
    let rest = line[start + PREFIX.len()..].trim_end_matches(['\r', '\n']);
    let rest = rest.strip_prefix(' ')?;
    let (version, rest) = rest.split_once(' ')?;
    if version.parse::<u32>().ok()? != VERSION {
        return None;
    }
    let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    match kind {
        "begin" => {
            let mut f = rest.split(' ');
            Some(Event::Begin {
                chip: f.next()?.into(),
                board: f.next()?.into(),
            })
        }
        "test" => {
            let mut f = rest.splitn(6, ' ');
            let name = f.next()?.to_string();
            let capability = f.next()?.to_string();
            let trait_path = f.next()?.to_string();
            let instance = f.next()?.to_string();
            let status = match f.next()? {
                "pass" => Status::Pass,
                "fail" => Status::Fail,
                "skip" => Status::Skip,
                _ => return None,
            };
            let detail = f.next().unwrap_or("").to_string();
            Some(Event::Test(TestLine {
                name,
                capability,
                trait_path,
                instance,
                status,
                detail,
            }))
        }
        "end" => {
            let mut f = rest.split(' ').map(|n| n.parse::<u32>().ok());
            Some(Event::End {
                passed: f.next()??,
                failed: f.next()??,
                skipped: f.next()??,
            })
        }
        "abort" => Some(Event::Abort {
            message: rest.to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind_of_line() {
        assert_eq!(
            parse_line("@hgc 1 begin LM3S6965 lm3s6965evb"),
            Some(Event::Begin {
                chip: "LM3S6965".into(),
                board: "lm3s6965evb".into()
            })
        );
        let Some(Event::Test(t)) = parse_line(
            "@hgc 1 test delay_ms delay delay::DelayNs SysTick fail asked 5000000 ns, took 2500000 ns: too short\r",
        ) else {
            panic!("not a test line")
        };
        assert_eq!(t.status, Status::Fail);
        assert_eq!(t.instance, "SysTick");
        assert_eq!(t.detail, "asked 5000000 ns, took 2500000 ns: too short");
        assert_eq!(
            parse_line("@hgc 1 end 20 1 3"),
            Some(Event::End {
                passed: 20,
                failed: 1,
                skipped: 3
            })
        );
        assert_eq!(
            parse_line("@hgc 1 abort hard fault at pc 0x00000abc"),
            Some(Event::Abort {
                message: "hard fault at pc 0x00000abc".into()
            })
        );
    }

    #[test]
    fn rejects_what_is_not_protocol() {
        for line in [
            "",
            "hello",
            "@hgc",
            "@hgc 2 end 1 0 0",
            "@hgc 1 test a b c d maybe",
            "@hgc 1 end 1 x 0",
            "@hgcx 1 end 1 0 0",
        ] {
            assert_eq!(parse_line(line), None, "{line:?}");
        }
    }
}
