//! The processor buffer: Firehose collects incoming records and invokes the
//! Lambda processor when the buffered data reaches the size hint
//! (`BufferSizeInMBs`, counted in record bytes before base64) or when the
//! oldest record has waited the interval hint (`BufferIntervalInSeconds`),
//! whichever comes first. Pure: times are passed in.

use std::collections::VecDeque;

/// The Lambda synchronous invocation payload limit, which the request must respect.
pub const LAMBDA_REQUEST_LIMIT: usize = 6_291_456;

/// JSON around one record in the request (`{"recordId":"…","approximateArrivalTimestamp":…,"data":""}`).
const RECORD_OVERHEAD: usize = 160;

/// A record waiting for the processor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The Firehose record id the processor must answer.
    pub record_id: String,
    /// When Firehose received it, epoch milliseconds (simulation clock).
    pub arrival_ms: i64,
    /// The record data as put (before base64).
    pub data: Vec<u8>,
}

/// The buffering hints of the processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// Flush when this many record bytes are buffered.
    pub size_bytes: usize,
    /// Flush when the oldest record has waited this long, milliseconds.
    pub interval_ms: i64,
}

/// Records in arrival order.
#[derive(Debug, Default)]
pub struct Buffer {
    records: VecDeque<Pending>,
    bytes: usize,
}

impl Buffer {
    /// Adds a record at the end.
    pub fn push(&mut self, record: Pending) {
        self.bytes += record.data.len();
        self.records.push_back(record);
    }

    /// Records buffered.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Record bytes buffered.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// When the next batch is due: now-or-earlier once the size hint is
    /// reached (the oldest arrival), else when the oldest record has waited
    /// the interval. `None` when empty.
    pub fn due_at(&self, hints: &Hints) -> Option<i64> {
        let oldest = self.records.front()?.arrival_ms;
        Some(if self.bytes >= hints.size_bytes {
            oldest
        } else {
            oldest.saturating_add(hints.interval_ms)
        })
    }

    /// The next batch if it is due at `now`.
    pub fn take_due(&mut self, now: i64, hints: &Hints) -> Option<Vec<Pending>> {
        (self.due_at(hints)? <= now).then(|| self.take_batch(hints))
    }

    /// Takes the next batch regardless of time: records from the front while
    /// fewer than `size_bytes` are taken (so a full batch reaches the hint by
    /// less than one record) and the request stays under the Lambda payload
    /// limit; at least one record when any is buffered.
    pub fn take_batch(&mut self, hints: &Hints) -> Vec<Pending> {
        let mut batch = Vec::new();
        let mut bytes = 0;
        let mut request = 32;
        while let Some(next) = self.records.front() {
            let size = next.data.len();
            let encoded = size.div_ceil(3) * 4 + next.record_id.len() + RECORD_OVERHEAD;
            let full = bytes >= hints.size_bytes || request + encoded > LAMBDA_REQUEST_LIMIT;
            if full && !batch.is_empty() {
                break;
            }
            let Some(record) = self.records.pop_front() else {
                break;
            };
            bytes += size;
            request += encoded;
            self.bytes -= size;
            batch.push(record);
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HINTS: Hints = Hints {
        size_bytes: 1000,
        interval_ms: 60_000,
    };

    fn record(id: usize, arrival_ms: i64, size: usize) -> Pending {
        Pending {
            record_id: format!("r{id}"),
            arrival_ms,
            data: vec![b'x'; size],
        }
    }

    fn ids(batch: &[Pending]) -> Vec<&str> {
        batch.iter().map(|r| r.record_id.as_str()).collect()
    }

    #[test]
    fn flushes_by_interval_when_the_size_is_not_reached() {
        let mut buffer = Buffer::default();
        assert_eq!(buffer.due_at(&HINTS), None);
        buffer.push(record(1, 1_000, 100));
        buffer.push(record(2, 5_000, 100));
        assert_eq!(buffer.due_at(&HINTS), Some(61_000));
        assert!(buffer.take_due(60_999, &HINTS).is_none());
        let batch = buffer.take_due(61_000, &HINTS).unwrap();
        assert_eq!(ids(&batch), ["r1", "r2"]);
        assert!(buffer.is_empty());
        assert_eq!(buffer.bytes(), 0);
    }

    #[test]
    fn flushes_by_size_at_once_and_keeps_the_rest() {
        let mut buffer = Buffer::default();
        for i in 0..7 {
            buffer.push(record(i, 1_000 + i as i64, 300));
        }
        assert_eq!(buffer.bytes(), 2100);
        assert_eq!(buffer.due_at(&HINTS), Some(1_000));
        let batch = buffer.take_due(1_010, &HINTS).unwrap();
        assert_eq!(
            ids(&batch),
            ["r0", "r1", "r2", "r3"],
            "reaches the hint by less than one record"
        );
        // The rest is under the hint: it waits for the interval of its oldest record.
        assert!(buffer.take_due(1_010, &HINTS).is_none());
        assert_eq!(buffer.due_at(&HINTS), Some(61_004));
        let batch = buffer.take_due(61_004, &HINTS).unwrap();
        assert_eq!(ids(&batch), ["r4", "r5", "r6"]);
    }

    #[test]
    fn a_batch_stays_under_the_lambda_request_limit() {
        let hints = Hints {
            size_bytes: 10 << 20,
            interval_ms: 0,
        };
        let mut buffer = Buffer::default();
        for i in 0..8 {
            buffer.push(record(i, 0, 1_000_000));
        }
        let batch = buffer.take_batch(&hints);
        assert_eq!(batch.len(), 4, "4 records of 1 MB are 5.3 MB in base64");
        // One record alone always goes, whatever its size.
        let mut buffer = Buffer::default();
        buffer.push(record(9, 0, 5_000_000));
        assert_eq!(buffer.take_batch(&hints).len(), 1);
    }
}
