//! TCP connections with a timeout on every wait, and the loop that feeds a server's bytes
//! to the core's [`FlightReader`].
//!
//! Nothing here decides anything about TLS: the core says when a flight is over; this
//! module only moves bytes and keeps time. Three clocks bound every exchange: the connect
//! timeout, the idle timeout of each read and write, and a deadline for the whole
//! exchange, so a server that drips one byte at a time cannot hold a scan.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mxray_core::wire::codec::DecodeError;
use mxray_core::wire::flight::{FlightReader, FlightStatus, ServerFlight};
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, timeout, timeout_at};

/// Size of one socket read.
const READ_CHUNK: usize = 16 * 1024;

/// How long each kind of wait may last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connection set-up.
    pub connect: Duration,
    /// One read or write that makes no progress.
    pub idle: Duration,
    /// One whole exchange (a hello and the server's flight).
    pub exchange: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            idle: Duration::from_secs(10),
            exchange: Duration::from_secs(30),
        }
    }
}

/// Why talking to a server failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NetError {
    /// The TCP connection was not set up in time.
    #[error("connecting to {peer} timed out after {after:?}")]
    ConnectTimeout {
        /// The address connected to.
        peer: SocketAddr,
        /// The timeout that expired.
        after: Duration,
    },
    /// The TCP connection failed (refused, unreachable, …).
    #[error("connecting to {peer} failed: {source}")]
    Connect {
        /// The address connected to.
        peer: SocketAddr,
        /// The cause.
        source: io::Error,
    },
    /// The server sent nothing (or took nothing) for too long.
    #[error("{peer} was silent for {after:?}")]
    Idle {
        /// The server.
        peer: SocketAddr,
        /// The idle timeout that expired.
        after: Duration,
    },
    /// The exchange as a whole took too long (a slow-drip server, for one).
    #[error("the exchange with {peer} did not finish within {after:?}")]
    Deadline {
        /// The server.
        peer: SocketAddr,
        /// The deadline that passed.
        after: Duration,
    },
    /// Reading or writing failed (a reset, for one).
    #[error("talking to {peer} failed: {source}")]
    Io {
        /// The server.
        peer: SocketAddr,
        /// The cause.
        source: io::Error,
    },
    /// The server's bytes are not valid TLS.
    #[error("{peer} sent malformed TLS: {source}")]
    Protocol {
        /// The server.
        peer: SocketAddr,
        /// What the decoder found.
        source: DecodeError,
    },
}

/// One TCP connection to a server, with byte counters.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    timeouts: Timeouts,
    /// Bytes received so far.
    pub bytes_in: u64,
    /// Bytes sent so far.
    pub bytes_out: u64,
}

impl Connection {
    /// Opens a TCP connection to `peer` within `timeouts.connect`.
    pub async fn connect(peer: SocketAddr, timeouts: Timeouts) -> Result<Self, NetError> {
        Self::connect_from(peer, None, timeouts).await
    }

    /// Opens a TCP connection to `peer` from the local address `source` (any port), or
    /// from the system's choice when `source` is `None`. Servers judge some clients by
    /// their address (Dovecot treats a client on its own address as secure), so a scan
    /// can choose where it appears to come from.
    pub async fn connect_from(
        peer: SocketAddr,
        source: Option<IpAddr>,
        timeouts: Timeouts,
    ) -> Result<Self, NetError> {
        let connecting = async {
            let socket = if peer.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
            if let Some(ip) = source {
                socket.bind(SocketAddr::new(ip, 0))?;
            }
            socket.connect(peer).await
        };
        let stream = match timeout(timeouts.connect, connecting).await {
            Err(_) => return Err(NetError::ConnectTimeout { peer, after: timeouts.connect }),
            Ok(Err(source)) => return Err(NetError::Connect { peer, source }),
            Ok(Ok(stream)) => stream,
        };
        // Hellos are small and latency matters more than packet count.
        stream.set_nodelay(true).map_err(|source| NetError::Io { peer, source })?;
        Ok(Self { stream, peer, timeouts, bytes_in: 0, bytes_out: 0 })
    }

