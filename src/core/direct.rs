//! The direct path: one command connection driven by whoever owns the socket, without a
//! task in between.
//!
//! The client task connects and handshakes on the runtime ([`open`]), then hands the
//! non-blocking socket over. The host (the Node binding) writes each tick's commands to it
//! from its own thread and reads the replies when its event loop says the socket is
//! readable, so a command and its reply need no cross-thread wake-up. [`DirectConn`] is that
//! socket's state, independent of any event loop: written batches in order, replies matched
//! to them, deadlines, and a cap on commands in flight.

use std::collections::VecDeque;
use std::io;
use std::time::Instant;

use redis::Value;

use crate::core::command::{is_internal, Outgoing, DISCARD};
use crate::core::config::ClientConfig;
use crate::core::dial::{dial, Dialed, Guard, Socket};
use crate::core::error::{Error, Result};
use crate::core::handshake::{self, Note};
use crate::core::resp::ReplyReader;
use crate::core::sink::Completion;

/// Whether a client with this configuration can use the direct path: one server, no TLS
/// (a TLS engine on the host's thread is future work), on a unix-like system.
pub fn eligible(config: &ClientConfig) -> bool {
    cfg!(unix) && config.cluster_nodes.is_empty() && config.tls.is_none()
}

/// Connects and handshakes on the runtime (see `core::handshake`); the socket comes back
/// non-blocking, detached from the runtime, ready to hand over, with what the handshake met.
pub async fn open(config: &ClientConfig, tracking: bool) -> Result<(Socket, Vec<Note>)> {
    let io = |e: io::Error| Error::Connection(e.to_string());
    let mut guard = Guard::new(dial(config).await?);
    let (_, notes) = match guard.stream()? {
        Dialed::Tcp(s) => handshake::run(s, config, tracking).await?,
        #[cfg(unix)]
        Dialed::Unix(s) => handshake::run(s, config, tracking).await?,
    };
    let socket = match guard.release()? {
        Dialed::Tcp(s) => Socket::Tcp(s.into_std().map_err(io)?),
        #[cfg(unix)]
        Dialed::Unix(s) => Socket::Unix(s.into_std().map_err(io)?),
    };
    Ok((socket, notes))
}

struct InFlight {
    id: u32,
    left: usize,
    /// The host's batches keep their replies' bytes ([`Completion::Frames`]); Rust-side
    /// requests get parsed values.
    raw: bool,
    frames: Vec<u8>,
    replies: Vec<Value>,
    forms: Vec<crate::core::reply::ReplyForm>,
    deadline: Option<Instant>,
    /// Already settled (timed out, or nobody waits): its replies are read and dropped.
    settled: bool,
    /// [`DirectConn::reads`] when it was written: unchanged at its deadline means the
    /// server sent nothing at all meanwhile.
    reads_at_write: u64,
}

/// Deadlines missed in a row with not one byte read meanwhile, after which the connection
/// is taken for dead (a partition, a stopped server) and recycled.
pub const SILENT_MISSES: u32 = 2;

/// What one read produced.
#[derive(Default)]
pub struct ReadOutcome {
    /// Batches that completed, in order.
    pub done: Vec<Completion>,
    /// Pushes (client tracking invalidations and the like), in arrival order.
    pub pushes: Vec<Value>,
    /// Set when the connection is gone (closed by the server, reset, or garbage); everything
    /// still in flight has then been failed into `done`.
    pub lost: Option<Error>,
    /// The server closed the connection in order (not an error worth an `error` event).
    pub closed_by_server: bool,
}

/// One direct connection's state.
pub struct DirectConn {
    client: u32,
    socket: Socket,
    reader: ReplyReader,
    out: Vec<u8>,
    written: usize,
    fifo: VecDeque<InFlight>,
    /// Commands written and not yet answered.
    in_flight: usize,
    max_in_flight: usize,
    /// Batches beyond the cap, not written yet (their deadlines still run).
    held: VecDeque<Outgoing>,
    /// Reads that returned bytes, ever.
    reads: u64,
    /// Deadlines missed in a row with nothing read since the batch was written.
    silent_misses: u32,
}

