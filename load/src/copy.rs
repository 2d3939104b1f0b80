//! Binary COPY of converted rows into a table's partitioned parent; PostgreSQL routes each row to its
//! partition. Binary COPY is the fastest path measured (rust-deps notes §5) and sends numerics and jsonb
//! without a text round trip.

use koku_common::schema::table::Table;
use postgres::Transaction;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::ToSql;
use uuid::Uuid;

use crate::columns::{Converted, column_list, wire_types};
use crate::error::{LoadError, Result};
use crate::ident::QualifiedName;

/// An open COPY into `<schema>.<table>`.
pub struct TableCopy<'a> {
    writer: BinaryCopyInWriter<'a>,
    columns: usize,
    rows: u64,
    step: String,
}

impl<'a> TableCopy<'a> {
    pub fn start(
        tx: &'a mut Transaction<'_>,
        schema: &str,
        table: &Table,
    ) -> Result<TableCopy<'a>> {
        let step = format!("copy rows into {}", table.name);
        let name = QualifiedName::new(schema, table.name);
        let sink = tx
            .copy_in(&format!(
                "COPY {name} ({}) FROM STDIN (FORMAT binary)",
                column_list(table)
            ))
            .map_err(LoadError::db(step.clone()))?;
        Ok(TableCopy {
            writer: BinaryCopyInWriter::new(sink, &wire_types(table)),
            columns: table.columns.len(),
            rows: 0,
            step,
        })
    }

    /// Write every row of a converted batch, each with a fresh uuid.
    ///
    /// Trino's `uuid()` gives random (v4) uuids (spec §4.8); ours are time-ordered (v7: a millisecond
    /// timestamp, a counter and random bits, increasing within this process). They are just as unique,
    /// and koku's SQL matches this column only by equality (e.g. `WHERE lids.uuid = update_data.uuid`
    /// in `ocp_tag_mapping_update_daily_summary.sql`), so nothing relies on its randomness. The order
    /// matters to PostgreSQL: koku's primary keys are `(usage_start, uuid)` and the rows arrive day by
    /// day, so increasing uuids append to the right edge of each day's key range instead of landing on
    /// random leaf pages. Measured (BENCHMARKS.md, round 4): the 30-day workload's rows in `INSERT …
    /// SELECT` 16.0 s instead of 17.1 s, its `koku-load` 26.1–26.3 s instead of 27.6–30.3 s; one day:
    /// 2% faster.
    pub fn write(&mut self, batch: &Converted<'_>) -> Result<()> {
        let ids: Vec<Uuid> = (0..batch.rows).map(|_| Uuid::now_v7()).collect();
        let mut values: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(self.columns + 1);
        for (row, id) in ids.iter().enumerate() {
            values.clear();
            values.push(id);
            values.extend(batch.row_values(row));
            // The step text is built only on failure (this runs once per row).
            self.writer
                .write(&values)
                .map_err(|e| LoadError::db(self.step.clone())(e))?;
            self.rows += 1;
        }
        Ok(())
    }

    /// End the COPY; returns the rows the server accepted.
    pub fn finish(self) -> Result<u64> {
        let n = self.writer.finish().map_err(LoadError::db(self.step))?;
        debug_assert_eq!(n, self.rows);
        Ok(n)
    }
}
