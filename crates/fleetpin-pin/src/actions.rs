//! GitHub Actions: `uses: owner/repo@v4` → `owner/repo@<40-hex> # v4`, the commit the ref
//! names today, found with the real `git ls-remote` (annotated tags peeled).

use std::process::Command;

use base64::Engine as _;
use fleetpin_diag::{Applicability, Diagnostic};
use rayon::prelude::*;

use crate::{Candidate, PinError};

/// Where commit SHAs come from.
pub trait ActionRefs: Sync {
    /// The commit `git_ref` of `repo` (`owner/name`) names.
    fn resolve(&self, repo: &str, git_ref: &str) -> Result<String, String>;
}

/// `git ls-remote <base>/<owner>/<repo> <ref>`; `GITHUB_TOKEN` (when given) is sent as
/// basic auth (`x-access-token`), as `actions/checkout` does.
#[derive(Debug, Clone)]
pub struct GitLsRemote {
    /// Base URL of the forge (`https://github.com`; tests use a `git daemon` on loopback).
    pub base_url: String,
    /// A token for private repositories and rate limits.
    pub token: Option<String>,
    /// The `git` program.
    pub git: String,
}

impl GitLsRemote {
    /// For `base_url`, with the token from `GITHUB_TOKEN`.
    pub fn new(base_url: impl Into<String>) -> GitLsRemote {
        GitLsRemote {
            base_url: base_url.into(),
            token: std::env::var("GITHUB_TOKEN").ok().filter(|t| !t.is_empty()),
            git: "git".to_owned(),
        }
    }
}

/// Picks the commit for `git_ref` from `git ls-remote` output: a peeled annotated tag
/// (`refs/tags/X^{}`) over the tag object, a tag over a branch.
pub fn pick_ref(listing: &str, git_ref: &str) -> Option<String> {
    let mut tag = None;
    let mut peeled = None;
    let mut branch = None;
    for line in listing.lines() {
        let Some((sha, name)) = line.split_once('\t') else {
            continue;
        };
        if name == format!("refs/tags/{git_ref}^{{}}") {
            peeled = Some(sha.to_owned());
        } else if name == format!("refs/tags/{git_ref}") {
            tag = Some(sha.to_owned());
        } else if name == format!("refs/heads/{git_ref}") {
            branch = Some(sha.to_owned());
        }
    }
    peeled.or(tag).or(branch)
}

impl ActionRefs for GitLsRemote {
    fn resolve(&self, repo: &str, git_ref: &str) -> Result<String, String> {
        let url = format!("{}/{repo}", self.base_url.trim_end_matches('/'));
        let mut cmd = Command::new(&self.git);
        cmd.env("GIT_TERMINAL_PROMPT", "0");
        if let Some(token) = &self.token {
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
            cmd.arg("-c")
                .arg(format!("http.extraHeader=Authorization: Basic {basic}"));
        }
        cmd.arg("ls-remote")
            .arg(&url)
            .arg(format!("refs/tags/{git_ref}"))
            .arg(format!("refs/tags/{git_ref}^{{}}"))
            .arg(format!("refs/heads/{git_ref}"));
        let output = cmd
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", self.git))?;
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "`git ls-remote {url}` failed: {}",
                err.lines().last().unwrap_or("").trim()
            ));
        }
        let listing = String::from_utf8_lossy(&output.stdout);
        pick_ref(&listing, git_ref)
            .filter(|sha| sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| format!("`{url}` has no tag or branch `{git_ref}`"))
    }
}

/// `owner/repo[/path]@ref` → (`owner/repo`, ref, byte offset of the ref).
fn split_uses(text: &str) -> Option<(&str, &str, usize)> {
    let at = text.rfind('@')?;
    let (path, git_ref) = (&text[..at], &text[at + 1..]);
    let mut parts = path.splitn(3, '/');
    let owner = parts.next()?;
    let repo = parts.next()?;
    if owner.is_empty() || repo.is_empty() || git_ref.is_empty() || text.starts_with('.') {
        return None;
    }
    Some((&text[..owner.len() + 1 + repo.len()], git_ref, at + 1))
}

/// Candidate edits for the GHA001 findings.
pub(crate) fn candidates(
    diags: &[&Diagnostic],
    source: &dyn ActionRefs,
    out: &mut Vec<Candidate>,
    errors: &mut Vec<PinError>,
) {
    let mut sites = Vec::new();
    for d in diags {
        let Some(primary) = &d.primary else { continue };
        let span = &primary.span;
        let text = span.file.text().get(span.range.clone()).unwrap_or("");
        match split_uses(text) {
            Some((repo, git_ref, off)) if !text.contains(['$', '{']) => {
                sites.push((span.clone(), repo.to_owned(), git_ref.to_owned(), off));
            }
            _ => errors.push(PinError::NotLiteral {
                path: span.file.path().to_path_buf(),
                line: span.start().0,
                why: format!("`{text}` is not an `owner/repo@ref` fleetpin can resolve"),
            }),
        }
    }
    let mut unique: Vec<(String, String)> = sites
        .iter()
        .map(|(_, r, g, _)| (r.clone(), g.clone()))
        .collect();
    unique.sort();
    unique.dedup();
    let shas: Vec<Result<String, String>> = unique
        .par_iter()
        .map(|(repo, git_ref)| source.resolve(repo, git_ref))
        .collect();
    for (span, repo, git_ref, off) in sites {
        let i = unique
            .binary_search(&(repo.clone(), git_ref.clone()))
            .unwrap_or(0);
        let sha = match &shas[i] {
            Ok(sha) => sha,
            Err(message) => {
                errors.push(PinError::Git {
                    path: span.file.path().to_path_buf(),
                    line: span.start().0,
                    action: format!("{repo}@{git_ref}"),
                    message: message.clone(),
                });
                continue;
            }
        };
        let text = span.file.text();
        let ref_start = span.range.start + off;
        out.push(Candidate {
            file: span.file.clone(),
            range: ref_start..span.range.end,
            content: sha.clone(),
            applicability: Applicability::Safe,
            code: "GHA001",
            title: format!("pin `{repo}@{git_ref}` to {sha}"),
        });
        // ` # v4` after the value, when the rest of the line is only a closing quote.
        let line_end = text[span.range.end..]
            .find(['\n', '\r'])
            .map_or(text.len(), |i| span.range.end + i);
        let rest = &text[span.range.end..line_end];
        let quote = rest.starts_with(['"', '\'']) as usize;
        if rest[quote..].trim().is_empty() {
            let at = span.range.end + quote;
            out.push(Candidate {
                file: span.file.clone(),
                range: at..at,
                content: format!(" # {git_ref}"),
                applicability: Applicability::Safe,
                code: "GHA001",
                title: format!("pin `{repo}@{git_ref}` to {sha}"),
            });
        }
    }
}
