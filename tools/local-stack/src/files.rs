//! The user's own log files as CloudWatch Logs would deliver them, for
//! `loadtest demo --files`: each file becomes one log stream, each non-empty
//! line one event, cut into subscription batches like the generated day's.
//!
//! CloudWatch gives every event a time; a file does not, so each line's own
//! time is read with the core parser (the time the transform Lambda will
//! find), header and unparsable lines take the time of the line after them
//! (else before them, else the file's modification time), and each stream is
//! put in time order as CloudWatch keeps it. The simulation clock then plays
//! the files' own period, so buffering and partitions are those of a live
//! delivery. The content decides the log_type, exactly as in the pipeline:
//! the files go to log group [`DEFAULT_LOG_GROUP`] (or one the user names,
//! which their `--sources` mapping may type).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use logwrangler::{EventContext, LineParser, Rules, SourceConfig};
use logwrangler_files::Error as FilesError;
use logwrangler_files::input::{self, Input, Walk};
use serde::Serialize;

use crate::alerting::LOCAL_ACCOUNT;
use logwrangler_generator::LogBatch;
use logwrangler_generator::cloudwatch::cut_stream;

/// Log group of the user's files unless one is named.
pub const DEFAULT_LOG_GROUP: &str = "/logwrangler/files";
/// Longest CloudWatch Logs event message (256 KiB less the 26 bytes it counts
/// per event): longer lines are cut there, as the CloudWatch agent does.
pub const MAX_EVENT_BYTES: usize = 262_144 - 26;

/// Marks "no time of its own" while lines are timed.
const NO_TIME: i64 = i64::MIN;

/// What was read from the files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FilesSummary {
    /// Files read (one log stream each).
    pub files: usize,
    /// Bytes read after decompression.
    pub bytes: u64,
    /// Events sent: the non-empty lines.
    pub events: usize,
    /// Lines cut to [`MAX_EVENT_BYTES`].
    pub truncated: usize,
    /// Lines that were not valid UTF-8 (sent with U+FFFD in place of the bad bytes).
    pub invalid_utf8: usize,
    /// Earliest and latest event time (epoch ms).
    pub first_ms: i64,
    pub last_ms: i64,
}

/// The files' events as CloudWatch batches, sorted by their first event time.
#[derive(Debug)]
pub struct FileTraffic {
    pub batches: Vec<LogBatch>,
    pub summary: FilesSummary,
}

