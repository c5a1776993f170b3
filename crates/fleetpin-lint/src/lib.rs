//! fleetpin lint: rules that find floating versions in infrastructure code.
