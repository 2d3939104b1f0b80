//! Binary COPY of the converted summary rows into the parent table; PostgreSQL routes each row to its
//! partition. Binary COPY is the fastest path measured (rust-deps notes §5) and sends numerics and jsonb
//! without a text round trip.

use postgres::Transaction;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::ToSql;
use uuid::Uuid;

use crate::columns::{COLUMNS, Converted, column_list, wire_types};
use crate::error::{LoadError, Result};
use crate::ident::{QualifiedName, SUMMARY_TABLE};

const STEP: &str = "copy summary rows";

/// An open COPY into `<schema>.reporting_ocpusagelineitem_daily_summary`.
pub struct SummaryCopy<'a> {
    writer: BinaryCopyInWriter<'a>,
    rows: u64,
}

impl<'a> SummaryCopy<'a> {
    pub fn start(tx: &'a mut Transaction<'_>, schema: &str) -> Result<SummaryCopy<'a>> {
        let table = QualifiedName::new(schema, SUMMARY_TABLE);
        let sink = tx
            .copy_in(&format!(
                "COPY {table} ({}) FROM STDIN (FORMAT binary)",
                column_list()
            ))
            .map_err(LoadError::db(STEP))?;
        Ok(SummaryCopy {
            writer: BinaryCopyInWriter::new(sink, &wire_types()),
            rows: 0,
        })
    }

    /// Write every row of a converted batch, each with a fresh random uuid (Trino's `uuid()`).
    pub fn write(&mut self, batch: &Converted<'_>) -> Result<()> {
        let ids: Vec<Uuid> = (0..batch.rows).map(|_| Uuid::new_v4()).collect();
        let mut values: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(COLUMNS.len() + 1);
        for (row, id) in ids.iter().enumerate() {
            values.clear();
            values.push(id);
            values.extend(batch.row_values(row));
            self.writer.write(&values).map_err(LoadError::db(STEP))?;
            self.rows += 1;
        }
        Ok(())
    }

    /// End the COPY; returns the rows the server accepted.
    pub fn finish(self) -> Result<u64> {
        let n = self.writer.finish().map_err(LoadError::db(STEP))?;
        debug_assert_eq!(n, self.rows);
        Ok(n)
    }
}
