//! koku's rows read straight from its PostgreSQL table, in a read-only transaction.

use koku_common::config::DbConfig;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;

use crate::definition::TableDef;
use crate::error::{CompareError, Result};
use crate::scope::Scope;
use crate::table::Table;
use crate::value::{Kind, Value};

/// Quote an SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Read `schema.table` (koku's table for `def`, a partition or a view of it): the columns `def`
/// compares or filters on (others are listed as skipped), restricted in SQL to the scope's source,
/// period and days (the summary-rows-only filter is applied by [`crate::compare()`], so the report can
/// count what it left out). The label and every error name the database by [`DbConfig`]'s display,
/// which never shows a password.
pub fn read_postgres(
    def: &TableDef,
    db: &DbConfig,
    schema: &str,
    table: &str,
    scope: &Scope,
) -> Result<Table> {
    let shown = db.to_string();
    let db_err = |what: &str| {
        let shown = shown.clone();
        let what = what.to_string();
        move |e: postgres::Error| CompareError::Database {
            db: shown.clone(),
            what: what.clone(),
            reason: koku_common::pgerror::describe(&e),
        }
    };
    let mut client = db.connect().map_err(db_err("connect"))?;
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(db_err("begin a read-only transaction"))?;
    let all: Vec<String> = tx
        .query(
            "SELECT column_name::text FROM information_schema.columns \
              WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
            &[&schema, &table],
        )
        .map_err(db_err("list the table's columns"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let label = format!("{schema}.{table} on {shown}");
    if all.is_empty() {
        return Err(CompareError::Input {
            input: label,
            reason: "no such table or view (or no access to it); check --schema and --table".into(),
        });
    }
    let kept: Vec<(String, Kind)> = all
        .iter()
        .filter_map(|n| def.column_kind(n).map(|k| (n.clone(), k)))
        .collect();
    let select: Vec<String> = kept
        .iter()
        .map(|(n, k)| {
            let q = quote_ident(n);
            match k {
                Kind::Float => format!("{q}::float8"),
                Kind::Int => format!("{q}::int8"),
                // a JSON array: no array-literal quoting to undo
                Kind::TextSet => format!("to_jsonb({q})::text"),
                _ => format!("{q}::text"),
            }
        })
        .collect();
    let has = |c: &str| all.iter().any(|n| n == c);
    let mut conds: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    let (source, day) = (def.scope.source, def.scope.day);
    let period = def.scope.period.map(|(c, _)| c);
    if let Some(s) = &scope.source_uuid
        && has(source)
    {
        params.push(Box::new(s.to_ascii_lowercase()));
        conds.push(format!("{}::text = ${}", quote_ident(source), params.len()));
    }
    if let (Some(r), Some(period)) = (scope.period_id, period)
        && has(period)
    {
        params.push(Box::new(r));
        conds.push(format!("{} = ${}::int8", quote_ident(period), params.len()));
    }
    if let Some(d) = scope.start_date
        && has(day)
    {
        params.push(Box::new(d));
        conds.push(format!("{} >= ${}::date", quote_ident(day), params.len()));
    }
    if let Some(d) = scope.end_date
        && has(day)
    {
        params.push(Box::new(d));
        conds.push(format!("{} <= ${}::date", quote_ident(day), params.len()));
    }
    let sql = format!(
        "SELECT {} FROM {}.{}{}",
        select.join(", "),
        quote_ident(schema),
        quote_ident(table),
        if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        }
    );
    let mut out = Table::new(label.clone(), kept.iter().map(|(n, _)| n.clone()).collect());
    out.skipped_columns = all
        .iter()
        .filter(|n| def.column_kind(n).is_none())
        .cloned()
        .collect();
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| &**p).collect();
    let mut rows = tx
        .query_raw(&sql, refs.iter().map(|p| *p as &dyn ToSql))
        .map_err(db_err("select the rows"))?;
    let mut n = 0usize;
    while let Some(r) = rows.next().map_err(db_err("read the rows"))? {
        n += 1;
        let mut row = Vec::with_capacity(kept.len());
        for (i, (name, kind)) in kept.iter().enumerate() {
            let v = match kind {
                Kind::Float => r
                    .try_get::<_, Option<f64>>(i)
                    .map(|x| Ok(x.map_or(Value::Null, Value::Float))),
                Kind::Int => r
                    .try_get::<_, Option<i64>>(i)
                    .map(|x| Ok(x.map_or(Value::Null, Value::Int))),
                _ => r.try_get::<_, Option<String>>(i).map(|x| match x {
                    None => Ok(Value::Null),
                    Some(text) => Value::parse(*kind, &text)
                        .map_err(|reason| (text.chars().take(80).collect::<String>(), reason)),
                }),
            }
            .map_err(db_err(&format!("read column {name}")))?;
            row.push(v.map_err(|(value, reason)| CompareError::Value {
                input: label.clone(),
                row: format!("row {n}"),
                column: name.clone(),
                value,
                kind: *kind,
                reason,
            })?);
        }
        out.rows.push(row);
    }
    Ok(out)
}
