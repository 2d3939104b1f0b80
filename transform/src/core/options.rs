//! What `koku-transform <flow>` can be asked to do besides its work; the same for every flow.

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Clone, Default)]
pub struct TransformOptions {
    /// Draw a progress bar (days done) on stderr.
    pub progress: bool,
    /// Days computed at once ([`super::day_workers`]); 0: one per core. The output is the same for any
    /// value.
    pub threads: usize,
}

impl TransformOptions {
    /// The number of day workers to run.
    pub fn threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }

    /// A bar counting `days` summarised (hidden unless asked for, or with no days).
    pub fn progress_bar(&self, days: u64) -> ProgressBar {
        if !self.progress || days == 0 {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(days).with_message("summarising");
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} days ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    }
}
