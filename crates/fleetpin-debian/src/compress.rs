//! Reading index files plain or compressed (.gz, .xz, .lz4, .zst, .bz2), detected by magic bytes
//! rather than by extension (apt keeps its lists as `.lz4` on many Debian images).

use std::io::Read;
use std::path::Path;

use crate::Error;

/// The compression of a file, as recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No known compression magic: read as is.
    None,
    /// gzip (`1f 8b`).
    Gzip,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// LZ4 frame format (`04 22 4d 18`), as written by apt and `lz4(1)`.
    Lz4,
    /// Zstandard (`28 b5 2f fd`).
    Zstd,
    /// bzip2 (`BZh`): the `.bz2` indexes older mirrors and `Release` files still list.
    Bzip2,
}

impl Compression {
    /// Detects the compression from the first bytes of a file.
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Compression::Xz
        } else if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
            Compression::Lz4
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.starts_with(b"BZh") && head.len() > 3 && head[3].is_ascii_digit() {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    /// The lower-case name (`gzip`, `xz`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// Decompresses `data` (whatever its compression) into a new buffer. `path` only names the
/// file in errors.
pub fn decompress(data: Vec<u8>, path: &Path) -> Result<Vec<u8>, Error> {
    let kind = Compression::detect(&data);
    let err = |source: std::io::Error| Error::Decompress {
        path: path.to_path_buf(),
        format: kind.name(),
        source,
    };
    let mut out = Vec::with_capacity(data.len().saturating_mul(4));
    match kind {
        Compression::None => return Ok(data),
        Compression::Gzip => {
            flate2::read::MultiGzDecoder::new(&data[..])
                .read_to_end(&mut out)
                .map_err(err)?;
        }
        Compression::Xz => {
            xz2::read::XzDecoder::new_multi_decoder(&data[..])
                .read_to_end(&mut out)
                .map_err(err)?;
        }
        Compression::Lz4 => {
            lz4_flex::frame::FrameDecoder::new(&data[..])
                .read_to_end(&mut out)
                .map_err(err)?;
        }
        Compression::Zstd => {
            zstd::stream::read::Decoder::new(&data[..])
                .and_then(|mut d| d.read_to_end(&mut out))
                .map_err(err)?;
        }
        Compression::Bzip2 => {
            bzip2::read::MultiBzDecoder::new(&data[..])
                .read_to_end(&mut out)
                .map_err(err)?;
        }
    }
    Ok(out)
}

/// Opens a file as a decompressing reader (compression detected from its magic bytes), for
/// streaming large indexes without holding them whole. Read errors from the returned reader
/// mean corrupt or truncated data.
pub fn open(path: &Path) -> Result<(Compression, Box<dyn Read>), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 6];
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]).map_err(io)? {
            0 => break,
            k => n += k,
        }
    }
    let kind = Compression::detect(&head[..n]);
    let inner = std::io::Cursor::new(head[..n].to_vec()).chain(file);
    let reader: Box<dyn Read> = match kind {
        Compression::None => Box::new(inner),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(inner)),
        Compression::Xz => Box::new(xz2::read::XzDecoder::new_multi_decoder(inner)),
        Compression::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(inner)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::new(inner).map_err(|source| {
                Error::Decompress {
                    path: path.to_path_buf(),
                    format: kind.name(),
                    source,
                }
            })?)
        }
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(inner)),
    };
    Ok((kind, reader))
}

/// Reads a file and decompresses it if its magic bytes say so.
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let data = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decompress(data, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"Package: a\nVersion: 1.0\n\nPackage: b\nVersion: 2\n";

    fn all_formats() -> Vec<(Compression, Vec<u8>)> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(TEXT).unwrap();
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 1);
        xz.write_all(TEXT).unwrap();
        let mut lz = lz4_flex::frame::FrameEncoder::new(Vec::new());
        lz.write_all(TEXT).unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(TEXT).unwrap();
        vec![
            (Compression::None, TEXT.to_vec()),
            (Compression::Gzip, gz.finish().unwrap()),
            (Compression::Xz, xz.finish().unwrap()),
            (Compression::Lz4, lz.finish().unwrap()),
            (Compression::Zstd, zstd::encode_all(TEXT, 1).unwrap()),
            (Compression::Bzip2, bz.finish().unwrap()),
        ]
    }

    #[test]
    fn every_format_round_trips() {
        for (kind, data) in all_formats() {
            assert_eq!(Compression::detect(&data), kind);
            assert_eq!(decompress(data, Path::new("x")).unwrap(), TEXT, "{kind:?}");
        }
    }

    #[test]
    fn truncated_files_are_errors_naming_the_file() {
        for (kind, data) in all_formats() {
            if kind == Compression::None {
                continue;
            }
            let cut = data[..data.len() / 2].to_vec();
            let e = decompress(cut, Path::new("lists/x_Packages")).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("lists/x_Packages"), "{msg}");
            assert!(msg.contains(kind.name()), "{msg}");
        }
    }

    #[test]
    fn streaming_reader_matches_and_fails_on_truncation() {
        let dir = tempfile::tempdir().unwrap();
        for (kind, data) in all_formats() {
            let p = dir.path().join(kind.name());
            std::fs::write(&p, &data).unwrap();
            let (k, mut r) = open(&p).unwrap();
            assert_eq!(k, kind);
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, TEXT);
            if kind != Compression::None {
                std::fs::write(&p, &data[..data.len() / 2]).unwrap();
                let (_, mut r) = open(&p).unwrap();
                assert!(r.read_to_end(&mut Vec::new()).is_err(), "{kind:?}");
            }
        }
    }

    #[test]
    fn corrupt_payload_is_an_error() {
        let mut data = zstd::encode_all(&[b'x'; 4096][..], 1).unwrap();
        let n = data.len();
        for b in &mut data[8..n - 4] {
            *b ^= 0x5a;
        }
        assert!(decompress(data, Path::new("f.zst")).is_err());
        assert!(decompress(b"BZh91AY".to_vec(), Path::new("f.bz2")).is_err());
    }

    /// What the real `bzip2` tool writes (as mirrors make `Packages.bz2`), including two
    /// streams concatenated, reads back as the text.
    #[test]
    fn files_written_by_the_bzip2_tool() {
        let run = |input: &[u8]| -> Option<Vec<u8>> {
            let mut child = std::process::Command::new("bzip2")
                .arg("-c")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .ok()?;
            child.stdin.take()?.write_all(input).ok()?;
            let out = child.wait_with_output().ok()?;
            out.status.success().then_some(out.stdout)
        };
        let Some(mut data) = fleetpin_testkit::oracle(run(TEXT), "bzip2 (Debian package bzip2)")
        else {
            return;
        };
        assert_eq!(Compression::detect(&data), Compression::Bzip2);
        data.extend(run(b"Package: c\nVersion: 3\n").unwrap());
        let mut want = TEXT.to_vec();
        want.extend_from_slice(b"Package: c\nVersion: 3\n");
        assert_eq!(decompress(data.clone(), Path::new("f.bz2")).unwrap(), want);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Packages.bz2");
        std::fs::write(&p, &data).unwrap();
        let (kind, mut r) = open(&p).unwrap();
        assert_eq!(kind, Compression::Bzip2);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, want);
    }
}
