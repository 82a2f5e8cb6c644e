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

impl SubKind {
    /// Each kind with the code the host names it by.
    pub const CODES: [(SubKind, u32); 3] = [
        (SubKind::Channel, 0),
        (SubKind::Pattern, 1),
        (SubKind::Shard, 2),
    ];

    /// The kind a host's code names (channels for an unknown code).
    pub fn from_code(code: u32) -> SubKind {
        SubKind::CODES
            .into_iter()
            .find(|(_, c)| *c == code)
            .map_or(SubKind::Channel, |(k, _)| k)
    }
}

/// A live connection (cheap to clone: clones share it).
#[derive(Clone)]
pub enum Connection {
    /// One server.
    Single(MultiplexedConnection),
    /// A Redis Cluster; `true` when its node connections track reads in `OPTIN` mode (every
    /// one, including those opened later for new nodes: the library's handshake says so).
    Cluster(ClusterConnection, bool),
}

fn is_named(cmd: &Cmd, name: &str) -> bool {
    cmd.args_iter().next().is_some_and(
        |a| matches!(a, redis::Arg::Simple(b) if b.eq_ignore_ascii_case(name.as_bytes())),
    )
}

/// A near-cache read (a single-key command, the key first) on a Cluster node connection
/// tracking in `OPTIN` mode: `CLIENT CACHING YES` and the read leave as one pipeline to the
/// primary of the key's slot, so nothing else on that connection comes between them (the
/// library follows redirects with both).
async fn tracked_read(c: &mut ClusterConnection, cmd: &Cmd) -> RedisResult<Value> {
    use redis::cluster_routing::{Route, SingleNodeRoutingInfo, Slot, SlotAddr};
    let key = match cmd.args_iter().nth(1) {
        Some(redis::Arg::Simple(k)) => k,
        _ => return c.req_packed_command(cmd).await,
    };
    let route = Route::with_slot(Slot::for_key(key), SlotAddr::Master);
    let mut pair = redis::pipe();
    pair.cmd("CLIENT").arg("CACHING").arg("YES");
    pair.add_command(cmd.clone());
    let mut replies = c
        .route_pipeline(pair, 1, 1, SingleNodeRoutingInfo::SpecificNode(route))
        .await?;
    replies
        .pop()
        .ok_or_else(|| redis::RedisError::from((redis::ErrorKind::Client, "no reply")))
}

impl Connection {
    /// Runs a batch; one reply per command, server errors as [`Value::ServerError`].
    pub async fn run_batch(&mut self, b: &Batch) -> RedisResult<Vec<Value>> {
        match self {
            Connection::Single(c) => c.send_packed_commands(&b.pipeline, 0, b.count).await,
            Connection::Cluster(c, tracking) => {
                let cmds: Vec<&Cmd> = b.pipeline.cmd_iter().collect();
                let tracked = |i: usize| *tracking && b.tracked.contains(&i);
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
                    let r = if tracked(0) {
                        tracked_read(c, cmd).await
                    } else {
                        c.req_packed_command(cmd).await
                    };
                    return Ok(vec![reply(r)?]);
                }
                // Otherwise each command goes to its own node; all are in flight at once and
                // the replies come back in submission order.
                let results = join_all(cmds.into_iter().enumerate().map(|(i, cmd)| {
                    let mut c = c.clone();
                    let tracked = tracked(i);
                    async move {
                        if tracked {
                            tracked_read(&mut c, cmd).await
                        } else {
                            c.req_packed_command(cmd).await
                        }
                    }
                }))
                .await;
                results.into_iter().map(reply).collect()
            }
        }
    }

    /// A Cluster's slot map as one comparable string (each range with its primary's address,
    /// sorted), as the node that answers `CLUSTER SLOTS` sees it; `None` elsewhere or when
    /// the reply is not one.
    pub async fn slot_map(&mut self) -> Option<String> {
        let Connection::Cluster(c, _) = self else {
            return None;
        };
        let Ok(Value::Array(ranges)) = c
            .req_packed_command(redis::cmd("CLUSTER").arg("SLOTS"))
            .await
        else {
            return None;
        };
        let mut parts = Vec::with_capacity(ranges.len());
        for range in ranges {
            let Value::Array(r) = range else { return None };
            let (Some(Value::Int(lo)), Some(Value::Int(hi)), Some(Value::Array(primary))) =
                (r.first(), r.get(1), r.get(2))
            else {
                return None;
            };
            let host = primary.first().and_then(crate::core::reply::as_text)?;
            let Some(Value::Int(port)) = primary.get(1) else {
                return None;
            };
            parts.push(format!("{lo}-{hi}@{host}:{port}"));
        }
        parts.sort();
        Some(parts.join(","))
    }

    /// Runs one command.
    pub async fn exec(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd).await,
            Connection::Cluster(c, _) => c.req_packed_command(cmd).await,
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
            (Connection::Cluster(c, _), SubKind::Channel, false) => c.subscribe(names).await,
            (Connection::Cluster(c, _), SubKind::Channel, true) => c.unsubscribe(names).await,
            (Connection::Cluster(c, _), SubKind::Pattern, false) => c.psubscribe(names).await,
            (Connection::Cluster(c, _), SubKind::Pattern, true) => c.punsubscribe(names).await,
            // One command per channel: sharded channels in one command must share a slot.
            (Connection::Cluster(c, _), SubKind::Shard, unsubscribe) => {
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
