//! Finding and opening the log files an operator names.
//!
//! Inputs are files, directories (walked recursively, entries sorted so every
//! run reads the same files in the same order) and `-` for standard input.
//! The content decides how a file is read, not its name: gzip is recognised by
//! its magic bytes (twice, for Firehose objects of gzip'd records), and
//! CloudWatch Logs subscription envelopes by their `messageType` key, exactly
//! as the transform Lambda tells them from Direct PUT data. Everything else is
//! a log stream read line by line, the way `logwrangler parse` reads it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use logwrangler::envelope::{self, CloudWatchEnvelope, GZIP_MAGIC, Payload};
use serde_json::value::RawValue;

use crate::error::{Error, IoContext, Result};

/// How far into a stream the envelope check looks for `"messageType"`.
const SNIFF_BYTES: usize = 4096;
/// Read buffer for inputs.
const BUFFER_BYTES: usize = 1 << 16;

/// One input: a file or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Where the bytes come from; `None` is standard input.
    pub path: Option<PathBuf>,
    /// The name that identifies the input: the path as given (or joined below
    /// a directory given), `-` for standard input. Derived event ids hash it,
    /// as `logwrangler parse` does, so the same spelling gives the same ids.
    pub name: String,
}

impl Input {
    /// A file, named by its path as given.
    pub fn file(path: PathBuf) -> Input {
        Input {
            name: path.display().to_string(),
            path: Some(path),
        }
    }

    /// The file name, for log stream names and messages (`stdin` for `-`).
    pub fn file_name(&self) -> String {
        self.path
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(|| "stdin".into(), |n| n.to_string_lossy().into_owned())
    }

    /// Size on disk (0 for standard input), for progress.
    pub fn size(&self) -> u64 {
        self.path
            .as_deref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len())
    }

    /// Modification time in epoch milliseconds, when known.
    pub fn modified_ms(&self) -> Option<i64> {
        let modified = std::fs::metadata(self.path.as_deref()?)
            .ok()?
            .modified()
            .ok()?;
        let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
        i64::try_from(since.as_millis()).ok()
    }
}

/// How [`list_with`] walks directories.
#[derive(Debug, Clone, Copy, Default)]
pub struct Walk<'a> {
    /// A directory whose files are not inputs: the output lake, when it lies
    /// below an input directory, must not be read back into itself.
    pub exclude: Option<&'a Path>,
    /// Follow symbolic links to directories. They can loop, so `replay` does
    /// not; `loadtest demo --files` does, as it always has.
    pub follow_directory_links: bool,
}

/// [`list_with`] without following links to directories, skipping `exclude`.
pub fn list(paths: &[PathBuf], exclude: Option<&Path>) -> Result<Vec<Input>> {
    list_with(
        paths,
        &Walk {
            exclude,
            follow_directory_links: false,
        },
    )
}

/// Expands the command-line inputs: files as given, directories walked
/// recursively in sorted order (hidden entries and anything below
/// [`Walk::exclude`] skipped), `-` once for standard input. Fails on a path
/// that does not exist ([`Error::Unreadable`]) or a file that cannot be
/// opened, before anything is written.
pub fn list_with(paths: &[PathBuf], options: &Walk<'_>) -> Result<Vec<Input>> {
    let exclude = options.exclude.and_then(|p| p.canonicalize().ok());
    let walk = Walker {
        exclude: exclude.as_deref(),
        follow_directory_links: options.follow_directory_links,
    };
    let mut inputs = Vec::new();
    let mut stdin_seen = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if stdin_seen {
                return Err(Error::StdinTwice);
            }
            stdin_seen = true;
            inputs.push(Input {
                path: None,
                name: "-".into(),
            });
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| Error::Unreadable {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk.walk(path, &mut inputs)?;
        } else {
            inputs.push(Input::file(path.clone()));
        }
    }
    for input in &inputs {
        if let Some(path) = &input.path {
            File::open(path).context_with(|| format!("cannot open {}", input.name))?;
        }
    }
    Ok(inputs)
}

/// A directory walk of [`list_with`].
struct Walker<'a> {
    /// Canonical path of the directory to skip.
    exclude: Option<&'a Path>,
    follow_directory_links: bool,
}

impl Walker<'_> {
    fn walk(&self, dir: &Path, out: &mut Vec<Input>) -> Result<()> {
        if self
            .exclude
            .is_some_and(|ex| dir.canonicalize().is_ok_and(|d| d.starts_with(ex)))
        {
            return Ok(());
        }
        let mut entries = std::fs::read_dir(dir)
            .context_with(|| format!("cannot list directory {}", dir.display()))?
            .collect::<io::Result<Vec<_>>>()
            .context_with(|| format!("cannot list directory {}", dir.display()))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let kind = entry
                .file_type()
                .context_with(|| format!("cannot read {}", path.display()))?;
            // Symbolic links to files are read; links to directories only
            // when asked (they could loop).
            if kind.is_dir() || (self.follow_directory_links && path.is_dir()) {
                self.walk(&path, out)?;
            } else if path.is_file() {
                out.push(Input::file(path));
            }
        }
        Ok(())
    }
}

