//! `logwrangler replay --lake`'s writer: the records of one run streamed into
//! the lake.
//!
//! Objects go under `DIR/<prefix>` where the prefix is the stack's own
//! [`S3_PREFIX_TEMPLATE`] evaluated with the record's partition keys, as GZIP
//! NDJSON named like Firehose objects:
//! `logwrangler-replay-1-<yyyy-MM-dd-HH-mm-ss>-<run>-<part>.gz` (stream name,
//! version, the time of the object's first record, then the run id and the
//! object's number within its partition where Firehose puts a random id).
//!
//! Re-runs are idempotent. The run id hashes the list of inputs, and names
//! depend only on the run id, the partition, the records' times and their
//! order, so replaying the same inputs again writes the same names and
//! replaces the objects instead of adding copies. Each run also records what
//! it wrote in `DIR/replay-runs/<run>.json`; the next run with the same inputs
//! deletes the objects of that list it did not write again (after a changed
//! `--type` or `--received-at` moved records to other partitions). Runs over
//! other inputs have other run ids and leave each other's objects alone.
//!
//! Nothing appears in the lake until the run has read every input: objects
//! are written below `DIR/.replay-tmp/` and renamed into place at the end, so
//! a failed run leaves the lake as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use logwrangler::partition::{PartitionKey, S3_PREFIX_TEMPLATE};
use logwrangler::time::Millis;
use serde::{Deserialize, Serialize};

use super::key::{object_name, run_suffix};
use super::{LakeDir, write_atomically};
use crate::error::{Error, IoContext, Result};

/// Firehose-style delivery stream name in object names.
const OBJECT_STREAM: &str = "logwrangler-replay";
/// Firehose-style delivery stream version in object names.
const OBJECT_VERSION: u32 = 1;
/// How the names of this writer's objects start: `<stream>-<version>`.
const OBJECT_PREFIX: &str = "logwrangler-replay-1";
/// Where each run lists the objects it wrote.
pub const RUNS_DIR: &str = "replay-runs";
/// Where objects are written before the run commits them.
const TEMP_DIR: &str = ".replay-tmp";
/// Most objects open at once (a gzip stream each); beyond it the least
/// recently written one is finished and its partition gets another object.
const MAX_OPEN_OBJECTS: usize = 64;

/// The run id: 16 hex digits of a hash of the input names, in order.
pub fn run_id<'a>(inputs: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for name in inputs {
        hasher.update(&(name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
    }
    format!("{:016x}", hasher.digest())
}

/// The key (path below the lake) of an object: the evaluated S3 prefix and
/// the Firehose-style name.
pub fn object_key(
    partition: &PartitionKey,
    first_time: Millis,
    run: &str,
    part: u32,
) -> Result<String, String> {
    let prefix = partition.evaluate(S3_PREFIX_TEMPLATE)?;
    let name = object_name(
        OBJECT_STREAM,
        OBJECT_VERSION,
        first_time,
        &run_suffix(run, part),
    );
    Ok(format!("{prefix}{name}"))
}

/// What a run wrote, kept for the next run with the same inputs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Manifest {
    run: String,
    inputs: Vec<String>,
    objects: Vec<String>,
}

/// One object being written.
struct OpenObject {
    key: String,
    temp: PathBuf,
    encoder: GzEncoder<BufWriter<File>>,
    bytes: u64,
    last_write: u64,
}

/// An object written to the temporary directory, waiting for the commit.
struct Written {
    key: String,
    temp: PathBuf,
}

/// What the commit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Keys of the objects written, sorted.
    pub objects: Vec<String>,
    /// Partitions that received records.
    pub partitions: usize,
    /// Objects of an earlier run with the same inputs that were removed.
    pub stale_removed: usize,
}

/// Writes the records of one run into the lake: objects are streamed to a
/// temporary directory and placed at [`RunWriter::commit`], so a failed run
/// leaves the lake as it was.
pub struct RunWriter {
    lake: LakeDir,
    temp_dir: PathBuf,
    run: String,
    inputs: Vec<String>,
    max_object_bytes: u64,
    open: BTreeMap<PartitionKey, OpenObject>,
    next_part: BTreeMap<PartitionKey, u32>,
    written: Vec<Written>,
    started: usize,
    writes: u64,
    committed: bool,
}

