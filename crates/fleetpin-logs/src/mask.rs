//! Masking of the variable parts of a message before clustering.
//!
//! Drain clusters by tokens; a container id or a port number in a line would otherwise make
//! every line its own template until enough lines arrive to wildcard the position. Masking
//! replaces what is variable by nature with `<*>` first, the way drain3's `masking` option does
//! with regexes, but in one pass over each whitespace-separated token (hand-written: the same
//! rules as a chain of regex replacements took several times longer on the benchmark corpus).
//!
//! A token is split at the delimiters `= ( ) [ ] { } < > , ; " ' @ |` into pieces; trailing
//! `: . ! ?` are kept. A piece is replaced as a whole when it holds a digit (the rule the
//! log-parsing literature found to work best: `42`, `23.0.1`, `10.0.0.2:2377`, `blk_-1608`,
//! `veth1a2b3c4`, a container id, a timestamp), except for names that hold digits (`sha256`,
//! `IPv6`, `x86_64`) and the `name:` of `name:value` (`pid:<*>`). Also replaced: a path with
//! a variable segment (as a whole), an IPv6 address, a runtime interface name with an
//! all-letter hex tail (`vethabcdefa`), and day and month names inside a date. A run of
//! wildcard tokens becomes one (`an14 an15 an16` → `<*>`), so values made of several words
//! give the same template whatever their length.
//!
//! ```
//! assert_eq!(
//!     fleetpin_logs::mask::mask("docker_gwbridge: port 3(veth1a2b3c4) entered blocking state"),
//!     "docker_gwbridge: port <*>(<*>) entered blocking state"
//! );
//! ```

/// The wildcard written in place of a variable part, as in drain3.
pub const WILDCARD: &str = "<*>";

/// Masks `message` (see the module docs); tokens are joined with single spaces.
pub fn mask(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    mask_into(message, &mut out);
    out
}

/// Masks `message` into `out` (cleared first), reusing its allocation.
pub fn mask_into(message: &str, out: &mut String) {
    out.clear();
    let mut tokens = message.split_ascii_whitespace().peekable();
    let mut i = 0;
    while let Some(token) = tokens.next() {
        let start = out.len();
        if i > 0 {
            out.push(' ');
        }
        // `Fri Jun 17 07:07:00 2005`: day and month names in a date are part of the value.
        // `5.2 KB,`: a size unit after a value is part of it (only the punctuation stays).
        let unit_core = token.trim_end_matches([',', '.', ';', ':', ')']);
        if i > 0 && is_unit(unit_core) && out[..start].ends_with(WILDCARD) {
            out.truncate(start);
            out.push_str(&token[unit_core.len()..]);
        } else if is_calendar_name(token)
            && tokens
                .peek()
                .is_some_and(|next| next.as_bytes()[0].is_ascii_digit() || is_month(next))
        {
            out.push_str(WILDCARD);
        } else {
            mask_token(token, out);
        }
        i += 1;
        // A run of values (`an14 an15 an16`, `Fri Jun 17 07:07:00 2005`) is one variable: a
        // token that is only a wildcard after another one is dropped.
        if i > 0
            && &out[start..] == " <*>"
            && out[..start].ends_with(WILDCARD)
            && (start == WILDCARD.len() || out.as_bytes()[start - WILDCARD.len() - 1] == b' ')
        {
            out.truncate(start);
        }
    }
}

/// Units of size, which belong to the value before them (`5.2 KB`, `14.0 MB`); time units
/// (`3 ms`, `30 seconds`) are read as words of the message, as log-parser labels do.
fn is_unit(t: &str) -> bool {
    matches!(
        t,
        "B" | "KB" | "MB" | "GB" | "TB" | "PB" | "kB" | "KiB" | "MiB" | "GiB" | "TiB"
    )
}

fn is_month(t: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    t.len() >= 3
        && MONTHS.iter().any(|m| t.get(..3) == Some(m))
        && t.bytes().all(|c| c.is_ascii_alphabetic())
}

fn is_calendar_name(t: &str) -> bool {
    if !t.as_bytes()[0].is_ascii_uppercase() {
        return false;
    }
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    is_month(t)
        || (t.len() >= 3
            && DAYS.iter().any(|d| t.get(..3) == Some(d))
            && t.trim_end_matches(',')
                .bytes()
                .all(|c| c.is_ascii_alphabetic()))
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'=' | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'<'
            | b'>'
            | b','
            | b';'
            | b'"'
            | b'\''
            | b'@'
            | b'|'
    )
}

