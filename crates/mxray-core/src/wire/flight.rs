//! Reading a server's answer to one ClientHello, sans-IO, up to the point where a scanner
//! has what the plaintext handshake can tell it.
//!
//! [`FlightReader`] takes the server's bytes as they arrive and stops at the first of:
//! ServerHelloDone (the end of a TLS ≤ 1.2 server flight), a TLS 1.3 ServerHello or a
//! HelloRetryRequest (everything after them is encrypted), a fatal alert or a
//! `close_notify`, an SSL 2.0 message, or a record that can only follow an encrypted
//! handshake (ChangeCipherSpec or application data, as in an abbreviated handshake).
//! Warning alerts before that (`unrecognized_name`, for one) are kept and reading goes on.
//!
//! Given the ClientHello and the private half of its key share
//! ([`FlightReader::decrypt_tls13`]), the reader goes on past a TLS 1.3 ServerHello: it
//! runs the TLS 1.3 key schedule ([`crate::wire::tls13`]) and reads the encrypted flight up
//! to the server's Finished, adding the decrypted EncryptedExtensions, Certificate,
//! CertificateVerify and Finished to the flight's messages. A flight that cannot be
//! decrypted still ends as a TLS 1.3 ServerHello, with the reason in [`Tls13Details`].
//!
//! The reader holds at most [`MAX_FLIGHT_LEN`] bytes of handshake messages, so a server
//! that streams handshake messages forever is stopped with an error, not with memory.

use crate::registry::{AlertDescription, ProtocolVersion, SignatureScheme};
use crate::wire::alert::{Alert, AlertLevel};
use crate::wire::client_hello::ClientHello;
use crate::wire::codec::{Codec, DecodeError, DecodeErrorKind};
use crate::wire::handshake::{HandshakeMessage, HandshakeReader, HandshakeType};
use crate::wire::key_share::KeySharePrivate;
use crate::wire::record::{ContentType, Frame, RecordReader};
use crate::wire::server_hello::ServerHello;
use crate::wire::sslv2::Sslv2Message;
use crate::wire::tls13::{EncryptedFlight, FlightProgress, Tls13Error};

/// The most handshake bytes one server flight may carry (a long certificate chain with
/// OCSP staple fits many times over).
pub const MAX_FLIGHT_LEN: usize = 1 << 20;

/// Why a flight ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlightEnd {
    /// ServerHelloDone: the whole TLS ≤ 1.2 server flight was read.
    ServerHelloDone,
    /// A ServerHello that selected TLS 1.3; the rest of the flight is encrypted.
    Tls13ServerHello,
    /// A HelloRetryRequest.
    HelloRetryRequest,
    /// A fatal alert, or `close_notify`.
    Alert,
    /// An SSL 2.0 message (SERVER-HELLO or ERROR).
    Sslv2,
    /// ChangeCipherSpec or application data before the flight ended: the server went on to
    /// an encrypted phase (an abbreviated handshake, for one).
    Encrypted,
    /// The connection closed before any of the above.
    Closed,
}

/// What a server sent in answer to one ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerFlight {
    /// The plaintext handshake messages, in order.
    pub messages: Vec<HandshakeMessage>,
    /// The decoded ServerHello, when one was among the messages.
    pub server_hello: Option<ServerHello>,
    /// Warning alerts received before the end (the closing alert is in `alert`).
    pub warnings: Vec<Alert>,
    /// The alert that ended the flight.
    pub alert: Option<Alert>,
    /// The SSL 2.0 message that ended the flight.
    pub sslv2: Option<Sslv2Message>,
    /// Why reading stopped.
    pub end: FlightEnd,
    /// Bytes read from the server, record headers included.
    pub bytes: usize,
    /// What the decryption of a TLS 1.3 flight gave, when it was asked for and a TLS 1.3
    /// ServerHello came.
    pub tls13: Option<Tls13Details>,
}

