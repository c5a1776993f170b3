//! Masking of the variable parts of a message before clustering.
//!
//! Drain clusters by tokens; a container id or a port number in a line would otherwise make
//! every line its own template until enough lines arrive to wildcard the position. Masking
//! replaces what is variable by nature with `<*>` first, the way drain3's `masking` option does
//! with regexes, but in one pass over the message ([`mask_into`]; hand-written: the same rules
//! as a chain of regex replacements took several times longer on the benchmark corpus).
//!
//! A token is split at the delimiters `= ( ) [ ] { } < > , ; " ' @ |` into pieces; trailing
//! `: . ! ?` are kept. A piece is replaced as a whole when it holds a digit (the rule the
//! log-parsing literature found to work best: `42`, `23.0.1`, `10.0.0.2:2377`, `blk_-1608`,
//! `veth1a2b3c4`, a container id, a timestamp), except for names that hold digits (`sha256`,
//! `IPv6`, `x86_64`) and the `name:` of `name:value` (`pid:<*>`). Also replaced: a path with
//! a variable segment (as a whole), an IPv6 address, a runtime interface name with an
//! all-letter hex tail (`vethabcdefa`), day and month names inside a date, and the value of a
//! `key=value` pair whose key names an id (`id`, `*.id`, `*_id`, `*-id`, `*ID`, `*Id`), digits
//! or not (swarm's `task.id=gzjbjngmralqqdagnakwtlgja` is `task.id=<*>`). A run of
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

// Byte classes: one table lookup per byte; a token's (or a piece's) class is the union of the
// classes of its bytes, so most rules become one test on it instead of a scan.
const DIGIT: u16 = 1;
/// `a-f A-F`.
const HEX: u16 = 1 << 1;
/// The other ASCII letters.
const ALPHA: u16 = 1 << 2;
const LETTER: u16 = HEX | ALPHA;
/// `= ( ) [ ] { } < > , ; " ' @ |`: where a token is split into pieces.
const DELIM: u16 = 1 << 3;
const SLASH: u16 = 1 << 4;
const COLON: u16 = 1 << 5;
/// ASCII whitespace, as `split_ascii_whitespace`: ` \t \n \x0C \r`.
const SPACE: u16 = 1 << 6;
const DASH: u16 = 1 << 7;
const UNDERSCORE: u16 = 1 << 8;
const DOT: u16 = 1 << 9;
const PERCENT: u16 = 1 << 10;
/// `: . ! ?`: sentence punctuation, trimmed from the end of a piece before it is classified.
const TRAIL: u16 = 1 << 11;
/// Anything else, the bytes of non-ASCII characters included.
const OTHER: u16 = 1 << 12;

static CLASS: [u16; 256] = {
    let mut table = [OTHER; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = match i as u8 {
            b'0'..=b'9' => DIGIT,
            b'a'..=b'f' | b'A'..=b'F' => HEX,
            b'g'..=b'z' | b'G'..=b'Z' => ALPHA,
            b'=' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b',' | b';' | b'"'
            | b'\'' | b'@' | b'|' => DELIM,
            b'/' => SLASH,
            b':' => COLON | TRAIL,
            b'.' => DOT | TRAIL,
            b'!' | b'?' => OTHER | TRAIL,
            b' ' | b'\t' | b'\n' | b'\x0C' | b'\r' => SPACE,
            b'-' => DASH,
            b'_' => UNDERSCORE,
            b'%' => PERCENT,
            _ => OTHER,
        };
        i += 1;
    }
    table
};

#[inline(always)]
fn class(b: u8) -> u16 {
    CLASS[usize::from(b)]
}

/// The union of the classes of `bytes`.
fn class_of(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0, |c, &b| c | class(b))
}

/// The output under construction: `out`, then the bytes `run` of the message, which come out
/// as they are. Plain text grows the run (one copy for a run of words) and is copied into `out`
/// only when something else is written.
struct Output<'a> {
    message: &'a str,
    out: &'a mut String,
    run: std::ops::Range<usize>,
}

