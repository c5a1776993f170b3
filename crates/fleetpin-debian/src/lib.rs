//! dpkg-exact version ordering, deb822 metadata, dependency fields and apt's candidate policy.