impl RunWriter {
    /// Prepares a run into the lake at `root`; objects roll over after
    /// `max_object_bytes` of NDJSON.
    pub fn create(root: &Path, inputs: Vec<String>, max_object_bytes: u64) -> Result<RunWriter> {
        let run = run_id(inputs.iter().map(String::as_str));
        let temp_dir = root.join(TEMP_DIR).join(&run);
        if temp_dir.exists() {
            // Left by an interrupted run with the same inputs.
            std::fs::remove_dir_all(&temp_dir)
                .context_with(|| format!("cannot clean {}", temp_dir.display()))?;
        }
        std::fs::create_dir_all(&temp_dir)
            .context_with(|| format!("cannot create the lake directory {}", root.display()))?;
        Ok(RunWriter {
            lake: LakeDir::new(root),
            temp_dir,
            run,
            inputs,
            max_object_bytes: max_object_bytes.max(1),
            open: BTreeMap::new(),
            next_part: BTreeMap::new(),
            written: Vec::new(),
            started: 0,
            writes: 0,
            committed: false,
        })
    }

    /// The run id.
    pub fn run(&self) -> &str {
        &self.run
    }

    /// Appends one NDJSON line (without its newline) to the object of its partition.
    pub fn write(&mut self, partition: PartitionKey, time: Millis, line: &[u8]) -> Result<()> {
        self.writes += 1;
        let full = self.open.get(&partition).is_some_and(|o| {
            o.bytes > 0 && o.bytes + line.len() as u64 + 1 > self.max_object_bytes
        });
        if full {
            self.finish(&partition)?;
        }
        if !self.open.contains_key(&partition) {
            if self.open.len() >= MAX_OPEN_OBJECTS
                && let Some(oldest) = self
                    .open
                    .iter()
                    .min_by_key(|(_, o)| o.last_write)
                    .map(|(k, _)| *k)
            {
                self.finish(&oldest)?;
            }
            let object = self.start(&partition, time)?;
            self.open.insert(partition, object);
        }
        let object = self.open.get_mut(&partition).expect("opened above");
        object.last_write = self.writes;
        object.bytes += line.len() as u64 + 1;
        object
            .encoder
            .write_all(line)
            .and_then(|()| object.encoder.write_all(b"\n"))
            .context_with(|| format!("cannot write {}", object.temp.display()))
    }

    fn start(&mut self, partition: &PartitionKey, time: Millis) -> Result<OpenObject> {
        let part = self.next_part.entry(*partition).or_default();
        let key = object_key(partition, time, &self.run, *part).map_err(Error::Prefix)?;
        *part += 1;
        let temp = self.temp_dir.join(format!("{}.gz", self.started));
        self.started += 1;
        let file =
            File::create(&temp).context_with(|| format!("cannot create {}", temp.display()))?;
        Ok(OpenObject {
            key,
            temp,
            encoder: GzEncoder::new(
                BufWriter::with_capacity(1 << 16, file),
                flate2::Compression::default(),
            ),
            bytes: 0,
            last_write: self.writes,
        })
    }

    fn finish(&mut self, partition: &PartitionKey) -> Result<()> {
        let Some(object) = self.open.remove(partition) else {
            return Ok(());
        };
        object
            .encoder
            .finish()
            .and_then(|mut w| w.flush())
            .context_with(|| format!("cannot write {}", object.temp.display()))?;
        self.written.push(Written {
            key: object.key,
            temp: object.temp,
        });
        Ok(())
    }

    /// Finishes every object, moves them into place, removes the objects of
    /// the previous run with the same inputs that were not written again, and
    /// records this run's objects.
    pub fn commit(mut self) -> Result<RunReport> {
        let partitions: Vec<PartitionKey> = self.open.keys().copied().collect();
        for partition in &partitions {
            self.finish(partition)?;
        }
        let partitions = self.next_part.len();
        let root = self.lake.root().to_path_buf();
        let manifest_path = root.join(RUNS_DIR).join(format!("{}.json", self.run));
        let previous: Manifest = std::fs::read(&manifest_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let mut objects = BTreeSet::new();
        for written in &self.written {
            self.lake.place_object(&written.key, &written.temp)?;
            objects.insert(written.key.clone());
        }
        let mut stale_removed = 0;
        for key in previous.objects.iter().filter(|k| !objects.contains(*k)) {
            // Only names this writer makes: a damaged manifest cannot delete other files.
            let ours = key.starts_with("logs/")
                && !key.contains("..")
                && Path::new(key)
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(OBJECT_PREFIX));
            if ours && self.lake.remove_object(key) {
                stale_removed += 1;
            }
        }
        let manifest = Manifest {
            run: self.run.clone(),
            inputs: std::mem::take(&mut self.inputs),
            objects: objects.iter().cloned().collect(),
        };
        write_atomically(
            &manifest_path,
            &serde_json::to_vec_pretty(&manifest).expect("manifests serialise"),
        )?;
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.temp_dir);
        let _ = std::fs::remove_dir(root.join(TEMP_DIR));
        Ok(RunReport {
            objects: manifest.objects,
            partitions,
            stale_removed,
        })
    }
}