/// What an input holds.
pub enum Content {
    /// Log lines (plain or decompressed).
    Lines(Box<dyn BufRead>),
    /// One or more CloudWatch Logs subscription envelopes (JSON documents),
    /// decompressed and read whole.
    Envelopes(Vec<u8>),
}

/// Counts the bytes read from an input (before decompression), for progress.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens an input and decides what it holds; `bytes_read` counts the raw
/// bytes consumed as it is read.
pub fn open(input: &Input, bytes_read: Arc<AtomicU64>) -> Result<Content> {
    // A Firehose object of gzip'd records is gzip inside gzip: unwrap twice at most.
    let mut reader = decompressed(input, bytes_read, 2)?;
    let head = reader
        .fill_buf()
        .context_with(|| read_context(&input.name))?;
    if !looks_like_envelope(head) {
        return Ok(Content::Lines(reader));
    }
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .context_with(|| read_context(&input.name))?;
    Ok(Content::Envelopes(data))
}

/// Opens an input as a byte stream with up to `gzip_layers` layers of gzip
/// (each recognised by its magic bytes) unwrapped; `bytes_read` counts the
/// raw bytes consumed as it is read. [`open`] unwraps two; a reader that
/// takes each file as plain lines may unwrap only one.
pub fn decompressed(
    input: &Input,
    bytes_read: Arc<AtomicU64>,
    gzip_layers: usize,
) -> Result<Box<dyn BufRead>> {
    let raw: Box<dyn Read> = match &input.path {
        None => Box::new(io::stdin()),
        Some(path) => {
            Box::new(File::open(path).context_with(|| format!("cannot open {}", input.name))?)
        }
    };
    let counted = Counting {
        inner: raw,
        count: bytes_read,
    };
    let mut reader: Box<dyn BufRead> = Box::new(BufReader::with_capacity(BUFFER_BYTES, counted));
    for _ in 0..gzip_layers {
        let head = reader
            .fill_buf()
            .context_with(|| read_context(&input.name))?;
        if !head.starts_with(&GZIP_MAGIC) {
            break;
        }
        reader = Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            flate2::bufread::MultiGzDecoder::new(reader),
        ));
    }
    Ok(reader)
}

/// The context of a read error: gzip that does not decompress is the usual cause.
fn read_context(name: &str) -> String {
    format!("cannot read {name} (if it is gzip, it is damaged or cut short)")
}

/// The transform Lambda's test for an envelope: a JSON object with a
/// `messageType` key near its start.
pub fn looks_like_envelope(head: &[u8]) -> bool {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..head.len().min(start + SNIFF_BYTES)];
    head.first() == Some(&b'{') && memchr::memmem::find(head, b"\"messageType\"").is_some()
}

/// The envelopes of an input: one or more JSON documents, concatenated or one
/// per line (as CloudWatch delivers them to Firehose and Firehose writes them
/// to S3), each decoded with the core's envelope reader.
pub fn envelopes(data: &[u8]) -> impl Iterator<Item = Result<CloudWatchEnvelope<'_>, String>> {
    serde_json::Deserializer::from_slice(data)
        .into_iter::<&RawValue>()
        .enumerate()
        .map(|(index, document)| {
            let document =
                document.map_err(|e| format!("document {} is not JSON: {e}", index + 1))?;
            match envelope::classify(document.get().as_bytes()) {
                Ok(Payload::CloudWatch(envelope)) => Ok(envelope),
                Ok(Payload::Direct(_)) => Err(format!(
                    "document {} is not a CloudWatch Logs envelope (no messageType)",
                    index + 1
                )),
                Err(e) => Err(format!("document {}: {e}", index + 1)),
            }
        })
}

/// Reads a log stream line by line as `logwrangler parse` does: every line
/// counts for the position (1-based), invalid UTF-8 is replaced, line ends are
/// trimmed and blank lines skipped.
pub struct Lines<'n> {
    reader: Box<dyn BufRead>,
    name: &'n str,
    buf: Vec<u8>,
    line: String,
    position: u64,
}

impl<'n> Lines<'n> {
    /// Lines of `reader`; `name` is used in error messages.
    pub fn new(reader: Box<dyn BufRead>, name: &'n str) -> Self {
        Lines {
            reader,
            name,
            buf: Vec::with_capacity(4096),
            line: String::with_capacity(4096),
            position: 0,
        }
    }

