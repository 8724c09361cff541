//! gzip, bytes in and bytes out: the one gzip helper of the workspace.
//!
//! It lives in the core, not in the AWS edge, because it is pure and more
//! than the AWS edge needs it: the Firehose processor (records arrive
//! gzip'd, re-ingested envelopes leave gzip'd), the CLI's backfill, the local
//! lake and the development tools all read or write the same gzip, and none
//! of them should depend on the AWS SDK for it.
//!
//! Both directions reuse one (de)compression state per thread, reset between
//! payloads: setting a state up costs about as much as handling a small
//! payload, and an invocation handles thousands of them.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use flate2::{Compress, Compression, Crc, Decompress, FlushCompress, FlushDecompress, Status};

/// The two magic bytes of a gzip member.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Why gzip data could not be inflated: callers tell a damaged stream from a
/// bomb (the Firehose processor counts them apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GzipError {
    /// The data starts like gzip but does not decompress.
    Corrupt(String),
    /// Decompressed data would exceed the cap.
    TooLarge {
        /// The cap that was reached, in bytes.
        cap: usize,
    },
}

impl fmt::Display for GzipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GzipError::Corrupt(why) => write!(f, "gzip data does not decompress: {why}"),
            GzipError::TooLarge { cap } => {
                write!(f, "gzip data decompresses to more than {cap} bytes")
            }
        }
    }
}

impl std::error::Error for GzipError {}

/// How hard [`gzip`] compresses: what is written once and kept (a backfill)
/// may spend more time than what is written on the hot path (re-ingest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// zlib level 1: the hot path of the Firehose processor.
    Fast,
    /// zlib level 6 (`flate2::Compression::default()`): smaller records.
    Default,
}

/// Decompresses `data` when it starts with the gzip magic (every member of
/// it), refusing to produce more than `cap` bytes; other data is returned as is.
///
/// The inflate state is one per thread, reset between records: setting one
/// up costs about as much as inflating a small record, and allocating one per
/// record fragments the heap of an invocation that decodes thousands.
pub fn gunzip_capped(data: &[u8], cap: usize) -> Result<Cow<'_, [u8]>, GzipError> {
    thread_local! {
        static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
    }
    if !data.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(data));
    }
    // The trailer states the (last member's) size: allocate once, exactly, when
    // it is plausible (deflate expands at most about 1032 times).
    let stated = data
        .last_chunk::<4>()
        .map_or(0, |size| u32::from_le_bytes(*size) as usize);
    let size = if stated <= data.len().saturating_mul(1032) {
        stated
    } else {
        data.len() * 4
    };
    let mut out = Vec::with_capacity(size.min(cap) + 1);
    let mut rest = data;
    INFLATE.with_borrow_mut(|inflate| {
        while !rest.is_empty() {
            let used = inflate_member(inflate, rest, &mut out, cap)?;
            rest = &rest[used..];
        }
        Ok(Cow::Owned(out))
    })
}

/// Inflates the gzip member at the start of `data` onto `out` (checking its
/// CRC and size); returns the member's length.
fn inflate_member(
    inflate: &mut Decompress,
    data: &[u8],
    out: &mut Vec<u8>,
    cap: usize,
) -> Result<usize, GzipError> {
    let corrupt = |why: &str| GzipError::Corrupt(why.to_owned());
    let header = gzip_header_len(data).ok_or_else(|| corrupt("invalid gzip header"))?;
    let body = &data[header..];
    let start = out.len();
    inflate.reset(false);
    loop {
        if out.len() > cap {
            return Err(GzipError::TooLarge { cap });
        }
        if out.len() == out.capacity() {
            // Grow by doubling, never past one byte over the cap.
            out.reserve_exact((cap.saturating_add(1) - out.len()).min(out.len().max(32 * 1024)));
        }
        let (read, written) = (inflate.total_in(), inflate.total_out());
        let status = inflate
            .decompress_vec(&body[read as usize..], out, FlushDecompress::None)
            .map_err(|e| GzipError::Corrupt(e.to_string()))?;
        if status == Status::StreamEnd {
            break;
        }
        if inflate.total_in() == read && inflate.total_out() == written {
            return Err(corrupt("unexpected end of the deflate stream"));
        }
    }
    if out.len() > cap {
        return Err(GzipError::TooLarge { cap });
    }
    let end = header + inflate.total_in() as usize;
    let trailer = data
        .get(end..end + 8)
        .ok_or_else(|| corrupt("the gzip trailer is missing"))?;
    let mut crc = Crc::new();
    crc.update(&out[start..]);
    if trailer[..4] != crc.sum().to_le_bytes()
        || trailer[4..] != ((out.len() - start) as u32).to_le_bytes()
    {
        return Err(corrupt("CRC or size mismatch"));
    }
    Ok(end + 8)
}

