//! [`EncryptedFlight`]: the server's encrypted handshake flight after a TLS 1.3
//! ServerHello, collected record by record up to a verified `Finished`.

use super::key_schedule::{HandshakeSecrets, Tls13Suite, TranscriptHash, transcript};
use super::protection::Tls13Decryptor;
use super::{CertificateVerify, Tls13Error};
use crate::registry::{CipherSuite, ProtocolVersion, SignatureScheme};
use crate::wire::alert::Alert;
use crate::wire::certificate::Certificate13;
use crate::wire::client_hello::ClientHello;
use crate::wire::codec::{Codec, DecodeError, RawExtension, extension_block, parse_all};
use crate::wire::handshake::{HandshakeMessage, HandshakeReader, HandshakeType};
use crate::wire::key_share::KeySharePrivate;
use crate::wire::record::{ContentType, Record};
use crate::wire::server_hello::{ServerHello, ServerKeyShare};

/// Most records (protected and `change_cipher_spec`) a flight may take. A 256 KiB chain
/// in full 16 KiB records needs 17; 256 leaves room for servers that fragment finely.
pub const MAX_FLIGHT_RECORDS: usize = 256;
/// Most bytes of record fragments a flight may take: 1 MiB.
pub const MAX_FLIGHT_BYTES: usize = 1 << 20;

/// What [`EncryptedFlight::push_record`] says about the flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlightProgress {
    /// The server's `Finished` has not arrived yet: push the next record.
    NeedMore,
    /// The `Finished` arrived and matched: the flight is complete.
    Complete,
}

/// Where the flight is in RFC 8446 §4's order of server messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    EncryptedExtensions,
    CertificateOrRequest,
    Certificate,
    CertificateVerify,
    Finished,
    Complete,
}

impl Stage {
    fn expected(self) -> &'static str {
        match self {
            Self::EncryptedExtensions => "encrypted_extensions",
            Self::CertificateOrRequest => "certificate_request or certificate",
            Self::Certificate => "certificate",
            Self::CertificateVerify => "certificate_verify",
            Self::Finished => "finished",
            Self::Complete => "nothing (the flight is complete)",
        }
    }
}

/// The server's encrypted flight: EncryptedExtensions, (CertificateRequest), Certificate,
/// CertificateVerify, Finished, decrypted with the server handshake keys and checked
/// against the transcript. See the [module documentation](super) for the loop.
#[derive(Debug)]
pub struct EncryptedFlight {
    secrets: HandshakeSecrets,
    decryptor: Tls13Decryptor,
    transcript: TranscriptHash,
    reader: HandshakeReader,
    messages: Vec<HandshakeMessage>,
    stage: Stage,
    records: usize,
    bytes: usize,
    max_records: usize,
    max_bytes: usize,
    error: Option<Tls13Error>,
}

impl EncryptedFlight {
    /// A flight from the (EC)DHE `shared_secret` and `transcript` (`ClientHello ||
    /// ServerHello` with handshake headers, see [`transcript`](super::transcript) and
    /// [`transcript_after_retry`](super::transcript_after_retry)).
    pub fn new(suite: CipherSuite, shared_secret: &[u8], transcript: &[u8]) -> Result<Self, Tls13Error> {
        let suite = Tls13Suite::from_cipher_suite(suite)?;
        let hash = TranscriptHash::new(suite.hash, transcript);
        let secrets = HandshakeSecrets::from_transcript_hash(suite, shared_secret, &hash.current())?;
        let decryptor =
            Tls13Decryptor::from_traffic_secret(suite.suite, secrets.server_handshake_traffic_secret())?;
        Ok(Self {
            secrets,
            decryptor,
            transcript: hash,
            reader: HandshakeReader::new(),
            messages: Vec::new(),
            stage: Stage::EncryptedExtensions,
            records: 0,
            bytes: 0,
            max_records: MAX_FLIGHT_RECORDS,
            max_bytes: MAX_FLIGHT_BYTES,
            error: None,
        })
    }

