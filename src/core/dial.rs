//! Dialing: the socket to the configured address, with the options every connection gets
//! (no Nagle delay, TCP keep-alive), before any byte of the handshake.

use std::io::{self, Read, Write};

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

/// Stops writing and reads what the server still sends until it closes its side (at most a
/// second), then closes: the way the peers' `end()` closes. Closing with unread bytes, or
/// before bytes still on their way arrive, answers them with a reset, which a server (or a
/// proxy) sees as an error.
pub async fn drain(dialed: Dialed) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = [0u8; 4096];
    let work = async {
        match dialed {
            Dialed::Tcp(mut s) => {
                let _ = s.shutdown().await;
                while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
            }
            #[cfg(unix)]
            Dialed::Unix(mut s) => {
                let _ = s.shutdown().await;
                while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), work).await;
}

/// A stream being handshaken: dropped before it is handed on (the attempt failed, or the
/// client was closed meanwhile), it is closed by [`drain`] on the runtime.
pub struct Guard(Option<Dialed>);

impl Guard {
    /// Guards a fresh stream.
    pub fn new(dialed: Dialed) -> Guard {
        Guard(Some(dialed))
    }

    /// The stream, while guarded.
    pub fn stream(&mut self) -> Result<&mut Dialed> {
        self.0
            .as_mut()
            .ok_or_else(|| Error::Internal("stream already handed on".into()))
    }

    /// Hands the stream on; the guard no longer closes it.
    pub fn release(mut self) -> Result<Dialed> {
        self.0
            .take()
            .ok_or_else(|| Error::Internal("stream already handed on".into()))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(d) = self.0.take() {
            crate::core::runtime::handle().spawn(drain(d));
        }
    }
}

/// A connected, handshaken, non-blocking socket.
#[derive(Debug)]
pub enum Socket {
    /// TCP.
    Tcp(std::net::TcpStream),
    /// A unix domain socket.
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

impl Socket {
    /// The descriptor, for the host's event loop.
    #[cfg(unix)]
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        }
    }

    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => (&*s).read(buf),
            #[cfg(unix)]
            Socket::Unix(s) => (&*s).read(buf),
        }
    }

    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => (&*s).write(buf),
            #[cfg(unix)]
            Socket::Unix(s) => (&*s).write(buf),
        }
    }

    /// Stops writing (the peer reads end-of-stream); replies already on their way can still
    /// arrive and are read by [`Socket::linger`].
    pub fn shutdown(&self) {
        let _ = match self {
            Socket::Tcp(s) => s.shutdown(std::net::Shutdown::Write),
            #[cfg(unix)]
            Socket::Unix(s) => s.shutdown(std::net::Shutdown::Write),
        };
    }

    /// Closes the socket the way the peers' `end()` does (see `dial::drain`), on the runtime.
    pub fn linger(self) {
        crate::core::runtime::handle().spawn(async move {
            let dialed = match self {
                Socket::Tcp(s) => tokio::net::TcpStream::from_std(s).map(Dialed::Tcp),
                #[cfg(unix)]
                Socket::Unix(s) => tokio::net::UnixStream::from_std(s).map(Dialed::Unix),
            };
            if let Ok(d) = dialed {
                drain(d).await;
            }
        });
    }
}