/// Length of the gzip member header at the start of `data` (RFC 1952), if it is one.
fn gzip_header_len(data: &[u8]) -> Option<usize> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    if data.len() < 10 || data[..2] != GZIP_MAGIC || data[2] != 8 {
        return None;
    }
    let flags = data[3];
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let extra = data.get(at..at + 2)?;
        at += 2 + usize::from(u16::from_le_bytes([extra[0], extra[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            at += memchr::memchr(0, data.get(at..)?)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    (at <= data.len()).then_some(at)
}

/// gzip at the fast level ([`Level::Fast`]), the processor's re-ingest path.
pub fn gzip_fast(data: &[u8]) -> Vec<u8> {
    gzip(data, Level::Fast)
}

/// One gzip member of `data` at `level`, through one deflate state per
/// thread and level, reset between payloads: setting a deflate state up
/// (some 300 KB, zeroed) costs more than compressing a typical payload.
///
/// The header has no name, no time and an unknown OS, as
/// `flate2::write::GzEncoder` writes it at the default level.
pub fn gzip(data: &[u8], level: Level) -> Vec<u8> {
    thread_local! {
        static FAST: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
        static DEFAULT: RefCell<Compress> =
            RefCell::new(Compress::new(Compression::default(), false));
    }
    let state = match level {
        Level::Fast => &FAST,
        Level::Default => &DEFAULT,
    };
    // Header: magic, deflate, no flags, no time, no extra flags, unknown OS.
    let mut out = Vec::with_capacity(data.len() / 4 + 64);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    state.with_borrow_mut(|deflate| {
        deflate.reset();
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.len().max(4096));
            }
            let read = deflate.total_in() as usize;
            let status = deflate
                .compress_vec(&data[read..], &mut out, FlushCompress::Finish)
                .expect("deflating from memory into memory cannot fail");
            if status == Status::StreamEnd {
                break;
            }
        }
    });
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gunzips_only_gzip_data_and_caps_the_output() {
        let plain = b"hello world".repeat(100);
        assert_eq!(gunzip_capped(&plain, 10).unwrap(), &plain[..]);
        let zipped = gzip_fast(&plain);
        assert_eq!(gunzip_capped(&zipped, 1100).unwrap().as_ref(), &plain[..]);
        assert_eq!(
            gunzip_capped(&zipped, 1099).unwrap_err(),
            GzipError::TooLarge { cap: 1099 }
        );
        assert!(matches!(
            gunzip_capped(&[0x1f, 0x8b, 1, 2, 3], 100),
            Err(GzipError::Corrupt(_))
        ));
    }

    #[test]
    fn gunzips_every_member_with_header_fields_and_refuses_damage() {
        let first = b"first member ".repeat(50);
        let second = b"second member".repeat(3000);
        let mut named = Vec::new();
        let mut encoder = flate2::GzBuilder::new()
            .filename("x.log")
            .comment("c")
            .extra(vec![1, 2, 3])
            .write(&mut named, flate2::Compression::default());
        encoder.write_all(&second).unwrap();
        encoder.finish().unwrap();
        let mut both = gzip_fast(&first);
        both.extend_from_slice(&named);
        let mut plain = first.clone();
        plain.extend_from_slice(&second);
        // Twice: the reused state starts clean.
        for _ in 0..2 {
            assert_eq!(gunzip_capped(&both, 1 << 20).unwrap().as_ref(), &plain[..]);
        }
        let truncated = &both[..both.len() - 20];
        assert!(matches!(
            gunzip_capped(truncated, 1 << 20),
            Err(GzipError::Corrupt(_))
        ));
        let mut flipped = gzip_fast(&first);
        let at = flipped.len() - 6;
        flipped[at] ^= 1;
        assert!(matches!(
            gunzip_capped(&flipped, 1 << 20),
            Err(GzipError::Corrupt(_))
        ));
        assert_eq!(gunzip_capped(&gzip_fast(b""), 10).unwrap().as_ref(), b"");
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap() {
        let bomb = gzip_fast(&vec![0u8; 50 << 20]);
        assert!(
            bomb.len() < 1 << 20,
            "50 MiB of zeros compress to {} bytes",
            bomb.len()
        );
        assert_eq!(
            gunzip_capped(&bomb, 1 << 20).unwrap_err(),
            GzipError::TooLarge { cap: 1 << 20 }
        );
    }

    #[test]
    fn gzip_fast_round_trips_through_one_reused_state() {
        // xorshift: noise without a dependency.
        let mut state = 3u64;
        let mut noise = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        };
        for len in [0, 1, 100, 70_000, 1_500_000, 10] {
            // Half text, half noise: compressible and not.
            let data: Vec<u8> = (0..len)
                .map(|i| {
                    if i % 2 == 0 {
                        b'a' + (i % 7) as u8
                    } else {
                        noise()
                    }
                })
                .collect();
            let gz = gzip_fast(&data);
            let back = gunzip_capped(&gz, 1 << 26).unwrap();
            assert_eq!(back.as_ref(), &data[..], "{len}");
        }
    }

    #[test]
    fn the_default_level_writes_what_flate2s_encoder_writes() {
        let data = b"2026-03-02 10:15:42 a log line with some repetition ".repeat(500);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(&data).unwrap();
        let expected = encoder.finish().unwrap();
        for _ in 0..2 {
            assert_eq!(gzip(&data, Level::Default), expected);
        }
    }
}
