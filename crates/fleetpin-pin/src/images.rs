//! Container images: `tag` → `tag@sha256:…`, the digest the registry serves for the tag
//! today, looked up through a [`DigestSource`] in one batch: the network
//! [`Resolver`](fleetpin_registry::Resolver) (concurrent lookups), the on-disk
//! [`DigestCache`](fleetpin_registry::DigestCache) wrapped around it (a second run makes no
//! request; offline answers from the cache only), or a test double.

use fleetpin_diag::{Applicability, Diagnostic};
use fleetpin_registry::DigestSource;

use crate::{Candidate, PinError};

/// The rules whose findings an image digest fixes.
pub const IMAGE_CODES: &[&str] = &["IMG001", "IMG002", "IMG003"];

/// A reference fleetpin can pin: no variables, no digest yet.
fn pinnable(text: &str) -> bool {
    !text.is_empty()
        && !text.contains(['$', '{', '}', ' ', '\n', '@'])
        && fleetpin_registry::Reference::parse(text).is_ok()
}

/// Whether the reference names a tag (`name:tag`, the `:` after the last `/`).
fn has_tag(text: &str) -> bool {
    text.rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'))
}

/// The whole reference around `range` (findings point at the tag of `name:tag`): the
/// token that contains it, bounded by blanks, quotes, `=` and flow-collection punctuation.
fn whole_reference(text: &str, range: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let stop_left = |c: char| c.is_whitespace() || "\"'=,[{".contains(c);
    let stop_right = |c: char| c.is_whitespace() || "\"',]}#".contains(c);
    let mut start = range.start.min(text.len());
    while let Some(c) = text[..start].chars().next_back() {
        if stop_left(c) {
            break;
        }
        start -= c.len_utf8();
    }
    let mut end = range.end.max(start).min(text.len());
    while let Some(c) = text[end..].chars().next() {
        if stop_right(c) {
            break;
        }
        end += c.len_utf8();
    }
    start..end
}

/// Candidate edits for the image findings in `diags`.
pub(crate) fn candidates(
    diags: &[&Diagnostic],
    source: &dyn DigestSource,
    out: &mut Vec<Candidate>,
    errors: &mut Vec<PinError>,
) {
    // (span, text) of each image written literally.
    let mut sites = Vec::new();
    for d in diags {
        let Some(primary) = &d.primary else { continue };
        let whole = whole_reference(primary.span.file.text(), &primary.span.range);
        let span = &fleetpin_diag::Span::new(primary.span.file.clone(), whole);
        let text = span.file.text().get(span.range.clone()).unwrap_or("");
        // A reference built from variables: pin where a literal reference is set (an `ARG`
        // default, a `${VAR:-default}`), when the finding points there.
        let mut found = false;
        if pinnable(text) {
            sites.push((span.clone(), text.to_owned(), d.code.to_string()));
            found = true;
        } else {
            for label in &d.secondary {
                let t = label
                    .span
                    .file
                    .text()
                    .get(label.span.range.clone())
                    .unwrap_or("");
                // `ARG NAME=value`, `${VAR:-value}`: the value part.
                let (off, t) = if let Some(i) = t.find(":-") {
                    (i + 2, t[i + 2..].trim_end_matches('}'))
                } else if let Some(i) = t.find('=') {
                    (i + 1, &t[i + 1..])
                } else {
                    (0, t)
                };
                if pinnable(t) && t.contains([':', '/']) {
                    let start = label.span.range.start + off;
                    let at =
                        fleetpin_diag::Span::new(label.span.file.clone(), start..start + t.len());
                    sites.push((at, t.to_owned(), d.code.to_string()));
                    found = true;
                }
            }
        }
        if !found {
            errors.push(PinError::NotLiteral {
                path: span.file.path().to_path_buf(),
                line: span.start().0,
                why: format!("image `{text}` is built from variables; pin it where they are set"),
            });
        }
    }
    let mut unique: Vec<String> = sites.iter().map(|(_, t, _)| t.clone()).collect();
    unique.sort();
    unique.dedup();
    let refs: Vec<&str> = unique.iter().map(String::as_str).collect();
    let digests: Vec<Result<String, String>> = source
        .resolve_many(&refs)
        .into_iter()
        .zip(&refs)
        .map(|(r, text)| {
            r.map(|r| r.digest.to_string()).map_err(|e| {
                // Registry errors start with the fully qualified image; ours names it already.
                let message = e.to_string();
                let image = fleetpin_registry::Reference::parse(text)
                    .map(|r| format!("{r}: "))
                    .unwrap_or_default();
                match message.strip_prefix(&image) {
                    Some(rest) if !image.is_empty() => rest.to_owned(),
                    _ => message,
                }
            })
        })
        .collect();
    for (span, text, code) in sites {
        let i = unique.binary_search(&text).unwrap_or(0);
        match &digests[i] {
            Ok(digest) => {
                let tagged = has_tag(&text);
                let content = if tagged {
                    format!("{text}@{digest}")
                } else {
                    format!("{text}:latest@{digest}")
                };
                out.push(Candidate {
                    file: span.file.clone(),
                    range: span.range.clone(),
                    content,
                    // An image without a tag pinned to whatever `latest` is today: nobody
                    // chose that version.
                    applicability: if tagged {
                        Applicability::Safe
                    } else {
                        Applicability::Unsafe
                    },
                    code: if code == "IMG001" {
                        "IMG001"
                    } else if code == "IMG002" {
                        "IMG002"
                    } else {
                        "IMG003"
                    },
                    title: format!("pin `{text}` to {digest}"),
                });
            }
            Err(message) => errors.push(PinError::Registry {
                path: span.file.path().to_path_buf(),
                line: span.start().0,
                image: text,
                message: message.clone(),
            }),
        }
    }
}
