//! URL checks shared by the shell analyser and the Ansible `get_url`/`unarchive`/`uri` rules.

/// `true` when a download URL names a moving target (`.../releases/latest/download/x`,
/// `https://wordpress.org/latest.tar.gz`); the verdict is `fleetpin_spec::url::is_latest_url`.
///
/// ```
/// use fleetpin_shell::is_latest_url;
/// assert!(is_latest_url("https://wordpress.org/latest.tar.gz"));
/// ```
pub fn is_latest_url(url: &str) -> bool {
    fleetpin_spec::url::is_latest_url(url)
}

/// The branch a URL downloads from, when it names a moving branch of a Git forge rather than
/// a tag or commit: `raw.githubusercontent.com/o/r/master/install.sh`,
/// `github.com/o/r/raw/main/x`, `github.com/o/r/archive/refs/heads/main.tar.gz`,
/// `gitlab.com/o/r/-/raw/main/x`, `bitbucket.org/o/r/raw/HEAD/x`. Only well-known branch names
/// (`main`, `master`, `HEAD`, `develop`, `trunk`, `dev`) and `refs/heads/...` count, so a
/// tag such as `v1.2.3` in the same place is not reported.
///
/// ```
/// use fleetpin_shell::url::branch_of_url;
/// assert_eq!(branch_of_url("https://raw.githubusercontent.com/o/r/master/install.sh"), Some("master"));
/// assert_eq!(branch_of_url("https://raw.githubusercontent.com/o/r/v1.2.3/install.sh"), None);
/// assert_eq!(branch_of_url("https://github.com/o/r/archive/refs/heads/main.tar.gz"), Some("main"));
/// ```
pub fn branch_of_url(url: &str) -> Option<&str> {
    let no_query = url.trim().split(['?', '#']).next()?;
    let rest = no_query.split_once("://")?.1;
    let (host, path) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    let segs: Vec<&str> = path.split('/').collect();
    let is_branch = |s: &str| matches!(s, "main" | "master" | "HEAD" | "develop" | "trunk" | "dev");
    // refs/heads/<branch> anywhere.
    if let Some(i) = segs.windows(2).position(|w| w == ["refs", "heads"]) {
        let b = segs.get(i + 2)?;
        let b = b
            .strip_suffix(".tar.gz")
            .or_else(|| b.strip_suffix(".zip"))
            .unwrap_or(b);
        return Some(b).filter(|b| !b.is_empty());
    }
    let candidate = match host.as_str() {
        "raw.githubusercontent.com" => segs.get(2).copied(),
        "github.com" | "bitbucket.org" => match segs.get(2).copied() {
            Some("raw" | "blob") => segs.get(3).copied(),
            Some("archive") => segs.get(3).map(|f| {
                f.strip_suffix(".tar.gz")
                    .or_else(|| f.strip_suffix(".zip"))
                    .unwrap_or(f)
            }),
            _ => None,
        },
        h if h.contains("gitlab") => {
            let i = segs.iter().position(|s| *s == "-")?;
            match segs.get(i + 1).copied() {
                Some("raw" | "blob" | "archive") => segs.get(i + 2).copied(),
                _ => None,
            }
        }
        _ => None,
    }?;
    is_branch(candidate).then_some(candidate)
}

/// `true` when `s` looks like a remote URL (`http`, `https`, `ftp`).
pub fn is_remote_url(s: &str) -> bool {
    let l = s.trim_start();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("ftp://")
}
