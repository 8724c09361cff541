//! Injected failures, the ones Firehose and Lambda really produce: throttled
//! `PutRecordBatch` calls (the whole call refused), partial batch failures
//! (single entries answered `ServiceUnavailableException`), processor errors
//! (the function answers with an error) and processor timeouts (no answer
//! within the invocation timeout).
//!
//! Every decision is deterministic: a [`Schedule`] is evaluated on the running
//! count of its kind of event, and random schedules draw from a generator
//! seeded from [`Faults::seed`], so the same traffic meets the same faults.

/// When a fault strikes, counted over one kind of event (calls, entries,
/// invocation attempts), 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Schedule {
    /// Never.
    #[default]
    Never,
    /// Every n-th event (n = 1: every event).
    EveryNth(u64),
    /// The first n events, then never again.
    FirstN(u64),
    /// Each event with this probability (0.0 to 1.0), from the seeded generator.
    Chance(f64),
}

/// What a processor attempt runs into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessorFault {
    /// The function answers with an error (`X-Amz-Function-Error`).
    FunctionError,
    /// No answer within the invocation timeout; the request never reached
    /// the function (a network timeout), so it had no side effects.
    Timeout,
    /// The function ran to the end, its re-ingest included, but its answer
    /// came too late: Firehose retries the batch, so what the first run
    /// re-ingested arrives twice (duplicates removable by `event_id`).
    TimeoutAfterRun,
}

/// The fault settings of a simulator. The default injects nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    /// Seed of the generator behind [`Schedule::Chance`].
    pub seed: u64,
    /// `PutRecord`/`PutRecordBatch` calls refused whole with
    /// `ServiceUnavailableException` (HTTP 500, which the AWS SDK retries).
    pub throttle_calls: Schedule,
    /// Entries of accepted `PutRecordBatch` calls answered with
    /// `ErrorCode: ServiceUnavailableException` (counted over entries).
    pub failed_entries: Schedule,
    /// Processor attempts answered with a function error (counted over all attempts).
    pub processor_errors: Schedule,
    /// Processor attempts that time out (counted over all attempts).
    pub processor_timeouts: Schedule,
    /// Processor attempts that run to the end and then time out (counted
    /// over all attempts): the side effects of a run whose answer is lost.
    pub processor_timeouts_after_run: Schedule,
    /// The first this-many attempts of every invocation answer with a
    /// function error: fewer than the attempts Firehose makes and the batch
    /// recovers, as many and it lands under the error prefix.
    pub processor_errors_first_attempts: u32,
}

/// The running state of the fault schedules of one simulator.
#[derive(Debug)]
pub struct FaultState {
    faults: Faults,
    rng: fastrand::Rng,
    calls: u64,
    entries: u64,
    attempts: u64,
}

impl FaultState {
    /// Fresh counters for `faults`.
    pub fn new(faults: Faults) -> FaultState {
        FaultState {
            rng: fastrand::Rng::with_seed(faults.seed),
            faults,
            calls: 0,
            entries: 0,
            attempts: 0,
        }
    }

    /// Counts one put call; true when it is to be throttled.
    pub fn throttle_call(&mut self) -> bool {
        self.calls += 1;
        strikes(self.faults.throttle_calls, self.calls, &mut self.rng)
    }

    /// Counts one entry of an accepted call; true when it is to fail.
    pub fn fail_entry(&mut self) -> bool {
        self.entries += 1;
        strikes(self.faults.failed_entries, self.entries, &mut self.rng)
    }

    /// Counts one processor attempt (`attempt` is 1-based within its
    /// invocation) and says what it runs into.
    pub fn processor_attempt(&mut self, attempt: u32) -> Option<ProcessorFault> {
        self.attempts += 1;
        let timeout = strikes(self.faults.processor_timeouts, self.attempts, &mut self.rng);
        let late = strikes(
            self.faults.processor_timeouts_after_run,
            self.attempts,
            &mut self.rng,
        );
        let error = strikes(self.faults.processor_errors, self.attempts, &mut self.rng)
            || attempt <= self.faults.processor_errors_first_attempts;
        if timeout {
            Some(ProcessorFault::Timeout)
        } else if late {
            Some(ProcessorFault::TimeoutAfterRun)
        } else if error {
            Some(ProcessorFault::FunctionError)
        } else {
            None
        }
    }
}

/// Whether event number `n` (1-based) meets the schedule.
fn strikes(schedule: Schedule, n: u64, rng: &mut fastrand::Rng) -> bool {
    match schedule {
        Schedule::Never => false,
        Schedule::EveryNth(0) => false,
        Schedule::EveryNth(k) => n.is_multiple_of(k),
        Schedule::FirstN(k) => n <= k,
        Schedule::Chance(p) => rng.f64() < p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(
        faults: Faults,
        events: usize,
        mut f: impl FnMut(&mut FaultState) -> bool,
    ) -> Vec<usize> {
        let mut state = FaultState::new(faults);
        (1..=events).filter(|_| f(&mut state)).collect()
    }

    #[test]
    fn schedules_count_their_own_events() {
        let faults = Faults {
            throttle_calls: Schedule::FirstN(2),
            failed_entries: Schedule::EveryNth(3),
            ..Faults::default()
        };
        assert_eq!(hits(faults.clone(), 5, FaultState::throttle_call), [1, 2]);
        assert_eq!(hits(faults, 10, FaultState::fail_entry), [3, 6, 9]);
        assert!(hits(Faults::default(), 100, FaultState::fail_entry).is_empty());
    }

    #[test]
    fn chance_is_reproducible_from_the_seed() {
        let faults = |seed| Faults {
            seed,
            failed_entries: Schedule::Chance(0.3),
            ..Faults::default()
        };
        let a = hits(faults(7), 1000, FaultState::fail_entry);
        assert_eq!(a, hits(faults(7), 1000, FaultState::fail_entry));
        assert_ne!(a, hits(faults(8), 1000, FaultState::fail_entry));
        assert!((200..400).contains(&a.len()), "{}", a.len());
    }

    #[test]
    fn first_attempts_of_every_invocation_fail() {
        let mut state = FaultState::new(Faults {
            processor_errors_first_attempts: 2,
            processor_timeouts: Schedule::FirstN(1),
            ..Faults::default()
        });
        assert_eq!(state.processor_attempt(1), Some(ProcessorFault::Timeout));
        assert_eq!(
            state.processor_attempt(2),
            Some(ProcessorFault::FunctionError)
        );
        assert_eq!(state.processor_attempt(3), None);
        assert_eq!(
            state.processor_attempt(1),
            Some(ProcessorFault::FunctionError)
        );
    }
}
