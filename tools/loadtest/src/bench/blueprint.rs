//! The untyped alternative a user weighs the pipeline against: the logic of
//! AWS's Python CloudWatch Logs processor blueprint for Firehose
//! (`blueprint.py` beside this file), run by the system's CPython in a
//! subprocess so that it is timed as the blueprint runs in Lambda, in the
//! same interleaved rounds as the transform.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{Context, Result, bail};

/// The blueprint's logic, in Python.
const SCRIPT: &str = include_str!("blueprint.py");

/// The interpreter: `LOGWRANGLER_BENCH_PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("LOGWRANGLER_BENCH_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A running blueprint process holding one request.
pub struct Blueprint {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// `CPython 3.11.2` and the like, named in the bench output.
    pub interpreter: String,
    dir: PathBuf,
}

impl Blueprint {
    /// Starts the interpreter on `request` (a Firehose transformation request, JSON).
    pub fn start(request: &[u8]) -> Result<Blueprint> {
        let python = python();
        let version = Command::new(&python)
            .args(["-c", "import platform; print(platform.python_implementation(), platform.python_version())"])
            .output()
            .with_context(|| format!("running {python} (set LOGWRANGLER_BENCH_PYTHON)"))?;
        if !version.status.success() {
            bail!(
                "{python} -c failed: {}",
                String::from_utf8_lossy(&version.stderr)
            );
        }
        let interpreter = String::from_utf8_lossy(&version.stdout).trim().to_owned();
        let dir =
            std::env::temp_dir().join(format!("logwrangler-blueprint-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (script, request_path) = (dir.join("blueprint.py"), dir.join("request.json"));
        std::fs::write(&script, SCRIPT)?;
        std::fs::write(&request_path, request)?;
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(&request_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {python} {}", script.display()))?;
        let stdin = child.stdin.take().context("blueprint stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("blueprint stdout")?);
        Ok(Blueprint {
            child,
            stdin,
            stdout,
            interpreter,
            dir,
        })
    }

    fn ask(&mut self, command: &str) -> Result<String> {
        writeln!(self.stdin, "{command}")?;
        self.stdin.flush()?;
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("the blueprint process ended");
        }
        Ok(line)
    }

    /// Processes the request once; the response's size in bytes.
    pub fn run(&mut self) -> Result<usize> {
        let line = self.ask("run")?;
        line.trim()
            .strip_prefix("done ")
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("unexpected blueprint answer {line:?}"))
    }

    /// Processes the request once and returns the response JSON text.
    pub fn response(&mut self) -> Result<String> {
        Ok(self.ask("dump")?.trim_end().to_owned())
    }
}

impl Drop for Blueprint {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    fn record(id: &str, envelope: serde_json::Value) -> serde_json::Value {
        let data = crate::bench::corpus::gzip(envelope.to_string().as_bytes());
        serde_json::json!({"recordId": id, "data": STANDARD.encode(data), "approximateArrivalTimestamp": 0})
    }

    #[test]
    fn joins_the_messages_drops_control_messages_and_fails_the_rest() {
        let request = serde_json::json!({
            "invocationId": "i", "deliveryStreamArn": "arn:aws:firehose:us-east-1:1:deliverystream/x", "region": "us-east-1",
            "records": [
                record("1", serde_json::json!({"messageType": "DATA_MESSAGE", "logGroup": "g", "logStream": "s", "owner": "1",
                    "subscriptionFilters": ["f"], "logEvents": [{"id": "a", "timestamp": 1, "message": "first"}, {"id": "b", "timestamp": 2, "message": "sécond"}]})),
                record("2", serde_json::json!({"messageType": "CONTROL_MESSAGE", "logEvents": []})),
                record("3", serde_json::json!({"messageType": "OTHER"})),
            ]
        });
        let Ok(mut blueprint) = Blueprint::start(request.to_string().as_bytes()) else {
            panic!("python3 is needed for the blueprint comparison");
        };
        assert!(
            blueprint.interpreter.contains("Python"),
            "{}",
            blueprint.interpreter
        );
        let text = blueprint.response().unwrap();
        let response: serde_json::Value = serde_json::from_str(&text).unwrap();
        let records = response["records"].as_array().unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0]["result"], "Ok");
        let data = STANDARD
            .decode(records[0]["data"].as_str().unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(data).unwrap(), "first\nsécond\n");
        assert_eq!(
            (records[1]["result"].as_str(), records[2]["result"].as_str()),
            (Some("Dropped"), Some("ProcessingFailed"))
        );
        assert_eq!(blueprint.run().unwrap(), text.len());
    }
}