impl DirectConn {
    /// Takes over a handed-over socket. At most `max_in_flight` commands are written and
    /// unanswered at once (a single larger batch is still written whole, alone).
    pub fn new(client: u32, socket: Socket, max_in_flight: usize) -> DirectConn {
        DirectConn {
            client,
            socket,
            reader: ReplyReader::new(),
            out: Vec::new(),
            written: 0,
            fifo: VecDeque::new(),
            in_flight: 0,
            max_in_flight: max_in_flight.max(1),
            held: VecDeque::new(),
            reads: 0,
            silent_misses: 0,
        }
    }

    /// The socket, for the host's event loop.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// Queues a batch for writing (or holds it while the cap is reached). Call
    /// [`DirectConn::flush`] afterwards.
    pub fn push(&mut self, b: Outgoing) {
        if self.held.is_empty() && self.admits(b.forms.len()) {
            self.admit(b);
        } else {
            self.held.push_back(b);
        }
    }

    fn admits(&self, commands: usize) -> bool {
        self.in_flight == 0 || self.in_flight + commands <= self.max_in_flight
    }

    fn admit(&mut self, b: Outgoing) {
        let n = b.forms.len();
        if self.written == self.out.len() {
            self.out.clear();
            self.written = 0;
        }
        self.out.extend_from_slice(&b.bytes);
        self.in_flight += n;
        let raw = !is_internal(b.id);
        self.fifo.push_back(InFlight {
            id: b.id,
            left: n,
            raw,
            frames: Vec::new(),
            replies: if raw {
                Vec::new()
            } else {
                Vec::with_capacity(n)
            },
            forms: b.forms,
            deadline: b.deadline,
            settled: b.id == DISCARD,
            reads_at_write: self.reads,
        });
    }

