//! What the end-to-end tests read back: the lake as the simulator wrote it
//! (every object under `logs/`, every record with the partition it sits in)
//! and the checks that hold for every record of it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use flate2::read::MultiGzDecoder;
use logwrangler::LogType;
use serde_json::Value;

/// The cargo target directory the Lambda binaries are built into
/// (`CARGO_TARGET_DIR`, relative to the workspace root, else `target`).
pub fn target_dir() -> PathBuf {
    let root = local_stack::stack::workspace_root();
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"))
}

/// One record of the lake and where it was found.
#[derive(Debug, Clone)]
pub struct LakeRecord {
    /// The partition directories: `log_type`, `year`, `month`, `day`, `hour`.
    pub partition: BTreeMap<String, String>,
    /// The object it is in, relative to the lake root.
    pub object: String,
    pub record: Value,
}

/// Every record under `<lake>/logs/`, in object order.
pub fn read_lake(lake: &Path) -> Result<Vec<LakeRecord>> {
    let mut objects = Vec::new();
    collect_objects(&lake.join("logs"), &mut objects)?;
    objects.sort();
    let mut records = Vec::new();
    for object in objects {
        let relative = object
            .strip_prefix(lake)
            .unwrap_or(&object)
            .to_string_lossy()
            .into_owned();
        let partition = partition_of(&relative)?;
        let mut text = String::new();
        MultiGzDecoder::new(std::fs::File::open(&object)?)
            .read_to_string(&mut text)
            .with_context(|| format!("{relative} is not GZIP text"))?;
        for line in text.lines().filter(|l| !l.is_empty()) {
            let record = serde_json::from_str(line)
                .with_context(|| format!("{relative}: a line is not JSON: {line:.200}"))?;
            records.push(LakeRecord {
                partition: partition.clone(),
                object: relative.clone(),
                record,
            });
        }
    }
    Ok(records)
}