    /// The next non-blank line and its position, `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<(u64, &str)>> {
        loop {
            self.buf.clear();
            let read = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .context_with(|| read_context(self.name))?;
            if read == 0 {
                return Ok(None);
            }
            self.position += 1;
            let text = String::from_utf8_lossy(&self.buf);
            let text = text.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                continue;
            }
            self.line.clear();
            self.line.push_str(text);
            return Ok(Some((self.position, &self.line)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "logwrangler-replay-input-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn lines_of(content: Content) -> Vec<(u64, String)> {
        let Content::Lines(reader) = content else {
            panic!("expected lines")
        };
        let mut lines = Lines::new(reader, "t");
        let mut out = Vec::new();
        while let Some((p, l)) = lines.next_line().unwrap() {
            out.push((p, l.to_owned()));
        }
        out
    }

    #[test]
    fn directories_are_walked_sorted_skipping_hidden_files_and_the_lake() {
        let dir = scratch("walk");
        std::fs::create_dir_all(dir.join("b/inner")).unwrap();
        std::fs::create_dir_all(dir.join("lake/logs")).unwrap();
        for file in [
            "b/inner/z.log",
            "b/a.log",
            "c.log",
            ".hidden",
            "lake/logs/x.gz",
        ] {
            std::fs::write(dir.join(file), "x\n").unwrap();
        }
        let inputs = list(&[dir.clone(), PathBuf::from("-")], Some(&dir.join("lake"))).unwrap();
        let names: Vec<String> = inputs
            .iter()
            .map(|i| {
                i.name
                    .strip_prefix(&dir.display().to_string())
                    .unwrap_or(&i.name)
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ["/b/a.log", "/b/inner/z.log", "/c.log", "-"]);
        let err = list(&[dir.join("missing.log")], None).unwrap_err();
        assert!(format!("{err:#}").contains("cannot read"), "{err:#}");
        let err = list(&["-".into(), "-".into()], None).unwrap_err();
        assert!(err.to_string().contains("given twice"));
    }

    #[test]
    fn gzip_is_recognised_by_content_and_lines_keep_parse_positions() {
        let dir = scratch("gzip");
        let text = b"first\r\n\nthird\n";
        std::fs::write(dir.join("plain"), text).unwrap();
        std::fs::write(dir.join("once.log"), gzip(text)).unwrap();
        std::fs::write(dir.join("twice"), gzip(&gzip(text))).unwrap();
        for name in ["plain", "once.log", "twice"] {
            let input = Input::file(dir.join(name));
            let content = open(&input, Arc::default()).unwrap();
            assert_eq!(
                lines_of(content),
                [(1, "first".to_string()), (3, "third".to_string())],
                "{name}"
            );
        }
        std::fs::write(dir.join("cut.gz"), &gzip(text)[..12]).unwrap();
        let input = Input::file(dir.join("cut.gz"));
        let err = match open(&input, Arc::default()) {
            Err(e) => e,
            Ok(content) => {
                let Content::Lines(reader) = content else {
                    panic!()
                };
                let mut lines = Lines::new(reader, &input.name);
                loop {
                    match lines.next_line() {
                        Ok(Some(_)) => continue,
                        Ok(None) => panic!("a cut gzip stream must not read to the end"),
                        Err(e) => break e,
                    }
                }
            }
        };
        assert!(format!("{err:#}").contains("damaged"), "{err:#}");
    }

    #[test]
    fn envelopes_are_detected_and_read_one_document_at_a_time() {
        let dir = scratch("envelopes");
        let one = r#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":[{"id":"1","timestamp":5,"message":"a"}]}"#;
        let control = r#"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#;
        let members = [gzip(one.as_bytes()), gzip(control.as_bytes())].concat();
        std::fs::write(dir.join("object"), members).unwrap();
        let Content::Envelopes(data) =
            open(&Input::file(dir.join("object")), Arc::default()).unwrap()
        else {
            panic!("expected envelopes")
        };
        let read: Vec<_> = envelopes(&data).collect::<Result<_, _>>().unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].log_events[0].message, "a");
        assert!(read[1].is_control());
        let bad: Vec<_> = envelopes(br#"{"messageType":"DATA_MESSAGE"} {"a":1}"#).collect();
        assert!(bad[0].is_ok());
        assert!(bad[1].as_ref().unwrap_err().contains("document 2"));
        assert!(!looks_like_envelope(br#"{"level":"info"}"#));
        assert!(looks_like_envelope(b"\n {\"messageType\":\"X\"}"));
    }
}
