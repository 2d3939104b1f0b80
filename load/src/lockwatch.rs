//! Waiting for a lock out loud. The load's statements wait for locks other sessions hold (a long
//! transaction on the summary table, a partition being created elsewhere, another load of the same
//! source): PostgreSQL waits silently. A watcher on a second connection looks at the load's backend
//! once a second and, while it waits for a lock, logs who holds it; the load's `lock_timeout` ends the
//! wait (PostgreSQL then fails the statement and the transaction rolls back), and the error names the
//! holder the watcher saw last.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use koku_common::config::DbConfig;

/// How often the watcher looks.
const POLL: Duration = Duration::from_secs(1);

/// The sessions blocking backend `$1`, described.
const BLOCKERS: &str = "SELECT b.pid, coalesce(b.usename::text, '?'), coalesce(b.application_name, ''), \
        coalesce(b.state, '?'), coalesce(extract(epoch FROM now() - b.xact_start)::bigint, 0), \
        left(regexp_replace(coalesce(b.query, ''), '\\s+', ' ', 'g'), 120) \
     FROM unnest(pg_blocking_pids($1)) AS w(pid) JOIN pg_stat_activity b ON b.pid = w.pid \
     ORDER BY b.pid";

/// A running watcher; stops when dropped.
pub struct LockWatch {
    stop: Option<mpsc::Sender<()>>,
    handle: Option<JoinHandle<()>>,
    holder: Arc<Mutex<Option<String>>>,
}

impl LockWatch {
    /// Watch backend `pid` through a connection of its own. A watcher that cannot connect is not an
    /// error (the load itself is unaffected): it logs why at debug level and watches nothing.
    pub fn start(db: &DbConfig, pid: i32, timeout: Duration) -> LockWatch {
        let holder = Arc::new(Mutex::new(None));
        let (tx, rx) = mpsc::channel::<()>();
        let db = db.clone();
        let seen = holder.clone();
        let handle = std::thread::Builder::new()
            .name("lock-watch".into())
            .spawn(move || {
                let mut client = match db.connect() {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::debug!("lock watcher not started: {e}");
                        return;
                    }
                };
                let mut reported: Option<String> = None;
                loop {
                    match rx.recv_timeout(POLL) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    let Ok(rows) = client.query(BLOCKERS, &[&pid]) else {
                        return;
                    };
                    if rows.is_empty() {
                        reported = None;
                        continue;
                    }
                    let text = rows
                        .iter()
                        .map(|r| {
                            format!(
                                "pid {} (user {}, application {:?}, {}, transaction open {} s: {})",
                                r.get::<_, i32>(0),
                                r.get::<_, String>(1),
                                r.get::<_, String>(2),
                                r.get::<_, String>(3),
                                r.get::<_, i64>(4),
                                r.get::<_, String>(5)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    if reported.as_deref() != Some(&text) {
                        tracing::warn!(
                            "waiting for a lock held by {text}; giving up after {} s (--lock-timeout)",
                            timeout.as_secs()
                        );
                        *seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(text.clone());
                        reported = Some(text);
                    }
                }
            })
            .ok();
        LockWatch {
            stop: Some(tx),
            handle,
            holder,
        }
    }

    /// The lock holder the watcher reported last, if any.
    pub fn holder(&self) -> Option<String> {
        self.holder
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for LockWatch {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