/// The outcome of reading a TLS 1.3 server's encrypted flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls13Details {
    /// The signature scheme of the server's CertificateVerify.
    pub certificate_verify_scheme: Option<SignatureScheme>,
    /// The server's Finished arrived and its MAC matched the transcript.
    pub finished_verified: bool,
    /// Why the flight could not be read to the end, if it could not.
    pub error: Option<Tls13Error>,
}

impl ServerFlight {
    /// The first message of type `typ`.
    pub fn message(&self, typ: HandshakeType) -> Option<&HandshakeMessage> {
        self.messages.iter().find(|m| m.typ == typ)
    }

    /// The version the server selected, if it sent a ServerHello whose version is readable.
    pub fn selected_version(&self) -> Option<ProtocolVersion> {
        self.server_hello.as_ref().and_then(|sh| sh.selected_version().ok())
    }
}

/// Whether a [`FlightReader`] wants more bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlightStatus {
    /// The flight is not over: read more.
    NeedMore,
    /// The flight is over: call [`FlightReader::finish`].
    Done,
}

/// Collects a server flight from bytes pushed in as they arrive.
#[derive(Debug)]
pub struct FlightReader {
    records: RecordReader,
    handshake: HandshakeReader,
    messages: Vec<HandshakeMessage>,
    server_hello: Option<ServerHello>,
    warnings: Vec<Alert>,
    alert: Option<Alert>,
    sslv2: Option<Sslv2Message>,
    end: Option<FlightEnd>,
    handshake_bytes: usize,
    bytes: usize,
    /// The hello and key share to decrypt a TLS 1.3 flight with, until a ServerHello.
    tls13_keys: Option<(ClientHello, KeySharePrivate)>,
    /// The encrypted flight being read after a TLS 1.3 ServerHello.
    encrypted: Option<EncryptedFlight>,
    tls13: Option<Tls13Details>,
}

impl Default for FlightReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FlightReader {
    /// A reader that accepts TLS records, or SSL 2.0 records if the server answers so.
    pub fn new() -> Self {
        Self {
            records: RecordReader::new(),
            handshake: HandshakeReader::new(),
            messages: Vec::new(),
            server_hello: None,
            warnings: Vec::new(),
            alert: None,
            sslv2: None,
            end: None,
            handshake_bytes: 0,
            bytes: 0,
            tls13_keys: None,
            encrypted: None,
            tls13: None,
        }
    }

    /// Reads past a TLS 1.3 ServerHello: decrypts the server's flight with the key share
    /// `private` that `client_hello` carried.
    pub fn decrypt_tls13(mut self, client_hello: ClientHello, private: KeySharePrivate) -> Self {
        self.tls13_keys = Some((client_hello, private));
        self
    }

    /// True once a ServerHello has been read (the flight may go on).
    pub fn has_server_hello(&self) -> bool {
        self.server_hello.is_some()
    }

    /// True once the flight has ended.
    pub fn is_done(&self) -> bool {
        self.end.is_some()
    }

    /// Feeds bytes from the server. Bytes after the end of the flight are ignored.
    pub fn push(&mut self, mut data: &[u8]) -> Result<FlightStatus, DecodeError> {
        while !data.is_empty() && self.end.is_none() {
            let taken = self.records.push(data);
            self.bytes += taken;
            data = data.get(taken..).unwrap_or_default();
            while self.end.is_none() {
                match self.records.next_record() {
                    None => break,
                    Some(frame) => self.frame(frame?)?,
                }
            }
        }
        Ok(if self.end.is_some() { FlightStatus::Done } else { FlightStatus::NeedMore })
    }

