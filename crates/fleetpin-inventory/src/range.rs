//! Host ranges (`web[01:20].example.com`, `db-[a:c]`) and `host:port` splitting, as in
//! Ansible's `ansible.inventory.helpers`/`ansible.utils.display.expand_hostname_range` and
//! `ansible.parsing.utils.addresses.parse_address`.

/// Splits `host:port` (or `[ipv6]:port`) into the host part and the port.
///
/// A colon inside a range bracket (`web[1:3]`) is not a port separator, and a bare IPv6
/// address (`::1`, `fe80::1`) has no port.
///
/// ```
/// use fleetpin_inventory::split_host_port;
/// assert_eq!(split_host_port("db1:2222").unwrap(), ("db1", Some(2222)));
/// assert_eq!(split_host_port("web[01:20]:22").unwrap(), ("web[01:20]", Some(22)));
/// assert_eq!(split_host_port("[::1]:2200").unwrap(), ("::1", Some(2200)));
/// assert_eq!(split_host_port("fe80::1").unwrap(), ("fe80::1", None));
/// ```
pub fn split_host_port(s: &str) -> Result<(&str, Option<u16>), String> {
    if let Some(rest) = s.strip_prefix('[')
        && let Some(end) = rest.find(']')
    {
        let inner = &rest[..end];
        let after = &rest[end + 1..];
        // `[::1]` or `[::1]:22`: bracketed IPv6. A range like `[1:3]web` is not IPv6.
        if inner.contains("::") || inner.matches(':').count() > 1 {
            if after.is_empty() {
                return Ok((inner, None));
            }
            if let Some(port) = after.strip_prefix(':') {
                return Ok((inner, Some(parse_port(port)?)));
            }
        }
    }
    // Colons outside brackets.
    let mut depth = 0i32;
    let mut outside = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => outside.push(i),
            _ => {}
        }
    }
    match outside.as_slice() {
        [] => Ok((s, None)),
        [i] => {
            let port = &s[i + 1..];
            if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() {
                Ok((&s[..*i], Some(parse_port(port)?)))
            } else {
                Err(format!("not a valid port in `{s}`"))
            }
        }
        // Several colons: an IPv6 address without a port.
        _ => Ok((s, None)),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| format!("port `{p}` is out of range"))
}

/// The most hosts one range pattern, or one inventory, may expand to: far above any real
/// fleet, far below what would exhaust memory (`w[1:1000][1:1000][1:1000]` is a billion).
pub const MAX_HOSTS: usize = 1_000_000;

