//! What every flow uses, and nothing of any one flow: a flow (`ocp/`, later `aws/`, `ocp_aws/`) is a
//! sibling folder that holds its SQL's rules and builds on these.
//!
//! * SQL as koku's Trino evaluates it: label and tag maps parsed, filtered and formatted
//!   ([`labels`]), `LIKE` ([`like`]), aggregates over nullable doubles ([`sum`]);
//! * the work dir: opened for a flow and its extracted datasets read ([`input`]), an output dataset
//!   written as it is computed ([`output`]), the stage's frame: checksums, outputs put in place,
//!   `run.json` ([`stage`]);
//! * day by day: a daily dataset read one day at a time, keyed by a timestamp column the flow names
//!   ([`days`]), the days computed on worker threads by the flow's per-day function
//!   ([`day_workers`]), the run's options ([`options`]: threads, progress bar).

pub mod day_workers;
pub mod days;
pub mod input;
pub mod labels;
pub mod like;
pub mod options;
pub mod output;
pub mod stage;
pub mod sum;

/// The hash map of the hot paths: foldhash instead of SipHash (perf: SipHash was ~10% of the transform's
/// time on the 1M-row workload, hashing label texts and group keys). Fixed seed; every output is sorted,
/// so iteration order never reaches a result.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
