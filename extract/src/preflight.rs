//! What every flow's extract checks before it reads anything: the tenant schema name, the options,
//! the window inside the month, and that `--out` may be written (a wrong `--out` fails before the
//! database and the object store are read).

use std::path::Path;

use chrono::NaiveDate;
use koku_common::workdir::WorkDir;

use crate::error::{ExtractError, Result};
use crate::layout::validate_schema_name;
use crate::window::Window;

/// The checked run: its window and the first day of its month.
pub struct Preflight {
    pub window: Window,
    pub month_start: NaiveDate,
}

/// Check a run of `flow` for `source_uuid` (module doc).
#[allow(clippy::too_many_arguments)]
pub fn preflight(
    schema: &str,
    concurrency: usize,
    year: i32,
    month: u32,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    out: &Path,
    source_uuid: &str,
    flow: &str,
) -> Result<Preflight> {
    validate_schema_name(schema)?;
    if concurrency == 0 {
        return Err(ExtractError::Usage(
            "--concurrency must be at least 1".into(),
        ));
    }
    let window = Window::new(year, month, start_date, end_date)?;
    WorkDir::check_reusable(out, schema, source_uuid, flow)?;
    let month_start = NaiveDate::from_ymd_opt(window.year, window.month, 1).expect("valid month");
    Ok(Preflight {
        window,
        month_start,
    })
}
