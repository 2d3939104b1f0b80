//! A fault-injecting HTTP proxy for S3 tests: a real TCP peer on 127.0.0.1 in front of a real
//! S3-compatible server (moto). It forwards every request to the server and relays the answer, except
//! the requests a [`Rule`] picks, which it answers with a [`Fault`]: an HTTP 5xx with an S3 error
//! document, no answer at all (a stalled server), or the server's own answer with its body cut short.
//! It is not a mock of S3: every answer it does not break comes from the real server.
//!
//! One request per connection: each answer says `Connection: close`, so the client opens a new
//! connection for its next request (and for each retry) and every request is seen here on its own.
//! Requests carry no body the proxy has to understand (the clients under test only list and get);
//! a request body with a `Content-Length` is forwarded as it is.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What to do to a request a [`Rule`] picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and an S3 error document (`InternalError` for 500, `SlowDown` for
    /// 503, `ServiceUnavailable` otherwise), as S3 does when it is overloaded or failing.
    Status(u16),
    /// Read the request and never answer (the connection stays open until the proxy is dropped).
    Stall,
    /// Forward the request, then send the server's head (with its full `Content-Length`) and only the
    /// first `keep` bytes of the body, and close: a transfer broken off mid-body.
    CutBody { keep: usize },
    /// Forward the request, then send only the first `keep` bytes of the body with a `Content-Length`
    /// that matches them: a complete answer holding a shorter object than the listing said.
    ShortBody { keep: usize },
}

/// Which requests get a fault, and how many times.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `GET`, `PUT`, ...
    pub method: String,
    /// A piece of the request target (path and query, as sent: percent-encoded).
    pub target_contains: String,
    pub fault: Fault,
    /// Requests still to break; `None` = every matching request.
    pub remaining: Option<usize>,
}

/// A request the proxy saw, and what it did with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// `None` = forwarded unchanged.
    pub fault: Option<Fault>,
}

struct State {
    upstream: u16,
    rules: Mutex<Vec<Rule>>,
    seen: Mutex<Vec<Seen>>,
    stop: AtomicBool,
}

