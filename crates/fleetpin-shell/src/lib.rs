//! Shell command analysis for fleetpin lint.
//!
//! [`analyze`] reads a shell command string — the command of an Ansible `shell`/`command`/`raw`
//! task, a Dockerfile `RUN` after continuation joining, or a `RUN <<EOF` heredoc body — and
//! reports what it does to the versions on a host, each with a byte range into the string:
//!
//! * [`Install`]s: packages installed per [`Manager`], each with its [`PinStrength`]
//!   (`apt-get install docker-ce=5:23.0.1*` is a glob, `pip install x>=1` a range);
//! * [`Upgrade`]s: blanket upgrades (`apt-get dist-upgrade`, `yum update`, `apk upgrade`);
//! * [`PipeToShell`]: remote scripts executed unseen (`curl ... | sh`, `bash <(curl ...)`);
//! * [`StackDeploy`]: `docker stack deploy` and whether it passes `--with-registry-auth`;
//! * [`Download`]s: URLs fetched by curl/wget, flagged when they name a `latest` release.
//!
//! The analyser sees through wrappers (`sudo -E`, `env X=Y`, `nice`, `timeout 60`, `xargs`),
//! composition (`&&`, `||`, `;`, pipes, subshells, `{ }`, `$( )`, `sh -c '...'`), line
//! continuations, comments, quoting and here-documents. `$VAR`/`${VAR:-default}` in package
//! specs are substituted from a caller-supplied [`Vars`] and from assignments earlier in the
//! same script; whatever stays unknown is [`PinStrength::Unresolved`], never pinned.
//!
//! ```
//! use fleetpin_shell::{analyze, NoVars, PinStrength};
//! let cmd = "apt-get update && apt-get install -y --no-install-recommends \\\n  curl docker-ce=5:23.0.1-1~debian.10~buster";
//! let a = analyze(cmd, &NoVars);
//! let pkgs = &a.installs[0].packages;
//! assert_eq!(pkgs[0].name, "curl");
//! assert_eq!(pkgs[0].strength, PinStrength::None);
//! assert_eq!(&cmd[pkgs[0].range.clone()], "curl");
//! assert_eq!(pkgs[1].strength, PinStrength::Exact);
//! ```

#![warn(missing_docs)]

use std::ops::Range;

use serde::Serialize;

mod analyze;
mod lex;
pub mod pin;
mod shlex;
pub mod url;
mod vars;

pub use pin::{
    Manager, PackageSource, ParsedSpec, PinStrength, classify, classify_vcs_ref, classify_version,
    parse_spec,
};
pub use shlex::split_shlex;
pub use url::{branch_of_url, is_latest_url, is_remote_url};
pub use vars::{FnVars, NoVars, Vars};

/// Analyse `cmd` with variables from `vars`. Never fails and never panics: text that is not
/// valid shell is analysed as far as it makes sense.
pub fn analyze(cmd: &str, vars: &dyn Vars) -> Analysis {
    analyze::analyze(cmd, vars)
}

/// Analyse a command given as an argument vector (Ansible `command: argv:`, a Dockerfile
/// exec-form `RUN ["apt-get", "install", "curl"]`): no shell parsing, every element is one
/// word. `args` pairs each element with its byte range in the caller's file; the ranges of the
/// result are those ranges (a finding in an element points at that element).
pub fn analyze_argv(args: &[(&str, Range<usize>)], vars: &dyn Vars) -> Analysis {
    // Quote every element so that operators and spaces stay inside their word, and remember
    // which element each byte of the script came from.
    let mut script = String::new();
    let mut owner: Vec<usize> = Vec::new();
    for (i, (arg, _)) in args.iter().enumerate() {
        if i > 0 {
            script.push(' ');
            owner.push(i - 1);
        }
        let quoted = format!("'{}'", arg.replace('\'', "'\\''"));
        owner.extend(std::iter::repeat_n(i, quoted.len()));
        script.push_str(&quoted);
    }
    let mut a = analyze(&script, vars);
    a.map_ranges(&|r| {
        let first = owner.get(r.start).copied().unwrap_or(0);
        let last = owner
            .get(r.end.saturating_sub(1).max(r.start))
            .copied()
            .unwrap_or(first);
        match (args.get(first), args.get(last)) {
            (Some(f), Some(l)) => f.1.start..l.1.end.max(f.1.start),
            _ => 0..0,
        }
    });
    a
}

/// A word of the command with its text (after quote removal and substitution) and its byte
/// range in the analysed string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    /// The text after quote removal and variable substitution; unresolved parts are kept as
    /// written (`$VER`).
    pub text: String,
    /// Byte range of the word in the analysed string.
    pub range: Range<usize>,
}

