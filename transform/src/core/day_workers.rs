//! A flow's days computed on several threads.
//!
//! Given what a flow folded over the whole window in a first pass, each day of koku's summaries is
//! computed from its own rows only, so days are independent: one thread reads the daily files in day
//! order (`read`), `threads` workers each compute a day (`compute`, the flow's per-day work: decoding
//! the day's rows and summarising them), and the caller's `sink` receives the results in day order.
//! The output is therefore the same, row for row and byte for byte, for any number of threads (tests
//! compare one thread with several). At most `threads` days are in flight (being read, computed, or
//! waiting for an earlier day), which bounds the memory: each in-flight day holds its batches, its
//! decoded rows and its summary rows (on OCP's 30-day, 400-node workload each thread adds ≈ 300 MB of
//! peak RSS; BENCHMARKS.md). [`run`] is generic over the day's input, output and per-worker memo, so
//! each flow's computation is monomorphised into it (no dynamic dispatch).
//!
//! Perf (BENCHMARKS.md): on OCP's 30-day workload the day-by-day pass was ~90% of the transform and
//! ran on one core while the second only checked the inputs' checksums.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel, sync_channel};

use super::days::Day;
use crate::error::TransformError;

/// Compute `days` (ascending) with `threads` workers; `read` gives a day's input (called in day
/// order, on one thread), `compute` turns it into the day's output (called on the workers, each with
/// its own clone of `memo`: caches that memoise pure functions, so every clone gives the same
/// answers), `sink` receives every day's output in day order. The first error in day order is
/// returned (as a one-thread run would), and no day after it reaches `sink`. With `threads <= 1`
/// everything runs on the calling thread.
pub fn run<I: Send, O: Send, M: Clone + Send>(
    threads: usize,
    days: Vec<Day>,
    mut read: impl FnMut(Day) -> Result<I, TransformError> + Send,
    compute: impl Fn(&I, &mut M) -> Result<O, TransformError> + Sync,
    mut memo: M,
    mut sink: impl FnMut(O) -> Result<(), TransformError>,
) -> Result<(), TransformError> {
    // More workers than days only adds hand-overs between threads (a one-day run: about 0.04 s and
    // 14 MB on the aws-1m workload, measured).
    let threads = threads.min(days.len());
    if threads <= 1 {
        for day in days {
            let input = read(day)?;
            sink(compute(&input, &mut memo)?)?;
        }
        return Ok(());
    }
    let compute = &compute;
    let total = days.len();
    // Shared with the scoped threads, so made before the scope.
    let (job_tx, job_rx) = sync_channel::<(usize, I)>(0);
    let job_rx = Mutex::new(job_rx);
    // Set when the sink stops early, so that the reader does not read days nobody will take.
    let stop = AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|s| {
        // Owned by this closure: if a spawn below fails, returning drops it and every worker
        // started so far sees the end of the jobs.
        let job_tx = job_tx;
        // A worker's panic travels as its result (else the sink would wait for that day forever).
        let (done_tx, done_rx) = channel::<Done<O>>();
        for n in 0..threads {
            let (job_rx, done_tx, mut memo) = (&job_rx, done_tx.clone(), memo.clone());
            std::thread::Builder::new()
                .name(format!("day worker {n}"))
                .spawn_scoped(s, move || {
                    loop {
                        // The lock is only held while waiting for the next job.
                        let job = job_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok((i, input)) = job else { return };
                        let out = catch_unwind(AssertUnwindSafe(|| compute(&input, &mut memo)));
                        drop(input);
                        if done_tx.send((i, out)).is_err() {
                            return;
                        }
                    }
                })
                .map_err(spawn_error)?;
        }
        drop(done_tx);

        // A token per day in flight: the reader takes one before reading a day, the sink gives it
        // back once the day has been handed on. One day per worker: the reader reads a day while the
        // sink writes the one before it.
        let in_flight = threads;
        let (token_tx, token_rx) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            token_tx.send(()).expect("the receiver is alive");
        }
        let reader = std::thread::Builder::new()
            .name("read days".into())
            .spawn_scoped(s, move || -> Result<(), TransformError> {
                for (i, day) in days.into_iter().enumerate() {
                    if token_rx.recv().is_err() || stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    let input = read(day)?;
                    if job_tx.send((i, input)).is_err() {
                        return Ok(());
                    }
                }
                Ok(())
            })
            .map_err(spawn_error)?;

        let handed_on = hand_on_in_order(total, &done_rx, &token_tx, &mut sink);
        // Stop the reader and the workers (a no-op when every day was handed on).
        stop.store(true, Ordering::Relaxed);
        drop(token_tx);
        drop(done_rx);
        let read_result = match reader.join() {
            Ok(r) => r,
            Err(panic) => resume_unwind(panic),
        };
        // An error of a day handed on before the reader's failure comes first, as in day order.
        handed_on?;
        read_result?;
        Ok(())
    })
}

