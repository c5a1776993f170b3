//! `$VAR` substitution for Dockerfiles and Compose files.

use fleetpin_dockerfile::subst::{Syntax, substitute};

fn vars(name: &str) -> Option<String> {
    match name {
        "TAG" => Some("1.25".into()),
        "EMPTY" => Some(String::new()),
        "REG" => Some("ghcr.io/acme".into()),
        _ => None,
    }
}

const DF: Syntax = Syntax::Dockerfile { escape: '\\' };

#[test]
fn forms() {
    let v = |s: &str| substitute(s, &vars, DF).value;
    assert_eq!(v("nginx:$TAG"), "nginx:1.25");
    assert_eq!(v("nginx:${TAG}"), "nginx:1.25");
    assert_eq!(v("${REG}/app:${TAG}"), "ghcr.io/acme/app:1.25");
    assert_eq!(v("nginx:${NOPE:-1.24}"), "nginx:1.24");
    assert_eq!(v("nginx:${EMPTY:-1.24}"), "nginx:1.24");
    assert_eq!(v("nginx:${EMPTY-1.24}"), "nginx:");
    assert_eq!(v("nginx:${NOPE-1.24}"), "nginx:1.24");
    assert_eq!(v("x${TAG:+-set}"), "x-set");
    assert_eq!(v("x${EMPTY:+-set}"), "x");
    assert_eq!(v("x${TAG+-set}"), "x-set");
    assert_eq!(v("${NOPE:-${TAG}}"), "1.25");
    assert_eq!(v("price \\$5"), "price $5");
    assert_eq!(v("a$"), "a$");
    let s = substitute("app:${NOPE}-$ALSO_NOPE", &vars, DF);
    assert_eq!(s.value, "app:${NOPE}-$ALSO_NOPE");
    assert_eq!(s.unresolved, ["NOPE", "ALSO_NOPE"]);
    assert!(!s.is_resolved());
    let s = substitute("${TAG:?must be set}", &vars, DF);
    assert_eq!(s.used, [("TAG".to_owned(), "1.25".to_owned())]);
}

#[test]
fn escapes_per_syntax() {
    assert_eq!(
        substitute("a`$TAG", &vars, Syntax::Dockerfile { escape: '`' }).value,
        "a$TAG"
    );
    assert_eq!(
        substitute("a$$TAG b$TAG", &vars, Syntax::Compose).value,
        "a$TAG b1.25"
    );
    assert_eq!(
        substitute("image: ${REG:-docker.io}/x", &vars, Syntax::Compose).value,
        "image: ghcr.io/acme/x"
    );
}

#[test]
fn unterminated_braces_are_literal() {
    assert_eq!(substitute("x${TAG", &vars, DF).value, "x${TAG");
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = format!("{}x{}", "${A:-".repeat(50_000), "}".repeat(50_000));
    let s = substitute(&deep, &vars, DF);
    assert!(!s.is_resolved());
}
