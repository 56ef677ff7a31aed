//! The stub's connection: a TCP stream that drops line noise and corrupt packets.
//!
//! gdbstub ends the session on a byte that cannot start a packet (anything but `$`, `+`, `-`
//! or Ctrl-C) and on a packet whose checksum is wrong. A confused or noisy client should not
//! cost the session, so this layer skips stray bytes between packets and answers a corrupt
//! packet with `-` (the protocol's "send it again"), handing gdbstub only whole packets that
//! check out.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;

use gdbstub::conn::{Connection, ConnectionExt};

/// Longest packet accepted (gdbstub's own buffer is smaller; longer ones are its to refuse).
const MAX_PACKET: usize = 1 << 16;

/// A TCP connection to gdb that passes on only protocol bytes and good packets.
pub(crate) struct GdbConn {
    stream: TcpStream,
    /// Checked bytes ready for gdbstub.
    ready: VecDeque<u8>,
}

impl GdbConn {
    pub fn new(stream: TcpStream) -> Self {
        GdbConn { stream, ready: VecDeque::new() }
    }

    fn read_byte(&mut self) -> std::io::Result<u8> {
        let mut b = [0u8];
        self.stream.read_exact(&mut b)?;
        Ok(b[0])
    }

    /// Read from the stream until a useful byte or whole good packet is ready; with
    /// `blocking` false, return at once if nothing has arrived.
    fn fill(&mut self, blocking: bool) -> std::io::Result<()> {
        while self.ready.is_empty() {
            self.stream.set_nonblocking(!blocking)?;
            let mut b = [0u8];
            match self.stream.peek(&mut b) {
                Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
            // Something is there: the rest of a packet follows promptly, read it blocking.
            self.stream.set_nonblocking(false)?;
            match self.read_byte()? {
                b'$' => self.packet()?,
                c @ (b'+' | b'-' | 0x03) => self.ready.push_back(c),
                c => tracing::warn!("gdb stub: skipping stray byte {c:#04x} between packets"),
            }
        }
        Ok(())
    }

    /// Read a packet after its `$`; queue it if its checksum is right, else ask for it again.
    fn packet(&mut self) -> std::io::Result<()> {
        let mut data = Vec::new();
        loop {
            match self.read_byte()? {
                b'#' => break,
                _ if data.len() >= MAX_PACKET => {
                    tracing::warn!("gdb stub: dropping a packet longer than {MAX_PACKET} bytes");
                    return Write::write_all(&mut self.stream, b"-");
                }
                c => data.push(c),
            }
        }
        let digits = [self.read_byte()?, self.read_byte()?];
        let sent = std::str::from_utf8(&digits).ok().and_then(|d| u8::from_str_radix(d, 16).ok());
        let sum = data.iter().fold(0u8, |a, &c| a.wrapping_add(c));
        if sent != Some(sum) {
            tracing::warn!(
                "gdb stub: packet with a bad checksum ({digits:?}, expected {sum:02x}): asking again"
            );
            return Write::write_all(&mut self.stream, b"-");
        }
        self.ready.push_back(b'$');
        self.ready.extend(data);
        self.ready.push_back(b'#');
        self.ready.extend(digits);
        Ok(())
    }
}

impl Connection for GdbConn {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> Result<(), Self::Error> {
        Write::write_all(&mut self.stream, &[byte])
    }

    fn write_all(&mut self, buf: &[u8]) -> Result<(), Self::Error> {
        Write::write_all(&mut self.stream, buf)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Write::flush(&mut self.stream)
    }

    fn on_session_start(&mut self) -> Result<(), Self::Error> {
        // Replies go out at once (gdb waits for each).
        self.stream.set_nodelay(true)
    }
}

impl ConnectionExt for GdbConn {
    fn read(&mut self) -> Result<u8, Self::Error> {
        self.fill(true)?;
        Ok(self.ready.pop_front().expect("fill(true) leaves a byte"))
    }

    fn peek(&mut self) -> Result<Option<u8>, Self::Error> {
        self.fill(false)?;
        Ok(self.ready.front().copied())
    }
}
