//! libpq's two connection-string syntaxes (`postgresql://…` URLs and `key=value` strings), split into
//! decoded keyword/value pairs by libpq's own rules, so that the settings `postgres::Config` does not
//! know (`sslmode=verify-*`, `sslrootcert`, `passfile`) can be taken out before the rest is handed on.
//!
//! No error message here quotes any part of the string: it may hold a password, and a malformed
//! string is exactly when a password fragment ends up where a host name or keyword was expected.

use percent_encoding::percent_decode_str;

/// The keywords `postgres::Config` parses itself (tokio-postgres 0.7's `Config::param`); `password`
/// is listed but is always taken out first.
pub(crate) const PASSED_ON: &[&str] = &[
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "host",
    "hostaddr",
    "port",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
    "sslnegotiation",
];

/// The keywords handled in this crate (TLS and the password file) before the rest is passed on.
pub(crate) const HANDLED_HERE: &[&str] =
    &["sslmode", "sslrootcert", "sslcert", "sslkey", "passfile"];

/// Other libpq keywords: recognised (so the message can name them) but not supported by this client.
const LIBPQ_UNSUPPORTED: &[&str] = &[
    "service",
    "fallback_application_name",
    "client_encoding",
    "gssencmode",
    "gssdelegation",
    "krbsrvname",
    "gsslib",
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslcompression",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "sslcertmode",
    "require_auth",
    "requirepeer",
    "replication",
];

/// Parse either syntax into `(keyword, value)` pairs in order of appearance (a later pair wins).
/// Empty values are dropped: libpq treats an empty setting as not set.
pub(crate) fn parse(s: &str) -> Result<Vec<(String, String)>, String> {
    let pairs = match url_body(s) {
        Some(body) => parse_url(body)?,
        None => parse_keyword_value(s)?,
    };
    for (position, (key, _)) in pairs.iter().enumerate() {
        let key = key.as_str();
        if PASSED_ON.contains(&key) || HANDLED_HERE.contains(&key) {
            continue;
        }
        if LIBPQ_UNSUPPORTED.contains(&key) {
            return Err(format!(
                "the connection option {key} is not supported by this client"
            ));
        }
        // Not quoted: in a mistyped string the "keyword" may be a piece of a password.
        return Err(format!(
            "unknown connection option (parameter number {}); known: {}, {}",
            position + 1,
            HANDLED_HERE.join(", "),
            PASSED_ON.join(", ")
        ));
    }
    Ok(pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect())
}

fn url_body(s: &str) -> Option<&str> {
    s.strip_prefix("postgresql://")
        .or_else(|| s.strip_prefix("postgres://"))
}

const PERCENT_ENCODE_HINT: &str = "percent-encode '@' as %40, '/' as %2F and ':' as %3A in a user \
     name or password (the URL is not shown: it may hold a password)";

fn decode(raw: &str, what: &str) -> Result<String, String> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| format!("the {what} in the database URL is not UTF-8 once percent-decoded"))
}

/// libpq's `conninfo_uri_parse_options` (src/interfaces/libpq/fe-connect.c): the user-info ends at
/// the first `@` that comes before any `/`; hosts end at `/` or `?`; the database name at `?`.
/// Checked by experiment with psql 15: `postgresql://u:p@ss/w@127.0.0.1/db` makes libpq look up the
/// host `ss`, `postgresql://u:p/ss@127.0.0.1/db` makes it reject the port `p` — both echo a piece of
/// the password. An `@` left in the hosts, port or database name therefore means an unencoded `@` or
/// `/` in a password (or user name): it is refused, without quoting anything.
fn parse_url(body: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut rest = body;
    let end_of_userinfo = body.find(['@', '/']);
    if let Some(at) = end_of_userinfo.filter(|&i| body.as_bytes()[i] == b'@') {
        let userinfo = &body[..at];
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        pairs.push(("user".to_string(), decode(user, "user name")?));
        if let Some(p) = password {
            pairs.push(("password".to_string(), decode(p, "password")?));
        }
        rest = &body[at + 1..];
    }
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    if before_query.contains('@') {
        return Err(format!(
            "the database URL has an '@' in its host, port or database name, most likely from an \
             unencoded '@' or '/' in the password: {PERCENT_ENCODE_HINT}"
        ));
    }
    let (netloc, dbname) = match before_query.split_once('/') {
        Some((n, d)) => (n, Some(d)),
        None => (before_query, None),
    };
    let (hosts, ports) = split_netloc(netloc)?;
    if hosts.iter().any(|h| !h.is_empty()) {
        pairs.push(("host".into(), decode(&hosts.join(","), "host")?));
    }
    if ports.iter().any(|p| !p.is_empty()) {
        // libpq: an empty entry in a port list means the default port.
        let ports: Vec<&str> = ports
            .iter()
            .map(|p| if p.is_empty() { "5432" } else { p })
            .collect();
        pairs.push(("port".into(), decode(&ports.join(","), "port")?));
    }
    if let Some(d) = dbname {
        pairs.push(("dbname".into(), decode(d, "database name")?));
    }
    if let Some(q) = query {
        for (n, param) in q.split('&').enumerate() {
            let Some((key, value)) = param.split_once('=') else {
                return Err(format!(
                    "query parameter number {} of the database URL has no '=' ({PERCENT_ENCODE_HINT})",
                    n + 1
                ));
            };
            let key = decode(key, "query parameter name")?;
            let value = decode(value, "query parameter value")?;
            // libpq: `ssl=true` is accepted for JDBC compatibility and means sslmode=require.
            if key == "ssl" && value == "true" {
                pairs.push(("sslmode".into(), "require".into()));
            } else {
                pairs.push((key, value));
            }
        }
    }
    Ok(pairs)
}