/// Expands Ansible host ranges: `web[01:03]` → `web01 web02 web03`, `db-[a:c]` →
/// `db-a db-b db-c`, `n[0:6:2]` → `n0 n2 n4 n6`. Several ranges expand as a product.
///
/// Numeric ranges keep the zero padding of the start (which must then have the same width
/// as the end); letter ranges take single letters. The end is inclusive.
///
/// ```
/// use fleetpin_inventory::expand_host_range;
/// assert_eq!(expand_host_range("web[01:03].x").unwrap(), ["web01.x", "web02.x", "web03.x"]);
/// assert_eq!(expand_host_range("db-[a:c]").unwrap(), ["db-a", "db-b", "db-c"]);
/// assert!(expand_host_range("web[3:1]").is_err());
/// ```
pub fn expand_host_range(pattern: &str) -> Result<Vec<String>, String> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let Some(close_rel) = pattern[open..].find(']') else {
        return Err(format!("unclosed `[` in host range `{pattern}`"));
    };
    let close = open + close_rel;
    let head = &pattern[..open];
    let body = &pattern[open + 1..close];
    let tail = &pattern[close + 1..];
    if !body.contains(':') {
        // Not a range (Ansible only treats `[x:y]` as one); keep literally.
        return Ok(vec![pattern.to_string()]);
    }
    let parts: Vec<&str> = body.split(':').collect();
    let (beg, end, step) = match parts.as_slice() {
        [b, e] => (*b, *e, "1"),
        [b, e, s] => (*b, *e, *s),
        _ => {
            return Err(format!(
                "host range `[{body}]` must be [begin:end] or [begin:end:step]"
            ));
        }
    };
    let beg = if beg.is_empty() { "0" } else { beg };
    if end.is_empty() {
        return Err(format!("host range `[{body}]` has no end"));
    }
    let step: usize = step
        .parse()
        .ok()
        .filter(|&s| s > 0)
        .ok_or_else(|| format!("host range step `{step}` is not a positive integer"))?;
    let mut items = Vec::new();
    let is_letter = |s: &str| s.len() == 1 && s.as_bytes()[0].is_ascii_alphabetic();
    if is_letter(beg) && is_letter(end) {
        // Ansible indexes into string.ascii_letters: a-z then A-Z.
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let bi = LETTERS
            .iter()
            .position(|&c| c == beg.as_bytes()[0])
            .unwrap_or(0);
        let ei = LETTERS
            .iter()
            .position(|&c| c == end.as_bytes()[0])
            .unwrap_or(0);
        if bi > ei {
            return Err(format!("host range must be begin <= end: `[{body}]`"));
        }
        for i in (bi..=ei).step_by(step) {
            items.push((LETTERS[i] as char).to_string());
        }
    } else {
        let b: u64 = beg.parse().map_err(|_| {
            format!("host range `[{body}]` mixes letters and numbers or is not a range")
        })?;
        let e: u64 = end.parse().map_err(|_| {
            format!("host range `[{body}]` mixes letters and numbers or is not a range")
        })?;
        if b > e {
            return Err(format!("host range must be begin <= end: `[{body}]`"));
        }
        if e - b > 1_000_000 {
            return Err(format!("host range `[{body}]` is too large"));
        }
        let width = if beg.len() > 1 && beg.starts_with('0') {
            if beg.len() != end.len() {
                return Err(format!(
                    "host range must specify equal-length begin and end formats: `[{body}]`"
                ));
            }
            beg.len()
        } else {
            0
        };
        let mut i = b;
        while i <= e {
            items.push(format!("{i:0width$}"));
            i += step as u64;
        }
    }
    let rests = expand_host_range(tail)?;
    if items.len().saturating_mul(rests.len()) > MAX_HOSTS {
        return Err(format!(
            "host pattern `{pattern}` expands to more than {MAX_HOSTS} hosts"
        ));
    }
    let mut out = Vec::with_capacity(items.len() * rests.len());
    for item in &items {
        for rest in &rests {
            out.push(format!("{head}{item}{rest}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_with_stride_and_product() {
        assert_eq!(
            expand_host_range("n[0:6:2]").unwrap(),
            ["n0", "n2", "n4", "n6"]
        );
        assert_eq!(
            expand_host_range("r[1:2]-[a:b]").unwrap(),
            ["r1-a", "r1-b", "r2-a", "r2-b"]
        );
        assert_eq!(expand_host_range("x[:2]").unwrap(), ["x0", "x1", "x2"]);
        assert!(expand_host_range("web[01:100]").is_err());
        // Each range is small, the product is a billion: refused before any is built.
        let e = expand_host_range("w[1:1000][1:1000][1:1000]").unwrap_err();
        assert!(e.contains("more than 1000000 hosts"), "{e}");
        assert!(expand_host_range("web[a:3]").is_err());
        assert!(expand_host_range("web[1:3").is_err());
    }

    #[test]
    fn ports() {
        assert_eq!(split_host_port("h").unwrap(), ("h", None));
        assert!(split_host_port("h:abc").is_err());
        assert!(split_host_port("h:70000").is_err());
        assert_eq!(
            split_host_port("192.0.2.1:22").unwrap(),
            ("192.0.2.1", Some(22))
        );
    }
}