    /// The flight after `server_hello`, the answer to `client_hello` (without a
    /// HelloRetryRequest before it), whose key share `private` belongs to: checks that the
    /// server selected TLS 1.3 and a share in the group of `private`, computes the shared
    /// secret and the transcript. The hellos are re-encoded for the transcript; the wire
    /// codecs round-trip byte for byte.
    pub fn after_server_hello(
        client_hello: &ClientHello,
        private: &KeySharePrivate,
        server_hello: &ServerHello,
    ) -> Result<Self, Tls13Error> {
        if server_hello.is_hello_retry_request() {
            return Err(Tls13Error::HelloRetryRequest);
        }
        let version = server_hello.selected_version()?;
        if version != ProtocolVersion::TLSV1_3 {
            return Err(Tls13Error::NotTls13(version));
        }
        let share = match server_hello.key_share().ok_or(Tls13Error::MissingKeyShare)?? {
            ServerKeyShare::Share(share) => share,
            ServerKeyShare::Retry(_) => return Err(Tls13Error::HelloRetryRequest),
        };
        if share.group != private.group() {
            return Err(Tls13Error::KeyShareGroupMismatch { server: share.group, client: private.group() });
        }
        let shared = private.shared_secret(&share.key_exchange)?;
        let transcript = transcript(&client_hello.to_bytes()?, &server_hello.to_bytes()?)?;
        Self::new(server_hello.cipher_suite, &shared, &transcript)
    }

    /// Lowers (or raises) the caps on records and bytes.
    pub fn with_limits(mut self, max_records: usize, max_bytes: usize) -> Self {
        self.max_records = max_records;
        self.max_bytes = max_bytes;
        self
    }

