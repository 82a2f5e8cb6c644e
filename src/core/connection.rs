//! One live connection to Redis: a single server's multiplexed connection, or a Redis
//! Cluster's, which routes each command to the node owning its key's slot and follows
//! `MOVED`/`ASK` redirects. The client task drives either the same way.

use futures_util::future::join_all;
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, RedisResult, ServerError, Value};

use crate::core::command::Batch;

/// Which kind of subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubKind {
    /// `SUBSCRIBE` channels.
    Channel,
    /// `PSUBSCRIBE` patterns.
    Pattern,
    /// `SSUBSCRIBE` sharded channels (Redis Cluster, or one Redis 7 server).
    Shard,
}

/// A live connection (cheap to clone: clones share it).
#[derive(Clone)]
pub enum Connection {
    /// One server.
    Single(MultiplexedConnection),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
}

fn is_named(cmd: &Cmd, name: &str) -> bool {
    cmd.args_iter().next().is_some_and(
        |a| matches!(a, redis::Arg::Simple(b) if b.eq_ignore_ascii_case(name.as_bytes())),
    )
}

impl Connection {
    /// Runs a batch; one reply per command, server errors as [`Value::ServerError`].
    pub async fn run_batch(&mut self, b: &Batch) -> RedisResult<Vec<Value>> {
        match self {
            Connection::Single(c) => c.send_packed_commands(&b.pipeline, 0, b.count).await,
            Connection::Cluster(c) => {
                let cmds: Vec<&Cmd> = b.pipeline.cmd_iter().collect();
                // A transaction must reach one node as a whole (its keys share a slot).
                if cmds.first().is_some_and(|c| is_named(c, "MULTI")) {
                    return c.req_packed_commands(&b.pipeline, 0, b.count).await;
                }
                // A server error is that command's reply, not the batch's failure.
                let reply = |r: RedisResult<Value>| match r {
                    Ok(v) => Ok(v),
                    Err(e) => ServerError::try_from(e).map(Value::ServerError),
                };
                // One command alone, as itself (not a pipeline), so the library routes it by
                // its name too (read-only commands to replicas when asked).
                if let [cmd] = cmds[..] {
                    return Ok(vec![reply(c.req_packed_command(cmd).await)?]);
                }
                // Otherwise each command goes to its own node; all are in flight at once and
                // the replies come back in submission order.
                let results = join_all(cmds.into_iter().map(|cmd| {
                    let mut c = c.clone();
                    async move { c.req_packed_command(cmd).await }
                }))
                .await;
                results.into_iter().map(reply).collect()
            }
        }
    }

    /// Runs one command.
    pub async fn exec(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd).await,
            Connection::Cluster(c) => c.req_packed_command(cmd).await,
        }
    }

    /// Subscribes to (or unsubscribes from) `names`.
    pub async fn subscribe(
        &mut self,
        kind: SubKind,
        unsubscribe: bool,
        names: &[Vec<u8>],
    ) -> RedisResult<()> {
        match (self, kind, unsubscribe) {
            (Connection::Single(c), SubKind::Channel, false) => c.subscribe(names).await,
            (Connection::Single(c), SubKind::Channel, true) => c.unsubscribe(names).await,
            (Connection::Single(c), SubKind::Pattern, false) => c.psubscribe(names).await,
            (Connection::Single(c), SubKind::Pattern, true) => c.punsubscribe(names).await,
            // redis-rs has no sharded subscribe on one server (Redis 7 has it there too): one
            // command per channel, so each is answered by exactly one confirmation, which the
            // connection takes as that command's reply.
            (Connection::Single(c), SubKind::Shard, unsubscribe) => {
                let name = if unsubscribe {
                    "SUNSUBSCRIBE"
                } else {
                    "SSUBSCRIBE"
                };
                for channel in names {
                    if let Value::ServerError(e) =
                        c.req_packed_command(redis::cmd(name).arg(channel)).await?
                    {
                        return Err(e.into());
                    }
                }
                Ok(())
            }
            (Connection::Cluster(c), SubKind::Channel, false) => c.subscribe(names).await,
            (Connection::Cluster(c), SubKind::Channel, true) => c.unsubscribe(names).await,
            (Connection::Cluster(c), SubKind::Pattern, false) => c.psubscribe(names).await,
            (Connection::Cluster(c), SubKind::Pattern, true) => c.punsubscribe(names).await,
            // One command per channel: sharded channels in one command must share a slot.
            (Connection::Cluster(c), SubKind::Shard, unsubscribe) => {
                for name in names {
                    if unsubscribe {
                        c.sunsubscribe(name).await?
                    } else {
                        c.ssubscribe(name).await?
                    }
                }
                Ok(())
            }
        }
    }
}
