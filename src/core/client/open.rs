//! Opening the connections the task drives: one server (handshaken by `core::handshake`,
//! then handed to redis-rs), TLS, and Cluster; restoring subscriptions on each.

use super::*;

/// What a new connection must restore before it is ready.
pub(super) struct Subscriptions {
    pub(super) channels: Vec<Vec<u8>>,
    pub(super) patterns: Vec<Vec<u8>>,
    pub(super) shards: Vec<Vec<u8>>,
    pub(super) tracking: bool,
}

impl Subscriptions {
    /// Subscribes a fresh connection to everything in the registry.
    pub(super) async fn restore(&self, conn: &mut Connection) -> Result<()> {
        for (kind, names) in [
            (SubKind::Channel, &self.channels),
            (SubKind::Pattern, &self.patterns),
            (SubKind::Shard, &self.shards),
        ] {
            if !names.is_empty() {
                conn.subscribe(kind, false, names)
                    .await
                    .map_err(|e| Error::from_redis(&e))?;
            }
        }
        Ok(())
    }
}

/// Opens one connection the task drives, with the registered subscriptions restored, all
/// within the connect timeout. On one server without TLS the stream is handshaken by
/// `core::handshake` (the same steps as the direct path) and then handed to redis-rs, told
/// to send nothing but `HELLO 3` again; Cluster and TLS connections handshake inside redis-rs
/// (see `open_tls`, `open_cluster`).
pub(super) async fn open(
    config: Arc<ClientConfig>,
    push: impl redis::aio::AsyncPushSender,
    subs: Subscriptions,
    tap: Option<(Arc<dyn Sink>, u32)>,
) -> Result<(Connection, Vec<Note>)> {
    if !config.cluster_nodes.is_empty() {
        return Ok((open_cluster(config, push, subs).await?, Vec::new()));
    }
    if config.tls.is_some() {
        return Ok((open_tls(config, push, subs).await?, Vec::new()));
    }
    let mut guard = Guard::new(dial(&config).await?);
    let (resp3, notes) = match guard.stream()? {
        Dialed::Tcp(s) => handshake::run(s, &config, subs.tracking).await?,
        #[cfg(unix)]
        Dialed::Unix(s) => handshake::run(s, &config, subs.tracking).await?,
    };
    let conn = match guard.release()? {
        Dialed::Tcp(s) => over_stream(s, resp3, push, tap).await?,
        #[cfg(unix)]
        Dialed::Unix(s) => over_stream(s, resp3, push, tap).await?,
    };
    let mut conn = Connection::Single(conn);
    subs.restore(&mut conn).await?;
    Ok((conn, notes))
}

/// Starts redis-rs' connection driver on a handshaken stream (through the message tap for
/// subscribers, see `message_tap`). Pushes need RESP3; a server that refused it gets a
/// connection without them.
pub(super) async fn over_stream<S>(
    stream: S,
    resp3: bool,
    push: impl redis::aio::AsyncPushSender,
    tap: Option<(Arc<dyn Sink>, u32)>,
) -> Result<MultiplexedConnection>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut info = redis::RedisConnectionInfo::default().set_skip_set_lib_name();
    let mut settings = AsyncConnectionConfig::new()
        // Deadlines are ours (they also cover queueing), so the library's must not interfere.
        .set_response_timeout(None);
    if resp3 {
        info = info.set_protocol(redis::ProtocolVersion::RESP3);
        settings = settings.set_push_sender(push);
    }
    // The driver ends by itself once every handle on the connection is dropped.
    let conn = match tap {
        Some((sink, id)) => {
            let deliver: Deliver = Box::new(move |m| sink.push_message(id, m));
            let tapped = MessageTap::new(stream, deliver);
            let (conn, driver) = MultiplexedConnection::new_with_config(&info, tapped, settings)
                .await
                .map_err(|e| Error::from_redis(&e))?;
            tokio::spawn(driver);
            conn
        }
        None => {
            let (conn, driver) = MultiplexedConnection::new_with_config(&info, stream, settings)
                .await
                .map_err(|e| Error::from_redis(&e))?;
            tokio::spawn(driver);
            conn
        }
    };
    Ok(conn)
}

/// A TLS connection: redis-rs connects and handshakes (`HELLO 3` with credentials,
/// `SELECT`, `CLIENT SETINFO`); the name, tracking, ready and role checks follow.
pub(super) async fn open_tls(
    config: Arc<ClientConfig>,
    push: impl redis::aio::AsyncPushSender,
    subs: Subscriptions,
) -> Result<Connection> {
    let client = config.redis_client()?;
    let settings = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(config.connect_timeout))
        .set_response_timeout(None)
        .set_push_sender(push);
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&settings)
        .await
        .map_err(|e| Error::from_redis(&e))?;
    if let Some(name) = &config.connection_name {
        redis::cmd("CLIENT")
            .arg("SETNAME")
            .arg(name)
            .exec_async(&mut conn)
            .await
            .map_err(|e| Error::from_redis(&e))?;
    }
    if subs.tracking {
        redis::cmd("CLIENT")
            .arg("TRACKING")
            .arg("ON")
            .exec_async(&mut conn)
            .await
            .map_err(|e| Error::from_redis(&e))?;
    }
    if config.ready_check {
        wait_loaded(&mut conn).await?;
    }
    if crate::core::handshake::expected_role(&config).is_some() {
        let role: Value = redis::cmd("ROLE")
            .query_async(&mut conn)
            .await
            .map_err(|e| Error::from_redis(&e))?;
        crate::core::handshake::check_role_reply(&config, &role)?;
    }
    let mut conn = Connection::Single(conn);
    subs.restore(&mut conn).await?;
    Ok(conn)
}

