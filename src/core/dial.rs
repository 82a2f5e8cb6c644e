//! Dialing: the socket to the configured address, with the options every connection gets
//! (no Nagle delay, TCP keep-alive), before any byte of the handshake.

use std::io;

use crate::core::config::{Addr, ClientConfig};
use crate::core::error::{Error, Result};

/// A freshly connected stream on the runtime.
pub enum Dialed {
    /// TCP.
    Tcp(tokio::net::TcpStream),
    /// A unix domain socket.
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
}

/// Connects to `config.addr`.
pub async fn dial(config: &ClientConfig) -> Result<Dialed> {
    let io = |e: io::Error| Error::Connection(e.to_string());
    match &config.addr {
        Addr::Tcp(host, port) => {
            let s = tokio::net::TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(io)?;
            s.set_nodelay(true).map_err(io)?;
            if let Some(idle) = config.keep_alive {
                socket2::SockRef::from(&s)
                    .set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(idle))
                    .map_err(io)?;
            }
            Ok(Dialed::Tcp(s))
        }
        #[cfg(unix)]
        Addr::Unix(path) => Ok(Dialed::Unix(
            tokio::net::UnixStream::connect(path).await.map_err(io)?,
        )),
        #[cfg(not(unix))]
        Addr::Unix(_) => Err(Error::InvalidArg(
            "unix sockets need a unix-like system".into(),
        )),
    }
}
