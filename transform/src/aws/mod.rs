//! The AWS flow: koku's AWS daily summary and EC2 compute summary (the Trino SQL
//! `reporting_awscostentrylineitem_daily_summary.sql` and
//! `reporting_awscostentrylineitem_summary_by_ec2_compute_p.sql`, spec `aws-daily-summary.md` §4–§5),
//! and koku's OCP↔AWS infrastructure map (`reporting_ocpinfrastructure_provider_map.sql`, §6) as a
//! pure function for the OCP-on-AWS flow.
//!
//! * [`daily_summary`] — one day's daily-summary rows (§4): groups on the 12 raw values, the Savings
//!   Plan rules, `product_code`, `''` → NULL, Trino's `varchar(n)` truncations, markups, and the
//!   alias and organizational-unit joins;
//! * [`ec2`] — the EC2 compute summary (§5), folded over the whole month partition, with the choice
//!   made for rows koku writes outside its own delete scope (§10.5; [`ec2::Ec2Scope`]);
//! * [`tags`] — `tags`, `cost_category` and `instance_name` from koku's CUR JSON;
//! * [`lookups`] — account aliases and organizational units as koku's joins read them;
//! * [`measures`] — the sums, maxes and markups both statements aggregate alike;
//! * [`inputs`] — the CUR columns of a batch, the run's parameters, the small PostgreSQL datasets;
//! * [`run`] — `koku-transform aws`: two passes over the month partition, the daily summary on the
//!   day workers;
//! * [`pairing`] — which OCP sources an AWS source's summary pairs with (§6.3).
//!
//! Where koku's insert would fail (a NULL for a NOT NULL column; a `product_vcpu` that is not an
//! integer) the transform fails with the input row, day, group and column, and writes nothing: koku
//! writes nothing for the window either (spec §10.7).
//!
//! Where the spec is less precise than koku's SQL, the SQL is followed (each case is described where
//! it is implemented): the latest-values join compares the timestamp with midnight of the last day
//! (EC2:58; every row of koku's daily roll-up is at midnight, so it only matters for other input);
//! the EC2 statement truncates `usage_account_id` and `currency_code` like the daily one (EC2:78, 97);
//! a NULL `lineitem_usagestartdate` is outside every daily window but still in the EC2 sums (the EC2
//! statement has no date filter).

pub mod daily_summary;
pub mod ec2;
pub mod inputs;
pub mod lookups;
pub mod measures;
pub mod pairing;
pub mod run;
pub mod tags;