fn collect_objects(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_objects(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// `logs/log_type=t/year=y/month=m/day=d/hour=h/<object>` -> its keys.
fn partition_of(relative: &str) -> Result<BTreeMap<String, String>> {
    let parts: Vec<&str> = relative.split('/').collect();
    if parts.len() != 7 || parts[0] != "logs" {
        bail!("{relative} is not at logs/log_type=/year=/month=/day=/hour=/<object>");
    }
    parts[1..6]
        .iter()
        .zip(["log_type", "year", "month", "day", "hour"])
        .map(|(part, key)| {
            part.strip_prefix(key)
                .and_then(|v| v.strip_prefix('='))
                .map(|v| (key.to_string(), v.to_string()))
                .with_context(|| format!("{relative}: expected {key}= in {part}"))
        })
        .collect()
}

/// The partition a record belongs in: its log_type and the UTC hour of its
/// `timestamp` (`2026-11-24T10:15:42.911Z` -> 2026/11/24/10).
pub fn expected_partition(record: &Value) -> Option<BTreeMap<String, String>> {
    let log_type = record["log_type"].as_str()?;
    let time = record["timestamp"].as_str()?;
    let field = |range: std::ops::Range<usize>| time.get(range).map(str::to_string);
    Some(BTreeMap::from([
        ("log_type".to_string(), log_type.to_string()),
        ("year".to_string(), field(0..4)?),
        ("month".to_string(), field(5..7)?),
        ("day".to_string(), field(8..10)?),
        ("hour".to_string(), field(11..13)?),
    ]))
}

/// Validators for every log_type's schema, compiled once.
pub struct SchemaCheck {
    validators: BTreeMap<String, jsonschema::Validator>,
}

impl SchemaCheck {
    /// The schemas the core generates (the ones `schemas/` holds).
    pub fn new() -> Result<SchemaCheck> {
        let mut validators = BTreeMap::new();
        for log_type in LogType::ALL {
            let schema = logwrangler::schema::schema_for(*log_type);
            let validator = jsonschema::validator_for(&schema)
                .map_err(|e| anyhow::anyhow!("schema of {}: {e}", log_type.as_str()))?;
            validators.insert(log_type.as_str().to_string(), validator);
        }
        Ok(SchemaCheck { validators })
    }

    /// The schema errors of one record (empty when valid).
    pub fn errors(&self, record: &Value) -> Vec<String> {
        let Some(validator) = record["log_type"]
            .as_str()
            .and_then(|t| self.validators.get(t))
        else {
            return vec![format!("unknown log_type in {record:.200}")];
        };
        validator
            .iter_errors(record)
            .map(|e| e.to_string())
            .collect()
    }
}

/// The rows each named query must return over the lake of a generated day,
/// computed from the generator's ground truth (not from the lake). Rows are
/// sorted so that comparison ignores the queries' ORDER BY ties.
pub mod expected {
    use std::collections::{BTreeMap, BTreeSet};

    use logwrangler::time::iso_string;
    use logwrangler_generator::GroundTruth;
    use serde_json::{Value, json};

    const HOUR_MS: i64 = 3_600_000;

    fn date(ms: i64) -> String {
        iso_string(ms)[..10].to_string()
    }

    fn sorted(mut rows: Vec<Value>) -> Vec<Value> {
        rows.sort_by_key(|row| row.to_string());
        rows
    }

    /// Expected rows of `query`, or `None` for a query this module does not know.
    pub fn rows(query: &str, truth: &GroundTruth) -> Option<Vec<Value>> {
        let people_legs = || truth.calls.iter().filter(|c| !c.is_backplane);
        let rows = match query {
            "calls_per_conference_per_day" => {
                let mut groups: BTreeMap<(String, String), (u64, BTreeSet<String>)> =
                    BTreeMap::new();
                for call in people_legs() {
                    let entry = groups
                        .entry((call.conference.clone(), date(call.joined_ms)))
                        .or_default();
                    entry.0 += 1;
                    entry.1.insert(
                        call.conversation_id
                            .clone()
                            .unwrap_or_else(|| call.participant_id.clone()),
                    );
                }
                groups
                    .into_iter()
                    .map(|((conference, day), (calls, people))| {
                        json!([conference, day, calls, people.len()])
                    })
                    .collect()
            }
            "protocol_mix" => truth
                .protocol_mix
                .iter()
                .map(|(protocol, n)| json!([protocol, n]))
                .collect(),
            "calls_with_bad_quality" => truth
                .calls
                .iter()
                .filter(|c| c.quality_drops > 0)
                .map(|c| {
                    let worst = match c.worst_quality.as_deref() {
                        Some("terrible") => 4,
                        _ => 3,
                    };
                    json!([
                        c.call_id,
                        c.first_bad_ms.map(iso_string),
                        worst,
                        c.quality_drops
                    ])
                })
                .collect(),
            "top_disconnect_reasons" => {
                let mut reasons: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
                for call in &truth.calls {
                    let entry = reasons.entry(call.disconnect_reason.as_str()).or_default();
                    entry.0 += 1;
                    entry.1 += u64::from(call.abnormal);
                }
                reasons
                    .into_iter()
                    .map(|(reason, (n, abnormal))| json!([reason, n, abnormal]))
                    .collect()
            }
            "concurrent_calls_per_hour" => {
                let hours: BTreeSet<u32> = truth
                    .joined_per_hour
                    .keys()
                    .chain(truth.left_per_hour.keys())
                    .copied()
                    .collect();
                hours
                    .into_iter()
                    .map(|hour| {
                        let joined = truth.joined_per_hour.get(&hour).copied().unwrap_or(0);
                        let left = truth.left_per_hour.get(&hour).copied().unwrap_or(0);
                        let start = truth.day_start_ms + i64::from(hour) * HOUR_MS;
                        json!([iso_string(start), joined, left, joined as i64 - left as i64])
                    })
                    .collect()
            }
            "node_connectivity_incidents" => truth
                .connectivity
                .iter()
                .flat_map(|c| {
                    [c.lost_ms, c.restored_ms].map(|ms| {
                        json!([
                            iso_string(ms),
                            c.reported_by,
                            c.affected_node,
                            c.source_node
                        ])
                    })
                })
                .collect(),
            "alb_5xx_by_target" => truth
                .alb_5xx
                .iter()
                .map(|(target, (total, from_target, from_lb))| {
                    json!([target, total, from_target, from_lb])
                })
                .collect(),
            "rejected_vpc_flows" => truth
                .vpc_rejects
                .iter()
                .map(|((src, port, proto), flows)| {
                    let packets = truth
                        .vpc_reject_packets
                        .get(&(src.clone(), *port, *proto))
                        .copied()
                        .unwrap_or(0);
                    json!([src, port, proto, flows, packets])
                })
                .collect(),
            "cloudtrail_access_denied_by_principal" => truth
                .cloudtrail_denied
                .iter()
                .map(|((principal, source, name), n)| json!([principal, source, name, n]))
                .collect(),
            "lambda_timeouts" => truth
                .lambda_timeouts
                .iter()
                .map(|(group, n)| {
                    json!([
                        group,
                        n,
                        truth.lambda_timeout_ms.get(group).copied().unwrap_or(0.0)
                    ])
                })
                .collect(),
            "top_s3_requesters" => truth
                .s3_requests
                .iter()
                .map(|((bucket, requester), n)| {
                    let bytes = truth
                        .s3_bytes_sent
                        .get(&(bucket.clone(), requester.clone()))
                        .copied()
                        .unwrap_or(0);
                    json!([bucket, requester, n, bytes])
                })
                .collect(),
            _ => return None,
        };
        Some(sorted(rows))
    }

    /// The rows a query returned, cut to the columns [`rows`] predicts and
    /// sorted the same way.
    pub fn comparable(query: &str, answer: &Value) -> Vec<Value> {
        let rows = answer["rows"].as_array().cloned().unwrap_or_default();
        let rows = rows
            .into_iter()
            .map(|row| match query {
                // The message column is text; the facts are in the others.
                "node_connectivity_incidents" => {
                    Value::Array(row.as_array().map(|r| r[..4].to_vec()).unwrap_or_default())
                }
                // DuckDB's count_if over a group where the predicate is
                // NULL on every row answers NULL; Athena's answers 0.
                "alb_5xx_by_target" => Value::Array(
                    row.as_array()
                        .into_iter()
                        .flatten()
                        .map(|v| {
                            if v.is_null() {
                                Value::from(0)
                            } else {
                                v.clone()
                            }
                        })
                        .collect(),
                ),
                _ => row,
            })
            .collect();
        sorted(rows)
    }
}
