//! Masking of the variable parts of a message before clustering.
//!
//! Drain clusters by tokens; a container id or a port number in a line would otherwise make
//! every line its own template until enough lines arrive to wildcard the position. Masking
//! replaces what is variable by nature with `<*>` first, the way drain3's `masking` option does
//! with regexes, but in one pass over each whitespace-separated token (hand-written: the same
//! rules as a chain of regex replacements took several times longer on the benchmark corpus).
//!
//! A token is split at the delimiters `= ( ) [ ] { } < > , ; " ' @ |` into pieces; a piece
//! that holds `/` is masked segment by segment (paths, image names); trailing `: . ! ?` are
//! kept. A piece is replaced when it is:
//!
//! - a number, version, date, time, duration or IPv4 address (with port, mask or unit):
//!   `42`, `-1`, `23.0.1`, `2023-02-20T10:01:02.5Z`, `10.0.0.2:2377`, `1.5s`, `300ms`, `10%`;
//! - an IPv6 address, a MAC address, a UUID;
//! - a hex string of 8+ characters with a digit (container, image and trace ids);
//! - an alphanumeric id of 16+ characters with letters and digits (swarm node/service/task ids);
//! - `name:value` pieces are masked on each side (`sha256:<*>`);
//! - a name with a hex tail of 5+ characters holding a digit keeps its name:
//!   `veth1a2b3c4` → `veth<*>`, `br-1a2b3c4d5e6f` → `br-<*>`.
//!
//! ```
//! assert_eq!(
//!     fleetpin_logs::mask::mask("docker_gwbridge: port 3(veth1a2b3c4) entered blocking state"),
//!     "docker_gwbridge: port <*>(veth<*>) entered blocking state"
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
    let collapse = std::env::var_os("FP_NOCOLLAPSE").is_none();
    for (i, token) in message.split_ascii_whitespace().enumerate() {
        let start = out.len();
        if i > 0 {
            out.push(' ');
        }
        mask_token(token, out);
        // A run of values (`an14 an15 an16`, `Fri Jun 17 07:07:00 2005`) is one variable: a
        // token that is only a wildcard after another one is dropped.
        if collapse && i > 0 && &out[start..] == " <*>" && out[..start].ends_with(WILDCARD)
            && (start == WILDCARD.len() || out.as_bytes()[start - WILDCARD.len() - 1] == b' ')
        {
            out.truncate(start);
        }
    }
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
        if std::env::var_os("FP_NOPATH").is_none() && out[start..].contains(WILDCARD) {
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
    if std::env::var_os("FP_OLDMASK").is_some() {
        return old_mask_simple(p, out);
    }
    if is_name_with_digits(b) {
        out.push_str(p);
    } else if let Some(colon) = p.find(':')
        && colon > 0
        && std::env::var_os("FP_NOKEY").is_none()
        && p[..colon].bytes().all(|c| c.is_ascii_alphabetic() || c == b'_' || c == b'-')
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
    if std::env::var_os("FP_SHORT").is_some() {
        let letters = p.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        if letters >= 2 && p.len() == letters + 1 {
            return true;
        }
    }
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(p))
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

/// The masking before the digit rule, kept for comparison.
fn old_mask_simple(p: &str, out: &mut String) {
    if is_variable(p.as_bytes()) {
        out.push_str(WILDCARD);
        return;
    }
    if p.contains(':') {
        for (i, part) in p.split(':').enumerate() {
            if i > 0 {
                out.push(':');
            }
            if !part.is_empty() && is_variable(part.as_bytes()) {
                out.push_str(WILDCARD);
            } else {
                push_named_id(part, out);
            }
        }
        return;
    }
    push_named_id(p, out);
}

/// Whether a whole piece is a variable value.
fn is_variable(p: &[u8]) -> bool {
    is_numeric(p) || is_hex_id(p) || is_mac(p) || is_uuid(p) || is_ipv6(p) || is_long_id(p)
}

