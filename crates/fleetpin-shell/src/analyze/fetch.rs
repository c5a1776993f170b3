//! Downloads: the fetcher and URL of `curl` / `wget` / `fetch` / `iwr`, the file it saves,
//! the file a later command executes, and checksum/signature verifiers.

use super::*;

/// (fetcher word, URL, writes to stdout) for curl / wget / fetch / iwr.
pub(super) fn fetch_info(r: &Resolved) -> Option<(Word, Option<Word>, bool)> {
    let name = r.name.as_str();
    if !matches!(
        name,
        "curl" | "wget" | "fetch" | "iwr" | "invoke-webrequest" | "irm" | "invoke-restmethod"
    ) {
        return None;
    }
    let prog = r.argv[0].word();
    match name {
        "curl" => {
            let p = parse_opts(
                &r.argv[1..],
                b"oHdXuAeTxwmbcEFKrYyzCUQDtK",
                &[
                    "--output",
                    "--header",
                    "--data",
                    "--data-raw",
                    "--data-binary",
                    "--data-urlencode",
                    "--request",
                    "--user",
                    "--user-agent",
                    "--referer",
                    "--upload-file",
                    "--proxy",
                    "--write-out",
                    "--max-time",
                    "--cookie",
                    "--cookie-jar",
                    "--cert",
                    "--key",
                    "--cacert",
                    "--form",
                    "--config",
                    "--range",
                    "--time-cond",
                    "--continue-at",
                    "--proxy-user",
                    "--quote",
                    "--dump-header",
                    "--connect-timeout",
                    "--retry",
                    "--retry-delay",
                    "--retry-max-time",
                    "--resolve",
                    "--connect-to",
                    "--max-redirs",
                    "--limit-rate",
                    "--output-dir",
                    "--proto",
                    "--proto-redir",
                    "--ciphers",
                    "--interface",
                    "--dns-servers",
                    "--netrc-file",
                    "--oauth2-bearer",
                    "--create-file-mode",
                    "--expect100-timeout",
                    "--keepalive-time",
                    "--json",
                    "--variable",
                    "--url-query",
                    "--url",
                    "--capath",
                    "--pinnedpubkey",
                    "--trace",
                    "--trace-ascii",
                    "--stderr",
                    "--unix-socket",
                    "--max-filesize",
                    "--cert-type",
                    "--key-type",
                    "--engine",
                    "--crlfile",
                    "--hostpubmd5",
                    "--hostpubsha256",
                    "--krb",
                    "--local-port",
                    "--login-options",
                    "--mail-from",
                    "--mail-rcpt",
                    "--mail-auth",
                    "--noproxy",
                    "--pass",
                    "--proxy-cacert",
                    "--proxy-cert",
                    "--proxy-key",
                    "--proxy-header",
                    "--socks4",
                    "--socks4a",
                    "--socks5",
                    "--socks5-hostname",
                    "--tls-max",
                    "--aws-sigv4",
                    "--doh-url",
                    "--sasl-authzid",
                    "--service-name",
                    "--ftp-port",
                    "--ftp-account",
                    "--tlsuser",
                    "--tlspassword",
                    "--abstract-unix-socket",
                    "--preproxy",
                    "--etag-save",
                    "--etag-compare",
                    "--alt-svc",
                    "--hsts",
                ],
            );
            let mut to_stdout = true;
            let mut url = None;
            for o in &p.opts {
                match o.name.as_str() {
                    "-o" | "--output" if o.value.as_ref().is_some_and(|v| v.text != "-") => {
                        to_stdout = false;
                    }
                    "-O" | "--remote-name" | "--remote-name-all" | "-J" => to_stdout = false,
                    "--url" => url = o.value.clone(),
                    _ => {}
                }
            }
            // Short clusters with `O` (`-fsSLO`).
            if p.opts.iter().any(|o| o.cluster_has(b'O')) {
                to_stdout = false;
            }
            let url = url.or_else(|| first_url(&p.pos));
            Some((prog, url, to_stdout))
        }
        "wget" => {
            let p = parse_opts(
                &r.argv[1..],
                b"OoaPetTwUiBQlDI",
                &[
                    "--output-document",
                    "--output-file",
                    "--append-output",
                    "--directory-prefix",
                    "--execute",
                    "--tries",
                    "--timeout",
                    "--wait",
                    "--user-agent",
                    "--input-file",
                    "--base",
                    "--quota",
                    "--level",
                    "--domains",
                    "--header",
                    "--user",
                    "--password",
                    "--post-data",
                    "--post-file",
                    "--method",
                    "--body-data",
                    "--body-file",
                    "--ca-certificate",
                    "--certificate",
                    "--private-key",
                    "--load-cookies",
                    "--save-cookies",
                    "--progress",
                    "--http-user",
                    "--http-password",
                    "--referer",
                ],
            );
            let to_stdout = p.opts.iter().any(|o| {
                matches!(o.name.as_str(), "-O" | "--output-document")
                    && o.value
                        .as_ref()
                        .is_some_and(|v| v.text == "-" || v.text == "/dev/stdout")
            });
            Some((prog, first_url(&p.pos), to_stdout))
        }
        "fetch" => {
            let p = parse_opts(&r.argv[1..], b"oBNST", &["--output"]);
            let to_stdout = p
                .opts
                .iter()
                .any(|o| o.name == "-o" && o.value.as_ref().is_some_and(|v| v.text == "-"));
            Some((prog, p.pos.first().map(|a| a.word()), to_stdout))
        }
        "iwr" | "invoke-webrequest" | "irm" | "invoke-restmethod" => {
            let url = r.argv[1..]
                .iter()
                .find(|a| a.text.contains("://"))
                .map(|a| a.word());
            let to_file = r
                .argv
                .iter()
                .any(|a| a.text.eq_ignore_ascii_case("-outfile"));
            Some((prog, url, !to_file))
        }
        _ => None,
    }
}