impl Output<'_> {
    /// Appends `message[from..to]`.
    #[inline(always)]
    fn copy(&mut self, from: usize, to: usize) {
        if self.run.end != from {
            self.flush();
            self.run.start = from;
        }
        self.run.end = to;
    }

    fn flush(&mut self) {
        self.out.push_str(&self.message[self.run.clone()]);
        self.run.start = self.run.end;
    }

    fn push_str(&mut self, s: &str) {
        self.flush();
        self.out.push_str(s);
    }

    fn push_wildcard(&mut self) {
        self.push_str(WILDCARD);
    }

    fn len(&self) -> usize {
        self.out.len() + self.run.len()
    }

    fn truncate(&mut self, len: usize) {
        self.flush();
        self.out.truncate(len);
    }

    /// Whether the output ends with a wildcard.
    fn ends_with_wildcard(&mut self) -> bool {
        if !self.run.is_empty() {
            if self.message.as_bytes()[self.run.end - 1] != b'>' {
                return false;
            }
            self.flush();
        }
        self.out.as_bytes().ends_with(WILDCARD.as_bytes())
    }
}

/// Masks `message` into `out` (cleared first), reusing its allocation.
///
/// One pass over the bytes. A token is split into pieces as it is read, eight bytes at a time
/// where nothing can happen (`skip`: letters while a piece may be a plain word, anything but
/// whitespace and delimiters once it holds a digit, `/` or `:`), with a 256-entry class table
/// (`CLASS`) for the bytes where something may. A plain word is copied as it is (a run of them
/// with their single spaces in one copy, `Output`) unless its first letter may start an
/// interface name; only the other pieces are classified, by the union of their bytes' classes,
/// so that most rules are one test instead of a scan. Token rules are tried only where they
/// can apply: a size unit only after a wildcard, a calendar name only for an upper-case first
/// byte that starts one. Same output as the version before (`split_ascii_whitespace`,
/// `trim_end_matches`, `contains`, a scan per rule) byte for byte on Loghub, incident and
/// random lines (`bench/logs/mask-same.sh`), in about a third of its time on the incident
/// messages (`bench/logs/RESULTS.md`, "Masking": 3.3x, 2.9x with the id rule).
pub fn mask_into(message: &str, out: &mut String) {
    out.clear();
    let bytes = message.as_bytes();
    let n = bytes.len();
    let mut w = Output {
        message,
        out,
        run: 0..0,
    };
    let mut i = 0;
    let mut first_token = true;
    loop {
        // Mostly one space between tokens.
        if i + 1 < n && bytes[i] == b' ' && class(bytes[i + 1]) & SPACE == 0 {
            i += 1;
        } else {
            while i < n && class(bytes[i]) & SPACE != 0 {
                i += 1;
            }
        }
        if i == n {
            break;
        }
        let s = i;
        // Whether the output so far ends with a value (never for the first token).
        let after_value = !first_token && w.ends_with_wildcard();
        let start = w.len();
        if !first_token {
            if bytes[s - 1] == b' ' {
                w.copy(s - 1, s);
            } else {
                w.push_str(" ");
            }
        }
        first_token = false;
        let first = bytes[s];
        // `5.2 KB,`: a size unit after a value is part of it (only the punctuation stays).
        if after_value && matches!(first, b'B' | b'K' | b'M' | b'G' | b'T' | b'P' | b'k') {
            let e = token_end(bytes, s);
            if let Some(unit) = unit_len(&bytes[s..e]) {
                w.truncate(start);
                w.copy(s + unit, e);
                i = e;
                continue;
            }
        }
        // `Fri Jun 17 07:07:00 2005`: day and month names in a date are part of the value.
        if first.is_ascii_uppercase() && n - s >= 3 && starts_calendar_name(&bytes[s..s + 3]) {
            let e = token_end(bytes, s);
            if is_calendar_name(&bytes[s..e]) && next_starts_date(&bytes[e..]) {
                w.push_wildcard();
                i = e;
                if after_value {
                    collapse(&mut w, start);
                }
                continue;
            }
        }
        // The pieces of the token, between the delimiters, eight bytes at a time where
        // nothing can happen: letters while the piece may be a plain word, anything but
        // whitespace and delimiters once it holds a digit, `/` or `:` (and so gets classified).
        let mut piece = i;
        let mut plain = true;
        // The piece is the value of an id (`node.id=…`).
        let mut id_value = false;
        loop {
            let c;
            (i, c) = if plain {
                skip(bytes, i, may_not_be_letter)
            } else {
                skip(bytes, i, may_end_piece)
            };
            if c & (SPACE | DELIM) == 0 {
                // A colon that ends the piece (`failed:`) is punctuation, left to `mask_piece`.
                if c & (DIGIT | SLASH | COLON) != 0
                    && (c != COLON | TRAIL
                        || bytes
                            .get(i + 1)
                            .is_some_and(|&b| class(b) & (SPACE | DELIM) == 0))
                {
                    plain = false;
                }
                i += 1;
                continue;
            }
            if piece < i {
                mask_piece(&mut w, piece, i, plain, id_value);
            }
            if c & SPACE != 0 {
                break;
            }
            id_value = bytes[i] == b'=' && is_id_key(&bytes[piece..i]);
            w.copy(i, i + 1);
            i += 1;
            piece = i;
            plain = true;
        }
        if after_value {
            collapse(&mut w, start);
        }
    }
    w.flush();
}

