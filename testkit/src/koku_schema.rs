//! koku's PostgreSQL tables for tests and the demo, from `scripts/koku-ddl.sql`.
//!
//! The SQL file is the single source (the demo scripts apply it with psql too); it is embedded at
//! compile time so a test binary does not depend on its working directory.

/// The DDL text of `scripts/koku-ddl.sql`.
pub const KOKU_DDL: &str = include_str!("../../scripts/koku-ddl.sql");

/// Quote an SQL identifier (`"` doubled), so any tenant name is safe in DDL.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Create koku's public tables (if missing) and tenant schema `schema` with the tables the pipeline
/// reads and writes, seeded like koku's migrations (the "Platform" cost category and its namespace
/// patterns, the default partition of the daily summary). Idempotent; call it once per tenant, several
/// tenants may share a database. Panics on failure (test support).
pub fn install(client: &mut postgres::Client, schema: &str) {
    let q = quote_ident(schema);
    // The file is written for `search_path = <tenant>, public` (tenant tables unqualified); restore the
    // default afterwards so the caller's session is not left pointing at the tenant.
    let sql = format!(
        "CREATE SCHEMA IF NOT EXISTS {q}; SET search_path TO {q}, public;\n{KOKU_DDL}\n\
         ;RESET search_path;"
    );
    if let Err(e) = client.batch_execute(&sql) {
        // Best effort: the caller may keep using the connection after catching the panic.
        let _ = client.batch_execute("RESET search_path");
        panic!("applying scripts/koku-ddl.sql to schema {schema}: {e:?}");
    }
}
