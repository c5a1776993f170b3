//! Content digests (`sha256:…`) and manifest media types.

use std::fmt;
use std::str::FromStr;

use sha2::Digest as _;

/// A hash algorithm a registry digest may use (the ones Docker supports, minus `blake3`, which
/// no registry in the wild serves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// `sha256`, the canonical algorithm of every registry.
    Sha256,
    /// `sha384`.
    Sha384,
    /// `sha512`.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name as written in a digest.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    fn hash_hex(self, bytes: &[u8]) -> String {
        match self {
            Algorithm::Sha256 => hex(&sha2::Sha256::digest(bytes)),
            Algorithm::Sha384 => hex(&sha2::Sha384::digest(bytes)),
            Algorithm::Sha512 => hex(&sha2::Sha512::digest(bytes)),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A content digest: `algorithm:hex`, e.g. `sha256:3f8a…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

/// Why a string is not a usable digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid or unsupported digest `{0}`")]
pub struct DigestParseError(pub String);

impl Digest {
    /// The sha256 digest of `bytes` (what a registry computes for a manifest).
    pub fn sha256(bytes: &[u8]) -> Digest {
        Digest::compute(Algorithm::Sha256, bytes)
    }

    /// The digest of `bytes` with `algorithm`.
    pub fn compute(algorithm: Algorithm, bytes: &[u8]) -> Digest {
        Digest {
            algorithm,
            hex: algorithm.hash_hex(bytes),
        }
    }

    /// The hash algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lower-case hex encoding of the hash.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// `true` when `bytes` hash to this digest (with this digest's algorithm).
    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.algorithm.hash_hex(bytes) == self.hex
    }
}

impl FromStr for Digest {
    type Err = DigestParseError;

    fn from_str(s: &str) -> Result<Digest, DigestParseError> {
        let err = || DigestParseError(s.to_owned());
        let (algo, hex) = s.split_once(':').ok_or_else(err)?;
        let algorithm = match algo {
            "sha256" => Algorithm::Sha256,
            "sha384" => Algorithm::Sha384,
            "sha512" => Algorithm::Sha512,
            _ => return Err(err()),
        };
        if hex.len() != algorithm.hex_len()
            || !hex
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return Err(err());
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_owned(),
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.hex)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// OCI image index (multi-platform).
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest (one platform).
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker manifest list (multi-platform).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest, schema 2 (one platform).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// The `Accept` header sent for manifests: all four types, so the registry returns the manifest
/// as stored (asking for fewer makes registries convert Docker v2 to schema 1, with another
/// digest, or answer 404 for OCI manifests).
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// The media type of a manifest as the registry served it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// [`OCI_INDEX`]: the digest names a multi-platform index.
    OciIndex,
    /// [`OCI_MANIFEST`]: the digest names one platform's image.
    OciManifest,
    /// [`DOCKER_MANIFEST_LIST`]: the digest names a multi-platform list.
    DockerManifestList,
    /// [`DOCKER_MANIFEST`]: the digest names one platform's image.
    DockerManifest,
    /// Anything else the registry sent (kept verbatim, parameters stripped).
    Other(String),
}

impl MediaType {
    /// Classify a `Content-Type` value (parameters such as `; charset=utf-8` are ignored).
    pub fn from_content_type(value: &str) -> MediaType {
        let v = value.split(';').next().unwrap_or("").trim();
        match v.to_ascii_lowercase().as_str() {
            OCI_INDEX => MediaType::OciIndex,
            OCI_MANIFEST => MediaType::OciManifest,
            DOCKER_MANIFEST_LIST => MediaType::DockerManifestList,
            DOCKER_MANIFEST => MediaType::DockerManifest,
            _ => MediaType::Other(v.to_owned()),
        }
    }

    /// Guess the type of a manifest body whose `Content-Type` was missing or generic: its
    /// `mediaType` field, else an OCI index when it has `manifests`, an OCI manifest when it
    /// has `layers`.
    pub fn sniff(body: &[u8]) -> Option<MediaType> {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        if let Some(mt) = v.get("mediaType").and_then(|m| m.as_str()) {
            return Some(MediaType::from_content_type(mt));
        }
        if v.get("manifests").is_some() {
            Some(MediaType::OciIndex)
        } else if v.get("layers").is_some() || v.get("config").is_some() {
            Some(MediaType::OciManifest)
        } else {
            None
        }
    }

    /// `true` for one of the four manifest types fleetpin asks for.
    pub fn is_known(&self) -> bool {
        !matches!(self, MediaType::Other(_))
    }

    /// `true` for a multi-platform index or manifest list: its digest is the index's, not
    /// any one platform's image.
    pub fn is_index(&self) -> bool {
        matches!(self, MediaType::OciIndex | MediaType::DockerManifestList)
    }

    /// The media type string.
    pub fn as_str(&self) -> &str {
        match self {
            MediaType::OciIndex => OCI_INDEX,
            MediaType::OciManifest => OCI_MANIFEST,
            MediaType::DockerManifestList => DOCKER_MANIFEST_LIST,
            MediaType::DockerManifest => DOCKER_MANIFEST,
            MediaType::Other(s) => s,
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for MediaType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_digests() {
        let d: Digest = format!("sha256:{}", "a".repeat(64)).parse().unwrap();
        assert_eq!(d.algorithm(), Algorithm::Sha256);
        assert_eq!(d.to_string(), format!("sha256:{}", "a".repeat(64)));
        for bad in [
            "sha256:abc".to_owned(),
            format!("sha256:{}", "A".repeat(64)),
            format!("md5:{}", "a".repeat(32)),
            format!("sha512:{}", "a".repeat(64)),
            "nocolon".to_owned(),
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad}");
        }
    }

    #[test]
    fn digest_matches_its_body() {
        let d = Digest::sha256(b"{}");
        assert!(d.matches(b"{}"));
        assert!(!d.matches(b"{} "));
        let d512 = Digest::compute(Algorithm::Sha512, b"x");
        assert_eq!(d512.hex().len(), 128);
        assert!(d512.to_string().parse::<Digest>().unwrap().matches(b"x"));
    }

    #[test]
    fn media_types() {
        assert!(MediaType::from_content_type(OCI_INDEX).is_index());
        assert!(
            MediaType::from_content_type(&format!("{DOCKER_MANIFEST_LIST}; charset=utf-8"))
                .is_index()
        );
        assert_eq!(
            MediaType::from_content_type(DOCKER_MANIFEST),
            MediaType::DockerManifest
        );
        assert!(!MediaType::from_content_type("application/json").is_known());
        assert_eq!(
            MediaType::sniff(br#"{"schemaVersion":2,"manifests":[]}"#),
            Some(MediaType::OciIndex)
        );
        for t in [
            OCI_INDEX,
            OCI_MANIFEST,
            DOCKER_MANIFEST_LIST,
            DOCKER_MANIFEST,
        ] {
            assert!(MANIFEST_ACCEPT.contains(t));
        }
    }
}