const ONES: u64 = u64::MAX / 255;
const HIGH: u64 = ONES * 0x80;

/// The first index from `i` on where `stops` flags a byte of `bytes`, eight bytes at a time,
/// with the class of that byte (taken from the register, not loaded again); the last few
/// bytes are looked at one by one, and the end counts as whitespace.
#[inline(always)]
fn skip(bytes: &[u8], mut i: usize, stops: impl Fn(u64) -> u64) -> (usize, u16) {
    while let Some(chunk) = bytes[i..].first_chunk::<8>() {
        let x = u64::from_le_bytes(*chunk);
        let stops = stops(x);
        if stops != 0 {
            let bit = stops.trailing_zeros();
            return (i + (bit / 8) as usize, class((x >> (bit & !7)) as u8));
        }
        i += 8;
    }
    (i, bytes.get(i).map_or(SPACE, |&b| class(b)))
}

/// The bytes of `x` (eight bytes of the message, the first one lowest) that may not be ASCII
/// letters: the high bit is set for each byte below `A` (whitespace, digits, punctuation,
/// `/ : ( ) , ; < = > @ " '`) and for `[ \ ] { | }` (bit-twiddling hacks' `hasless` and
/// `hasbetween`). Exact for the lowest byte flagged: borrows carry only upward. Bytes of
/// non-ASCII characters are not flagged.
#[inline(always)]
fn may_not_be_letter(x: u64) -> u64 {
    below(x, b'A') | brackets(x)
}

/// The bytes of `x` that may be whitespace or a delimiter: below `-`, `; < = > ? @`, and
/// `[ \ ] { | }` (digits, `- . / :` and letters are not flagged).
#[inline(always)]
fn may_end_piece(x: u64) -> u64 {
    below(x, b'-') | between(x, b':', b'A') | brackets(x)
}

/// Bytes below `n` (`n` <= 128).
#[inline(always)]
fn below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH
}

/// ASCII bytes strictly between `m` and `n` (`m` < 128, `n` <= 128).
#[inline(always)]
fn between(x: u64, m: u8, n: u8) -> u64 {
    let low = x & (ONES * 0x7F);
    (ONES * (127 + u64::from(n))).wrapping_sub(low)
        & !x
        & low.wrapping_add(ONES * (127 - u64::from(m)))
        & HIGH
}

/// `[ \ ] { | }`: `{ | }` folded onto `[ \ ]`, then the bytes between `Z` and `^`.
#[inline(always)]
fn brackets(x: u64) -> u64 {
    between(x & (ONES * 0xDF), b'Z', b'^')
}

