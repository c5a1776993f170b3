//! Input errors (`E...`): files fleetpin could not lint. They are reported like findings,
//! the rest of the tree is still linted, and they make the exit status 2.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a file that fleetpin found but could not read (permission denied, removed
    /// while linting, an I/O error).
    ///
    /// ## Why is this bad?
    /// A file that is not read is not checked: a floating version in it would go unnoticed.
    /// fleetpin lints the rest of the tree and exits with status 2.
    ///
    /// ## Use instead
    /// Make the file readable, or exclude it with `.gitignore`, `.ignore` or
    /// `[lint.per-path-ignores]`.
    pub struct UnreadableFile {
        code: "E001",
        name: "unreadable-file",
        summary: "A file could not be read",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a YAML file or Dockerfile that is not valid UTF-8, naming the line of the first
    /// invalid byte.
    ///
    /// ## Why is this bad?
    /// Ansible, Docker and GitHub all read these files as UTF-8; a file in another encoding
    /// (Latin-1, UTF-16) is usually a mistake and cannot be checked.
    ///
    /// ## Use instead
    /// Re-encode the file as UTF-8 (`iconv -f latin1 -t utf-8`).
    pub struct NonUtf8File {
        code: "E002",
        name: "non-utf8-file",
        summary: "A file that should be text is not valid UTF-8",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a file whose name says YAML or Dockerfile but whose content has NUL bytes.
    ///
    /// ## Why is this bad?
    /// Binary content under a text name is usually a build artefact or a corrupted file; it
    /// cannot be linted.
    ///
    /// ## Use instead
    /// Remove or rename the file, or exclude it with `.gitignore`.
    pub struct BinaryFile {
        code: "E003",
        name: "binary-file",
        summary: "A file that should be text contains NUL bytes",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a file larger than `max-file-size` (default 10 MiB).
    ///
    /// ## Why is this bad?
    /// Infrastructure code is small; a huge YAML file is usually generated data. fleetpin
    /// refuses it rather than spending minutes on it, and says so.
    ///
    /// ## Use instead
    /// Exclude the file, or raise the limit:
    ///
    /// ```toml
    /// [lint]
    /// max-file-size = 52428800  # bytes
    /// ```
    ///
    /// ## Options
    /// - `lint.max-file-size`
    pub struct FileTooLarge {
        code: "E004",
        name: "file-too-large",
        summary: "A file is larger than `max-file-size`",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a YAML file that does not parse, at the line and column of the error.
    ///
    /// ## Why is this bad?
    /// Ansible, Compose and GitHub reject the file too; and fleetpin cannot check what it
    /// cannot parse. Unlike ansible-lint, fleetpin still lints every other file.
    ///
    /// ## Use instead
    /// Fix the syntax error (`yamllint` points at the same place).
    ///
    /// Files that only become YAML once rendered (under `templates/`, or using Jinja `{% %}`
    /// statements or Go template markers) are skipped instead of reported.
    ///
    /// ## Options
    /// - `lint.ignore = ["E005"]` or `[lint.per-path-ignores] "vendor/**" = ["E005"]` for files
    ///   fleetpin cannot parse but Ansible can (input errors are switched off only by their
    ///   exact code).
    pub struct InvalidYaml {
        code: "E005",
        name: "invalid-yaml",
        summary: "A YAML file does not parse",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a Dockerfile that does not parse: an unterminated line continuation or heredoc,
    /// an empty file, an instruction fleetpin cannot read.
    ///
    /// ## Why is this bad?
    /// `docker build` would reject the file or read it differently from what it looks like.
    ///
    /// ## Use instead
    /// Fix the Dockerfile at the reported line.
    pub struct InvalidDockerfile {
        code: "E006",
        name: "invalid-dockerfile",
        summary: "A Dockerfile does not parse",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a problem while walking the tree: a symbolic link loop, a directory that cannot
    /// be listed, a path given on the command line that does not exist.
    ///
    /// ## Why is this bad?
    /// Part of the tree was not linted.
    ///
    /// ## Use instead
    /// Remove the loop (`find -L . -xtype l`), fix permissions, or exclude the directory.
    pub struct WalkError {
        code: "E007",
        name: "walk-error",
        summary: "A directory could not be walked (symlink loop, permissions, missing path)",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an invalid `fleetpin.toml`: a syntax error, an unknown key, a value of the wrong
    /// type, an unknown rule code, a bad glob. The error points at the line of the problem.
    ///
    /// ## Why is this bad?
    /// A misspelt option (`ignor = ["ANS001"]`) silently doing nothing is how configuration
    /// rots; fleetpin refuses it and exits with status 2.
    ///
    /// ## Use instead
    /// Fix the key or value named in the message; `fleetpin rule --all` lists the rule codes.
    pub struct InvalidConfig {
        code: "E008",
        name: "invalid-config",
        summary: "`fleetpin.toml` is invalid",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an Ansible inventory file of the project (`hosts`, `inventory.yml`, the
    /// `inventory` of `ansible.cfg`) that does not load: a syntax error, YAML aliases nested
    /// into a "billion laughs", an `ansible_port` that is not a port number (`99999`, `-1`,
    /// `2222x`, `22 -oX=y`). The error names the line.
    ///
    /// ## Why is this bad?
    /// Ansible refuses the file, or (for a bad port) loads it and then fails to connect to
    /// the host (`Bad port '99999'` from ssh, or "could not be converted to 'int'"). fleetpin
    /// cannot tell which hosts a play targets from a file it cannot read.
    ///
    /// ## Use instead
    /// Fix the line named in the message (`ansible-inventory --list -i FILE` checks the
    /// syntax).
    pub struct InvalidInventory {
        code: "E009",
        name: "invalid-inventory",
        summary: "An Ansible inventory file does not load",
        severity: Error,
        opt_in: false,
        kind: InputError,
    }
}
