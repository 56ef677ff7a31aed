//! The text form of IR blocks: [`IRBlock`]'s `Display`, [`parse_block`] and [`parse_blocks`].
//!
//! ```text
//! block 0x80000000:          ; a header names the block's start pc
//!     addi x10, x10, -1      ; then one op per line
//!     li v0, 16
//!     branch ne, x10, x0, 0x80000000, 0x80000008   ; the terminator ends the block
//! ```
//!
//! Each line holds a header, an op or a terminator: a mnemonic (which may contain `.`, as in
//! `fcvt.to` or `jump.ind`), whitespace, then comma-separated operands. Indentation is printed
//! but not required. Blank lines and `;` comments (to the end of the line) are ignored. A block
//! may have no ops, but must end in exactly one terminator, after which only a new header may
//! follow.
//!
//! The parser is syntactic: it accepts every operand the printer can produce, including
//! out-of-range slots and writes to `x0`, so `parse_block(&b.to_string()) == Ok(b)` for every
//! block `b`. Use [`verify`](crate::verify()) to reject ill-formed blocks.

use std::fmt;

use vm_core::error::VmError;

use crate::block::IRBlock;
use crate::op::{IROp, Terminator};
use crate::operand::Operand;

impl fmt::Display for IRBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "block {:#x}:", self.start_pc)?;
        for op in &self.ops {
            writeln!(f, "    {op}")?;
        }
        writeln!(f, "    {}", self.term)
    }
}

/// Print several blocks separated by blank lines, in the form [`parse_blocks`] reads.
pub fn blocks_to_string(blocks: &[IRBlock]) -> String {
    let mut out = String::new();
    for (i, b) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&b.to_string());
    }
    out
}

/// Parse text holding exactly one block.
pub fn parse_block(s: &str) -> Result<IRBlock, VmError> {
    let mut blocks = parse_with_lines(s)?.into_iter();
    match (blocks.next(), blocks.next()) {
        (Some((_, block)), None) => Ok(block),
        (None, _) => Err(err(
            last_line(s),
            "expected a block header like `block 0x80000000:`, found end of input".into(),
        )),
        (Some(_), Some((line, second))) => Err(err(
            line,
            format!(
                "expected end of input after the terminator, found a second block `block {:#x}:`",
                second.start_pc
            ),
        )),
    }
}

/// Parse a file of zero or more blocks.
pub fn parse_blocks(s: &str) -> Result<Vec<IRBlock>, VmError> {
    Ok(parse_with_lines(s)?.into_iter().map(|(_, b)| b).collect())
}

fn err(line: usize, reason: String) -> VmError {
    VmError::IrParse { line, reason }
}

/// The number of the last line (at least 1), for errors at end of input.
fn last_line(s: &str) -> usize {
    s.lines().count().max(1)
}

/// A block being parsed: its header line, start pc and ops so far.
struct Open {
    line: usize,
    start_pc: u64,
    ops: Vec<IROp>,
}

/// Parse blocks, each with the line number of its header.
fn parse_with_lines(s: &str) -> Result<Vec<(usize, IRBlock)>, VmError> {
    let mut blocks = Vec::new();
    let mut open: Option<Open> = None;
    for (idx, raw) in s.lines().enumerate() {
        let line = idx + 1;
        let text = raw.split(';').next().unwrap_or_default().trim();
        if text.is_empty() {
            continue;
        }
        let (head, rest) = match text.split_once(char::is_whitespace) {
            Some((h, r)) => (h, r.trim()),
            None => (text, ""),
        };
        if head.starts_with("block") {
            if let Some(o) = &open {
                return Err(err(
                    line,
                    format!(
                        "expected an op or a terminator ({}) to end the block at {:#x} \
                         (line {}), found a new block header",
                        Terminator::MNEMONICS.join(", "),
                        o.start_pc,
                        o.line
                    ),
                ));
            }
            open =
                Some(Open { line, start_pc: parse_header(text).map_err(|e| err(line, e))?, ops: Vec::new() });
            continue;
        }
        let Some(o) = open.as_mut() else {
            let reason = if blocks.is_empty() {
                format!("expected a block header like `block 0x80000000:`, found `{text}`")
            } else {
                format!("expected a block header or end of input after the terminator, found `{text}`")
            };
            return Err(err(line, reason));
        };
        let operands = split_operands(rest).map_err(|e| err(line, e))?;
        if Terminator::MNEMONICS.contains(&head) {
            let term = Terminator::parse_parts(head, &operands).map_err(|e| err(line, e))?;
            if let Some(o) = open.take() {
                blocks.push((o.line, IRBlock { start_pc: o.start_pc, ops: o.ops, term }));
            }
        } else if IROp::MNEMONICS.contains(&head) {
            o.ops.push(IROp::parse_parts(head, &operands).map_err(|e| err(line, e))?);
        } else {
            return Err(err(
                line,
                format!("expected an op or terminator mnemonic, found unknown mnemonic `{head}`"),
            ));
        }
    }
    if let Some(o) = open {
        return Err(err(
            last_line(s),
            format!(
                "block at {:#x} (line {}) has no terminator: expected one of {} as its last line",
                o.start_pc,
                o.line,
                Terminator::MNEMONICS.join(", ")
            ),
        ));
    }
    Ok(blocks)
}

/// Parse `block 0x…:` into the start pc.
fn parse_header(text: &str) -> Result<u64, String> {
    let expected = || format!("expected a block header like `block 0x80000000:`, found `{text}`");
    let addr = text
        .strip_prefix("block")
        .filter(|r| r.starts_with(char::is_whitespace))
        .and_then(|r| r.trim().strip_suffix(':'))
        .ok_or_else(expected)?;
    <u64 as Operand>::parse_text(addr.trim()).map_err(|e| format!("block start pc: {e}"))
}

/// Split the text after a mnemonic at commas; every operand must be non-empty.
fn split_operands(rest: &str) -> Result<Vec<&str>, String> {
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = rest.split(',').map(str::trim).collect();
    match parts.iter().position(|p| p.is_empty()) {
        Some(i) => Err(format!("expected an operand in position {} of `{rest}`, found nothing", i + 1)),
        None => Ok(parts),
    }
}