/// A run of values (`an14 an15 an16`, `Fri Jun 17 07:07:00 2005`) is one variable: a token
/// that is only a wildcard after another one is dropped (the output was `start` long before it,
/// ending with a wildcard).
fn collapse(w: &mut Output<'_>, start: usize) {
    if w.len() == start + 1 + WILDCARD.len() {
        w.flush();
        let out = w.out.as_bytes();
        if &out[start..] == b" <*>"
            && (start == WILDCARD.len() || out[start - WILDCARD.len() - 1] == b' ')
        {
            w.out.truncate(start);
        }
    }
}

/// The end of the token that starts at `s`.
fn token_end(bytes: &[u8], s: usize) -> usize {
    bytes[s..]
        .iter()
        .position(|&b| class(b) & SPACE != 0)
        .map_or(bytes.len(), |e| s + e)
}

/// The length of the size unit `token` starts with when the rest of it is punctuation
/// (`KB,`), as the start of the punctuation kept.
fn unit_len(token: &[u8]) -> Option<usize> {
    let mut len = token.len();
    while len > 0 && matches!(token[len - 1], b',' | b'.' | b';' | b':' | b')') {
        len -= 1;
    }
    is_unit(&token[..len]).then_some(len)
}

/// Units of size, which belong to the value before them (`5.2 KB`, `14.0 MB`); time units
/// (`3 ms`, `30 seconds`) are read as words of the message, as log-parser labels do.
fn is_unit(t: &[u8]) -> bool {
    matches!(
        t,
        b"B" | b"KB" | b"MB" | b"GB" | b"TB" | b"PB" | b"kB" | b"KiB" | b"MiB" | b"GiB" | b"TiB"
    )
}

fn is_month(t: &[u8]) -> bool {
    t.len() >= 3 && starts_month(&t[..3]) && class_of(t) & !LETTER == 0
}

fn starts_month(t: &[u8]) -> bool {
    matches!(
        t,
        b"Jan"
            | b"Feb"
            | b"Mar"
            | b"Apr"
            | b"May"
            | b"Jun"
            | b"Jul"
            | b"Aug"
            | b"Sep"
            | b"Oct"
            | b"Nov"
            | b"Dec"
    )
}

fn starts_day(t: &[u8]) -> bool {
    matches!(
        t,
        b"Mon" | b"Tue" | b"Wed" | b"Thu" | b"Fri" | b"Sat" | b"Sun"
    )
}

/// Whether the three bytes `t` start a day or month name.
fn starts_calendar_name(t: &[u8]) -> bool {
    starts_month(t) || starts_day(t)
}

/// A day or month name (`Fri`, `Jun`, `Monday,`).
fn is_calendar_name(t: &[u8]) -> bool {
    if t.len() < 3 {
        return false;
    }
    is_month(t)
        || (starts_day(&t[..3]) && {
            let mut len = t.len();
            while len > 0 && t[len - 1] == b',' {
                len -= 1;
            }
            class_of(&t[..len]) & !LETTER == 0
        })
}

/// Whether the next token of `rest` starts with a digit or is a month name.
fn next_starts_date(rest: &[u8]) -> bool {
    let Some(s) = rest.iter().position(|&b| class(b) & SPACE == 0) else {
        return false;
    };
    let next = &rest[s..];
    if next[0].is_ascii_digit() {
        return true;
    }
    let len = next
        .iter()
        .position(|&b| class(b) & SPACE != 0)
        .unwrap_or(next.len());
    is_month(&next[..len])
}

/// Masks the piece `start..end` of the message (no delimiters, no whitespace); `plain` when it
/// holds no digit, `/` or `:` but for a `:` at its end; `id_value` when it is the value of an
/// id (`is_id_key`), a value whatever it holds.
#[inline(always)]
fn mask_piece(w: &mut Output<'_>, start: usize, end: usize, plain: bool, id_value: bool) {
    let bytes = w.message.as_bytes();
    if !plain || id_value {
        mask_piece_slow(w, start, end, id_value);
    } else if matches!(bytes[start], b'v' | b'b' | b't' | b'c') {
        // A word: nothing to mask but a runtime interface name (`vethabcdefa.`).
        let core_end = core_end(bytes, start, end);
        if core_end > start && is_interface_name(&bytes[start..core_end]) {
            w.push_wildcard();
            w.copy(core_end, end);
        } else {
            w.copy(start, end);
        }
    } else {
        // Plain words, most pieces of most logs.
        w.copy(start, end);
    }
}

