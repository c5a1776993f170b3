//! Shell command analysis: package installs, pipe-to-shell, docker stack deploy.