fn mask_token(token: &str, out: &mut String) {
    let bytes = token.as_bytes();
    // Fast path for plain words, most tokens of most logs: no digit, delimiter, `/` or `:`
    // means nothing to mask but a runtime interface name (`vethabcdefa`, `br-…`, `tap…`,
    // `cali…`). Measured: half the masking time went to classifying words piece by piece.
    if !bytes
        .iter()
        .any(|&b| b.is_ascii_digit() || is_delimiter(b) || b == b'/' || b == b':')
    {
        if matches!(bytes[0], b'v' | b'b' | b't' | b'c') {
            mask_piece(token, out);
        } else {
            out.push_str(token);
        }
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_delimiter(b) {
            if start < i {
                mask_piece(&token[start..i], out);
            }
            out.push(b as char);
            start = i + 1;
        }
    }
    if start < bytes.len() {
        mask_piece(&token[start..], out);
    }
}

fn mask_piece(piece: &str, out: &mut String) {
    // Keep sentence punctuation (`vethab12cd3:`, `exec.`) out of the classification.
    let core = piece.trim_end_matches([':', '.', '!', '?']);
    if core.is_empty() {
        out.push_str(piece);
        return;
    }
    let suffix = &piece[core.len()..];
    if core.len() > 1 && core.contains('/') {
        let start = out.len();
        for (i, segment) in core.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            mask_simple(segment, out);
        }
        // A path with a variable segment is a variable as a whole (`/data/current/subdir5/blk_1`).
        if out[start..].contains(WILDCARD) {
            out.truncate(start);
            out.push_str(WILDCARD);
        }
    } else {
        mask_simple(core, out);
    }
    out.push_str(suffix);
}

/// Masks a piece without delimiters or `/`.
fn mask_simple(p: &str, out: &mut String) {
    if p.is_empty() {
        return;
    }
    let b = p.as_bytes();
    if !b.iter().any(u8::is_ascii_digit) {
        // Words stay, but for runtime interface names with an all-letter hex tail
        // (`vethabcdefa`) and addresses written without digits (`fe80::`, `::`).
        if is_interface_name(b) || (b.contains(&b':') && is_ipv6(b)) {
            out.push_str(WILDCARD);
        } else {
            out.push_str(p);
        }
        return;
    }
    if is_name_with_digits(b) {
        out.push_str(p);
    } else if let Some(colon) = p.find(':')
        && colon > 0
        && p.as_bytes()[0].is_ascii_alphabetic()
        && (is_name_with_digits(&b[..colon])
            || b[..colon]
                .iter()
                .all(|c| c.is_ascii_alphabetic() || *c == b'_' || *c == b'-'))
    {
        // `lr:00004ed0`, `pid:812`: the name stays.
        out.push_str(&p[..=colon]);
        out.push_str(WILDCARD);
    } else {
        out.push_str(WILDCARD);
    }
}

/// Names that hold digits but are not values: `sha256`, `IPv6`, `x86_64`, `utf8`.
fn is_name_with_digits(p: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"ipv4", b"ipv6", b"sha1", b"sha224", b"sha256", b"sha384", b"sha512", b"md5", b"x86_64",
        b"i386", b"i686", b"amd64", b"arm64", b"aarch64", b"utf8", b"utf16", b"base64", b"http2",
        b"ext2", b"ext3", b"ext4", b"s3", b"ec2", b"k8s", b"oauth2", b"tls1", b"x509", b"x11",
        b"p2p", b"3des", b"2fa",
    ];
    let known = |p: &[u8]| NAMES.iter().any(|n| n.eq_ignore_ascii_case(p));
    // `containerd-shim-runc-v2`: words with a `vN` suffix.
    known(p)
        || (p.contains(&b'-')
            && p.split(|c| *c == b'-').all(|s| {
                !s.is_empty()
                    && (s.iter().all(u8::is_ascii_alphabetic)
                        || known(s)
                        || (s.len() <= 3 && s[0] == b'v' && s[1..].iter().all(u8::is_ascii_digit)))
            }))
}

/// Runtime interface names: a known prefix and a hex tail of 5+ characters.
fn is_interface_name(b: &[u8]) -> bool {
    let tail = b.iter().rev().take_while(|c| c.is_ascii_hexdigit()).count();
    tail >= 5
        && matches!(
            &b[..b.len() - tail],
            b"veth" | b"vx-" | b"br-" | b"tap" | b"cali" | b"vxlan-"
        )
}