/// Numbers, versions, dates, times, IPv4 (with port), with an optional unit of up to 3
/// letters (`ms`, `KiB`, `%`).
fn is_numeric(p: &[u8]) -> bool {
    let unit = p
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic() || **c == b'%')
        .count();
    let (num, unit) = (&p[..p.len() - unit], &p[p.len() - unit..]);
    if unit.len() > 3 && !unit.iter().all(|c| matches!(c, b'Z')) {
        return false;
    }
    let digits = num
        .strip_prefix(b"-")
        .or_else(|| num.strip_prefix(b"+"))
        .unwrap_or(num);
    digits.first().is_some_and(u8::is_ascii_digit)
        && digits.iter().all(|c| {
            c.is_ascii_digit() || matches!(c, b'.' | b':' | b'-' | b'+' | b'T' | b'Z' | b'_' | b',')
        })
}

fn is_hex_id(p: &[u8]) -> bool {
    p.len() >= 8 && p.iter().all(u8::is_ascii_hexdigit) && p.iter().any(u8::is_ascii_digit)
}

fn is_long_id(p: &[u8]) -> bool {
    p.len() >= 16
        && p.iter().all(u8::is_ascii_alphanumeric)
        && p.iter().any(u8::is_ascii_digit)
        && p.iter().any(u8::is_ascii_alphabetic)
}

fn is_mac(p: &[u8]) -> bool {
    p.len() == 17
        && p.iter().enumerate().all(|(i, c)| {
            if i % 3 == 2 {
                *c == b':' || *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_uuid(p: &[u8]) -> bool {
    p.len() == 36
        && p.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
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
                "veth<*>: Could not generate persistent MAC: No data available",
            ),
            (
                "veth1a2b3c4: link_config: autonegotiation is unset or enabled, the speed and duplex are not writable.",
                "veth<*>: link_config: autonegotiation is unset or enabled, the speed and duplex are not writable.",
            ),
            (
                "docker_gwbridge: port 3(veth1a2b3c4) entered disabled state",
                "docker_gwbridge: port <*>(veth<*>) entered disabled state",
            ),
            (
                "device vethabcdefa entered promiscuous mode",
                "device veth<*> entered promiscuous mode",
            ),
            (
                "device veth9f8e7d6 entered promiscuous mode",
                "device veth<*> entered promiscuous mode",
            ),
            (
                "IPv6: ADDRCONF(NETDEV_CHANGE): veth1a2b3c4: link becomes ready",
                "IPv6: ADDRCONF(NETDEV_CHANGE): veth<*>: link becomes ready",
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
                "open /var/lib/docker/overlay2/<*>/merged: no such file or directory",
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
            "sha256 eth0 docker0 br0 deadbeef containerd-shim-runc-v2 ipv6 x86_64",
            "pull access denied for registry.example.com/app, repository does not exist or may require 'docker login'",
        ] {
            assert_eq!(mask(keep), keep);
        }
        assert_eq!(mask("  spaced \t out  "), "spaced out");
        assert_eq!(mask(""), "");
        assert_eq!(mask("::: ... ==="), "::: ... ===");
    }
}
/// `veth1a2b3c4` → `veth<*>`: a name followed by a hex tail of 5+ characters with a digit.
fn push_named_id(p: &str, out: &mut String) {
    let b = p.as_bytes();
    let tail = b.iter().rev().take_while(|c| c.is_ascii_hexdigit()).count();
    let head = &b[..b.len() - tail];
    // Interface names made by container runtimes keep their hex tail even without a digit
    // (`vethabcdefa`); other names need one, so plain words (`feedface`) stay.
    let interface = matches!(
        head,
        b"veth" | b"vx-" | b"br-" | b"tap" | b"cali" | b"vxlan-"
    );
    if tail >= 5
        && !head.is_empty()
        && head
            .iter()
            .all(|c| c.is_ascii_alphabetic() || *c == b'-' || *c == b'_')
        && (interface || b[head.len()..].iter().any(u8::is_ascii_digit))
    {
        out.push_str(&p[..head.len()]);
        out.push_str(WILDCARD);
    } else {
        out.push_str(p);
    }
}