/// Reads `paths` (files, or directories walked recursively in name order,
/// hidden entries skipped; gzip recognised by its magic bytes) into batches of
/// `log_group`. `sources` is the mapping the Lambdas get, so a line is timed
/// as they will parse it.
pub fn read(paths: &[PathBuf], log_group: &str, sources: &SourceConfig) -> Result<FileTraffic> {
    let files = list(paths)?;
    if files.is_empty() {
        bail!(
            "no files found in {}: name log files or directories holding them",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let sources = Arc::new(sources.clone());
    let mut summary = FilesSummary {
        first_ms: i64::MAX,
        last_ms: i64::MIN,
        ..FilesSummary::default()
    };
    let mut cut = Vec::new();
    for (number, file) in files.iter().enumerate() {
        let stream = stream_name(file);
        let lines = read_lines(&Input::file(file.clone()), &mut summary)?;
        let events = timed(
            lines,
            LineParser::new(sources.clone(), Arc::new(Rules::default())),
            log_group,
            &stream,
            modified_ms(file),
        );
        if let (Some(first), Some(last)) = (events.first(), events.last()) {
            summary.first_ms = summary.first_ms.min(first.0);
            summary.last_ms = summary.last_ms.max(last.0);
        }
        summary.events += events.len();
        cut.extend(
            cut_stream(log_group, &stream, LOCAL_ACCOUNT, number, events)
                .into_iter()
                .map(|(batch, _)| batch),
        );
        summary.files += 1;
    }
    if summary.events == 0 {
        bail!("the files hold no lines to send (every line is empty)");
    }
    cut.sort_by(|a, b| {
        (a.events[0].timestamp, &a.log_stream).cmp(&(b.events[0].timestamp, &b.log_stream))
    });
    Ok(FileTraffic {
        batches: cut,
        summary,
    })
}

/// The files under `paths`, each once, in a stable order: the walker of
/// `logwrangler replay`, following links to directories, with a path that
/// cannot be read (or `-`, which names no file here) refused in this
/// command's words.
fn list(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let walk = Walk {
        exclude: None,
        follow_directory_links: true,
    };
    let inputs = match input::list_with(paths, &walk) {
        Ok(inputs) => inputs,
        Err(FilesError::Unreadable { path, .. }) => bail!(
            "{} does not exist (or is not a file or directory)",
            path.display()
        ),
        Err(error) => return Err(error.into()),
    };
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        match input.path {
            Some(path) => out.push(path),
            None => bail!("- does not exist (or is not a file or directory)"),
        }
    }
    out.dedup();
    Ok(out)
}

/// The log stream of a file: its path without `:` and `*`, which CloudWatch
/// refuses in stream names, and at most 512 characters.
fn stream_name(path: &Path) -> String {
    let name: String = path
        .to_string_lossy()
        .trim_start_matches("./")
        .chars()
        .map(|c| if c == ':' || c == '*' { '_' } else { c })
        .collect();
    let start = name.len().saturating_sub(512);
    let start = (start..=name.len())
        .find(|&i| name.is_char_boundary(i))
        .unwrap_or(name.len());
    name[start..].to_string()
}

fn modified_ms(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or(0)
}

/// The non-empty lines of a file (gzip or plain: one layer of gzip is
/// unwrapped, the rest is the file's text), cut to CloudWatch's event size.
fn read_lines(file: &Input, summary: &mut FilesSummary) -> Result<Vec<String>> {
    let path = file.path.as_deref().unwrap_or(Path::new("-"));
    let mut reader = input::decompressed(file, Arc::default(), 1)?;
    let mut lines = Vec::new();
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let read = reader
            .read_until(b'\n', &mut raw)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if read == 0 {
            break;
        }
        summary.bytes += read as u64;
        let mut line = match String::from_utf8(std::mem::take(&mut raw)) {
            Ok(line) => line,
            Err(err) => {
                summary.invalid_utf8 += 1;
                String::from_utf8_lossy(err.as_bytes()).into_owned()
            }
        };
        let kept = line.trim_end_matches(['\n', '\r']).len();
        line.truncate(kept);
        if line.trim().is_empty() {
            continue;
        }
        if line.len() > MAX_EVENT_BYTES {
            let cut = (0..=MAX_EVENT_BYTES)
                .rev()
                .find(|&i| line.is_char_boundary(i))
                .unwrap_or(0);
            line.truncate(cut);
            summary.truncated += 1;
        }
        lines.push(line);
    }
    Ok(lines)
}

