//! PostgreSQL client errors as one line that keeps the server's cause: `postgres::Error`'s own
//! `Display` says only `db error` or `error connecting to server`, which hides the SQLSTATE and the
//! message an operator needs.

/// One line describing a PostgreSQL client error: the server's message, SQLSTATE, detail and context
/// (COPY puts the failing line and column there), or the client-side cause chain (refused connection,
/// timeout, TLS failure). Never holds a password: neither the server's messages nor the client's causes
/// carry the connection string.
pub fn describe(e: &postgres::Error) -> String {
    let text = if let Some(db) = e.as_db_error() {
        let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(d) = db.detail() {
            s.push_str("; detail: ");
            s.push_str(d);
        }
        if let Some(h) = db.hint() {
            s.push_str("; hint: ");
            s.push_str(h);
        }
        if let Some(w) = db.where_() {
            s.push_str("; context: ");
            s.push_str(w);
        }
        s
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(cause) = src {
            let c = cause.to_string();
            // Some causes repeat their own source's text; keep the line short.
            if !s.ends_with(&c) {
                s.push_str(": ");
                s.push_str(&c);
            }
            src = cause.source();
        }
        if s.contains("password missing") {
            // tokio-postgres says only that; say where a password comes from.
            s.push_str(
                " (the server asks for a password: set PGPASSWORD or DATABASE_PASSWORD, or add it to a \
                 password file, PGPASSFILE or ~/.pgpass)",
            );
        }
        s
    };
    text.replace('\n', "; ")
}
