//! Dockerfile parser and container image references.
