//! `koku-compare`: this pipeline's summary rows against the rows koku wrote, matched by natural key.

mod compare;

pub use compare::*;