/// The end of `bytes[start..end]` without its trailing sentence punctuation (`: . ! ?`).
fn core_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && class(bytes[end - 1]) & TRAIL != 0 {
        end -= 1;
    }
    end
}

fn mask_piece_slow(w: &mut Output<'_>, start: usize, end: usize, id_value: bool) {
    let bytes = w.message.as_bytes();
    // Keep sentence punctuation (`vethab12cd3:`, `exec.`) out of the classification.
    let core_end = core_end(bytes, start, end);
    if core_end == start {
        w.copy(start, end);
        return;
    }
    let core = &bytes[start..core_end];
    let class = class_of(core);
    let masked = if class & SLASH != 0 && core.len() > 1 {
        // A path with a variable segment is a variable as a whole (`/data/current/subdir5/blk_1`).
        if core
            .split(|&b| b == b'/')
            .any(|segment| !matches!(classify(segment, class_of(segment)), Masked::Keep))
        {
            Masked::Value
        } else {
            Masked::Keep
        }
    } else {
        classify(core, class)
    };
    let masked = match masked {
        Masked::Keep if id_value => Masked::Value,
        masked => masked,
    };
    match masked {
        Masked::Keep => w.copy(start, end),
        Masked::Value => {
            w.push_wildcard();
            w.copy(core_end, end);
        }
        Masked::NamedValue(colon) => {
            w.copy(start, start + colon + 1);
            w.push_wildcard();
            w.copy(core_end, end);
        }
    }
}

/// Keys whose value is an id: `id`, `task.id`, `container_id`, `service-id`, `nodeID`,
/// `requestId`. Swarm's ids are 25 random letters and digits, and some have no digit.
fn is_id_key(key: &[u8]) -> bool {
    key == b"id"
        || [&b".id"[..], b"_id", b"-id", b"ID", b"Id"]
            .iter()
            .any(|suffix| key.ends_with(suffix))
}

/// What becomes of a piece without delimiters or `/`.
enum Masked {
    Keep,
    Value,
    /// `pid:812`: the name up to the colon at this index stays.
    NamedValue(usize),
}

/// Classifies `p`, whose bytes are of the classes `class`.
fn classify(p: &[u8], class: u16) -> Masked {
    if p.is_empty() {
        return Masked::Keep;
    }
    if class & DIGIT == 0 {
        // Words stay, but for runtime interface names with an all-letter hex tail
        // (`vethabcdefa`) and addresses written without digits (`fe80::`, `::`).
        return if (class & HEX != 0 && is_interface_name(p))
            || (class & COLON != 0 && is_ipv6(p, class))
        {
            Masked::Value
        } else {
            Masked::Keep
        };
    }
    if is_name_with_digits(p, class) {
        return Masked::Keep;
    }
    if class & COLON != 0
        && p[0].is_ascii_alphabetic()
        && let Some(colon) = p.iter().position(|&b| b == b':')
    {
        // `lr:00004ed0`, `pid:812`: the name stays.
        let name = &p[..colon];
        let name_class = class_of(name);
        if name_class & !(LETTER | UNDERSCORE | DASH) == 0 || is_name_with_digits(name, name_class)
        {
            return Masked::NamedValue(colon);
        }
    }
    Masked::Value
}

/// Names that hold digits but are not values: `sha256`, `IPv6`, `x86_64`, `utf8`; `p` is of
/// the classes `class`.
fn is_name_with_digits(p: &[u8], class: u16) -> bool {
    if class & !(DIGIT | LETTER | UNDERSCORE | DASH) != 0 {
        return false;
    }
    if class & DASH == 0 {
        return is_known_name(p);
    }
    // `containerd-shim-runc-v2`: words with a `vN` suffix.
    p.split(|&c| c == b'-').all(|s| {
        !s.is_empty()
            && (s.iter().all(u8::is_ascii_alphabetic)
                || is_known_name(s)
                || (s.len() <= 3 && s[0] == b'v' && s[1..].iter().all(u8::is_ascii_digit)))
    })
}

