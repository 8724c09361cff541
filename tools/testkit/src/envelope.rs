//! A Firehose record's data through the decoding the processor runs.

use logwrangler::EventContext;
use logwrangler::envelope::{self, DecodeError, GZIP_MAGIC, Payload};

use crate::{ParseMode, RECEIVED_MS, Verdict, check_record, default_parser, lossy};

/// Largest decompressed envelope the envelope check accepts (the Lambda's
/// default is 64 MiB; a smaller cap keeps the fuzzer fast and hits the guard).
pub const ENVELOPE_CAP: usize = 1 << 20;

/// A record's data as the Firehose processor decodes it: gunzip (capped),
/// classify, then the envelope's events or the Direct PUT lines through the
/// line parser, each record checked with [`check_record`]. An envelope must
/// survive re-serialisation unchanged (re-ingest writes envelopes back).
pub fn check_cloudwatch_envelope(input: &[u8]) -> Verdict {
    let gzip = input.starts_with(&GZIP_MAGIC);
    let data = match envelope::gunzip_capped(input, ENVELOPE_CAP) {
        Ok(data) => data,
        Err(DecodeError::Gzip(_) | DecodeError::TooLarge { .. }) if gzip => return Ok(()),
        Err(err) => return Err(format!("gunzip_capped refused data: {err}")),
    };
    ensure!(
        data.len() <= ENVELOPE_CAP,
        "{} bytes decompressed past the {ENVELOPE_CAP} byte cap",
        data.len()
    );
    ensure!(
        gzip || data.as_ref() == input,
        "data without the gzip magic was changed by gunzip_capped"
    );
    match envelope::classify(&data) {
        Err(DecodeError::Envelope(_)) => Ok(()),
        Err(err) => Err(format!("classify answered a non-envelope error: {err}")),
        Ok(Payload::CloudWatch(env)) => {
            let written = serde_json::to_vec(&env)
                .map_err(|e| format!("an envelope does not serialise: {e}"))?;
            match envelope::classify(&written) {
                Ok(Payload::CloudWatch(again)) => ensure!(
                    again == env,
                    "envelope changed through serialisation: {}",
                    lossy(&written)
                ),
                _ => {
                    return Err(format!(
                        "a written envelope does not read back: {}",
                        lossy(&written)
                    ));
                }
            }
            if env.is_control() {
                return Ok(());
            }
            let mut parser = default_parser();
            for (index, event) in env.log_events.iter().enumerate() {
                let ctx = EventContext {
                    log_group: env.log_group.as_deref(),
                    log_stream: env.log_stream.as_deref(),
                    account_id: env.owner.as_deref(),
                    event_id: Some(event.id.as_ref()).filter(|id| !id.is_empty()),
                    received_ms: Some(event.timestamp),
                    source: "fuzz-record",
                    position: index as u64,
                    ..EventContext::default()
                };
                if let Some(record) = parser.parse_line(&event.message, &ctx).into_record() {
                    check_record(&record, &event.message, &ctx, ParseMode::Auto)?;
                }
            }
            Ok(())
        }
        Ok(Payload::Direct(bytes)) => {
            ensure!(
                bytes == data.as_ref(),
                "Direct PUT data is not the whole record"
            );
            let mut parser = default_parser();
            for (index, line) in envelope::direct_lines(bytes).enumerate() {
                ensure!(
                    !line.contains(&b'\n') && !line.ends_with(b"\r"),
                    "a Direct PUT line keeps its terminator: {}",
                    lossy(line)
                );
                ensure!(
                    !line.iter().all(u8::is_ascii_whitespace),
                    "a blank Direct PUT line was not skipped"
                );
                let text = String::from_utf8_lossy(line);
                let ctx = EventContext {
                    received_ms: Some(RECEIVED_MS),
                    source: "fuzz-record",
                    position: index as u64,
                    ..EventContext::default()
                };
                if let Some(record) = parser.parse_line(&text, &ctx).into_record() {
                    check_record(&record, &text, &ctx, ParseMode::Auto)?;
                }
            }
            Ok(())
        }
    }
}