    fn frame(&mut self, frame: Frame) -> Result<(), DecodeError> {
        let record = match frame {
            Frame::Tls(record) => record,
            Frame::Sslv2(record) => {
                self.sslv2 = Some(Sslv2Message::parse(&record.body)?);
                self.end = Some(FlightEnd::Sslv2);
                return Ok(());
            }
        };
        if let Some(encrypted) = &mut self.encrypted {
            match encrypted.push_record(&record) {
                Ok(FlightProgress::NeedMore) => {}
                Ok(FlightProgress::Complete) => self.end_encrypted(None),
                Err(e) => self.end_encrypted(Some(e)),
            }
            return Ok(());
        }
        match record.content_type {
            ContentType::HANDSHAKE => {
                self.handshake_bytes += record.fragment.len();
                if self.handshake_bytes > MAX_FLIGHT_LEN {
                    return Err(DecodeError {
                        message: "server flight",
                        offset: self.bytes,
                        kind: DecodeErrorKind::TooLong {
                            field: "handshake bytes in one flight",
                            len: self.handshake_bytes,
                            max: MAX_FLIGHT_LEN,
                        },
                    });
                }
                self.handshake.push(&record.fragment);
                while self.end.is_none() {
                    match self.handshake.next_message() {
                        None => break,
                        Some(message) => self.message(message?)?,
                    }
                }
            }
            ContentType::ALERT => {
                let alert = Alert::parse(&record.fragment)?;
                if alert.level == AlertLevel::WARNING && alert.description != AlertDescription::CLOSE_NOTIFY {
                    self.warnings.push(alert);
                } else {
                    self.alert = Some(alert);
                    self.end = Some(FlightEnd::Alert);
                }
            }
            _ => self.end = Some(FlightEnd::Encrypted),
        }
        Ok(())
    }

    fn message(&mut self, message: HandshakeMessage) -> Result<(), DecodeError> {
        match message.typ {
            HandshakeType::SERVER_HELLO if self.server_hello.is_none() => {
                let hello = ServerHello::parse(&message.body)?;
                if hello.is_hello_retry_request() {
                    self.end = Some(FlightEnd::HelloRetryRequest);
                } else if hello.selected_version() == Ok(ProtocolVersion::TLSV1_3) {
                    match self.tls13_keys.take() {
                        None => self.end = Some(FlightEnd::Tls13ServerHello),
                        Some((client_hello, private)) => {
                            match EncryptedFlight::after_server_hello(&client_hello, &private, &hello) {
                                Ok(flight) => self.encrypted = Some(flight),
                                Err(e) => {
                                    self.tls13 = Some(Tls13Details {
                                        certificate_verify_scheme: None,
                                        finished_verified: false,
                                        error: Some(e),
                                    });
                                    self.end = Some(FlightEnd::Tls13ServerHello);
                                }
                            }
                        }
                    }
                }
                self.server_hello = Some(hello);
            }
            HandshakeType::SERVER_HELLO_DONE => self.end = Some(FlightEnd::ServerHelloDone),
            _ => {}
        }
        self.messages.push(message);
        Ok(())
    }

    /// Ends a TLS 1.3 flight: keeps the decrypted messages and what the decryption gave.
    fn end_encrypted(&mut self, error: Option<Tls13Error>) {
        if let Some(encrypted) = self.encrypted.take() {
            self.messages.extend(encrypted.messages().iter().cloned());
            self.tls13 = Some(Tls13Details {
                certificate_verify_scheme: encrypted.certificate_verify_scheme(),
                finished_verified: error.is_none() && encrypted.is_complete(),
                error,
            });
        }
        self.end = Some(FlightEnd::Tls13ServerHello);
    }