/// The proxy; stops (and drops every stalled connection) when dropped.
pub struct FaultProxy {
    pub port: u16,
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listen on a free port of 127.0.0.1 and forward to `127.0.0.1:upstream_port`.
    pub fn start(upstream_port: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            upstream: upstream_port,
            rules: Mutex::new(Vec::new()),
            seen: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accept_state = state.clone();
        let accept = std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if accept_state.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(conn) = conn else { continue };
                    let state = accept_state.clone();
                    let _ = std::thread::Builder::new()
                        .name("fault-proxy-conn".into())
                        .spawn(move || {
                            // A client that went away mid-request is not the proxy's problem.
                            let _ = serve(conn, &state);
                        });
                }
            })
            .expect("spawn the fault proxy");
        FaultProxy {
            port,
            state,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Break the next `times` requests (`None`: every request) whose method is `method` and whose
    /// target contains `target_contains`. Rules are tried in the order they were added.
    pub fn add_fault(
        &self,
        method: &str,
        target_contains: &str,
        fault: Fault,
        times: Option<usize>,
    ) {
        self.state.rules.lock().unwrap().push(Rule {
            method: method.to_string(),
            target_contains: target_contains.to_string(),
            fault,
            remaining: times,
        });
    }

    /// Forward everything from now on.
    pub fn clear_faults(&self) {
        self.state.rules.lock().unwrap().clear();
    }

    /// Every request seen so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// How many requests with `method` and a target containing `target_contains` were seen.
    pub fn count(&self, method: &str, target_contains: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.target.contains(target_contains))
            .count()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// A request or response head: the first line, the header lines, and the declared body length.
struct Head {
    first_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_length(&self) -> Option<usize> {
        self.header("content-length")
            .and_then(|v| v.trim().parse().ok())
    }

    /// The head as sent, with `drop` headers left out and `add` appended.
    fn render(&self, drop: &[&str], add: &[(&str, String)]) -> Vec<u8> {
        let mut s = format!("{}\r\n", self.first_line);
        for (k, v) in &self.headers {
            if !drop.iter().any(|d| k.eq_ignore_ascii_case(d)) {
                s.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        for (k, v) in add {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

fn read_head(r: &mut impl BufRead) -> io::Result<Option<Head>> {
    let mut first_line = String::new();
    if r.read_line(&mut first_line)? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed inside an HTTP head",
            ));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(Some(Head {
        first_line: first_line.trim_end_matches(['\r', '\n']).to_string(),
        headers,
    }))
}

/// A chunked body, de-chunked.
fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size)?;
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if size == 0 {
            // Trailers, then the empty line.
            while read_line_len(r)? > 2 {}
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        read_line_len(r)?;
    }
}

fn read_line_len(r: &mut impl BufRead) -> io::Result<usize> {
    let mut line = String::new();
    r.read_line(&mut line)
}

/// The rule that picks this request, if any (counting it down).
fn pick(state: &State, method: &str, target: &str) -> Option<Fault> {
    let mut rules = state.rules.lock().unwrap();
    let rule = rules.iter_mut().find(|r| {
        r.method == method && target.contains(&r.target_contains) && r.remaining != Some(0)
    })?;
    if let Some(n) = &mut rule.remaining {
        *n -= 1;
    }
    Some(rule.fault.clone())
}

fn serve(conn: TcpStream, state: &State) -> io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut client = conn;
    let Some(request) = read_head(&mut reader)? else {
        return Ok(());
    };
    let mut body = vec![0; request.content_length().unwrap_or(0)];
    reader.read_exact(&mut body)?;
    let mut parts = request.first_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let fault = pick(state, &method, &target);
    state.seen.lock().unwrap().push(Seen {
        method: method.clone(),
        target,
        fault: fault.clone(),
    });

    match &fault {
        Some(Fault::Status(code)) => {
            let (reason, s3_code, message) = match code {
                500 => (
                    "Internal Server Error",
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                ),
                503 => ("Slow Down", "SlowDown", "Please reduce your request rate."),
                _ => (
                    "Service Unavailable",
                    "ServiceUnavailable",
                    "Service is unable to handle request.",
                ),
            };
            let doc = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{s3_code}</Code>\
                 <Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"
            );
            let head = format!(
                "HTTP/1.1 {code} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                 x-amz-request-id: fault-proxy\r\nConnection: close\r\n\r\n",
                doc.len()
            );
            client.write_all(head.as_bytes())?;
            client.write_all(doc.as_bytes())?;
            client.flush()?;
            let _ = client.shutdown(Shutdown::Write);
            return Ok(());
        }
        Some(Fault::Stall) => {
            while !state.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            return Ok(());
        }
        _ => {}
    }

    // Forward, one request per upstream connection.
    let mut upstream = TcpStream::connect(("127.0.0.1", state.upstream))?;
    upstream.set_read_timeout(Some(Duration::from_secs(60)))?;
    upstream.write_all(&request.render(&["connection"], &[("Connection", "close".into())]))?;
    upstream.write_all(&body)?;
    upstream.flush()?;
    let mut up = BufReader::new(upstream);
    let response = read_head(&mut up)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "upstream closed without a response",
        )
    })?;
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let response_body = if method == "HEAD" {
        Vec::new()
    } else if chunked {
        read_chunked(&mut up)?
    } else if let Some(n) = response.content_length() {
        let mut b = vec![0; n];
        up.read_exact(&mut b)?;
        b
    } else {
        let mut b = Vec::new();
        up.read_to_end(&mut b)?;
        b
    };

    let hop = [
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
    ];
    let (declared, sent) = match fault {
        Some(Fault::CutBody { keep }) => (response_body.len(), keep.min(response_body.len())),
        Some(Fault::ShortBody { keep }) => {
            let n = keep.min(response_body.len());
            (n, n)
        }
        _ => (response_body.len(), response_body.len()),
    };
    let length = if method == "HEAD" {
        response.content_length().unwrap_or(0)
    } else {
        declared
    };
    client.write_all(&response.render(
        &hop,
        &[
            ("Content-Length", length.to_string()),
            ("Connection", "close".into()),
        ],
    ))?;
    client.write_all(&response_body[..sent])?;
    client.flush()?;
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}