/// The ready check (see `handshake::ready_check`) on a TLS connection.
pub(super) async fn wait_loaded(conn: &mut MultiplexedConnection) -> Result<()> {
    loop {
        let info: redis::RedisResult<String> = redis::cmd("INFO")
            .arg("persistence")
            .query_async(conn)
            .await;
        match info {
            Ok(text) => match crate::core::handshake::loading_delay(&text) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Ok(()),
            },
            Err(e) if e.is_io_error() || e.is_connection_dropped() => {
                return Err(Error::from_redis(&e))
            }
            // An INFO that fails (renamed away, refused by an ACL) says nothing: go ahead.
            Err(_) => return Ok(()),
        }
    }
}

/// Runs one op on a live connection.
pub(super) async fn run_op(
    mut conn: Connection,
    op: Op,
    registry_len: usize,
) -> Result<Vec<Value>> {
    match op {
        Op::Batch(b) => conn.run_batch(&b).await.map_err(|e| Error::from_redis(&e)),
        Op::Sub {
            kind,
            names,
            unsubscribe,
        } => {
            if !names.is_empty() {
                conn.subscribe(kind, unsubscribe, &names)
                    .await
                    .map_err(|e| Error::from_redis(&e))?;
            }
            Ok(vec![Value::Int(registry_len as i64)])
        }
        Op::Quit => {
            let r = conn.exec(&redis::cmd("QUIT")).await;
            match r {
                Ok(v) => Ok(vec![v]),
                // The server may close before we read its OK; the goodbye happened either way.
                Err(e) if e.is_connection_dropped() || e.is_io_error() => Ok(vec![Value::Okay]),
                Err(e) => Err(Error::from_redis(&e)),
            }
        }
    }
}

/// The message a `message`/`pmessage`/`smessage` push carries, if it is well formed.
pub(super) fn message_of(info: PushInfo) -> Option<Message> {
    let sharded = info.kind == PushKind::SMessage;
    let mut data = info.data.into_iter().map(|v| match v {
        Value::BulkString(b) => b,
        other => crate::core::reply::as_text(&other)
            .unwrap_or_default()
            .into_bytes(),
    });
    let pattern = if info.kind == PushKind::PMessage {
        Some(data.next()?)
    } else {
        None
    };
    Some(Message {
        pattern,
        channel: data.next()?,
        payload: data.next()?,
        sharded,
    })
}

/// Retries of one Cluster command inside the library (at most 500 ms apart: longer than any
/// default deadline).
pub(super) const CLUSTER_RETRIES: u32 = 40;

/// Connects to a Redis Cluster from its seed nodes and restores the subscriptions. The
/// library keeps one connection per node, routes by slot and follows redirects.
pub(super) async fn open_cluster(
    config: Arc<ClientConfig>,
    push: impl redis::aio::AsyncPushSender,
    subs: Subscriptions,
) -> Result<Connection> {
    let scheme = if config.tls.is_some() {
        "rediss"
    } else {
        "redis"
    };
    let nodes = config
        .cluster_nodes
        .iter()
        .map(|(h, p)| format!("{scheme}://{h}:{p}"))
        .collect::<Vec<_>>();
    let mut builder = ClusterClientBuilder::new(nodes)
        .use_protocol(redis::ProtocolVersion::RESP3)
        // Per node, a third of the attempt: a seed that accepts and never answers (paused,
        // cut off) is left out instead of using up the whole attempt.
        .connection_timeout((config.connect_timeout / 3).max(Duration::from_millis(100)))
        .push_sender(push)
        // CLUSTERDOWN, TRYAGAIN and lost nodes are retried by the library until the command's
        // own deadline (ours) ends it: retry often (every 20–500 ms, not the library's
        // default of 1.3 s growing to minutes), so a command completes soon after the
        // cluster is back.
        .retries(CLUSTER_RETRIES)
        .min_retry_wait(20)
        .max_retry_wait(500);
    if subs.tracking {
        // Every node connection, including those made later for new nodes, handshakes with
        // `CLIENT TRACKING ON OPTIN`: only reads marked for the near-cache are tracked. The
        // library keeps no cache of its own for commands that do not opt in (none do).
        builder = builder.cache_config(
            redis::caching::CacheConfig::new().set_mode(redis::caching::CacheMode::OptIn),
        );
    }
    if let Some(t) = &config.tls {
        builder = builder.tls(if t.reject_unauthorized {
            redis::TlsMode::Secure
        } else {
            redis::TlsMode::Insecure
        });
        if let Some(certs) = config.tls_certificates()? {
            builder = builder.certs(certs);
        }
    }
    if config.read_from_replicas {
        builder = builder.read_routing_strategy(redis::cluster_read_routing::RandomReplicaStrategy);
    }
    if let Some(u) = &config.username {
        builder = builder.username(u);
    }
    if let Some(p) = &config.password {
        builder = builder.password(p);
    }
    let work = async {
        let client = builder.build().map_err(|e| Error::from_redis(&e))?;
        let conn = client
            .get_async_connection()
            .await
            .map_err(|e| Error::from_redis(&e))?;
        let mut conn = Connection::Cluster(conn, subs.tracking);
        subs.restore(&mut conn).await?;
        Ok(conn)
    };
    work.await
}

/// Runs a connection attempt under the configured connect timeout.
pub(super) async fn within_connect_timeout<T>(
    config: &ClientConfig,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(config.connect_timeout, work).await {
        // The library's own connection timeout reads like a command's: it is the same one.
        Ok(Err(Error::Timeout(_))) | Err(_) => Err(Error::Connection(format!(
            "connect timed out after {} ms",
            config.connect_timeout.as_millis()
        ))),
        Ok(r) => r,
    }
}