/// Everything [`analyze`] found, in source order within each list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Analysis {
    /// Package installations (including targeted upgrades such as `yum update foo`).
    pub installs: Vec<Install>,
    /// Upgrades of everything installed (`apt-get upgrade`, `dnf update`, `apk upgrade`).
    pub upgrades: Vec<Upgrade>,
    /// Remote content executed by a shell or interpreter without being saved and checked.
    pub pipe_to_shell: Vec<PipeToShell>,
    /// `docker stack deploy` invocations.
    pub stack_deploys: Vec<StackDeploy>,
    /// URLs fetched by curl, wget and friends.
    pub downloads: Vec<Download>,
    /// Container images named on docker/podman command lines (`docker run nginx`,
    /// `docker pull`, `docker service create`). The word is not validated as a reference.
    pub images: Vec<ImageArg>,
    /// Service actions (`systemctl restart docker`, `service docker restart`,
    /// `rc-service docker restart`, `/etc/init.d/docker restart`).
    pub services: Vec<ServiceAction>,
}

impl Analysis {
    /// `true` when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.installs.is_empty()
            && self.upgrades.is_empty()
            && self.pipe_to_shell.is_empty()
            && self.stack_deploys.is_empty()
            && self.downloads.is_empty()
            && self.images.is_empty()
            && self.services.is_empty()
    }

    /// Every package of every install, with its install.
    pub fn packages(&self) -> impl Iterator<Item = (&Install, &Package)> {
        self.installs
            .iter()
            .flat_map(|i| i.packages.iter().map(move |p| (i, p)))
    }

    /// Add `delta` to every range (for a command embedded at `delta` in a larger text).
    pub fn shift(&mut self, delta: usize) {
        self.map_ranges(&|r| r.start + delta..r.end + delta);
    }

    /// Rewrite every range with `f` (for a command whose text was joined from several pieces
    /// of a file, such as a continued Dockerfile `RUN`).
    pub fn map_ranges(&mut self, f: &dyn Fn(Range<usize>) -> Range<usize>) {
        fn w(word: &mut Word, f: &dyn Fn(Range<usize>) -> Range<usize>) {
            word.range = f(word.range.clone());
        }
        for i in &mut self.installs {
            i.range = f(i.range.clone());
            w(&mut i.program, f);
            for p in &mut i.packages {
                p.range = f(p.range.clone());
            }
            for x in i
                .requirement_files
                .iter_mut()
                .chain(i.constraint_files.iter_mut())
                .chain(i.target_release.iter_mut())
                .chain(i.upgrade_flag.iter_mut())
            {
                w(x, f);
            }
        }
        for u in &mut self.upgrades {
            u.range = f(u.range.clone());
            w(&mut u.program, f);
            w(&mut u.subcommand, f);
        }
        for p in &mut self.pipe_to_shell {
            p.range = f(p.range.clone());
            w(&mut p.fetcher, f);
            w(&mut p.shell, f);
            if let Some(u) = &mut p.url {
                w(u, f);
            }
        }
        for s in &mut self.stack_deploys {
            s.range = f(s.range.clone());
            w(&mut s.subcommand, f);
            for x in s.stack.iter_mut().chain(s.compose_files.iter_mut()) {
                w(x, f);
            }
        }
        for d in &mut self.downloads {
            d.range = f(d.range.clone());
            w(&mut d.url, f);
        }
        for i in &mut self.images {
            i.range = f(i.range.clone());
            w(&mut i.image, f);
        }
        for s in &mut self.services {
            s.range = f(s.range.clone());
            w(&mut s.action, f);
            for u in &mut s.units {
                w(u, f);
            }
        }
    }

    fn extend(&mut self, other: Analysis) {
        self.installs.extend(other.installs);
        self.upgrades.extend(other.upgrades);
        self.pipe_to_shell.extend(other.pipe_to_shell);
        self.stack_deploys.extend(other.stack_deploys);
        self.downloads.extend(other.downloads);
        self.images.extend(other.images);
        self.services.extend(other.services);
    }

    fn sort(&mut self) {
        self.installs.sort_by_key(|i| i.range.start);
        self.upgrades.sort_by_key(|i| i.range.start);
        self.pipe_to_shell.sort_by_key(|i| i.range.start);
        self.stack_deploys.sort_by_key(|i| i.range.start);
        self.downloads.sort_by_key(|i| i.range.start);
        self.images.sort_by_key(|i| i.range.start);
        self.services.sort_by_key(|i| i.range.start);
    }
}

/// One package-manager invocation that installs packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Install {
    /// Package manager family.
    pub manager: Manager,
    /// The program as written (`apt-get`, `pip3`, `python3 -m pip` is reported as `python3`).
    pub program: Word,
    /// The subcommand (`install`, `add`, `in`, `-S` ...), when there is one.
    pub subcommand: Option<String>,
    /// Range of the whole simple command, from the program to its last argument.
    pub range: Range<usize>,
    /// Packages named on the command line, in order.
    pub packages: Vec<Package>,
    /// Requirement / package-list files (`pip -r`, `conda --file`): contents not judged here.
    pub requirement_files: Vec<Word>,
    /// Constraint files (`pip -c`), which may pin the packages named without a version.
    pub constraint_files: Vec<Word>,
    /// An upgrade flag or subcommand that makes unversioned packages float
    /// (`pip -U`, `apk add -u`, `apt-get install --only-upgrade`, `yum update foo`).
    pub upgrade_flag: Option<Word>,
    /// `apt-get -t RELEASE` / `--target-release` / `-o APT::Default-Release=`.
    pub target_release: Option<Word>,
    /// Installs system-wide for a language manager (`npm -g`, `yarn global`, `pnpm -g`).
    pub global: bool,
}