impl Drop for RunWriter {
    /// A run that did not commit leaves no trace in the lake.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temp_dir);
            let _ = std::fs::remove_dir(self.lake.root().join(TEMP_DIR));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logwrangler::LogType;
    use logwrangler::time::parse_iso8601;
    use std::io::Read;

    fn at(iso: &str) -> Millis {
        parse_iso8601(iso).unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "logwrangler-replay-lake-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn files(root: &Path) -> Vec<String> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else {
                    out.push(path.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(root, root, &mut out);
        out.sort();
        out
    }

    fn gunzip(path: &Path) -> String {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(File::open(path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn keys_follow_the_stack_prefix_and_firehose_names() {
        let time = at("2026-03-02T10:15:42.911Z");
        let key = PartitionKey::at(LogType::PexipSupport, time);
        assert_eq!(
            object_key(&key, time, "00112233aabbccdd", 0).unwrap(),
            "logs/log_type=pexip_support/year=2026/month=03/day=02/hour=10/logwrangler-replay-1-2026-03-02-10-15-42-00112233aabbccdd-0.gz"
        );
        assert_eq!(run_id(["a", "b"]), run_id(["a", "b"]));
        assert_ne!(run_id(["a", "b"]), run_id(["ab"]));
        assert_ne!(run_id(["a", "b"]), run_id(["b", "a"]));
    }

    #[test]
    fn objects_roll_over_and_reruns_replace_their_own_objects() {
        let root = scratch("rerun");
        let t = at("2026-03-02T10:00:00Z");
        let alb = PartitionKey::at(LogType::Alb, t);
        let vpc = PartitionKey::at(LogType::VpcFlow, t + 3_600_000);
        let run = |vpc_key: PartitionKey| {
            let mut lake = RunWriter::create(&root, vec!["in.log".into()], 12).unwrap();
            lake.write(alb, t, b"{\"n\":1}").unwrap();
            lake.write(alb, t + 1000, b"{\"n\":2}").unwrap();
            lake.write(vpc_key, t + 3_600_000, b"{\"n\":3}").unwrap();
            lake.commit().unwrap()
        };
        let first = run(vpc);
        assert_eq!(
            first.objects.len(),
            3,
            "two alb objects of 8 bytes under a 12-byte bound"
        );
        assert_eq!(first.partitions, 2);
        let before = files(&root);
        assert!(before.iter().all(|f| !f.contains(TEMP_DIR)), "{before:?}");
        assert_eq!(
            gunzip(&root.join(&first.objects[1])),
            "{\"n\":2}\n",
            "the second alb object holds the second line"
        );
        assert_eq!(run(vpc), first);
        assert_eq!(files(&root), before, "a re-run writes the same files");

        // Records moved to another partition: the old object goes away.
        let moved = PartitionKey::at(LogType::VpcFlow, t + 7_200_000);
        let third = run(moved);
        assert_eq!(third.stale_removed, 1);
        let after = files(&root);
        assert_eq!(after.len(), before.len());
        assert!(after.iter().any(|f| f.contains("hour=12")), "{after:?}");
        assert!(
            !after
                .iter()
                .any(|f| f.contains("log_type=vpc_flow/year=2026/month=03/day=02/hour=11"))
        );

        // Other inputs, other run: nothing of the first run is touched.
        let mut other = RunWriter::create(&root, vec!["other.log".into()], 1 << 20).unwrap();
        other.write(alb, t, b"{\"n\":9}").unwrap();
        other.commit().unwrap();
        assert_eq!(
            files(&root).len(),
            after.len() + 2,
            "one object and one manifest more"
        );
    }

    #[test]
    fn an_uncommitted_run_leaves_nothing_behind() {
        let root = scratch("abort");
        let t = at("2026-03-02T10:00:00Z");
        {
            let mut lake = RunWriter::create(&root, vec!["in.log".into()], 1 << 20).unwrap();
            lake.write(PartitionKey::at(LogType::Alb, t), t, b"{}")
                .unwrap();
        }
        assert!(files(&root).is_empty(), "{:?}", files(&root));
    }
}
