//! The OCP-on-AWS flow (`koku-transform ocp-aws`, spec `ocp-on-aws.md`): the costs of one AWS
//! source attributed to the OpenShift clusters running on it, as koku's Trino SQL does, one module
//! per step of §4:
//!
//! * [`windows`] — koku's 5-day windows (§1.3);
//! * [`pairs`] — which OCP sources the run attributes to (§1.1, §1.2);
//! * [`inputs`] — the inputs decoded, one window of rows at a time;
//! * [`tags`] — S1 (generic matched tags) and S2 (special OpenShift tags): the tag strings M;
//! * [`matching`] — S3: the line items of the cluster (T1);
//! * [`contains`] — the `strpos(resource_id, x)` joins of S4–S10, indexed;
//! * [`disks`] — S4 (inferred disk sizes), S5 (claims' shares), S6 (unclaimed remainder);
//! * [`compute`] — S7: instances over the node's namespaces;
//! * [`tag_match`] — S8: tag-matched line items, and the cluster count k;
//! * [`split`] — S9 (the final split) and S10 (network rows);
//! * [`summary`] — S11: the `_p` rows;
//! * [`ui`] — the eight UI summary tables (§4.12 step 4);
//! * [`rows`], [`output`] — T3/T4 rows, and rows into Arrow batches;
//! * [`run`] — the run.

pub mod compute;
pub mod contains;
pub mod disks;
pub mod inputs;
pub mod matching;
pub mod output;
pub mod pairs;
pub mod rows;
pub mod run;
pub mod split;
pub mod summary;
pub mod tag_match;
pub mod tags;
pub mod ui;
pub mod windows;
