//! URLs that name a moving target.

/// `true` when a download URL names a moving target: a path segment (or a file name stem)
/// that is `latest`, such as `.../releases/latest/download/x.tar.gz`,
/// `api.github.com/repos/o/r/releases/latest`, `https://wordpress.org/latest.tar.gz` or
/// `.../app-latest-linux-amd64.zip`. The query string and fragment are ignored. A path
/// segment that also carries a build number (six or more digits, as in
/// `commandlinetools-linux-11076708_latest.zip`) names one fixed file and does not count.
///
/// ```
/// use fleetpin_spec::url::is_latest_url;
/// assert!(is_latest_url("https://github.com/o/r/releases/latest/download/r.tar.gz"));
/// assert!(is_latest_url("https://wordpress.org/latest.tar.gz"));
/// assert!(!is_latest_url("https://github.com/o/r/releases/download/v1.2.3/r.tar.gz"));
/// assert!(!is_latest_url("https://example.com/latestnews/v1.tar.gz"));
/// assert!(!is_latest_url("https://example.org/android/repository/commandlinetools-linux-11076708_latest.zip"));
/// assert!(is_latest_url("https://example.org/o/r/releases/latest/download/tool-11076708.zip"));
/// ```
pub fn is_latest_url(url: &str) -> bool {
    let url = url.trim();
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let path = match no_query.find("://") {
        Some(p) => {
            let rest = &no_query[p + 3..];
            rest.find('/').map_or("", |s| &rest[s..])
        }
        None => no_query,
    };
    path.split('/').any(|seg| {
        let mut pieces = seg.split(['.', '-', '_']);
        pieces
            .clone()
            .any(|piece| piece.eq_ignore_ascii_case("latest"))
            && !pieces.any(is_build_number)
    })
}

/// A build number in a file name (`commandlinetools-linux-11076708_latest.zip`): six or more
/// digits. Such a name is one fixed file; its `latest` is a label, not a moving target.
/// Shorter numbers (`amd64`, `3`, `2024`) do not count.
fn is_build_number(piece: &str) -> bool {
    piece.len() >= 6 && piece.bytes().all(|b| b.is_ascii_digit())
}

/// `true` for `localhost` and loopback addresses (`127.0.0.0/8`, `::1`, written with or
/// without brackets); `host` has no port.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `true` when a URL's host is the machine itself (see [`is_loopback_host`]): a download from
/// a service on the host the task runs on (`http://localhost:8080/jnlpJars/jenkins-cli.jar`),
/// not from upstream.
///
/// ```
/// use fleetpin_spec::url::is_loopback_url;
/// assert!(is_loopback_url("http://localhost:8080/jnlpJars/jenkins-cli.jar"));
/// assert!(is_loopback_url("http://user:pw@127.0.0.1/x.sh"));
/// assert!(is_loopback_url("https://[::1]:9000/tool"));
/// assert!(!is_loopback_url("https://localhost.example.org/tool"));
/// assert!(!is_loopback_url("/usr/local/tool"));
/// ```
pub fn is_loopback_url(url: &str) -> bool {
    let Some((_, rest)) = url.trim().split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or(host_port)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    is_loopback_host(host)
}