/// Gives each line its time (see the module docs) and puts them in time
/// order; lines of one time keep their file order.
fn timed(
    lines: Vec<String>,
    mut parser: LineParser,
    log_group: &str,
    log_stream: &str,
    modified_ms: i64,
) -> Vec<(i64, String, ())> {
    let own: Vec<Option<i64>> = lines
        .iter()
        .enumerate()
        .map(|(position, line)| {
            let ctx = EventContext {
                log_group: Some(log_group),
                log_stream: Some(log_stream),
                account_id: None,
                event_id: None,
                received_ms: None,
                // Comes back as the time of a line without one of its own.
                fallback_ms: Some(NO_TIME),
                source: log_stream,
                position: position as u64,
            };
            parser
                .parse_line(line, &ctx)
                .into_record()
                .map(|record| record.envelope.timestamp)
                .filter(|&time| time != NO_TIME)
        })
        .collect();
    // A line without a time of its own takes the next one's (a header belongs
    // to the lines after it), else the previous one's, else the file's.
    let mut next = None;
    let mut times = vec![NO_TIME; own.len()];
    for (i, time) in own.iter().enumerate().rev() {
        next = time.or(next);
        times[i] = next.unwrap_or(NO_TIME);
    }
    let mut previous = None;
    for (i, time) in times.iter_mut().enumerate() {
        if *time == NO_TIME {
            *time = previous.unwrap_or(modified_ms);
        }
        if own[i].is_some() {
            previous = Some(*time);
        }
    }
    let mut events: Vec<(i64, String, ())> = times
        .into_iter()
        .zip(lines)
        .map(|(time, line)| (time, line, ()))
        .collect();
    events.sort_by_key(|(time, _, _)| *time);
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const ALB: &str = r#"http 2026-11-24T10:00:05.000000Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn files_become_streams_of_timed_events_in_batches() {
        let dir = std::env::temp_dir().join(format!("lw-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let earlier = ALB.replace("T10:00:05.000000Z app", "T09:59:00.000000Z app");
        let plain = format!("{ALB}\n\nnot a log line\r\n{earlier}\n");
        write(&dir, "b/alb.log", plain.as_bytes());
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(format!("{ALB}\n").as_bytes()).unwrap();
        write(&dir, "a/alb.log.gz", &gz.finish().unwrap());
        write(&dir, ".hidden", b"skipped\n");
        let bad_path = write(&dir, "c/bad.log", b"caf\xe9 latte\n");

        let traffic = read(
            std::slice::from_ref(&dir),
            DEFAULT_LOG_GROUP,
            &SourceConfig::default(),
        )
        .unwrap();
        let s = &traffic.summary;
        assert_eq!((s.files, s.events, s.invalid_utf8), (3, 5, 1));
        let streams: Vec<&str> = traffic
            .batches
            .iter()
            .map(|b| b.log_stream.rsplit('/').take(2).collect::<Vec<_>>()[1])
            .collect();
        assert!(streams.contains(&"a") && streams.contains(&"b") && streams.contains(&"c"));
        // In time order, cut where CloudWatch would (65 s apart: two batches);
        // the unparsable line takes the time of the line after it.
        let b: Vec<&LogBatch> = traffic
            .batches
            .iter()
            .filter(|b| b.log_stream.ends_with("b/alb.log"))
            .collect();
        assert_eq!(b.len(), 2);
        let events: Vec<_> = b.iter().flat_map(|b| &b.events).collect();
        let times: Vec<i64> = events.iter().map(|e| e.timestamp).collect();
        let at_0959 = 1_795_514_340_000;
        let at_1000 = 1_795_514_405_000;
        assert_eq!(times, vec![at_0959, at_0959, at_1000]);
        assert_eq!(events[1].message, earlier);
        assert_eq!(events[0].message, "not a log line");
        assert_eq!(s.first_ms, at_0959);
        assert!(events.iter().all(|e| e.id.len() == 56));
        let bad = traffic
            .batches
            .iter()
            .find(|b| b.log_stream.ends_with("bad.log"))
            .unwrap();
        assert_eq!(bad.events[0].message, "caf\u{fffd} latte");
        // No time in the whole file: its modification time.
        assert_eq!(bad.events[0].timestamp, modified_ms(&bad_path));
        assert!(bad.events[0].timestamp > at_1000);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_paths_and_empty_files_are_refused() {
        let err = read(
            &[PathBuf::from("/nonexistent/logs")],
            DEFAULT_LOG_GROUP,
            &SourceConfig::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/logs does not exist"));
        let dir = std::env::temp_dir().join(format!("lw-files-empty-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write(&dir, "empty.log", b"\n  \n");
        let err = read(
            std::slice::from_ref(&dir),
            DEFAULT_LOG_GROUP,
            &SourceConfig::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no lines to send"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn long_lines_are_cut_like_cloudwatch_does() {
        let dir = std::env::temp_dir().join(format!("lw-files-long-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let long = "é".repeat(MAX_EVENT_BYTES);
        write(&dir, "long.log", long.as_bytes());
        let traffic = read(
            std::slice::from_ref(&dir),
            DEFAULT_LOG_GROUP,
            &SourceConfig::default(),
        )
        .unwrap();
        assert_eq!(traffic.summary.truncated, 1);
        let message = &traffic.batches[0].events[0].message;
        assert!(message.len() <= MAX_EVENT_BYTES && message.len() > MAX_EVENT_BYTES - 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