/// A worker's result for the day of that index: a panic, an error, or the day's output.
type Done<O> = (usize, std::thread::Result<Result<O, TransformError>>);

/// Hand the workers' results to `sink` in day order (later days wait in `ready`: at most one per
/// day in flight), giving a token back for each. Returns early, without error, when every worker
/// is gone before all `total` days came back: the reader stopped early, and reports why.
fn hand_on_in_order<O>(
    total: usize,
    done: &Receiver<Done<O>>,
    tokens: &std::sync::mpsc::SyncSender<()>,
    sink: &mut impl FnMut(O) -> Result<(), TransformError>,
) -> Result<(), TransformError> {
    let mut ready = BTreeMap::new();
    let mut next = 0;
    while next < total {
        let Ok((i, out)) = done.recv() else {
            return Ok(());
        };
        ready.insert(i, out);
        while let Some(out) = ready.remove(&next) {
            let out = out.unwrap_or_else(|panic| resume_unwind(panic));
            sink(out?)?;
            next += 1;
            // The reader may have stopped (on an error of its own): nobody to give the token to.
            let _ = tokens.send(());
        }
    }
    Ok(())
}

fn spawn_error(e: std::io::Error) -> TransformError {
    TransformError::Thread(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use koku_common::schema::POD_USAGE_DAILY;

    fn error(day: Day) -> TransformError {
        TransformError::input(&POD_USAGE_DAILY, day as usize, "day", "fails")
    }

    /// Days 0..10, each computed as `day * 10` (earlier days made slower, so that with several
    /// threads later days tend to finish first); `fail_compute` days fail in `compute`,
    /// `fail_sink` days in `sink`. Returns what reached the sink, in order, and the error.
    fn run_days(
        threads: usize,
        fail_compute: &[Day],
        fail_sink: &[Day],
    ) -> (Vec<(Day, i64)>, Option<String>) {
        let mut seen = Vec::new();
        let result = run(
            threads,
            (0..10).collect(),
            Ok,
            |&day: &Day, computed: &mut u32| {
                *computed += 1;
                std::hint::black_box((0..i64::from(10 - day) * 20_000).sum::<i64>());
                if fail_compute.contains(&day) {
                    return Err(error(day));
                }
                Ok((day, i64::from(day) * 10))
            },
            0u32,
            |out: (Day, i64)| {
                if fail_sink.contains(&out.0) {
                    return Err(error(out.0));
                }
                seen.push(out);
                Ok(())
            },
        );
        (seen, result.err().map(|e| e.to_string()))
    }

    #[test]
    fn any_thread_count_hands_on_every_day_in_order() {
        let all: Vec<(Day, i64)> = (0..10).map(|d| (d, i64::from(d) * 10)).collect();
        for threads in [1, 2, 3, 8] {
            assert_eq!(
                run_days(threads, &[], &[]),
                (all.clone(), None),
                "{threads}"
            );
        }
    }

    #[test]
    fn the_first_error_in_day_order_wins_and_stops_the_sink() {
        let day_3 = Some(error(3).to_string());
        for threads in [1, 2, 3, 8] {
            let (seen, err) = run_days(threads, &[6, 3], &[]);
            assert_eq!(seen, [(0, 0), (1, 10), (2, 20)], "{threads}");
            assert_eq!(err, day_3, "{threads}");
            let (seen, err) = run_days(threads, &[6], &[3]);
            assert_eq!(seen, [(0, 0), (1, 10), (2, 20)], "{threads}");
            assert_eq!(err, day_3, "{threads}");
        }
    }
}
