//! [`DigestSource`]: anything that turns image references into digests — the network
//! [`Resolver`](crate::Resolver), the [`DigestCache`](crate::DigestCache) wrapped around it,
//! or a test double. Callers such as `fleetpin pin` code against this trait, so the cache and
//! `--offline` plug in without changing them.

use crate::error::Error;
use crate::reference::Reference;
use crate::resolver::Resolved;

/// Resolves image references to manifest digests.
///
/// Implementations are shared across threads (`Send + Sync`). The one required method
/// resolves a single parsed reference; [`resolve_references`](Self::resolve_references)
/// resolves a batch and is where implementations add parallelism (the [`Resolver`] looks
/// distinct references up concurrently) or batching (the [`DigestCache`] answers hits
/// itself and hands only the misses to the source it wraps, in one batch).
///
/// ```no_run
/// use fleetpin_registry::{DigestCache, DigestSource, Resolver};
///
/// fn pin_all(source: &dyn DigestSource, images: &[&str]) -> Vec<String> {
///     source
///         .resolve_many(images)
///         .into_iter()
///         .map(|r| r.map_or_else(|e| e.to_string(), |r| r.pinned().to_string()))
///         .collect()
/// }
///
/// let cached = DigestCache::open_default(Resolver::new()?)?;
/// let pinned = pin_all(&cached, &["nginx:1.25", "redis:7"]);
/// # Ok::<(), fleetpin_registry::Error>(())
/// ```
///
/// [`Resolver`]: crate::Resolver
/// [`DigestCache`]: crate::DigestCache
pub trait DigestSource: Send + Sync {
    /// Resolve one parsed reference. A reference that already carries a digest is returned
    /// as is ([`DigestOrigin::Reference`](crate::DigestOrigin::Reference)) unless the source
    /// verifies pinned references.
    fn resolve_reference(&self, reference: &Reference) -> Result<Resolved, Error>;

    /// Resolve a batch; results come back in input order, one per input. The default
    /// resolves one after the other.
    fn resolve_references(&self, references: &[&Reference]) -> Vec<Result<Resolved, Error>> {
        references
            .iter()
            .map(|r| self.resolve_reference(r))
            .collect()
    }

    /// Resolve a reference string (`nginx:1.25`, `ghcr.io/o/app:v1`).
    fn resolve(&self, reference: &str) -> Result<Resolved, Error> {
        self.resolve_reference(&Reference::parse(reference)?)
    }

    /// Resolve reference strings as one batch ([`resolve_references`](Self::resolve_references)):
    /// strings that do not parse get their own error, in place; the others are resolved
    /// together. Results come back in input order.
    fn resolve_many(&self, references: &[&str]) -> Vec<Result<Resolved, Error>> {
        let parsed: Vec<Result<Reference, Error>> =
            references.iter().map(|s| Reference::parse(s)).collect();
        let refs: Vec<&Reference> = parsed.iter().filter_map(|r| r.as_ref().ok()).collect();
        let mut resolved = self.resolve_references(&refs).into_iter();
        parsed
            .into_iter()
            .map(|p| match p {
                Ok(_) => resolved.next().unwrap_or_else(|| {
                    Err(Error::Client("internal: result count mismatch".into()))
                }),
                Err(e) => Err(e),
            })
            .collect()
    }
}

impl<T: DigestSource + ?Sized> DigestSource for &T {
    fn resolve_reference(&self, reference: &Reference) -> Result<Resolved, Error> {
        (**self).resolve_reference(reference)
    }
    fn resolve_references(&self, references: &[&Reference]) -> Vec<Result<Resolved, Error>> {
        (**self).resolve_references(references)
    }
}

impl<T: DigestSource + ?Sized> DigestSource for Box<T> {
    fn resolve_reference(&self, reference: &Reference) -> Result<Resolved, Error> {
        (**self).resolve_reference(reference)
    }
    fn resolve_references(&self, references: &[&Reference]) -> Vec<Result<Resolved, Error>> {
        (**self).resolve_references(references)
    }
}

impl<T: DigestSource + ?Sized> DigestSource for std::sync::Arc<T> {
    fn resolve_reference(&self, reference: &Reference) -> Result<Resolved, Error> {
        (**self).resolve_reference(reference)
    }
    fn resolve_references(&self, references: &[&Reference]) -> Vec<Result<Resolved, Error>> {
        (**self).resolve_references(references)
    }
}

impl DigestSource for crate::Resolver {
    fn resolve_reference(&self, reference: &Reference) -> Result<Resolved, Error> {
        crate::Resolver::resolve_reference(self, reference)
    }
    fn resolve_references(&self, references: &[&Reference]) -> Vec<Result<Resolved, Error>> {
        crate::Resolver::resolve_references(self, references)
    }
}