    /// Feeds the next TLS record the server sent after its ServerHello. Returns
    /// [`FlightProgress::Complete`] once the server's `Finished` has been read and
    /// verified; records pushed after that are ignored. Errors are final: the same error
    /// is returned for every later record.
    pub fn push_record(&mut self, record: &Record) -> Result<FlightProgress, Tls13Error> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        if self.stage == Stage::Complete {
            return Ok(FlightProgress::Complete);
        }
        let result = self.push_inner(record);
        if let Err(error) = &result {
            self.error = Some(error.clone());
        }
        result
    }

    fn push_inner(&mut self, record: &Record) -> Result<FlightProgress, Tls13Error> {
        self.records += 1;
        if self.records > self.max_records {
            return Err(Tls13Error::TooManyRecords { max: self.max_records });
        }
        self.bytes = self.bytes.saturating_add(record.fragment.len());
        if self.bytes > self.max_bytes {
            return Err(Tls13Error::TooManyBytes { max: self.max_bytes });
        }
        match record.content_type {
            ContentType::APPLICATION_DATA => {}
            ContentType::CHANGE_CIPHER_SPEC if record.fragment == [1] => return Ok(FlightProgress::NeedMore),
            ContentType::CHANGE_CIPHER_SPEC => return Err(Tls13Error::InvalidChangeCipherSpec),
            ContentType::ALERT => {
                return Err(Tls13Error::Alert { alert: Alert::parse(&record.fragment)?, encrypted: false });
            }
            content_type => return Err(Tls13Error::UnexpectedContent { content_type, encrypted: false }),
        }
        let (content_type, content) = self.decryptor.open_record(record)?;
        match content_type {
            ContentType::HANDSHAKE if content.is_empty() => Err(Tls13Error::EmptyHandshakeRecord),
            ContentType::HANDSHAKE => self.push_handshake(&content),
            ContentType::ALERT => Err(Tls13Error::Alert { alert: Alert::parse(&content)?, encrypted: true }),
            content_type => Err(Tls13Error::UnexpectedContent { content_type, encrypted: true }),
        }
    }

    fn push_handshake(&mut self, content: &[u8]) -> Result<FlightProgress, Tls13Error> {
        self.reader.push(content);
        while let Some(message) = self.reader.next_message() {
            let message = message?;
            if self.stage == Stage::Complete {
                return Err(Tls13Error::DataAfterFinished);
            }
            self.accept(message)?;
        }
        if self.stage == Stage::Complete {
            if self.reader.is_mid_message() {
                return Err(Tls13Error::DataAfterFinished);
            }
            return Ok(FlightProgress::Complete);
        }
        Ok(FlightProgress::NeedMore)
    }

    /// Takes one message in the order of RFC 8446 §4 and adds it to the transcript.
    fn accept(&mut self, message: HandshakeMessage) -> Result<(), Tls13Error> {
        let next = match (self.stage, message.typ) {
            (Stage::EncryptedExtensions, HandshakeType::ENCRYPTED_EXTENSIONS) => Stage::CertificateOrRequest,
            (Stage::CertificateOrRequest, HandshakeType::CERTIFICATE_REQUEST) => Stage::Certificate,
            (Stage::CertificateOrRequest | Stage::Certificate, HandshakeType::CERTIFICATE) => {
                Stage::CertificateVerify
            }
            (Stage::CertificateVerify, HandshakeType::CERTIFICATE_VERIFY) => Stage::Finished,
            (Stage::Finished, HandshakeType::FINISHED) => Stage::Complete,
            (stage, got) => return Err(Tls13Error::UnexpectedMessage { got, expected: stage.expected() }),
        };
        let before = self.transcript.current();
        let len = u32::try_from(message.body.len())
            .map_err(|_| Tls13Error::Internal("handshake message beyond 2^24 bytes"))?;
        let [_, l0, l1, l2] = len.to_be_bytes();
        self.transcript.update(&[message.typ.0, l0, l1, l2]);
        self.transcript.update(&message.body);
        let is_finished = next == Stage::Complete;
        let verified = !is_finished
            || self.secrets.suite().hash.finished_matches(
                self.secrets.server_handshake_traffic_secret(),
                &before,
                &message.body,
            )?;
        self.messages.push(message);
        if !verified {
            return Err(Tls13Error::FinishedMismatch);
        }
        self.stage = next;
        Ok(())
    }

    /// Call when the connection ends: `Ok` if the flight is complete, else the error that
    /// stopped it or [`Tls13Error::Truncated`].
    pub fn finish(&self) -> Result<(), Tls13Error> {
        match (&self.error, self.stage) {
            (Some(error), _) => Err(error.clone()),
            (None, Stage::Complete) => Ok(()),
            (None, _) => Err(Tls13Error::Truncated { records: self.records }),
        }
    }

    /// True once the server's `Finished` has been read and matched the transcript.
    pub fn is_complete(&self) -> bool {
        self.stage == Stage::Complete
    }

    /// The error that stopped the flight, if any.
    pub fn error(&self) -> Option<&Tls13Error> {
        self.error.as_ref()
    }

    /// The suite.
    pub fn suite(&self) -> Tls13Suite {
        self.secrets.suite()
    }

    /// The handshake secrets (for a key log).
    pub fn secrets(&self) -> &HandshakeSecrets {
        &self.secrets
    }

    /// Records taken so far (`change_cipher_spec` included).
    pub fn records(&self) -> usize {
        self.records
    }

    /// The handshake messages decrypted so far, in order.
    pub fn messages(&self) -> &[HandshakeMessage] {
        &self.messages
    }

    fn body(&self, typ: HandshakeType) -> Option<&[u8]> {
        self.messages.iter().find(|m| m.typ == typ).map(|m| m.body.as_slice())
    }

    /// The EncryptedExtensions, raw and in wire order.
    pub fn encrypted_extensions(&self) -> Option<Result<Vec<RawExtension>, DecodeError>> {
        let body = self.body(HandshakeType::ENCRYPTED_EXTENSIONS)?;
        Some(parse_all("EncryptedExtensions", body, extension_block))
    }

    /// The CertificateRequest body, if the server asked for a client certificate.
    pub fn certificate_request(&self) -> Option<&[u8]> {
        self.body(HandshakeType::CERTIFICATE_REQUEST)
    }

    /// The server's Certificate (chain and per-entry extensions such as stapled OCSP).
    pub fn certificate(&self) -> Option<Result<Certificate13, DecodeError>> {
        self.body(HandshakeType::CERTIFICATE).map(Certificate13::parse)
    }

    /// The server's CertificateVerify.
    pub fn certificate_verify(&self) -> Option<Result<CertificateVerify, DecodeError>> {
        self.body(HandshakeType::CERTIFICATE_VERIFY).map(CertificateVerify::parse)
    }

    /// The signature scheme of the server's CertificateVerify: its TLS 1.3 signature
    /// choice. `None` if absent or malformed (see [`certificate_verify`](Self::certificate_verify)).
    pub fn certificate_verify_scheme(&self) -> Option<SignatureScheme> {
        self.certificate_verify()?.ok().map(|cv| cv.scheme)
    }

    /// The `Finished` `verify_data` the server sent (matched against the transcript when
    /// [`is_complete`](Self::is_complete)).
    pub fn finished(&self) -> Option<&[u8]> {
        self.body(HandshakeType::FINISHED)
    }
}