fn is_ipv6(p: &[u8]) -> bool {
    p.iter().filter(|c| **c == b':').count() >= 2
        && p.iter()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, b':' | b'.' | b'%'))
        && (p.iter().any(u8::is_ascii_digit) || p.windows(2).any(|w| w == b"::"))
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_the_incident_lines() {
        let cases = [
            (
                "vethab12cd3: Could not generate persistent MAC: No data available",
                "<*>: Could not generate persistent MAC: No data available",
            ),
            (
                "veth1a2b3c4: link_config: autonegotiation is unset or enabled, the speed and duplex are not writable.",
                "<*>: link_config: autonegotiation is unset or enabled, the speed and duplex are not writable.",
            ),
            (
                "docker_gwbridge: port 3(veth1a2b3c4) entered disabled state",
                "docker_gwbridge: port <*>(<*>) entered disabled state",
            ),
            (
                "device vethabcdefa entered promiscuous mode",
                "device <*> entered promiscuous mode",
            ),
            (
                "device veth9f8e7d6 entered promiscuous mode",
                "device <*> entered promiscuous mode",
            ),
            (
                "IPv6: ADDRCONF(NETDEV_CHANGE): veth1a2b3c4: link becomes ready",
                "IPv6: ADDRCONF(NETDEV_CHANGE): <*>: link becomes ready",
            ),
            (
                r#"time="2023-02-20T10:01:02.123456789Z" level=error msg="fatal task error" error="No such image: registry.example.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" module=node/agent/taskmanager node.id=x1y2z3a4b5c6d7e8f9g0h1i2j task.id=ab12cd34ef56gh78ij90kl12m"#,
                r#"time="<*>" level=error msg="fatal task error" error="No such image: registry.example.com/app@sha256:<*>" module=node/agent/taskmanager node.id=<*> task.id=<*>"#,
            ),
            (
                "containerd[812]: shim disconnected id=4f5e6d7c8b9a pid=31337 uptime=1.5s",
                "containerd[<*>]: shim disconnected id=<*> pid=<*> uptime=<*>",
            ),
            (
                "peer 10.0.0.2:2377 mac 02:42:ac:11:00:02 addr fe80::42:acff:fe11:2 uuid 123e4567-e89b-12d3-a456-426614174000",
                "peer <*> mac <*> addr <*> uuid <*>",
            ),
            (
                "open /var/lib/docker/overlay2/9a8b7c6d5e4f3a2b/merged: no such file or directory",
                "open <*>: no such file or directory",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(mask(input), want, "input: {input}");
        }
    }

    #[test]
    fn keeps_words_and_names() {
        for keep in [
            "write /proc/self/attr/apparmor/exec: no such file or directory",
            "Started Docker Application Container Engine.",
            "sha256 deadbeef containerd-shim-runc-v2 IPv6 x86_64",
            "pull access denied for registry.example.com/app, repository does not exist or may require 'docker login'",
        ] {
            assert_eq!(mask(keep), keep);
        }
        assert_eq!(mask("  spaced \t out  "), "spaced out");
        assert_eq!(mask(""), "");
        assert_eq!(mask("::: ... ==="), "::: ... ===");
    }

    #[test]
    fn values_of_several_words_are_one_wildcard() {
        let cases = [
            (
                "connection from 24.54.76.216 (host.example.org) at Fri Jun 17 07:07:00 2005",
                "connection from <*> (host.example.org) at <*>",
            ),
            (
                "failed to resolve data source name an14 an15 an16 an17",
                "failed to resolve data source name <*>",
            ),
            ("lr:00004ed0 cr:28244842", "lr:<*> cr:<*>"),
            (
                "stored (estimated size 5.2 KB, free 14.0 MB) in 3 ms",
                "stored (estimated size <*>, free <*>) in <*> ms",
            ),
            (
                "Deleting block blk_-178 file /data/current/subdir5/blk_-178",
                "Deleting block <*> file <*>",
            ),
            // Names in a sentence stay; only a name before a date is part of it.
            ("May we start on Monday", "May we start on Monday"),
            ("eth0 docker0 went down", "<*> went down"),
        ];
        for (input, want) in cases {
            assert_eq!(mask(input), want, "input: {input}");
        }
    }
}
