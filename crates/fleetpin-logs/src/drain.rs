//! The Drain clustering algorithm (He et al., "Drain: An Online Log Parsing Approach with Fixed
//! Depth Tree", ICWS 2017), following the `drain3` reference implementation step for step, so
//! that on the same tokens and options both produce the same clusters (checked by the
//! `drain3_oracle` test).
//!
//! A message is split at whitespace into tokens. The tree's first level is the token count,
//! the next `depth - 2` levels the leading tokens (a token holding a digit goes to the `<*>`
//! child; a node with `max_children` children sends new tokens to `<*>` too), and the leaves
//! hold clusters. A message joins the most similar cluster of its leaf (the share of equal
//! non-wildcard positions, ties to the cluster with more wildcards) when the similarity reaches
//! `sim_th`; positions that differ become `<*>`.
//!
//! Tokens are interned as `u32`s; a message token never seen in any template is not interned
//! (it cannot equal a template token), so unique values do not grow memory.

use std::collections::HashMap as StdHashMap;

/// Drain's maps (token ids, tree children) hash tokens of untrusted log lines with foldhash,
/// seeded at random per process (so collisions cannot be precomputed), instead of the
/// standard SipHash: the lookups per token were a tenth of the mining time with SipHash, and
/// what an attacker can insert is bounded anyway (only template tokens are interned, and
/// clusters are capped by [`DrainOptions::max_clusters`]).
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;

use crate::mask::WILDCARD;

/// Drain parameters; the defaults are drain3's.
#[derive(Debug, Clone, PartialEq)]
pub struct DrainOptions {
    /// Tree depth including the root and the token-count level (drain3 `depth`, at least 3).
    pub depth: usize,
    /// Similarity threshold in 0..=1 (drain3 `sim_th`).
    pub sim_th: f64,
    /// Children per tree node before new tokens go to the `<*>` child (drain3 `max_children`).
    pub max_children: usize,
    /// Whether tokens holding a digit go to the `<*>` child (drain3
    /// `parametrize_numeric_tokens`).
    pub parametrize_numeric_tokens: bool,
    /// The most clusters kept (drain3 `max_clusters`). drain3 evicts the least recently used
    /// one; here a message that would need a new cluster past the limit is not clustered
    /// ([`Update::LimitReached`]), so templates already reported never disappear. `None`
    /// (drain3's default): no limit.
    pub max_clusters: Option<usize>,
    /// Whether the similarity of a message to a template counts only the template's constant
    /// positions (`equal / constants`), instead of drain3's `equal / length`, where every
    /// wildcard of the template (and so every masked value) lowers the similarity: with it, a
    /// template that gained wildcards, or messages with many masked values, stop attracting
    /// the lines of their own event and split into near-duplicate clusters. Default off
    /// (drain3's behaviour); [`crate::MinerOptions`] turns it on.
    pub similarity_over_constants: bool,
}

impl Default for DrainOptions {
    fn default() -> Self {
        Self {
            depth: 4,
            sim_th: 0.4,
            max_children: 100,
            parametrize_numeric_tokens: true,
            max_clusters: None,
            similarity_over_constants: false,
        }
    }
}

type Tok = u32;
const WILD: Tok = 0;
const UNKNOWN: Tok = u32::MAX;

#[derive(Default)]
struct Node {
    children: HashMap<Tok, Node>,
    clusters: Vec<u32>,
}

/// Whether [`Drain::add`] created a cluster, changed its template, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// A new cluster.
    Created,
    /// An existing cluster got new wildcards.
    TemplateChanged,
    /// An existing cluster, template unchanged.
    None,
    /// No cluster matched and [`DrainOptions::max_clusters`] was reached: the message was not
    /// clustered, and the returned index is [`NO_CLUSTER`].
    LimitReached,
}

/// The index [`Drain::add`] returns with [`Update::LimitReached`].
pub const NO_CLUSTER: usize = usize::MAX;

/// A Drain clustering of one stream of messages.
pub struct Drain {
    options: DrainOptions,
    max_node_depth: usize,
    root: HashMap<usize, Node>,
    clusters: Vec<(Vec<Tok>, u64)>,
    ids: HashMap<Box<str>, Tok>,
    names: Vec<(Box<str>, bool)>,
    scratch: Vec<Tok>,
    /// Bumped whenever a cluster is created or a template changes: the cluster a message
    /// goes to is a function of the templates and the tree alone, so a message placed at
    /// one version goes to the same cluster as long as the version stays ([`Drain::hit`]).
    version: u64,
}

