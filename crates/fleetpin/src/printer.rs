//! The `Printer` owns quiet/verbose/colour. Data goes to stdout; logs, progress and warnings
//! to stderr.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Printer {
    /// Colours on stdout.
    pub color: bool,
    /// Colours on stderr.
    pub color_stderr: bool,
    pub quiet: bool,
    pub verbose: bool,
}

impl Printer {
    pub fn new(choice: ColorChoice, quiet: bool, verbose: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Printer {
            color: decide(std::io::stdout().is_terminal()),
            color_stderr: decide(std::io::stderr().is_terminal()),
            quiet,
            verbose,
        }
    }

    /// Locked stdout for data.
    pub fn stdout(&self) -> std::io::StdoutLock<'static> {
        std::io::stdout().lock()
    }

    /// A status line on stderr, suppressed by `--quiet`.
    pub fn status(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{msg}");
        }
    }

    /// Detail on stderr, only with `--verbose`.
    pub fn debug(&self, msg: impl std::fmt::Display) {
        if self.verbose {
            let _ = writeln!(std::io::stderr(), "{msg}");
        }
    }

    /// A warning on stderr (always shown).
    pub fn warn(&self, msg: impl std::fmt::Display) {
        let _ = writeln!(std::io::stderr(), "{}: {msg}", self.paint("warning", "33"));
    }

    /// An error with its chain of causes, on stderr.
    pub fn error(&self, err: &anyhow::Error) {
        let mut s = format!("{}: {err}", self.paint("error", "31"));
        for cause in err.chain().skip(1) {
            s.push_str(&format!("\n  caused by: {cause}"));
        }
        let _ = writeln!(std::io::stderr(), "{s}");
    }

    fn paint(&self, word: &str, code: &str) -> String {
        if self.color_stderr {
            format!("\x1b[1;{code}m{word}\x1b[0m")
        } else {
            word.to_string()
        }
    }
}
