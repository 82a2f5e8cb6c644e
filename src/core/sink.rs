//! What the core reports back to its host: completed batches, connection events and pub/sub
//! messages. The Node binding collects them into one buffer and wakes the JavaScript thread
//! once per empty→non-empty transition; tests collect them into a channel.

use redis::Value;

use crate::core::error::Error;
use crate::core::message_tap::RawMessage;

/// One connection lifecycle event (the ioredis / node-redis event names).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The connection (TCP/TLS and handshake) is up.
    Connect,
    /// Commands flow; for subscribers, every registered subscription is active again.
    Ready,
    /// A connection-level failure (the command-level ones reject their own promises).
    Error(Error),
    /// A server reply during the handshake worth a warning; the connection came up anyway
    /// (see `handshake::Note::Warn`).
    Warning(String),
    /// The connection went away.
    Close,
    /// A reconnection attempt is scheduled after `delay_ms`.
    Reconnecting {
        /// Wait before the attempt.
        delay_ms: u64,
        /// 1 for the first attempt after a loss.
        attempt: u32,
    },
    /// The host must answer [`crate::core::client::Client::retry_decision`] for this attempt.
    RetryNeeded {
        /// 1 for the first attempt after a loss.
        attempt: u32,
    },
    /// Subscriptions were restored after a reconnect; messages published while the
    /// connection was down (`down_ms`) are lost, as pub/sub is fire-and-forget.
    Resubscribed {
        /// How long the subscriber connection was down.
        down_ms: u64,
    },
    /// Server-assisted client-side caching: these keys changed (`None`: everything, e.g.
    /// after FLUSHALL), so local copies must go.
    Invalidate {
        /// The keys, or `None` for all.
        keys: Option<Vec<Vec<u8>>>,
    },
    /// Reads marked as near-cache reads are tracked from now on (a Cluster connection made
    /// with tracking is live); until then a near-cache on a Cluster keeps nothing.
    Tracking,
    /// Pub/sub messages were dropped because the host had not drained earlier ones yet.
    MessagesDropped {
        /// How many since the last report.
        count: u64,
    },
    /// A lock watched by [`crate::core::lock::watch`] was lost.
    LockLost {
        /// The id the host gave the watch.
        watch: u32,
        /// Why.
        error: Error,
    },
    /// Sentinel announced a new primary (`+switch-master`) at `address`: the host makes
    /// the connection reconnect, which asks the sentinels again.
    SwitchMaster {
        /// `host:port` of the new primary.
        address: String,
    },
    /// A fault inside this package (a caught panic) lost track of replies this client was
    /// waiting for: the host fails everything it still has in flight with this error.
    Reset(Error),
    /// The client is finished and accepts no more commands.
    End,
}

/// A message received on a subscriber connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The pattern that matched (`pmessage`), if any.
    pub pattern: Option<Vec<u8>>,
    /// The channel it was published on.
    pub channel: Vec<u8>,
    /// The payload.
    pub payload: Vec<u8>,
    /// Whether it came through a sharded channel (`smessage`).
    pub sharded: bool,
}

/// Everything reported to the host.
#[derive(Debug)]
pub enum Completion {
    /// A submitted batch finished: one reply (possibly a server error) per command, or one
    /// error for the whole batch (timeout, connection lost, closed...).
    Batch {
        /// The client's id.
        client: u32,
        /// The id the host gave the batch (unique per client).
        id: u32,
        /// Per command: its reply's shape and whether bulk replies stay binary.
        forms: Vec<crate::core::reply::ReplyForm>,
        /// The replies.
        result: Result<Vec<Value>, Error>,
    },
    /// A submitted batch finished on the direct path: its replies as the server sent them
    /// (RESP3 frames back to back), shaped only as they cross to the host.
    Frames {
        /// The client's id.
        client: u32,
        /// The id the host gave the batch.
        id: u32,
        /// Per command: its reply's shape and whether bulk replies stay binary.
        forms: Vec<crate::core::reply::ReplyForm>,
        /// The replies' bytes.
        frames: Vec<u8>,
        /// How many replies `frames` holds.
        count: usize,
    },
    /// A lifecycle event of one client.
    Event {
        /// The client's id.
        client: u32,
        /// What happened.
        event: Event,
    },
    /// A direct client's connection is ready: the host takes over `socket` and writes
    /// `queued` (batches that waited for it) before anything else. `host_ops` is how many
    /// host submissions the client had received when it handed over; later ones arrive as
    /// [`Completion::Forward`], so the host can keep its submissions in order.
    Attach {
        /// The client's id.
        client: u32,
        /// The handshaken socket.
        socket: crate::core::dial::Socket,
        /// Batches to write first, in order.
        queued: Vec<crate::core::command::Outgoing>,
        /// Host submissions received so far.
        host_ops: u64,
    },
    /// A batch that reached a direct client's task after it handed its socket over: the
    /// host writes it.
    Forward {
        /// The client's id.
        client: u32,
        /// The batch.
        batch: crate::core::command::Outgoing,
    },
    /// A pub/sub message for one client.
    Message {
        /// The client's id.
        client: u32,
        /// The message.
        message: Message,
    },
}

/// Receives completions from the runtime's threads.
pub trait Sink: Send + Sync + 'static {
    /// Hands over one completion; must not block.
    fn push(&self, completion: Completion);

    /// Hands over one pub/sub message borrowed from a read buffer. Sinks that gather
    /// messages override this to copy the bytes once, straight into their batch.
    fn push_message(&self, client: u32, m: RawMessage<'_>) {
        self.push(Completion::Message {
            client,
            message: Message {
                pattern: m.pattern.map(<[u8]>::to_vec),
                channel: m.channel.to_vec(),
                payload: m.payload.to_vec(),
                sharded: m.sharded,
            },
        });
    }
}

/// A sink backed by a tokio channel, for Rust callers and tests.
pub struct ChannelSink(pub tokio::sync::mpsc::UnboundedSender<Completion>);

impl Sink for ChannelSink {
    fn push(&self, completion: Completion) {
        // The receiver being gone means nobody waits for the result any more.
        let _ = self.0.send(completion);
    }
}
