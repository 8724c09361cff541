//! Interleaved timing: every variant runs once per round (A B C A B C ...)
//! for the whole measuring time, and each figure is the median over rounds.
//! On a busy machine, interleaving makes the variants share the same noise, so
//! ratios between them (transform against the floor, ours against VRL) hold up
//! even when absolute figures wander.

use std::time::{Duration, Instant};

/// What one run of a variant processed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Work {
    /// Input bytes (the unit of the variant's MB/s).
    pub bytes: usize,
    /// Events or lines.
    pub events: usize,
}

/// A named piece of work to time.
pub struct Variant<'a> {
    /// Name in the report.
    pub name: String,
    /// Runs the work once and says how much it was.
    pub run: Box<dyn FnMut() -> Work + 'a>,
}

impl<'a> Variant<'a> {
    /// A variant from a closure.
    pub fn new(name: impl Into<String>, run: impl FnMut() -> Work + 'a) -> Self {
        Variant {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// Median throughput of one variant over the rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Throughput {
    /// Variant name.
    pub name: String,
    /// Median MB/s (10^6 bytes) of input.
    pub mb_s: f64,
    /// Median events per second.
    pub events_s: f64,
    /// Rounds measured.
    pub rounds: usize,
    /// Spread: (max - min) / median of the per-round MB/s, in percent.
    pub spread_pct: f64,
}

/// Runs `variants` interleaved for `total`: one warm-up run each, then rounds
/// of `reps` runs per variant (chosen so a variant's turn takes about the same
/// time as the others') until the time is up, at least `min_rounds` rounds.
pub fn measure(
    variants: &mut [Variant<'_>],
    total: Duration,
    min_rounds: usize,
) -> Vec<Throughput> {
    if variants.is_empty() {
        return Vec::new();
    }
    let warm: Vec<Duration> = variants
        .iter_mut()
        .map(|v| {
            let start = Instant::now();
            std::hint::black_box((v.run)());
            start.elapsed().max(Duration::from_micros(1))
        })
        .collect();
    // Aim for ~15 rounds in the given time; a turn is at least one run.
    let turn = total.div_f64((15 * variants.len()) as f64);
    let reps: Vec<u32> = warm
        .iter()
        .map(|w| {
            (turn.as_secs_f64() / w.as_secs_f64())
                .floor()
                .clamp(1.0, 10_000.0) as u32
        })
        .collect();
    let mut samples: Vec<Vec<(f64, f64)>> = vec![Vec::new(); variants.len()];
    let start = Instant::now();
    while samples[0].len() < min_rounds || start.elapsed() < total {
        for ((variant, reps), samples) in variants.iter_mut().zip(&reps).zip(&mut samples) {
            let mut work = Work::default();
            let begin = Instant::now();
            for _ in 0..*reps {
                let w = std::hint::black_box((variant.run)());
                work.bytes += w.bytes;
                work.events += w.events;
            }
            let seconds = begin.elapsed().as_secs_f64();
            samples.push((
                work.bytes as f64 / seconds / 1e6,
                work.events as f64 / seconds,
            ));
        }
    }
    variants
        .iter()
        .zip(samples)
        .map(|(variant, samples)| {
            let mb: Vec<f64> = samples.iter().map(|s| s.0).collect();
            let ev: Vec<f64> = samples.iter().map(|s| s.1).collect();
            let mb_s = median(&mb);
            let (lo, hi) = mb.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
            Throughput {
                name: variant.name.clone(),
                mb_s,
                events_s: median(&ev),
                rounds: samples.len(),
                spread_pct: if mb_s > 0.0 {
                    (hi - lo) / mb_s * 100.0
                } else {
                    0.0
                },
            }
        })
        .collect()
}

/// The median of a non-empty list (mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn interleaves_every_variant_for_at_least_the_minimum_rounds() {
        let order = std::cell::RefCell::new(Vec::new());
        let mut variants = vec![
            Variant::new("a", || {
                order.borrow_mut().push('a');
                Work {
                    bytes: 1000,
                    events: 10,
                }
            }),
            Variant::new("b", || {
                order.borrow_mut().push('b');
                Work {
                    bytes: 2000,
                    events: 20,
                }
            }),
        ];
        let result = measure(&mut variants, Duration::ZERO, 3);
        drop(variants);
        assert_eq!(result.len(), 2);
        assert_eq!(result[0].rounds, 3);
        assert!(result[1].mb_s > 0.0 && result[1].events_s > 0.0);
        // Warm-up a b, then three rounds a..b..
        let order = order.into_inner();
        assert_eq!(&order[..2], &['a', 'b']);
        let firsts: String = order[2..].iter().collect();
        assert!(firsts.starts_with('a') && firsts.contains("ab"), "{firsts}");
    }
}
