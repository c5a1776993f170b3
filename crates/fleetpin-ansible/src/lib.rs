//! Ansible front end: YAML with spans, tasks, plays and variable resolution.