impl Drain {
    /// An empty clustering. A `depth` below 3 is raised to 3 (drain3 refuses it).
    pub fn new(options: DrainOptions) -> Self {
        let depth = options.depth.max(3);
        let mut ids = HashMap::default();
        ids.insert(Box::from(WILDCARD), WILD);
        Self {
            max_node_depth: depth - 2,
            options,
            root: HashMap::default(),
            clusters: Vec::new(),
            ids,
            names: vec![(Box::from(WILDCARD), false)],
            scratch: Vec::new(),
            version: 0,
        }
    }

    fn intern(&mut self, token: &str) -> Tok {
        if let Some(&t) = self.ids.get(token) {
            return t;
        }
        let t = self.names.len() as Tok;
        self.names
            .push((Box::from(token), token.bytes().any(|b| b.is_ascii_digit())));
        self.ids.insert(Box::from(token), t);
        t
    }

    /// Adds a message (split at ASCII whitespace); returns its cluster's index and what
    /// changed.
    pub fn add(&mut self, message: &str) -> (usize, Update) {
        let mut tokens = std::mem::take(&mut self.scratch);
        tokens.clear();
        tokens.extend(
            message
                .split_ascii_whitespace()
                .map(|t| self.ids.get(t).copied().unwrap_or(UNKNOWN)),
        );
        let result = match self.tree_search(&tokens) {
            Some(c) => {
                let (template, size) = &mut self.clusters[c];
                *size += 1;
                let mut changed = false;
                for (t, m) in template.iter_mut().zip(&tokens) {
                    if *t != *m && *t != WILD {
                        *t = WILD;
                        changed = true;
                    }
                }
                self.version += u64::from(changed);
                (
                    c,
                    if changed {
                        Update::TemplateChanged
                    } else {
                        Update::None
                    },
                )
            }
            None if self
                .options
                .max_clusters
                .is_some_and(|max| self.clusters.len() >= max) =>
            {
                (NO_CLUSTER, Update::LimitReached)
            }
            None => {
                let template: Vec<Tok> = message
                    .split_ascii_whitespace()
                    .map(|t| self.intern(t))
                    .collect();
                let id = self.clusters.len();
                self.clusters.push((template, 1));
                self.add_to_tree(id);
                self.version += 1;
                (id, Update::Created)
            }
        };
        self.scratch = tokens;
        result
    }

    fn tree_search(&self, tokens: &[Tok]) -> Option<usize> {
        let n = tokens.len();
        let mut node = self.root.get(&n)?;
        if n == 0 {
            return node.clusters.first().map(|c| *c as usize);
        }
        for (depth, t) in (1..).zip(tokens) {
            if depth >= self.max_node_depth || depth == n {
                break;
            }
            node = node.children.get(t).or_else(|| node.children.get(&WILD))?;
        }
        self.fast_match(&node.clusters, tokens)
    }

    fn fast_match(&self, candidates: &[u32], tokens: &[Tok]) -> Option<usize> {
        let mut best: Option<usize> = None;
        let (mut max_sim, mut max_params) = (-1.0f64, -1i64);
        for &c in candidates {
            let template = &self.clusters[c as usize].0;
            let (sim, params) = if template.is_empty() {
                (1.0, 0)
            } else {
                let mut same = 0u32;
                let mut params = 0i64;
                for (t, m) in template.iter().zip(tokens) {
                    if *t == WILD {
                        params += 1;
                    } else if t == m {
                        same += 1;
                    }
                }
                let len = if self.options.similarity_over_constants {
                    template.len() - params as usize
                } else {
                    template.len()
                };
                let sim = if len == 0 {
                    // A template of wildcards only takes messages of wildcards only.
                    if !self.options.similarity_over_constants || tokens.iter().all(|t| *t == WILD)
                    {
                        1.0
                    } else {
                        0.0
                    }
                } else {
                    f64::from(same) / len as f64
                };
                (sim, params)
            };
            if sim > max_sim || (sim == max_sim && params > max_params) {
                max_sim = sim;
                max_params = params;
                best = Some(c as usize);
            }
        }
        best.filter(|_| max_sim >= self.options.sim_th)
    }