    /// Batches held back by the cap.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Writes what it can without blocking. `Ok(true)`: everything is written; `Ok(false)`:
    /// the socket is full, call again when it is writable.
    pub fn flush(&mut self) -> io::Result<bool> {
        while self.written < self.out.len() {
            match self.socket.write(&self.out[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.out.clear();
        self.written = 0;
        Ok(true)
    }

    /// Reads what is available and matches replies to batches. The host must watch the
    /// socket level-triggered: a read that fills less than its buffer ends the call.
    pub fn read(&mut self) -> ReadOutcome {
        let mut outcome = ReadOutcome::default();
        loop {
            let room = self.reader.room();
            let asked = room.len();
            match self.socket.read(room) {
                Ok(0) => {
                    self.parse(&mut outcome);
                    outcome.closed_by_server = outcome.lost.is_none();
                    self.lose(
                        &mut outcome,
                        Error::Connection("Connection closed by the server".into()),
                    );
                    return outcome;
                }
                Ok(n) => {
                    self.reads += 1;
                    self.silent_misses = 0;
                    self.reader.filled(n);
                    self.parse(&mut outcome);
                    // A short read emptied the socket: the host's poll is level-triggered,
                    // so bytes arriving later wake it again; asking now would only cost a
                    // system call that answers "would block".
                    if outcome.lost.is_some() || n < asked {
                        return outcome;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return outcome,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.lose(&mut outcome, Error::Connection(e.to_string()));
                    return outcome;
                }
            }
        }
    }

    fn parse(&mut self, outcome: &mut ReadOutcome) {
        loop {
            let frame = match self.reader.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    self.lose(outcome, e);
                    return;
                }
            };
            let parse = |f: &[u8]| {
                redis::parse_redis_value(f)
                    .map_err(|e| Error::Connection(format!("protocol error: {e}")))
            };
            if frame.first() == Some(&b'>') {
                match parse(frame) {
                    Ok(v) => outcome.pushes.push(v),
                    Err(e) => return self.lose(outcome, e),
                }
                continue;
            }
            let Some(head) = self.fifo.front_mut() else {
                self.lose(
                    outcome,
                    Error::Connection("protocol error: a reply nobody asked for".into()),
                );
                return;
            };
            head.left -= 1;
            self.in_flight -= 1;
            if !head.settled {
                if head.raw {
                    head.frames.extend_from_slice(frame);
                } else {
                    match parse(frame) {
                        Ok(v) => head.replies.push(v),
                        Err(e) => return self.lose(outcome, e),
                    }
                }
            }
            if head.left == 0 {
                match self.fifo.pop_front() {
                    Some(b) if b.settled => {}
                    Some(b) if b.raw => {
                        outcome.done.push(Completion::Frames {
                            client: self.client,
                            id: b.id,
                            count: b.forms.len(),
                            forms: b.forms,
                            frames: b.frames,
                        });
                    }
                    Some(b) => outcome.done.push(Completion::Batch {
                        client: self.client,
                        id: b.id,
                        forms: b.forms,
                        result: Ok(b.replies),
                    }),
                    None => {}
                }
            }
        }
        self.admit_held();
    }

    fn admit_held(&mut self) {
        while let Some(b) = self.held.front() {
            if !self.admits(b.forms.len()) {
                break;
            }
            if let Some(b) = self.held.pop_front() {
                self.admit(b);
            }
        }
    }

    /// The socket, for closing ([`Socket::linger`]) once nothing is left on it.
    pub fn into_socket(self) -> Socket {
        self.socket
    }

    /// Whether bytes wait to be written (after [`DirectConn::read`] admitted held batches).
    pub fn wants_write(&self) -> bool {
        self.written < self.out.len()
    }

    fn lose(&mut self, outcome: &mut ReadOutcome, err: Error) {
        outcome.done.extend(self.fail_all(err.clone()));
        outcome.lost = Some(err);
    }

    /// Settles every batch still waiting (written or held) with `err`, for a connection
    /// that is gone or being closed.
    pub fn fail_all(&mut self, err: Error) -> Vec<Completion> {
        let mut done = Vec::new();
        for b in self.fifo.drain(..) {
            if !b.settled {
                done.push(Completion::Batch {
                    client: self.client,
                    id: b.id,
                    forms: b.forms,
                    result: Err(err.clone()),
                });
            }
        }
        for b in self.held.drain(..) {
            done.push(Completion::Batch {
                client: self.client,
                id: b.id,
                forms: b.forms,
                result: Err(err.clone()),
            });
        }
        self.in_flight = 0;
        self.out.clear();
        self.written = 0;
        self.socket.shutdown();
        done
    }

    /// Settles every batch whose deadline has passed with a timeout. Written ones keep their
    /// place so their late replies are read and dropped; held ones are never written.
    pub fn expire(&mut self, now: Instant) -> Vec<Completion> {
        let mut done = Vec::new();
        let late = |d: Option<Instant>| d.is_some_and(|d| d <= now);
        for b in self.fifo.iter_mut() {
            if !b.settled && late(b.deadline) {
                if b.reads_at_write == self.reads {
                    self.silent_misses += 1;
                }
                b.settled = true;
                b.replies = Vec::new();
                b.frames = Vec::new();
                done.push(Completion::Batch {
                    client: self.client,
                    id: b.id,
                    forms: std::mem::take(&mut b.forms),
                    result: Err(Error::Timeout(std::time::Duration::ZERO)),
                });
            }
        }
        let mut keep = VecDeque::with_capacity(self.held.len());
        for b in self.held.drain(..) {
            if late(b.deadline) {
                done.push(Completion::Batch {
                    client: self.client,
                    id: b.id,
                    forms: b.forms,
                    result: Err(Error::Timeout(std::time::Duration::ZERO)),
                });
            } else {
                keep.push_back(b);
            }
        }
        self.held = keep;
        done
    }

    /// Whether the server has let [`SILENT_MISSES`] deadlines pass in a row without sending
    /// a byte: the host should drop the connection (and reconnect) rather than keep
    /// waiting on it.
    pub fn is_silent(&self) -> bool {
        self.silent_misses >= SILENT_MISSES
    }

    /// The earliest deadline of a batch not yet settled.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.fifo
            .iter()
            .filter(|b| !b.settled)
            .filter_map(|b| b.deadline)
            .chain(self.held.iter().filter_map(|b| b.deadline))
            .min()
    }

    /// Whether anything is written and unanswered, or held.
    pub fn is_idle(&self) -> bool {
        self.fifo.is_empty() && self.held.is_empty()
    }
}
