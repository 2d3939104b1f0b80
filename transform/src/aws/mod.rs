//! The AWS flow (placeholder doc, written below).
pub mod daily_summary;
pub mod ec2;
pub mod inputs;
pub mod lookups;
pub mod pairing;
pub mod run;
pub mod tags;