/// Hosts and ports of `host[:port][,host[:port]]...`, with `[v6]` brackets removed. Undecoded.
fn split_netloc(netloc: &str) -> Result<(Vec<&str>, Vec<&str>), String> {
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    if netloc.is_empty() {
        return Ok((hosts, ports));
    }
    for chunk in netloc.split(',') {
        let (host, port) = if let Some(v6) = chunk.strip_prefix('[') {
            let Some((host, after)) = v6.split_once(']') else {
                return Err("an IPv6 host in the database URL lacks its closing ']'".into());
            };
            match after {
                "" => (host, ""),
                _ => match after.strip_prefix(':') {
                    Some(port) => (host, port),
                    None => {
                        return Err(
                            "an IPv6 host in the database URL is followed by something other than \
                             ':port'"
                                .into(),
                        );
                    }
                },
            }
        } else {
            chunk.split_once(':').unwrap_or((chunk, ""))
        };
        hosts.push(host);
        ports.push(port);
    }
    Ok((hosts, ports))
}

/// libpq's `conninfo_parse`: `keyword = value` separated by white space; a value is either
/// single-quoted (`\'` and `\\` escapes) or runs to the next white space (`\` escapes the next
/// character).
fn parse_keyword_value(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let n = pairs.len() + 1;
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!(
                "keyword number {n} of the connection string has no '=' after it (a value with \
                 spaces must be quoted: key='a b'; the string is not shown: it may hold a password)"
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => {
                        return Err(format!(
                            "the value of keyword number {n} of the connection string has no \
                             closing quote"
                        ));
                    }
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// Quote a value for tokio-postgres's `key=value` parser (the same syntax as libpq's).
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn url_parts_are_split_and_decoded_like_libpq() {
        let p = parse(
            "postgresql://ko%40ku:p%2Fw%3Ad@db1:5433,[::1],db3:/my%20db?sslmode=verify-full\
             &sslrootcert=%2Ftmp%2Fca.crt&ssl=true&application_name=x",
        )
        .unwrap();
        assert_eq!(get(&p, "user"), Some("ko@ku"));
        assert_eq!(get(&p, "password"), Some("p/w:d"));
        assert_eq!(get(&p, "host"), Some("db1,::1,db3"));
        assert_eq!(get(&p, "port"), Some("5433,5432,5432"));
        assert_eq!(get(&p, "dbname"), Some("my db"));
        assert_eq!(get(&p, "sslrootcert"), Some("/tmp/ca.crt"));
        // `ssl=true` came after sslmode=verify-full and wins, as in libpq (a later setting wins).
        assert_eq!(get(&p, "sslmode"), Some("require"));
    }

    #[test]
    fn a_password_with_at_or_slash_is_refused_without_quoting_it() {
        for url in [
            "postgresql://u:p@ss/w@127.0.0.1/db",
            "postgresql://u:p/ss@127.0.0.1/db",
            "postgresql://u:p@ss@127.0.0.1/db",
            "postgresql://u:p@ss:x@127.0.0.1",
            "postgres://u:p/ss@host",
        ] {
            let err = parse(url).unwrap_err();
            assert!(err.contains("%40"), "{url}: {err}");
            for fragment in ["p@", "ss/w", "w@", "u:p", "127.0.0.1"] {
                assert!(!err.contains(fragment), "{url}: {err}");
            }
        }
        // A '?' in the password is fine: the user-info ends at the first '@' (libpq, psql 15).
        let p = parse("postgresql://u:p?x@h/db").unwrap();
        assert_eq!(get(&p, "password"), Some("p?x"));
        assert_eq!(get(&p, "host"), Some("h"));
        // An '@' in the query belongs to a value.
        let p = parse("postgresql://h/db?options=-c%20x%3Dy&application_name=a@b").unwrap();
        assert_eq!(get(&p, "application_name"), Some("a@b"));
    }

    #[test]
    fn keyword_value_strings_follow_libpq_quoting() {
        let p = parse(r"host=h port = 5 password='it''s' user=a\ b dbname='x\'y'").unwrap_err();
        // `'it''s'` is two quoted values back to back: libpq reads `'it'` then needs white space.
        assert!(p.contains("keyword number"), "{p}");
        let p =
            parse(r"host=h port = 5 password='a b\'c' user=a\ b dbname='x\\y' sslmode=").unwrap();
        assert_eq!(get(&p, "password"), Some("a b'c"));
        assert_eq!(get(&p, "user"), Some("a b"));
        assert_eq!(get(&p, "dbname"), Some(r"x\y"));
        assert_eq!(get(&p, "port"), Some("5"));
        assert_eq!(get(&p, "sslmode"), None, "an empty value is unset");
    }

    #[test]
    fn malformed_strings_never_echo_their_text() {
        for s in [
            "host=h password=hunter 2",
            "host=h password='hunter2",
            "host=h hunter2",
            "postgresql://h/db?hunter2",
            "postgresql://h/db?hunter2=x",
            "host=h sslcrl=hunter2",
        ] {
            let err = parse(s).unwrap_err();
            assert!(!err.contains("hunter"), "{s}: {err}");
        }
        assert!(
            parse("host=h sslcrl=/x")
                .unwrap_err()
                .contains("sslcrl is not supported")
        );
    }

    #[test]
    fn quoting_round_trips_through_tokio_postgres() {
        let tricky = r"a b'c\d";
        let config: postgres::Config = format!("user={} dbname=x", quote(tricky)).parse().unwrap();
        assert_eq!(config.get_user(), Some(tricky));
    }
}
