//! What the core reports, written onto a [`Tape`]: a batch's replies (shaped by
//! `core::reply`), a batch that failed whole, a connection event. The tape itself
//! (`core::transfer`) knows only values and record codes; this layer, above the reply shapes
//! and the sink's events, adds these record writers to it.

use crate::core::error::Error;
use crate::core::reply::{put_batch, put_frames, ReplyForm};
use crate::core::sink::Event;
use crate::core::transfer::{op, record, Extra, Tape};

impl Tape {
    /// A batch's replies, each in its command's form.
    pub fn batch(
        &mut self,
        client: u32,
        id: u32,
        forms: &[ReplyForm],
        result: Result<Vec<redis::Value>, Error>,
    ) {
        match result {
            Ok(replies) => {
                self.ops.extend_from_slice(&[
                    record::BATCH,
                    client as f64,
                    id as f64,
                    replies.len() as f64,
                ]);
                put_batch(self, replies, forms);
            }
            Err(e) => {
                self.ops
                    .extend_from_slice(&[record::BATCH_ERROR, client as f64, id as f64]);
                self.ops.push(self.extras.len() as f64);
                self.extras.push(Extra::Error(e));
            }
        }
    }

    /// A batch's replies as the server sent them (`count` RESP3 frames), each in its
    /// command's form.
    pub fn frames(
        &mut self,
        client: u32,
        id: u32,
        forms: &[ReplyForm],
        frames: &[u8],
        count: usize,
    ) {
        self.ops
            .extend_from_slice(&[record::BATCH, client as f64, id as f64, count as f64]);
        put_frames(self, frames, count, forms);
    }

    /// A connection event: its name and detail.
    pub fn event(&mut self, client: u32, event: Event) {
        self.op2(record::EVENT, client as f64);
        let name = match &event {
            Event::Connect => "connect",
            Event::Ready => "ready",
            Event::Error(_) => "error",
            Event::Warning(_) => "warning",
            Event::Close => "close",
            Event::Reconnecting { .. } => "reconnecting",
            Event::RetryNeeded { .. } => "retry",
            Event::Resubscribed { .. } => "resubscribed",
            Event::MessagesDropped { .. } => "messagesDropped",
            Event::Invalidate { .. } => "invalidate",
            Event::Tracking => "tracking",
            Event::LockLost { .. } => "lockLost",
            Event::SwitchMaster { .. } => "switchMaster",
            Event::Reset(_) => "reset",
            Event::End => "end",
        };
        self.text(name.as_bytes());
        match event {
            Event::Error(e) | Event::Reset(e) => self.error(e),
            Event::Reconnecting { delay_ms, .. } => self.op2(op::NUMBER, delay_ms as f64),
            Event::RetryNeeded { attempt } => self.op2(op::NUMBER, attempt as f64),
            Event::Resubscribed { down_ms } => self.op2(op::NUMBER, down_ms as f64),
            Event::MessagesDropped { count } => self.op2(op::NUMBER, count as f64),
            Event::Invalidate { keys: Some(keys) } => {
                self.op2(op::ARRAY, keys.len() as f64);
                for k in keys {
                    self.bytes(&k, false);
                }
            }
            Event::Invalidate { keys: None } => self.op1(op::NULL),
            Event::LockLost { watch, error } => self.extra(Extra::LockLost(error, watch)),
            Event::SwitchMaster { address } => self.text(address.as_bytes()),
            Event::Warning(text) => self.text(text.as_bytes()),
            Event::Connect | Event::Ready | Event::Close | Event::End | Event::Tracking => {
                self.op1(op::UNDEFINED)
            }
        }
    }
}
