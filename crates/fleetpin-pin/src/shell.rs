//! `apt-get install foo` in shell tasks and Dockerfile `RUN`s: the locked version is added
//! (`foo=VER`), only as an unsafe fix. The lock records what the fleet's hosts run; an image
//! built `FROM` another release, or a script run elsewhere, may need another version.

use fleetpin_diag::{Applicability, Diagnostic, Span};
use fleetpin_fleet::lock::Lock;

use crate::{Candidate, PinError};

/// How the command takes a version, from the command as the finding names it.
fn separator(cmd: &str) -> Option<&'static str> {
    let tool = cmd.split_whitespace().next()?;
    let tool = tool.rsplit('/').next()?;
    match tool {
        "apt-get" | "apt" | "aptitude" | "apk" | "zypper" => Some("="),
        "yum" | "dnf" | "microdnf" | "tdnf" => Some("-"),
        "pip" | "pip3" | "pipx" => Some("=="),
        "npm" | "yarn" | "pnpm" => Some("@"),
        _ => None,
    }
}

/// `\`CMD\` installs \`PKG\` without a version...` → (CMD, PKG).
fn parse_message(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix('`')?;
    let (cmd, rest) = rest.split_once('`')?;
    let rest = rest.strip_prefix(" installs `")?;
    let (pkg, rest) = rest.split_once('`')?;
    rest.starts_with(" without a version").then_some((cmd, pkg))
}

/// Candidate (unsafe) edits for SH001 findings of installs without a version.
pub(crate) fn candidates(
    diags: &[&Diagnostic],
    lock: Option<&Lock>,
    out: &mut Vec<Candidate>,
    errors: &mut Vec<PinError>,
) {
    for d in diags {
        let Some(primary) = &d.primary else { continue };
        let Some((cmd, pkg)) = parse_message(&d.message) else {
            continue;
        };
        let span: &Span = &primary.span;
        let (line, _) = span.start();
        let path = span.file.path().to_path_buf();
        if span.file.text().get(span.range.clone()) != Some(pkg) {
            errors.push(PinError::NotLiteral {
                path,
                line,
                why: format!("`{pkg}` is not written as one word in the command"),
            });
            continue;
        }
        let Some(sep) = separator(cmd) else {
            errors.push(PinError::Unsupported {
                path,
                line,
                package: pkg.to_owned(),
                module: cmd.to_owned(),
                why: "fleetpin writes no version syntax for this command".to_owned(),
            });
            continue;
        };
        let Some(lock) = lock else {
            errors.push(PinError::NoLock {
                path,
                line,
                package: pkg.to_owned(),
            });
            continue;
        };
        match crate::packages::locked_version(lock, &[pkg.to_owned()], span, pkg) {
            Ok(version) => out.push(Candidate {
                file: span.file.clone(),
                range: span.range.end..span.range.end,
                content: format!("{sep}{version}"),
                applicability: Applicability::Unsafe,
                code: "SH001",
                title: format!("pin `{pkg}` to {version} in `{cmd}` (fleetpin.lock)"),
            }),
            Err(e) => errors.push(e),
        }
    }
}
