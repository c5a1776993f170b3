//! Ansible inventory parsing (INI and YAML) and host patterns.
