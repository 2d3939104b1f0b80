//! The three ways rows come in: our work dir or `.arrow` file ([`ipc`]), a CSV export of koku's table
//! ([`csv`]), koku's table itself ([`database`]). Each reads the columns a [`crate::TableDef`] names,
//! typed by their [`crate::Kind`].

pub mod csv;
pub mod database;
pub mod ipc;

pub use csv::{read_csv, read_csv_from};
pub use database::read_postgres;
pub use ipc::{append_batch, read_ipc, tables_in};
