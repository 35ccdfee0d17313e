//! Progress output: a bar per database on a terminal, plain lines otherwise.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::migrate::{Event, Progress};

/// Reports migration progress on stderr.
pub struct TerminalProgress {
    bars: Option<(MultiProgress, Mutex<HashMap<String, ProgressBar>>)>,
}

impl TerminalProgress {
    /// Bars when stderr is a terminal; plain lines otherwise.
    pub fn new() -> TerminalProgress {
        let bars = std::io::stderr().is_terminal().then(|| {
            (
                MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                Mutex::new(HashMap::new()),
            )
        });
        TerminalProgress { bars }
    }

    fn line(&self, text: String) {
        match &self.bars {
            Some((multi, _)) => {
                let _ = multi.println(text);
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }
}

impl Progress for TerminalProgress {
    fn event(&self, event: &Event) {
        match event {
            Event::DatabaseStarted {
                database,
                statements,
            } => {
                if let Some((multi, bars)) = &self.bars {
                    let bar = multi.add(ProgressBar::new(*statements as u64));
                    bar.set_style(
                        ProgressStyle::with_template("{prefix:>24} [{bar:30}] {pos}/{len} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                    bar.set_prefix(database.clone());
                    if let Ok(mut b) = bars.lock() {
                        b.insert(database.clone(), bar);
                    }
                }
            }
            Event::StatementDone { database } => {
                if let Some((_, bars)) = &self.bars
                    && let Ok(b) = bars.lock()
                    && let Some(bar) = b.get(database)
                {
                    bar.inc(1);
                }
            }
            Event::WaitingForLock { database } => {
                self.line(format!(
                    "{database}: waiting for another isdb run to release the migration lock"
                ));
            }
            Event::MigrationApplied {
                database,
                group,
                version,
                resumed,
            } => {
                let how = if *resumed {
                    "resumed and applied"
                } else {
                    "applied"
                };
                self.line(format!("{database}: {how} {group} {version}"));
            }
            Event::DatabaseFinished { database, applied } => {
                if let Some((_, bars)) = &self.bars
                    && let Ok(b) = bars.lock()
                    && let Some(bar) = b.get(database)
                {
                    bar.finish_with_message("done");
                }
                if *applied == 0 {
                    self.line(format!("{database}: up to date, nothing to do"));
                }
            }
        }
    }
}