/// One package argument of an [`Install`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// The specification as the manager receives it (after substitution; unresolved
    /// expansions kept as written).
    pub spec: String,
    /// Package name (or path / URL for local and remote sources).
    pub name: String,
    /// The version part, if any.
    pub version: Option<String>,
    /// How firmly the version is pinned.
    pub strength: PinStrength,
    /// Where the package comes from.
    pub source: PackageSource,
    /// Byte range of the package word in the analysed string.
    pub range: Range<usize>,
    /// Variables (or `$(...)` substitutions) whose value was not known.
    pub unresolved: Vec<String>,
    /// Variables that were substituted, with their values.
    pub substituted: Vec<(String, String)>,
    /// Why the classification may surprise (for example an unquoted `>=` that the shell read
    /// as a redirection).
    pub note: Option<String>,
}

/// An upgrade of everything installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upgrade {
    /// Package manager family.
    pub manager: Manager,
    /// The program as written.
    pub program: Word,
    /// The upgrading subcommand or flag (`dist-upgrade`, `update`, `-Syu`, `--all`).
    pub subcommand: Word,
    /// Range of the whole simple command.
    pub range: Range<usize>,
}

/// Remote content piped into (or substituted into) a shell or interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipeToShell {
    /// The downloading program (`curl`, `wget`, `iwr`).
    pub fetcher: Word,
    /// The URL fetched, when one is named.
    pub url: Option<Word>,
    /// The interpreter that runs it (`sh`, `bash`, `python3`, `iex`, `eval`).
    pub shell: Word,
    /// Range from the download to the interpreter.
    pub range: Range<usize>,
    /// The file the content was saved to before it ran (`curl -o x.sh URL && sh x.sh`), when
    /// it was not piped; no checksum or signature check of it came in between.
    pub saved_to: Option<Word>,
}

/// A `docker stack deploy` (or `docker stack up`, `docker deploy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackDeploy {
    /// `deploy` / `up` word.
    pub subcommand: Word,
    /// Range of the whole command.
    pub range: Range<usize>,
    /// Whether `--with-registry-auth` is given (and not `=false`).
    pub with_registry_auth: bool,
    /// The stack name.
    pub stack: Option<Word>,
    /// `-c` / `--compose-file` arguments.
    pub compose_files: Vec<Word>,
}

/// A URL fetched by curl, wget, fetch or PowerShell's Invoke-WebRequest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Download {
    /// The fetching program.
    pub tool: String,
    /// The URL.
    pub url: Word,
    /// `true` when the URL names a moving `latest` release (see [`is_latest_url`]).
    pub latest: bool,
    /// The moving branch the URL downloads from (see [`branch_of_url`]).
    pub branch: Option<String>,
    /// `true` when the content goes to standard output.
    pub to_stdout: bool,
    /// Range of the whole command.
    pub range: Range<usize>,
}

/// A container image on a docker/podman command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageArg {
    /// `docker` or `podman`.
    pub tool: String,
    /// The subcommand (`run`, `create`, `pull`, `service create`, `service update`).
    pub subcommand: String,
    /// The image word (substituted; unresolved expansions kept as written).
    pub image: Word,
    /// `true` when the image word contains an unresolved expansion.
    pub unresolved: bool,
    /// Range of the whole command.
    pub range: Range<usize>,
}

/// A service manager action on named units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceAction {
    /// `systemctl`, `service`, `rc-service` or `init.d`.
    pub tool: String,
    /// The action (`restart`, `try-restart`, `reload-or-restart`, `stop`, `start`, `reload`,
    /// `kill`, `enable` ...), as written.
    pub action: Word,
    /// The units, as written (`docker`, `docker.service`, `containerd`).
    pub units: Vec<Word>,
    /// Range of the whole command.
    pub range: Range<usize>,
}

impl ServiceAction {
    /// The unit names without a `.service`/`.socket` suffix.
    pub fn unit_names(&self) -> impl Iterator<Item = &str> {
        self.units.iter().map(|u| {
            u.text
                .strip_suffix(".service")
                .or_else(|| u.text.strip_suffix(".socket"))
                .unwrap_or(&u.text)
        })
    }

    /// `true` for actions that stop or restart the service (`restart`, `try-restart`,
    /// `reload-or-restart`, `condrestart`, `force-reload`, `stop`, `kill`).
    pub fn interrupts(&self) -> bool {
        matches!(
            self.action.text.as_str(),
            "restart"
                | "try-restart"
                | "reload-or-restart"
                | "try-reload-or-restart"
                | "condrestart"
                | "force-reload"
                | "stop"
                | "kill"
        )
    }
}
