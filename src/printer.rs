//! The `Printer` owns quiet/verbose/colour and every byte the binary writes. Data goes to
//! stdout; logs, progress and warnings to stderr.
//!
//! The conventions every command shares live here:
//!
//! - colours go through `anstream` (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`, and escape
//!   codes stripped when the stream is not a terminal);
//! - a closed stdout (`fleetpin lint | head -1`) is not an error: the rest of the output is
//!   dropped quietly and the command ends with the status of its work, as ripgrep and ruff
//!   do;
//! - `-q` hides status lines and progress, `-v` adds detail on stderr;
//! - text that came from files or hosts (package names, host names, messages) has its
//!   terminal control characters escaped ([`fleetpin_diag::escape_control`]) before it is
//!   written; commands pass such text through [`Printer::text`] (or a renderer, which does it
//!   already) and every status, warning and error line is escaped here.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anstream::AutoStream;
use clap::ValueEnum;
use fleetpin_diag::escape_control;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl From<ColorChoice> for anstream::ColorChoice {
    fn from(c: ColorChoice) -> Self {
        match c {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        }
    }
}

/// Set once stdout has been closed by its reader.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether stdout was closed by its reader (a `| head`) during this run.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Stdout for data: colours through `anstream`, and a closed pipe swallowed (see the module
/// docs). Wrap it in a `BufWriter` for many small writes.
pub struct Stdout {
    inner: AutoStream<io::StdoutLock<'static>>,
}

impl Stdout {
    fn closed<T>(result: io::Result<T>, done: T) -> io::Result<T> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                STDOUT_CLOSED.store(true, Ordering::Relaxed);
                Ok(done)
            }
            other => other,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if stdout_closed() {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        Self::closed(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if stdout_closed() {
            return Ok(());
        }
        let result = self.inner.flush();
        Self::closed(result, ())
    }
}

#[derive(Debug, Clone)]
pub struct Printer {
    /// Colours on stdout.
    pub color: bool,
    /// Colours on stderr.
    pub color_stderr: bool,
    pub quiet: bool,
    pub verbose: bool,
    stdout_choice: anstream::ColorChoice,
    stderr_choice: anstream::ColorChoice,
}

impl Printer {
    pub fn new(choice: ColorChoice, quiet: bool, verbose: bool) -> Self {
        let choice: anstream::ColorChoice = choice.into();
        choice.write_global();
        let stdout_choice = AutoStream::choice(&io::stdout());
        let stderr_choice = AutoStream::choice(&io::stderr());
        Printer {
            color: stdout_choice != anstream::ColorChoice::Never,
            color_stderr: stderr_choice != anstream::ColorChoice::Never,
            quiet,
            verbose,
            stdout_choice,
            stderr_choice,
        }
    }

    /// Locked stdout for data.
    pub fn stdout(&self) -> Stdout {
        // Commands only paint when `self.color` is set, so without colours there is nothing
        // to strip: the bytes pass through untouched instead of through anstream's stripping
        // parser (megabytes of SARIF or JSON on a big tree).
        let choice = match self.stdout_choice {
            anstream::ColorChoice::Never => anstream::ColorChoice::AlwaysAnsi,
            other => other,
        };
        Stdout {
            inner: AutoStream::new(io::stdout().lock(), choice),
        }
    }

    fn stderr_line(&self, line: &str) {
        let mut err = AutoStream::new(io::stderr().lock(), self.stderr_choice);
        let _ = writeln!(err, "{line}");
    }

    /// `s` (text from a file or host) with terminal control characters escaped.
    pub fn text(s: &str) -> std::borrow::Cow<'_, str> {
        escape_control(s)
    }

    /// A status line on stderr, suppressed by `--quiet`.
    pub fn status(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            self.stderr_line(&escape_control(&msg.to_string()));
        }
    }

    /// Detail on stderr, only with `--verbose`.
    pub fn debug(&self, msg: impl std::fmt::Display) {
        if self.verbose {
            self.stderr_line(&escape_control(&msg.to_string()));
        }
    }

    /// A warning on stderr (always shown).
    pub fn warn(&self, msg: impl std::fmt::Display) {
        self.stderr_line(&format!(
            "{}: {}",
            self.paint("warning", "33"),
            escape_control(&msg.to_string())
        ));
    }

    /// An error with its chain of causes, on stderr.
    pub fn error(&self, err: &anyhow::Error) {
        let mut s = escape_control(&err.to_string()).into_owned();
        for cause in err.chain().skip(1) {
            s.push_str("\n  caused by: ");
            s.push_str(&escape_control(&cause.to_string()));
        }
        self.stderr_line(&format!("{}: {s}", self.paint("error", "31")));
    }

    /// The progress bar of every command: on stderr, hidden with `--quiet` or when stderr
    /// is not a terminal. Messages set on it must go through [`Printer::text`].
    pub fn progress(&self, len: u64, template: &str) -> indicatif::ProgressBar {
        use std::io::IsTerminal;
        if self.quiet || !io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }

    fn paint(&self, word: &str, code: &str) -> String {
        if self.color_stderr {
            format!("\x1b[1;{code}m{word}\x1b[0m")
        } else {
            word.to_string()
        }
    }
}