fn is_known_name(p: &[u8]) -> bool {
    const LONGEST: usize = 7;
    // Of the names, only `2fa` and `3des` start with a digit.
    if p.len() < 2 || p.len() > LONGEST || (p[0].is_ascii_digit() && !matches!(p[0], b'2' | b'3')) {
        return false;
    }
    let mut lower = [0; LONGEST];
    for (l, c) in lower.iter_mut().zip(p) {
        *l = c.to_ascii_lowercase();
    }
    matches!(
        &lower[..p.len()],
        b"ipv4"
            | b"ipv6"
            | b"sha1"
            | b"sha224"
            | b"sha256"
            | b"sha384"
            | b"sha512"
            | b"md5"
            | b"x86_64"
            | b"i386"
            | b"i686"
            | b"amd64"
            | b"arm64"
            | b"aarch64"
            | b"utf8"
            | b"utf16"
            | b"base64"
            | b"http2"
            | b"ext2"
            | b"ext3"
            | b"ext4"
            | b"s3"
            | b"ec2"
            | b"k8s"
            | b"oauth2"
            | b"tls1"
            | b"x509"
            | b"x11"
            | b"p2p"
            | b"3des"
            | b"2fa"
    )
}

/// Runtime interface names: a known prefix and a hex tail of 5+ characters.
fn is_interface_name(b: &[u8]) -> bool {
    let prefix = match b[0] {
        b'v' if b.starts_with(b"veth") => 4,
        b'v' if b.starts_with(b"vx-") => 3,
        b'v' if b.starts_with(b"vxlan-") => 6,
        b'b' if b.starts_with(b"br-") => 3,
        b't' if b.starts_with(b"tap") => 3,
        b'c' if b.starts_with(b"cali") => 4,
        _ => return false,
    };
    // Every prefix ends with a byte that is not hex, so the tail is all that follows it.
    b.len() >= prefix + 5 && b[prefix..].iter().all(u8::is_ascii_hexdigit)
}

/// `p` is of the classes `class`.
fn is_ipv6(p: &[u8], class: u16) -> bool {
    class & !(DIGIT | HEX | COLON | DOT | PERCENT | TRAIL) == 0
        && class & OTHER == 0
        && p.iter().filter(|c| **c == b':').count() >= 2
        && (class & DIGIT != 0 || p.windows(2).any(|w| w == b"::"))
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
    fn the_value_of_an_id_is_a_value() {
        let cases = [
            // Swarm ids without a digit: the same id in every line of a task.
            (
                "level=error msg=\"fatal task error\" node.id=gzjbjngmralqqdagnakwtlgja task.id=hbrpoigfcbfnobmoraxyzqwer",
                "level=error msg=\"fatal task error\" node.id=<*> task.id=<*>",
            ),
            (
                "container_id=abcdef service-id=moby requestId=alpha nodeID=beta ID=gamma id=delta",
                "container_id=<*> service-id=<*> requestId=<*> nodeID=<*> ID=<*> id=<*>",
            ),
            ("task.id=abcdef, then", "task.id=<*>, then"),
            (
                "(id=abc) id=abc. id=sha256:beef1",
                "(id=<*>) id=<*>. id=sha256:<*>",
            ),
            // Not ids: the keys end otherwise, or nothing follows the `=` directly.
            (
                "valid=yes uid=root pid=abc idle=true width=full",
                "valid=yes uid=root pid=abc idle=true width=full",
            ),
            ("id= ID=\"quoted\" id==x", "id= ID=\"quoted\" id==x"),
            // Only the value right after the key.
            ("task.id=abc=def node.id=x/y", "task.id=<*>=def node.id=<*>"),
        ];
        for (input, want) in cases {
            assert_eq!(mask(input), want, "input: {input}");
        }
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
