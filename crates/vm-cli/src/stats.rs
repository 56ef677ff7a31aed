//! Where `--stats` and `--stats-json FILE` send the [`VmStats`] of a run: the table to stderr,
//! the JSON (serde, durations in seconds) to the file.
//!
//! The file is created before the guest starts, so an unwritable path is an error naming it
//! before any guest work is done, not after.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use vm_core::{VmError, VmStats};

use crate::RunOpts;

/// The destinations asked for on the command line.
pub struct Sink {
    table: bool,
    json: Option<(PathBuf, File)>,
}

/// `e` as the error of writing the statistics to `path`.
fn write_error(path: &std::path::Path, e: impl std::fmt::Display) -> VmError {
    VmError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("cannot write --stats-json: {e}")),
    }
}

impl Sink {
    /// Open what `opts` asks for: creates (truncates) the `--stats-json` file.
    pub fn open(opts: &RunOpts) -> Result<Sink, VmError> {
        let json = match &opts.stats_json {
            Some(path) => Some((path.clone(), File::create(path).map_err(|e| write_error(path, e))?)),
            None => None,
        };
        Ok(Sink { table: opts.stats, json })
    }

    /// Print the table and write the JSON of `stats`, as asked.
    pub fn emit(&mut self, stats: &VmStats) -> Result<(), VmError> {
        if self.table {
            eprintln!("{stats}");
        }
        if let Some((path, file)) = self.json.as_mut() {
            let mut text = serde_json::to_string_pretty(stats).map_err(|e| write_error(path, e))?;
            text.push('\n');
            file.write_all(text.as_bytes()).and_then(|()| file.flush()).map_err(|e| write_error(path, e))?;
        }
        Ok(())
    }
}
