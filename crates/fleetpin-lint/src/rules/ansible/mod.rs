//! ansible rules.

pub mod blanket_upgrade;
pub mod download_from_latest_url;
pub mod download_without_checksum;
pub mod package_present_without_version;
pub mod package_state_latest;
pub mod package_version_range;
pub mod play_without_serial;
pub mod unresolved_template;
pub mod vcs_floating_ref;
