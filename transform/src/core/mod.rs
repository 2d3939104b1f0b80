//! What every flow uses: label and tag maps as Trino parses, filters and formats them ([`labels`]),
//! SQL `LIKE` ([`like`]), SQL aggregates over nullable doubles ([`sum`]), a daily dataset read one day
//! at a time ([`days`]) and the days computed on worker threads ([`day_workers`]).

pub mod day_workers;
pub mod days;
pub mod labels;
pub mod like;
pub mod sum;

/// The hash map of the hot paths: foldhash instead of SipHash (perf: SipHash was ~10% of the transform's
/// time on the 1M-row workload, hashing label texts and group keys). Fixed seed; every output is sorted,
/// so iteration order never reaches a result.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
