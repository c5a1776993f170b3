//! Host facts, gathering over SSH, fleetpin.lock and drift.
