//! Variable lookup for `$VAR` / `${VAR}` expansions (Dockerfile `ARG`/`ENV`, shell assignments).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// A source of variable values. Implemented for maps of strings, for closures
/// (`|name: &str| -> Option<String>`) through [`FnVars`], and by [`NoVars`].
pub trait Vars {
    /// The value of `name`, or `None` when it is not known. A variable known to be empty is
    /// `Some("")`.
    fn lookup(&self, name: &str) -> Option<Cow<'_, str>>;
}

/// No variables known: every expansion is unresolved.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVars;

impl Vars for NoVars {
    fn lookup(&self, _name: &str) -> Option<Cow<'_, str>> {
        None
    }
}

impl Vars for HashMap<String, String> {
    fn lookup(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl Vars for BTreeMap<String, String> {
    fn lookup(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl Vars for [(&str, &str)] {
    fn lookup(&self, name: &str) -> Option<Cow<'_, str>> {
        self.iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| Cow::Borrowed(*v))
    }
}

impl<T: Vars + ?Sized> Vars for &T {
    fn lookup(&self, name: &str) -> Option<Cow<'_, str>> {
        (**self).lookup(name)
    }
}

/// Adapts a closure to [`Vars`].
pub struct FnVars<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Vars for FnVars<F> {
    fn lookup(&self, name: &str) -> Option<Cow<'_, str>> {
        (self.0)(name).map(Cow::Owned)
    }
}

/// Variables assigned inside the analysed script (`V=1.2; apt-get install x=$V`), layered over
/// the caller's lookup.
pub(crate) struct Layered<'a> {
    pub(crate) outer: &'a dyn Vars,
    pub(crate) local: HashMap<String, Option<String>>,
}

impl Layered<'_> {
    pub(crate) fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.local.get(name) {
            Some(Some(v)) => Some(Cow::Borrowed(v.as_str())),
            Some(None) => None,
            None => self.outer.lookup(name),
        }
    }
}