    /// The flight read so far. Call when [`push`](Self::push) returned `Done` or when the
    /// connection closed (the flight then ends as [`FlightEnd::Closed`]). A connection that
    /// closed in the middle of a record or handshake message is an error.
    pub fn finish(mut self) -> Result<ServerFlight, DecodeError> {
        if self.end.is_none()
            && let Some(encrypted) = &self.encrypted
        {
            // The ServerHello was read; the encrypted part ended early.
            let error = encrypted.finish().err();
            self.end_encrypted(error);
        }
        if self.end.is_none() {
            if self.records.buffered() > 0 {
                return Err(DecodeError {
                    message: "server flight",
                    offset: self.bytes,
                    kind: DecodeErrorKind::Truncated {
                        field: "record (connection closed inside it)",
                        needed: 1,
                        available: 0,
                    },
                });
            }
            self.handshake.finish()?;
        }
        Ok(ServerFlight {
            messages: self.messages,
            server_hello: self.server_hello,
            warnings: self.warnings,
            alert: self.alert,
            sslv2: self.sslv2,
            end: self.end.unwrap_or(FlightEnd::Closed),
            bytes: self.bytes,
            tls13: self.tls13,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{CipherSuite, CompressionMethod};
    use crate::wire::handshake::encode_handshake;
    use crate::wire::record::{Record, Sslv2Record, encode_records};
    use crate::wire::server_hello::{HELLO_RETRY_REQUEST_RANDOM, ServerHelloDone, build};
    use crate::wire::sslv2::{Sslv2Error, Sslv2ErrorCode};

    fn server_hello(version: Option<ProtocolVersion>, random: [u8; 32]) -> ServerHello {
        ServerHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random,
            session_id: vec![7; 32],
            cipher_suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            compression_method: CompressionMethod::NULL,
            extensions: Some(version.map(build::supported_versions).into_iter().collect()),
        }
    }

    /// Handshake messages framed and split into records of at most `max` bytes.
    fn records(messages: &[(HandshakeType, Vec<u8>)], max: usize) -> Vec<u8> {
        let mut stream = Vec::new();
        for (typ, body) in messages {
            encode_handshake(*typ, body, &mut stream).unwrap();
        }
        let mut out = Vec::new();
        encode_records(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, &stream, max, &mut out);
        out
    }

    fn tls12_flight() -> Vec<u8> {
        records(
            &[
                (HandshakeType::SERVER_HELLO, server_hello(None, [1; 32]).to_bytes().unwrap()),
                (HandshakeType::CERTIFICATE, vec![0, 0, 3, 0, 0, 0]),
                (HandshakeType::SERVER_HELLO_DONE, ServerHelloDone.to_bytes().unwrap()),
            ],
            17,
        )
    }

    #[test]
    fn a_tls12_flight_fed_one_byte_at_a_time_ends_at_server_hello_done() {
        let bytes = tls12_flight();
        let mut reader = FlightReader::new();
        let mut status = FlightStatus::NeedMore;
        for (i, b) in bytes.iter().enumerate() {
            assert_eq!(status, FlightStatus::NeedMore, "done early at byte {i}");
            status = reader.push(std::slice::from_ref(b)).unwrap();
        }
        assert_eq!(status, FlightStatus::Done);
        let flight = reader.finish().unwrap();
        assert_eq!(flight.end, FlightEnd::ServerHelloDone);
        assert_eq!(flight.messages.len(), 3);
        assert_eq!(flight.selected_version(), Some(ProtocolVersion::TLSV1_2));
        assert!(flight.message(HandshakeType::CERTIFICATE).is_some());
        assert_eq!(flight.bytes, bytes.len());
    }

    #[test]
    fn tls13_server_hello_and_hello_retry_request_end_the_plaintext_part() {
        let sh13 = records(
            &[(
                HandshakeType::SERVER_HELLO,
                server_hello(Some(ProtocolVersion::TLSV1_3), [2; 32]).to_bytes().unwrap(),
            )],
            1000,
        );
        let hrr = records(
            &[(
                HandshakeType::SERVER_HELLO,
                server_hello(Some(ProtocolVersion::TLSV1_3), HELLO_RETRY_REQUEST_RANDOM).to_bytes().unwrap(),
            )],
            1000,
        );
        for (bytes, end) in [(sh13, FlightEnd::Tls13ServerHello), (hrr, FlightEnd::HelloRetryRequest)] {
            let mut reader = FlightReader::new();
            let mut with_encrypted_tail = bytes.clone();
            // What follows (CCS, encrypted records) is not read.
            Record::new(ContentType::APPLICATION_DATA, ProtocolVersion::TLSV1_2, vec![0; 40])
                .encode(&mut with_encrypted_tail)
                .unwrap();
            assert_eq!(reader.push(&with_encrypted_tail).unwrap(), FlightStatus::Done);
            let flight = reader.finish().unwrap();
            assert_eq!(flight.end, end);
            assert_eq!(
                flight.bytes,
                bytes.len() + 5 + 40,
                "bytes after the end are counted as read, not decoded"
            );
        }
    }

    #[test]
    fn warning_alerts_are_kept_and_fatal_ones_end_the_flight() {
        let mut bytes = Vec::new();
        Record::new(ContentType::ALERT, ProtocolVersion::TLSV1_2, vec![1, 112]).encode(&mut bytes).unwrap();
        Record::new(ContentType::ALERT, ProtocolVersion::TLSV1_2, vec![2, 40]).encode(&mut bytes).unwrap();
        let mut reader = FlightReader::new();
        assert_eq!(reader.push(&bytes).unwrap(), FlightStatus::Done);
        let flight = reader.finish().unwrap();
        assert_eq!(flight.end, FlightEnd::Alert);
        assert_eq!(flight.warnings, vec![Alert::warning(AlertDescription::UNRECOGNIZED_NAME)]);
        assert_eq!(flight.alert, Some(Alert::fatal(AlertDescription::HANDSHAKE_FAILURE)));
    }

    #[test]
    fn an_sslv2_error_ends_the_flight() {
        let error = Sslv2Message::Error(Sslv2Error { code: Sslv2ErrorCode::NO_CIPHER });
        let bytes = Sslv2Record::new(error.to_bytes().unwrap()).to_bytes().unwrap();
        let mut reader = FlightReader::new();
        assert_eq!(reader.push(&bytes).unwrap(), FlightStatus::Done);
        let flight = reader.finish().unwrap();
        assert_eq!(flight.end, FlightEnd::Sslv2);
        assert_eq!(flight.sslv2, Some(error));
    }

    #[test]
    fn change_cipher_spec_before_server_hello_done_means_an_encrypted_phase() {
        let mut bytes =
            records(&[(HandshakeType::SERVER_HELLO, server_hello(None, [3; 32]).to_bytes().unwrap())], 999);
        Record::new(ContentType::CHANGE_CIPHER_SPEC, ProtocolVersion::TLSV1_2, vec![1])
            .encode(&mut bytes)
            .unwrap();
        let mut reader = FlightReader::new();
        assert_eq!(reader.push(&bytes).unwrap(), FlightStatus::Done);
        assert_eq!(reader.finish().unwrap().end, FlightEnd::Encrypted);
    }

    #[test]
    fn a_close_inside_a_record_or_message_is_an_error_and_a_clean_close_is_not() {
        let bytes = tls12_flight();
        // Inside the second record's body, and at a record boundary inside the Certificate.
        for cut in [30, 22 + 17] {
            let mut reader = FlightReader::new();
            assert_eq!(reader.push(&bytes[..cut]).unwrap(), FlightStatus::NeedMore);
            assert!(reader.finish().is_err(), "cut at {cut}");
        }
        let reader = FlightReader::new();
        let flight = reader.finish().unwrap();
        assert_eq!(flight.end, FlightEnd::Closed);
        assert!(flight.messages.is_empty());
    }

    #[test]
    fn an_endless_stream_of_handshake_messages_is_cut_off() {
        let chunk = records(&[(HandshakeType::CERTIFICATE_REQUEST, vec![0; 60_000])], 16_384);
        let mut reader = FlightReader::new();
        let mut result = Ok(FlightStatus::NeedMore);
        for _ in 0..40 {
            result = reader.push(&chunk);
            if result.is_err() {
                break;
            }
        }
        let err = result.unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooLong { max: MAX_FLIGHT_LEN, .. }), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut reader = FlightReader::new();
        assert!(reader.push(b"220 mx.example.org ESMTP\r\n").is_err());
        let mut reader = FlightReader::new();
        let mut bytes = Vec::new();
        Record::new(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, vec![2, 0, 0, 1, 0])
            .encode(&mut bytes)
            .unwrap();
        assert!(reader.push(&bytes).is_err(), "a one-byte ServerHello is malformed");
    }
}
