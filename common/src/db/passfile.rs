//! libpq's password file (`~/.pgpass`, `PGPASSFILE`, the `passfile` keyword), read by libpq's rules
//! (`passwordFromFile` and `pwdfMatchesString` in src/interfaces/libpq/fe-connect.c):
//!
//! * one entry per line, `hostname:port:database:username:password`; lines starting with `#` are
//!   comments; the first matching line wins;
//! * `*` alone in one of the first four fields matches anything; `\:` and `\\` stand for `:` and `\`;
//! * the host `localhost` also matches a connection through the default Unix socket directory;
//! * a file that is not a plain file, or that the group or others may access at all, is ignored with a
//!   warning (libpq prints "has group or world access; permissions should be u=rw (0600) or less").

use std::path::Path;

/// What an entry is matched against.
pub(crate) struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// Debian's libpq is built with this socket directory (`DEFAULT_PGSOCKET_DIR`).
const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// The password of the first entry matching `target`, or `None` (no file, an unsafe file, no match).
pub(crate) fn lookup(path: &Path, target: &Target<'_>) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        tracing::warn!(
            "password file {} is not a plain file; ignored",
            path.display()
        );
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "password file {} has group or world access; permissions should be u=rw (0600) or \
                 less; ignored (as libpq does)",
                path.display()
            );
            return None;
        }
    }
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            tracing::warn!("password file {}: {e}; ignored", path.display());
            return None;
        }
    };
    find(&text, target)
}

fn find(text: &str, target: &Target<'_>) -> Option<String> {
    let host = if target.host.is_empty() || target.host == DEFAULT_SOCKET_DIR {
        "localhost"
    } else {
        target.host
    };
    let port = target.port.to_string();
    text.lines()
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .find_map(|line| {
            let rest = matches(line, host)?;
            let rest = matches(rest, &port)?;
            let rest = matches(rest, target.dbname)?;
            let rest = matches(rest, target.user)?;
            Some(unescape_password(rest))
        })
}

/// libpq's `pwdfMatchesString`: the field at the start of `line` equals `token` (or is `*`); returns
/// the rest of the line after the field's `:`.
fn matches<'l>(line: &'l str, token: &str) -> Option<&'l str> {
    if let Some(rest) = line.strip_prefix("*:") {
        return Some(rest);
    }
    let mut chars = line.char_indices();
    let mut want = token.chars();
    while let Some((i, c)) = chars.next() {
        let (c, escaped) = if c == '\\' {
            match chars.next() {
                Some((_, next)) => (next, true),
                None => return None,
            }
        } else {
            (c, false)
        };
        if c == ':' && !escaped {
            return want.next().is_none().then(|| &line[i + 1..]);
        }
        if want.next() != Some(c) {
            return None;
        }
    }
    None
}

/// The password field: up to the next unescaped `:` (libpq ignores anything after it).
fn unescape_password(field: &str) -> String {
    let mut out = String::new();
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            ':' => break,
            '\\' => match chars.next() {
                Some(next) => out.push(next),
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: Target<'static> = Target {
        host: "db.example",
        port: 5432,
        dbname: "koku",
        user: "koku",
    };

    #[test]
    fn first_matching_line_wins_with_wildcards_and_escapes() {
        let text = "# comment\n\
                    other:5432:koku:koku:wrong-host\n\
                    db.example:5433:koku:koku:wrong-port\n\
                    db.example:*:koku:koku:p\\:a\\\\ss:ignored\r\n\
                    *:*:*:*:too-late\n";
        assert_eq!(find(text, &TARGET).as_deref(), Some("p:a\\ss"));
        assert_eq!(
            find("*:*:*:*:any\n", &TARGET).as_deref(),
            Some("any"),
            "all wildcards"
        );
        assert_eq!(find("db.example:5432:koku:other:x\n", &TARGET), None);
        // A field that is a prefix of the value does not match; nor does a longer one.
        assert_eq!(find("db.exampl:5432:koku:koku:x\n", &TARGET), None);
        assert_eq!(find("db.example.org:5432:koku:koku:x\n", &TARGET), None);
        // An escaped ':' in a host field is a literal ':' (IPv6 addresses).
        let v6 = Target {
            host: "::1",
            ..TARGET
        };
        assert_eq!(
            find("\\:\\:1:5432:koku:koku:v6\n", &v6).as_deref(),
            Some("v6")
        );
    }

    #[test]
    fn localhost_matches_the_default_socket_directory() {
        let unix = Target {
            host: DEFAULT_SOCKET_DIR,
            ..TARGET
        };
        assert_eq!(
            find("localhost:5432:koku:koku:s\n", &unix).as_deref(),
            Some("s")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_ignored_like_libpq_does() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(lookup(&path, &TARGET).as_deref(), Some("secret"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(lookup(&path, &TARGET), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o604)).unwrap();
        assert_eq!(lookup(&path, &TARGET), None);
        assert_eq!(lookup(&dir.path().join("missing"), &TARGET), None);
        assert_eq!(lookup(dir.path(), &TARGET), None, "a directory");
    }
}