    fn add_to_tree(&mut self, id: usize) {
        let template = &self.clusters[id].0;
        let n = template.len();
        let mut node = self.root.entry(n).or_default();
        if n == 0 {
            node.clusters = vec![id as u32];
            return;
        }
        let max = self.options.max_children;
        for (depth, &t) in (1..).zip(template) {
            if depth >= self.max_node_depth || depth >= n {
                node.clusters.push(id as u32);
                break;
            }
            let key = if node.children.contains_key(&t) {
                t
            } else if self.options.parametrize_numeric_tokens && self.names[t as usize].1 {
                WILD
            } else if node.children.contains_key(&WILD) {
                if node.children.len() < max { t } else { WILD }
            } else if node.children.len() + 1 < max {
                t
            } else {
                WILD
            };
            node = node.children.entry(key).or_default();
        }
    }

    /// The version of the clustering: it changes when [`Drain::add`] creates a cluster or
    /// changes a template, and only then.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Adds again a message that [`Drain::add`] placed in cluster `id` (or [`NO_CLUSTER`])
    /// when the [`Drain::version`] was the current one: the same result as calling
    /// [`Drain::add`] with it, without tokenizing and searching it again.
    pub fn hit(&mut self, id: usize) {
        if let Some((_, size)) = self.clusters.get_mut(id) {
            *size += 1;
        }
    }

    /// The number of clusters.
    pub fn len(&self) -> usize {
        self.clusters.len()
    }

    /// Whether no message was added.
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }

    /// The template of cluster `id`, tokens joined with spaces, `<*>` for wildcards.
    pub fn template(&self, id: usize) -> String {
        let tokens = &self.clusters[id].0;
        let mut out = String::new();
        for (i, t) in tokens.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&self.names[*t as usize].0);
        }
        out
    }

    /// The tokens of the template of cluster `id` (`<*>` for wildcards).
    pub fn template_tokens(&self, id: usize) -> impl Iterator<Item = &str> + '_ {
        self.clusters[id]
            .0
            .iter()
            .map(|t| &*self.names[*t as usize].0)
    }

    /// How many messages joined cluster `id`.
    pub fn size(&self, id: usize) -> u64 {
        self.clusters[id].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_and_wildcards() {
        let mut d = Drain::new(DrainOptions::default());
        assert_eq!(d.add("connected to 10.0.0.1"), (0, Update::Created));
        assert_eq!(d.add("connected to 10.0.0.2"), (0, Update::TemplateChanged));
        assert_eq!(d.add("connected to 10.0.0.3"), (0, Update::None));
        assert_eq!(d.add("disk full on sda"), (1, Update::Created));
        assert_eq!(d.add("user alice logged in"), (2, Update::Created));
        // "user" and 2 of 4 positions equal: similarity 0.5 >= 0.4.
        assert_eq!(d.add("user bob logged out"), (2, Update::TemplateChanged));
        assert_eq!(d.template(0), "connected to <*>");
        assert_eq!(d.template(2), "user <*> logged <*>");
        assert_eq!(d.size(2), 2);
        assert_eq!(d.add(""), (3, Update::Created));
        assert_eq!(d.add("   "), (3, Update::None));
        assert_eq!(d.len(), 4);
    }

    #[test]
    fn the_cluster_limit_keeps_existing_clusters() {
        let mut d = Drain::new(DrainOptions {
            max_clusters: Some(2),
            ..DrainOptions::default()
        });
        d.add("a b c");
        d.add("x y z q");
        assert_eq!(d.add("totally new"), (NO_CLUSTER, Update::LimitReached));
        assert_eq!(d.add("a b d"), (0, Update::TemplateChanged));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn below_threshold_makes_a_new_cluster() {
        let mut d = Drain::new(DrainOptions {
            sim_th: 0.8,
            ..DrainOptions::default()
        });
        d.add("a b c d e");
        assert_eq!(d.add("a b x y z").1, Update::Created);
        assert_eq!(d.add("a b c d q").1, Update::TemplateChanged);
        assert_eq!(d.template(0), "a b c d <*>");
    }

    #[test]
    fn numeric_first_tokens_share_the_wildcard_branch() {
        let mut d = Drain::new(DrainOptions::default());
        d.add("42 apples eaten");
        // "7" goes down the `<*>` child where the first cluster lives.
        assert_eq!(d.add("7 apples eaten"), (0, Update::TemplateChanged));
        assert_eq!(d.template(0), "<*> apples eaten");
    }

    #[test]
    fn full_nodes_route_to_the_wildcard() {
        let mut d = Drain::new(DrainOptions {
            max_children: 3,
            ..DrainOptions::default()
        });
        for w in ["alpha", "beta", "gamma", "delta"] {
            d.add(&format!("{w} x y"));
        }
        // alpha and beta got children; the third child is `<*>`, shared by gamma and delta.
        assert_eq!(d.len(), 3);
        assert_eq!(d.template(2), "<*> x y");
    }
}