    /// The timeouts this connection was opened with.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The server's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Sends all of `bytes` within the idle timeout.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), NetError> {
        let peer = self.peer;
        match timeout(self.timeouts.idle, self.stream.write_all(bytes)).await {
            Err(_) => Err(NetError::Idle { peer, after: self.timeouts.idle }),
            Ok(Err(source)) => Err(NetError::Io { peer, source }),
            Ok(Ok(())) => {
                self.bytes_out += bytes.len() as u64;
                Ok(())
            }
        }
    }

    /// Reads what is available (at most `buf.len()` bytes), waiting at most the idle
    /// timeout and never past `deadline`. `Ok(0)` means the server closed the connection.
    pub async fn read_some(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, NetError> {
        let peer = self.peer;
        let idle = Instant::now() + self.timeouts.idle;
        let (until, expired) = if idle < deadline {
            (idle, NetError::Idle { peer, after: self.timeouts.idle })
        } else {
            (deadline, NetError::Deadline { peer, after: self.timeouts.exchange })
        };
        match timeout_at(until, self.stream.read(buf)).await {
            Err(_) => Err(expired),
            Ok(Err(source)) => Err(NetError::Io { peer, source }),
            Ok(Ok(n)) => {
                self.bytes_in += n as u64;
                Ok(n)
            }
        }
    }

    /// Sends `hello` (ready-to-send record bytes) and reads the server's answer until the
    /// core's [`FlightReader`] says the flight is over or the server closes the connection.
    pub async fn exchange_hello(&mut self, hello: &[u8]) -> Result<ServerFlight, NetError> {
        self.exchange(hello, &[], FlightReader::new()).await
    }

    /// Sends `hello` and feeds the answer to `reader` (a [`FlightReader`] configured for
    /// this hello, e.g. to decrypt a TLS 1.3 flight), with `early` bytes the server sent
    /// before the hello went out (read past a STARTTLS reply) fed to the reader first.
    pub async fn exchange(
        &mut self,
        hello: &[u8],
        early: &[u8],
        mut reader: FlightReader,
    ) -> Result<ServerFlight, NetError> {
        let deadline = Instant::now() + self.timeouts.exchange;
        self.send(hello).await?;
        if !early.is_empty()
            && reader.push(early).map_err(|source| NetError::Protocol { peer: self.peer, source })?
                == FlightStatus::Done
        {
            return reader.finish().map_err(|source| NetError::Protocol { peer: self.peer, source });
        }
        let mut buf = vec![0; READ_CHUNK];
        loop {
            let n = match self.read_some(&mut buf, deadline).await {
                Ok(n) => n,
                // A reset after the server said what it had to say ends the flight like a
                // close; a reset before is the error it is.
                Err(NetError::Io { source, .. })
                    if source.kind() == io::ErrorKind::ConnectionReset && reader.is_done() =>
                {
                    0
                }
                // A TLS 1.3 server that stalls inside its encrypted flight has still
                // answered the hello: keep the ServerHello, with the stall recorded.
                Err(NetError::Idle { .. } | NetError::Deadline { .. }) if reader.has_server_hello() => 0,
                Err(e) => return Err(e),
            };
            let status = if n == 0 {
                FlightStatus::Done
            } else {
                let chunk = buf.get(..n).unwrap_or_default();
                reader.push(chunk).map_err(|source| NetError::Protocol { peer: self.peer, source })?
            };
            if status == FlightStatus::Done {
                return reader.finish().map_err(|source| NetError::Protocol { peer: self.peer, source });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use mxray_core::registry::{AlertDescription, ProtocolVersion};
    use mxray_core::wire::codec::Codec;
    use mxray_core::wire::flight::FlightEnd;
    use mxray_core::wire::record::{ContentType, Record};
    use tokio::net::TcpListener;

    use super::*;

    /// A one-connection server on 127.0.0.1 that reads the hello, then sends each chunk
    /// after its delay, then closes (or resets with `reset`).
    async fn scripted_server(chunks: Vec<(Duration, Vec<u8>)>, reset: bool) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut hello = [0u8; 512];
            let _ = socket.read(&mut hello).await;
            for (delay, bytes) in chunks {
                tokio::time::sleep(delay).await;
                if socket.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            if reset {
                // SO_LINGER 0 turns the close into a RST.
                let _ = socket.set_zero_linger();
            } else {
                // Give the client time to read before the close.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        addr
    }

    fn fast() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(2),
            idle: Duration::from_millis(300),
            exchange: Duration::from_millis(800),
        }
    }

    fn alert_record() -> Vec<u8> {
        Record::new(ContentType::ALERT, ProtocolVersion::TLSV1_2, vec![2, 40]).to_bytes().unwrap()
    }

    #[tokio::test]
    async fn an_alert_in_small_pieces_ends_the_exchange() {
        let record = alert_record();
        let chunks = record.iter().map(|b| (Duration::from_millis(5), vec![*b])).collect();
        let addr = scripted_server(chunks, false).await;
        let mut conn = Connection::connect(addr, fast()).await.unwrap();
        let flight = conn.exchange_hello(b"\x16\x03\x01\x00\x00").await.unwrap();
        assert_eq!(flight.end, FlightEnd::Alert);
        assert_eq!(flight.alert.map(|a| a.description), Some(AlertDescription::HANDSHAKE_FAILURE));
        assert_eq!(conn.bytes_in, record.len() as u64);
        assert_eq!(conn.bytes_out, 5);
    }

    #[tokio::test]
    async fn a_silent_server_hits_the_idle_timeout() {
        let addr = scripted_server(vec![(Duration::from_secs(5), alert_record())], false).await;
        let mut conn = Connection::connect(addr, fast()).await.unwrap();
        let err = conn.exchange_hello(b"hello").await.unwrap_err();
        assert!(matches!(err, NetError::Idle { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_slow_drip_server_hits_the_exchange_deadline() {
        // One byte every 100 ms: never idle for 300 ms, but the record takes 700 ms and the
        // first chunk of a second record pushes past the 800 ms deadline.
        let mut bytes = alert_record();
        bytes.splice(
            0..0,
            Record::new(ContentType::ALERT, ProtocolVersion::TLSV1_2, vec![1, 112]).to_bytes().unwrap(),
        );
        let chunks = bytes.iter().map(|b| (Duration::from_millis(100), vec![*b])).collect();
        let addr = scripted_server(chunks, false).await;
        let mut conn = Connection::connect(addr, fast()).await.unwrap();
        let err = conn.exchange_hello(b"hello").await.unwrap_err();
        assert!(matches!(err, NetError::Deadline { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_close_inside_a_record_is_a_protocol_error() {
        let record = alert_record();
        let addr = scripted_server(vec![(Duration::ZERO, record[..4].to_vec())], false).await;
        let mut conn = Connection::connect(addr, fast()).await.unwrap();
        let err = conn.exchange_hello(b"hello").await.unwrap_err();
        assert!(matches!(err, NetError::Protocol { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_reset_mid_record_is_an_error_and_a_clean_close_is_a_flight() {
        let record = alert_record();
        let addr = scripted_server(vec![(Duration::ZERO, record[..3].to_vec())], true).await;
        let mut conn = Connection::connect(addr, fast()).await.unwrap();
        let err = conn.exchange_hello(b"hello").await.unwrap_err();
        assert!(matches!(err, NetError::Io { .. } | NetError::Protocol { .. }), "{err}");

        let addr = scripted_server(vec![], false).await;
        let mut conn = Connection::connect(addr, fast()).await.unwrap();
        let flight = conn.exchange_hello(b"hello").await.unwrap();
        assert_eq!(flight.end, FlightEnd::Closed);
    }

    #[tokio::test]
    async fn garbage_from_the_server_is_a_protocol_error() {
        let addr =
            scripted_server(vec![(Duration::ZERO, b"220 mx.example.org ESMTP\r\n".to_vec())], false).await;
        let mut conn = Connection::connect(addr, fast()).await.unwrap();
        let err = conn.exchange_hello(b"hello").await.unwrap_err();
        assert!(matches!(err, NetError::Protocol { .. }), "{err}");
        assert!(err.to_string().contains("malformed TLS"), "{err}");
    }

    #[tokio::test]
    async fn connections_can_come_from_a_chosen_loopback_address() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = tokio::spawn(async move { listener.accept().await.unwrap().1 });
        let source: IpAddr = "127.0.0.2".parse().unwrap();
        let _conn = Connection::connect_from(addr, Some(source), fast()).await.unwrap();
        assert_eq!(accept.await.unwrap().ip(), source);
    }

    #[tokio::test]
    async fn a_refused_connection_names_the_address() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = Connection::connect(addr, fast()).await.unwrap_err();
        assert!(matches!(err, NetError::Connect { .. }), "{err}");
        assert!(err.to_string().contains(&addr.to_string()));
    }
}
