//! The local lake: a directory standing for the lake bucket, with object keys
//! as paths under it, written the way Firehose writes S3 (docs/ARCHITECTURE.md §6).
//!
//! [`LakeDir`] is the bucket: whole objects written through a temporary name,
//! finished files moved into place, objects listed, read back gunzipped and
//! removed, and every key checked so that none leaves the directory (keys are
//! built from partition values a record controls). [`key`] evaluates the
//! deployed prefix templates and names objects like Firehose;
//! [`error_prefix`] holds the JSON lines of failed records; [`run`] is
//! `logwrangler replay --lake`'s streaming writer with idempotent re-runs.

pub mod error_prefix;
pub mod key;
pub mod run;

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, IoContext, Result};

pub use error_prefix::{ErrorRecord, error_lines};
pub use key::{evaluate_prefix, format_timestamp, object_name, random_suffix, run_suffix};
pub use run::{RUNS_DIR, RunReport, RunWriter, run_id};

/// A directory standing for the lake bucket: object keys are paths under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeDir {
    root: PathBuf,
}

impl LakeDir {
    /// The bucket at `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> LakeDir {
        LakeDir { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of an object, refused when its key would leave the directory.
    fn path_of(&self, key: &str) -> Result<PathBuf> {
        if !is_safe_key(key) {
            return Err(Error::UnsafeKey(key.to_owned()));
        }
        Ok(self.root.join(key))
    }

    /// Writes an object whole (to a temporary name, then renamed, so readers
    /// never see half an object).
    pub fn write_object(&self, key: &str, data: &[u8]) -> Result<PathBuf> {
        let path = self.path_of(key)?;
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).context_with(|| format!("cannot create {}", dir.display()))?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, data)
            .context_with(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, &path).context_with(|| {
            format!("cannot rename {} to {}", partial.display(), path.display())
        })?;
        Ok(path)
    }

    /// Moves a finished object file (written elsewhere on the same file
    /// system) into place under `key`: a writer that streams its objects
    /// commits them all at once this way.
    pub fn place_object(&self, key: &str, file: &Path) -> Result<PathBuf> {
        let target = self.path_of(key)?;
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)
                .context_with(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::rename(file, &target)
            .context_with(|| format!("cannot move an object into {}", target.display()))?;
        Ok(target)
    }

    /// Removes an object and the partition directories its removal left
    /// empty; false when there was nothing to remove (or the key is unsafe).
    pub fn remove_object(&self, key: &str) -> bool {
        let Ok(path) = self.path_of(key) else {
            return false;
        };
        if std::fs::remove_file(path).is_err() {
            return false;
        }
        let mut dir = Path::new(key).parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            if std::fs::remove_dir(self.root.join(d)).is_err() {
                break;
            }
            dir = d.parent();
        }
        true
    }

    /// The keys under `prefix` (`""` for all), sorted.
    pub fn keys(&self, prefix: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        if self.root.exists() {
            collect_keys(&self.root, &self.root, &mut keys)?;
        }
        keys.retain(|k| k.starts_with(prefix) && !k.ends_with(".partial"));
        keys.sort();
        Ok(keys)
    }

    /// An object's content, gunzipped.
    pub fn read_object(&self, key: &str) -> Result<Vec<u8>> {
        let path = self.root.join(key);
        let raw =
            std::fs::read(&path).context_with(|| format!("cannot read {}", path.display()))?;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .context_with(|| format!("{} is not GZIP", path.display()))?;
        Ok(out)
    }

    /// Every line of every object under `prefix`, with its object key.
    pub fn lines(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for key in self.keys(prefix)? {
            let data = self.read_object(&key)?;
            for line in String::from_utf8_lossy(&data)
                .lines()
                .filter(|l| !l.is_empty())
            {
                out.push((key.clone(), line.to_owned()));
            }
        }
        Ok(out)
    }
}

fn collect_keys(root: &Path, dir: &Path, keys: &mut Vec<String>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).context_with(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .context_with(|| format!("cannot list {}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_keys(root, &path, keys)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let key: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            keys.push(key.join("/"));
        }
    }
    Ok(())
}

/// True when `key` stays inside the lake directory (no `..`, not absolute).
pub fn is_safe_key(key: &str) -> bool {
    !key.is_empty()
        && !key.contains('\\')
        && Path::new(key)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// GZIP, as Firehose compresses objects with `CompressionFormat: GZIP`: the
/// core's one gzip helper at the default level.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    logwrangler::gzip::gzip(data, logwrangler::gzip::Level::Default)
}

/// Writes a file through a temporary name, so readers never see half of it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).context_with(|| format!("cannot create {}", dir.display()))?;
    let file_name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{file_name}.tmp"));
    std::fs::write(&temp, bytes).context_with(|| format!("cannot write {}", temp.display()))?;
    std::fs::rename(&temp, path).context_with(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lake_dir_round_trip() {
        let dir = std::env::temp_dir().join(format!("lake-test-{}", std::process::id()));
        let lake = LakeDir::new(&dir);
        lake.write_object("logs/a/x.gz", &gzip(b"one\ntwo\n"))
            .unwrap();
        lake.write_object("errors/b/y.gz", &gzip(b"three\n"))
            .unwrap();
        assert_eq!(lake.keys("").unwrap(), ["errors/b/y.gz", "logs/a/x.gz"]);
        assert_eq!(
            lake.lines("logs/").unwrap(),
            [
                ("logs/a/x.gz".to_string(), "one".to_string()),
                ("logs/a/x.gz".to_string(), "two".to_string())
            ]
        );
        assert!(lake.write_object("../escape.gz", b"").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