/// The first positional that looks like a URL, else the first positional.
pub(super) fn first_url(pos: &[&Arg]) -> Option<Word> {
    pos.iter()
        .find(|a| a.text.contains("://"))
        .or_else(|| pos.first())
        .map(|a| a.word())
}

/// Checksum and signature tools: running one on a downloaded file counts as verifying it.
pub(super) fn is_verifier(r: &Resolved) -> bool {
    match r.name.as_str() {
        "rpm" => r.argv.iter().any(|a| a.is("-K") || a.is("--checksig")),
        name => matches!(
            name,
            "sha256sum"
                | "sha512sum"
                | "sha384sum"
                | "sha224sum"
                | "sha1sum"
                | "md5sum"
                | "shasum"
                | "b2sum"
                | "cksum"
                | "gpg"
                | "gpg2"
                | "gpgv"
                | "cosign"
                | "minisign"
                | "signify"
                | "openssl"
                | "sigstore"
                | "slsa-verifier"
        ),
    }
}

/// The file a downloader writes (`curl -o F`, `curl -O` → URL basename, `wget -O F`, `wget`
/// → URL basename), when it does not write to stdout.
pub(super) fn saved_file(r: &Resolved, url: Option<&Word>) -> Option<Word> {
    let url_base = || {
        let u = url?;
        let path = u.text.split(['?', '#']).next().unwrap_or(&u.text);
        let base = path.rsplit('/').next().filter(|b| !b.is_empty())?;
        Some(Word {
            text: base.to_owned(),
            range: u.range.clone(),
        })
    };
    match r.name.as_str() {
        "curl" => {
            let mut it = r.argv.iter().skip(1);
            while let Some(a) = it.next() {
                let t = a.text.as_str();
                if t == "-o"
                    || t == "--output"
                    || (t.starts_with('-') && !t.starts_with("--") && t.ends_with('o'))
                {
                    let v = it.next()?;
                    return (v.text != "-").then(|| v.word());
                }
                if let Some(v) = t.strip_prefix("--output=") {
                    return (v != "-").then(|| a.word());
                }
                if t == "-O"
                    || t == "--remote-name"
                    || (t.starts_with('-') && !t.starts_with("--") && t.contains('O'))
                {
                    return url_base();
                }
            }
            None
        }
        "wget" => {
            let mut it = r.argv.iter().skip(1);
            while let Some(a) = it.next() {
                let t = a.text.as_str();
                if t == "-O"
                    || t == "--output-document"
                    || (t.starts_with('-') && !t.starts_with("--") && t.ends_with('O'))
                {
                    let v = it.next()?;
                    return (v.text != "-" && v.text != "/dev/stdout").then(|| v.word());
                }
                if let Some(v) = t.strip_prefix("--output-document=") {
                    return (v != "-").then(|| a.word());
                }
            }
            url_base()
        }
        _ => None,
    }
}

/// The file an interpreter runs (`sh x.sh`, `python3 get-pip.py`) or a program run by path
/// (`./install.sh`, `/tmp/install.sh`).
pub(super) fn executed_file(r: &Resolved) -> Option<String> {
    let prog = r.argv[0].text.as_str();
    if prog.contains('/') && !prog.starts_with("/usr/") && !prog.starts_with("/bin/") {
        return Some(prog.to_owned());
    }
    if !is_interpreter(&r.name) && !matches!(r.name.as_str(), "source" | ".") {
        return None;
    }
    let mut it = r.argv.iter().skip(1);
    while let Some(a) = it.next() {
        let t = a.text.as_str();
        if t == "-c"
            || (is_shell(&r.name) && t.starts_with('-') && !t.starts_with("--") && t.contains('c'))
        {
            return None;
        }
        if t == "-o" || t == "-m" {
            it.next();
            continue;
        }
        if t.starts_with('-') {
            continue;
        }
        return Some(t.to_owned());
    }
    None
}

/// `x.sh`, `./x.sh` and `/tmp/x.sh` name the same file when one side has no directory.
pub(super) fn same_file(saved: &str, run: &str) -> bool {
    let norm = |s: &str| s.strip_prefix("./").unwrap_or(s).to_owned();
    let (a, b) = (norm(saved), norm(run));
    a == b || (!a.contains('/') || !b.contains('/')) && basename(&a) == basename(&b)
}
