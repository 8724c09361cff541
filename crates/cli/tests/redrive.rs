//! `logwrangler redrive` as an operator runs it after an outage: the chaos
//! `processor_errors` scenario (Firehose skipped batches whose processor
//! invocations failed, their records under `errors/processing-failed/`) is
//! redriven from its error prefix, into the local lake and into a delivery
//! stream, and the lake is accounted for again: every event delivered, none
//! missing, none twice. The S3 reader runs against moto_server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use loadtest::chaos::{ScenarioRun, run_kept, scenarios};
use logwrangler_testkit::moto::{Service, http};

fn logwrangler(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_logwrangler"));
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn processor_errors(out: &Path) -> ScenarioRun {
    let scenario = scenarios(7)
        .into_iter()
        .find(|s| s.name == "processor_errors")
        .expect("the scenario exists");
    let run = run_kept(0.01, 7, out, &scenario).unwrap();
    let before = &run.accounting;
    assert!(before.invoke_errors > 0, "{before:#?}");
    assert!(
        before.error_prefix > 0,
        "records went under the error prefix: {before:#?}"
    );
    assert_eq!(before.missing, 0);
    run
}

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("redrive")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_processor_errors_prefix_redriven_into_the_lake_is_complete_without_duplicates() {
    let run = processor_errors(&out_dir("lake"));
    let lake = run.lake.to_str().unwrap().to_owned();
    let sources = logwrangler_generator::sources_json();
    let env = [("LOGWRANGLER_SOURCES", sources.as_str())];

    let dry = logwrangler(&["redrive", &lake, "--dry-run"], &env);
    let (stdout, stderr) = text(&dry);
    assert!(dry.status.success(), "{stderr}");
    assert!(stdout.starts_with("dry run: would redrive "), "{stdout}");
    assert!(
        stderr.contains("Lambda."),
        "error codes are counted: {stderr}"
    );
    let after_dry = run.account_again().unwrap();
    assert_eq!(
        after_dry.error_prefix, run.accounting.error_prefix,
        "a dry run writes nothing"
    );

    for attempt in 0..2 {
        let output = logwrangler(&["redrive", &lake, "--lake", &lake], &env);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("0 failed again"), "{stdout}");
        assert!(
            stderr.contains("records through the transform"),
            "progress: {stderr}"
        );
        let after = run.account_again().unwrap();
        eprintln!("redrive #{attempt}: {after:?}");
        assert_eq!(after.missing, 0, "{after:#?}");
        assert_eq!(after.duplicates, 0, "{after:#?}");
        assert_eq!(
            after.error_prefix, 0,
            "every redriven unit is in the lake: {after:#?}"
        );
        assert_eq!(after.delivered, after.generated);
        assert_eq!(after.generated, run.accounting.generated);
    }
}

#[test]
fn the_processor_errors_prefix_redriven_into_a_delivery_stream_is_complete_without_duplicates() {
    let run = processor_errors(&out_dir("stream"));
    let lake = run.lake.to_str().unwrap().to_owned();
    let mut summary = String::new();
    let sim = run
        .deliver_through_stream(|endpoint| {
            let output = logwrangler(
                &["redrive", &lake, "--firehose", "logwrangler"],
                &[
                    ("AWS_ENDPOINT_URL", endpoint),
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_ACCESS_KEY_ID", "testing"),
                    ("AWS_SECRET_ACCESS_KEY", "testing"),
                ],
            );
            let (stdout, stderr) = text(&output);
            assert!(output.status.success(), "{stdout}\n{stderr}");
            summary = stdout;
            Ok(())
        })
        .unwrap();
    assert!(
        summary.starts_with("sent ") && summary.contains(", failed 0"),
        "{summary}"
    );
    let sent: usize = summary["sent ".len()..]
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(sent > 0);
    assert!(sim.invocations > 0, "{sim:?}");
    let after = run.account_again().unwrap();
    assert_eq!(after.missing, 0, "{after:#?}");
    assert_eq!(after.duplicates, 0, "{after:#?}");
    assert_eq!(after.error_prefix, 0, "{after:#?}");
    assert_eq!(after.delivered, after.generated);
}

#[test]
fn error_objects_are_read_from_s3() {
    let moto = Service::moto();
    let url = moto.url();
    let (status, body) = http("PUT", &format!("{url}/lake-bucket"), b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    // Two Direct PUT lines as Firehose's error documents (one object gzip'd),
    // the second object repeating the first record.
    let doc = |data: &str| {
        format!(
            r#"{{"attemptsMade":4,"arrivalTimestamp":1764000000000,"errorCode":"Lambda.FunctionError","errorMessage":"boom","attemptEndingTimestamp":1764000060000,"rawData":"{}","lambdaArn":"arn:aws:lambda:us-east-1:000000000000:function:t"}}"#,
            BASE64.encode(data)
        )
    };
    let first = format!(
        "{}\n{}\n",
        doc(r#"{"level":"critical","message":"db down","time":"2026-11-24T06:39:00Z"}"#),
        doc("2026-11-24T06:40:00Z plain text line\n")
    );
    let gz = {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(first.as_bytes()).unwrap();
        encoder.finish().unwrap()
    };
    let key = "errors/processing-failed/year=2026/month=11/day=24/hour=06";
    for (name, body) in [
        ("a.gz", gz),
        (
            "b",
            format!(
                "{}\n",
                doc(r#"{"level":"critical","message":"db down","time":"2026-11-24T06:39:00Z"}"#)
            )
            .into_bytes(),
        ),
    ] {
        let (status, answer) = http("PUT", &format!("{url}/lake-bucket/{key}/{name}"), &body);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    }
    let env = [
        ("AWS_ENDPOINT_URL", url.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let source = "s3://lake-bucket/errors/";
    let dry = logwrangler(&["redrive", source, "--dry-run"], &env);
    let (stdout, stderr) = text(&dry);
    assert!(dry.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("dry run: would redrive 2 records"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("1 repeated records sent once"), "{stderr}");
    assert!(
        stderr.contains(&format!("s3://lake-bucket/{key}/a.gz: 2 records")),
        "{stderr}"
    );

    let lake = out_dir("s3");
    let output = logwrangler(&["redrive", source, "--lake", lake.to_str().unwrap()], &env);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("redrove 2 records: 2 lake lines"),
        "{stdout}"
    );
    let rows = logwrangler_files::lake::LakeDir::new(&lake)
        .lines("logs/")
        .unwrap();
    let critical: Vec<_> = rows
        .iter()
        .map(|(_, l)| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["severity"] == "critical")
        .collect();
    assert_eq!(critical.len(), 1, "{rows:?}");
    assert_eq!(critical[0]["message"], "db down");

    let missing = logwrangler(&["redrive", "s3://no-such-bucket/x", "--dry-run"], &env);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing)
            .1
            .contains("cannot list s3://no-such-bucket/x")
    );
}
