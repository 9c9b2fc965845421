//! "Does plain HTTP on port 80 only redirect to HTTPS?", sans-IO: the request sent, the
//! bounded reader of the response head, and the verdict over it.
//!
//! # What is sent
//!
//! One `GET PATH HTTP/1.1` with `Host: NAME` and `Connection: close` ([`request`]); the
//! default path is `/` (what a person typing the name reaches). A caller may probe
//! `/autodiscover/autodiscover.xml` on `autodiscover.DOMAIN` too: Outlook's "HTTP redirect"
//! discovery step fetches exactly that over plain HTTP and follows the redirect, so a
//! plaintext answer there matters; it costs one more connection, so it is the caller's
//! choice, not a default.
//!
//! # What is read
//!
//! Only the response head: status line and header fields, at most [`MAX_HEAD_BYTES`]
//! (16 KiB) and [`MAX_HEADERS`] fields. The body is never read. Parsing is
//! [`httparse`]'s (the parser under hyper); the `Location` is resolved against
//! `http://NAME/` with the [`url`] crate (WHATWG URL rules, so relative and
//! scheme-relative redirects come out right). Nothing is parsed by hand here.
//!
//! # The verdict
//!
//! [`HttpVerdict`]: a redirect (301/302/303/307/308) to `https://` (same host or not, and
//! which), a redirect that stays on `http://` (relative ones included), a redirect to
//! something else, content served in plaintext (2xx), another status, a close without an
//! answer, or inconclusive (a timeout, a malformed or oversized head).

use serde::Serialize;
use thiserror::Error;
use url::Url;

use crate::report::{Finding, Severity};

/// The most bytes of a response head read (status line and header fields).
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most header fields parsed.
pub const MAX_HEADERS: usize = 64;
/// The most characters of a peer's text (reason phrase, `Location`) quoted.
pub const QUOTE_LEN: usize = 256;
/// The path probed by default.
pub const DEFAULT_PATH: &str = "/";

/// The finding id of content served over plain HTTP.
pub const FINDING_PLAINTEXT_CONTENT: &str = "http.plaintext_content";
/// The finding id of a redirect that stays on plain HTTP.
pub const FINDING_REDIRECT_TO_HTTP: &str = "http.redirect_to_http";
/// The finding id of a redirect to something other than an http(s) URL.
pub const FINDING_REDIRECT_ELSEWHERE: &str = "http.redirect_elsewhere";
/// The finding id of an HTTPS redirect to another host.
pub const FINDING_REDIRECT_OTHER_HOST: &str = "http.redirect_other_host";
/// The finding id of an answer that neither redirects nor serves content (404, 500, …).
pub const FINDING_NO_REDIRECT: &str = "http.no_redirect";
/// The finding id of a probe that could not decide.
pub const FINDING_INCONCLUSIVE: &str = "http.inconclusive";

/// Why a request could not be built.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The host name is empty, too long or holds characters a `Host` field cannot.
    #[error("{0:?} is not a host name for an HTTP request")]
    BadHost(String),
    /// The path does not start with `/` or holds spaces or control characters.
    #[error("{0:?} is not a path for an HTTP request")]
    BadPath(String),
}

/// The request for `path` on `host`: `GET`, HTTP/1.1, `Connection: close`.
pub fn request(host: &str, path: &str) -> Result<Vec<u8>, RequestError> {
    let host_ok = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b));
    if !host_ok {
        return Err(RequestError::BadHost(host.chars().take(QUOTE_LEN).collect()));
    }
    if !path.starts_with('/') || path.len() > 2048 || !path.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(RequestError::BadPath(path.chars().take(QUOTE_LEN).collect()));
    }
    Ok(format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mxray/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes())
}

/// The response head, as far as the verdict needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Head {
    /// The HTTP minor version (`HTTP/1.x`).
    pub minor_version: u8,
    /// The status code.
    pub status: u16,
    /// The reason phrase (quoted, cut to [`QUOTE_LEN`]).
    pub reason: String,
    /// The `Location` field, if any (the first one; control characters escaped).
    pub location: Option<String>,
    /// The `Server` field, if any (quoted, cut).
    pub server: Option<String>,
    /// Bytes of the head, final blank line included.
    pub head_len: usize,
}

/// Why the response head could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum HeadError {
    /// The head did not end within [`MAX_HEAD_BYTES`].
    #[error("the response head is longer than {max} bytes")]
    TooLong {
        /// The cap.
        max: usize,
    },
    /// More than [`MAX_HEADERS`] header fields.
    #[error("the response has more than {max} header fields")]
    TooManyHeaders {
        /// The cap.
        max: usize,
    },
    /// Not an HTTP/1.x response head.
    #[error("not an HTTP/1.x response ({error}): {start:?}")]
    Malformed {
        /// What httparse found.
        error: String,
        /// The start of what the server sent.
        start: String,
    },
}

/// Collects a response head from the bytes as they arrive, holding at most
/// [`MAX_HEAD_BYTES`].
#[derive(Clone, Debug, Default)]
pub struct HeadReader {
    buf: Vec<u8>,
}

impl HeadReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many bytes are held (0: the server has sent nothing yet).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Adds bytes; the head once it is complete (bytes after it, the body, are ignored),
    /// `None` while more are needed, or why it cannot be read.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<Head>, HeadError> {
        let room = MAX_HEAD_BYTES.saturating_sub(self.buf.len());
        self.buf.extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut fields);
        match response.parse(&self.buf) {
            Ok(httparse::Status::Complete(head_len)) => Ok(Some(Head {
                minor_version: response.version.unwrap_or_default(),
                status: response.code.unwrap_or_default(),
                reason: quote(response.reason.unwrap_or_default().as_bytes()),
                location: field(response.headers, "location"),
                server: field(response.headers, "server"),
                head_len,
            })),
            Ok(httparse::Status::Partial) if self.buf.len() >= MAX_HEAD_BYTES => {
                Err(HeadError::TooLong { max: MAX_HEAD_BYTES })
            }
            Ok(httparse::Status::Partial) => Ok(None),
            Err(httparse::Error::TooManyHeaders) => Err(HeadError::TooManyHeaders { max: MAX_HEADERS }),
            Err(error) => Err(HeadError::Malformed {
                error: error.to_string(),
                start: quote(self.buf.get(..64).unwrap_or(&self.buf)),
            }),
        }
    }
}

/// The first field called `name`, quoted.
fn field(fields: &[httparse::Header<'_>], name: &str) -> Option<String> {
    fields.iter().find(|f| f.name.eq_ignore_ascii_case(name)).map(|f| quote(f.value))
}

/// Text for reports: invalid UTF-8 replaced, control characters escaped, cut to
/// [`QUOTE_LEN`] characters.
fn quote(bytes: &[u8]) -> String {
    let mut out = String::new();
    for c in String::from_utf8_lossy(bytes).chars().take(QUOTE_LEN) {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// What plain HTTP on the address answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
#[non_exhaustive]
pub enum HttpVerdict {
    /// A redirect to an `https://` URL.
    RedirectToHttps {
        /// The 3xx status.
        status: u16,
        /// The `Location` resolved against the request URL.
        location: String,
        /// The host it names.
        host: String,
        /// Whether that is the host asked for (case and a final dot ignored; the port may
        /// differ).
        same_host: bool,
    },
    /// A redirect that stays on plain `http://` (relative redirects included).
    RedirectToHttp {
        /// The 3xx status.
        status: u16,
        /// The `Location` resolved against the request URL.
        location: String,
    },
    /// A redirect to something that is not an http(s) URL, or cannot be resolved.
    RedirectElsewhere {
        /// The 3xx status.
        status: u16,
        /// The `Location` as sent.
        location: String,
    },
    /// Content (2xx) served in plaintext.
    Content {
        /// The status.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// Another status: an error (4xx, 5xx), a 3xx without `Location`, a 1xx.
    OtherStatus {
        /// The status.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// The server closed (or reset) the connection without an answer.
    Closed {
        /// How.
        reason: String,
    },
    /// The probe could not tell (a timeout, a malformed or oversized head).
    Inconclusive {
        /// Why.
        reason: String,
    },
}

/// Whether `status` is a redirect that a client follows with `Location`.
fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The verdict on `head`, the answer to `GET path` with `Host: host`.
pub fn judge(host: &str, path: &str, head: &Head) -> HttpVerdict {
    let status = head.status;
    match (&head.location, status) {
        (Some(location), s) if is_redirect(s) => judge_location(host, path, status, location),
        (_, 200..=299) => HttpVerdict::Content { status, reason: head.reason.clone() },
        _ => HttpVerdict::OtherStatus { status, reason: head.reason.clone() },
    }
}

fn judge_location(host: &str, path: &str, status: u16, location: &str) -> HttpVerdict {
    let elsewhere = || HttpVerdict::RedirectElsewhere { status, location: location.to_owned() };
    let Ok(base) = Url::parse(&format!("http://{host}{path}")) else { return elsewhere() };
    let Ok(target) = base.join(location) else { return elsewhere() };
    let shown = target.as_str().chars().take(QUOTE_LEN).collect();
    match target.scheme() {
        "https" => {
            let to = target.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
            let same_host =
                base.host_str().is_some_and(|h| h.trim_end_matches('.').eq_ignore_ascii_case(&to));
            HttpVerdict::RedirectToHttps { status, location: shown, host: to, same_host }
        }
        "http" => HttpVerdict::RedirectToHttp { status, location: shown },
        _ => elsewhere(),
    }
}

impl HttpVerdict {
    /// An inconclusive verdict for `reason`.
    pub fn inconclusive(reason: impl Into<String>) -> Self {
        Self::Inconclusive { reason: reason.into() }
    }

    /// Whether plain HTTP does what it should: only redirect to HTTPS.
    pub fn redirects_to_https(&self) -> bool {
        matches!(self, Self::RedirectToHttps { .. })
    }

    /// The findings for `http://host/` (`url` names what was asked, for the messages):
    ///
    /// - `http.plaintext_content` (medium): a 2xx in plaintext;
    /// - `http.redirect_to_http` (medium): a redirect that stays on plain HTTP;
    /// - `http.redirect_elsewhere` (low): a redirect to neither http nor https;
    /// - `http.redirect_other_host` (info): HTTPS, but on another host (named);
    /// - `http.no_redirect` (info): an error or other status, no redirect;
    /// - `http.inconclusive` (info): closed, timed out, malformed.
    pub fn findings(&self, url: &str) -> Vec<Finding> {
        let (id, severity, message) = match self {
            Self::RedirectToHttps { same_host: true, .. } => return Vec::new(),
            Self::RedirectToHttps { status, location, .. } => (
                FINDING_REDIRECT_OTHER_HOST,
                Severity::Info,
                format!("{url} redirects ({status}) to HTTPS on another host: {location}"),
            ),
            Self::RedirectToHttp { status, location } => (
                FINDING_REDIRECT_TO_HTTP,
                Severity::Medium,
                format!(
                    "{url} redirects ({status}) to {location}, still plain HTTP: redirect to https:// instead (nginx: return 301 https://$host$request_uri;)"
                ),
            ),
            Self::RedirectElsewhere { status, location } => (
                FINDING_REDIRECT_ELSEWHERE,
                Severity::Low,
                format!("{url} redirects ({status}) to {location:?}, which is not an https:// URL"),
            ),
            Self::Content { status, reason } => (
                FINDING_PLAINTEXT_CONTENT,
                Severity::Medium,
                format!(
                    "{url} serves content in plaintext ({status} {reason}): redirect it to https:// (nginx: return 301 https://$host$request_uri;)"
                ),
            ),
            Self::OtherStatus { status, reason } => (
                FINDING_NO_REDIRECT,
                Severity::Info,
                format!("{url} answers {status} {reason} instead of redirecting to https://"),
            ),
            Self::Closed { reason } | Self::Inconclusive { reason } => {
                (FINDING_INCONCLUSIVE, Severity::Info, format!("{url} gave no usable answer: {reason}"))
            }
        };
        vec![Finding { id, severity, message }]
    }
}

/// The whole probe: what was asked and what came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpRedirectProbe {
    /// The `Host` sent.
    pub host: String,
    /// The path requested.
    pub path: String,
    /// The response head, when one was read.
    pub head: Option<Head>,
    /// The verdict.
    pub verdict: HttpVerdict,
    /// Bytes read from the server (at most the head cap plus one read).
    pub bytes_in: u64,
}

impl HttpRedirectProbe {
    /// The URL asked for, `http://host/path`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.host, self.path)
    }

    /// The verdict's findings ([`HttpVerdict::findings`]).
    pub fn findings(&self) -> Vec<Finding> {
        self.verdict.findings(&self.url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Option<Head>, HeadError> {
        HeadReader::new().push(bytes)
    }

    #[test]
    fn verdicts_over_response_tables() {
        let https = |location: &str, host: &str, same_host| HttpVerdict::RedirectToHttps {
            status: 301,
            location: location.into(),
            host: host.into(),
            same_host,
        };
        let cases: &[(&str, HttpVerdict)] = &[
            (
                "HTTP/1.1 301 Moved Permanently\r\nLocation: https://mail.example.org/\r\n\r\n",
                https("https://mail.example.org/", "mail.example.org", true),
            ),
            (
                "HTTP/1.1 301 Moved\r\nlocation: HTTPS://Mail.Example.ORG.:8443/x?y\r\n\r\n",
                https("https://mail.example.org.:8443/x?y", "mail.example.org", true),
            ),
            (
                "HTTP/1.1 301 Moved\r\nLocation: https://www.example.com/\r\n\r\n",
                https("https://www.example.com/", "www.example.com", false),
            ),
            (
                "HTTP/1.0 302 Found\r\nLocation: http://mail.example.org/login\r\n\r\n",
                HttpVerdict::RedirectToHttp { status: 302, location: "http://mail.example.org/login".into() },
            ),
            (
                "HTTP/1.1 307 Temporary\r\nLocation: /webmail/\r\n\r\n",
                HttpVerdict::RedirectToHttp {
                    status: 307,
                    location: "http://mail.example.org/webmail/".into(),
                },
            ),
            (
                "HTTP/1.1 308 Permanent\r\nLocation: //other.example/\r\n\r\n",
                HttpVerdict::RedirectToHttp { status: 308, location: "http://other.example/".into() },
            ),
            (
                "HTTP/1.1 303 See Other\r\nLocation: ftp://files.example/\r\n\r\n",
                HttpVerdict::RedirectElsewhere { status: 303, location: "ftp://files.example/".into() },
            ),
            (
                "HTTP/1.1 301 Moved\r\nLocation: https://[::1\r\n\r\n",
                HttpVerdict::RedirectElsewhere { status: 301, location: "https://[::1".into() },
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nhello",
                HttpVerdict::Content { status: 200, reason: "OK".into() },
            ),
            ("HTTP/1.1 301 Moved\r\n\r\n", HttpVerdict::OtherStatus { status: 301, reason: "Moved".into() }),
            (
                "HTTP/1.1 404 Not Found\r\nLocation: https://x/\r\n\r\n",
                HttpVerdict::OtherStatus { status: 404, reason: "Not Found".into() },
            ),
            (
                "HTTP/1.1 300 Multiple\r\nLocation: https://x/\r\n\r\n",
                HttpVerdict::OtherStatus { status: 300, reason: "Multiple".into() },
            ),
        ];
        for (response, expected) in cases {
            let head = parse(response.as_bytes()).unwrap().unwrap();
            assert_eq!(&judge("mail.example.org", "/", &head), expected, "{response:?}");
        }
    }

    #[test]
    fn findings_have_ids_and_severities() {
        let cases: &[(&str, Option<(&str, Severity)>)] = &[
            ("HTTP/1.1 301 M\r\nLocation: https://mail.example.org/\r\n\r\n", None),
            (
                "HTTP/1.1 301 M\r\nLocation: https://elsewhere.example/\r\n\r\n",
                Some((FINDING_REDIRECT_OTHER_HOST, Severity::Info)),
            ),
            ("HTTP/1.1 302 M\r\nLocation: /x\r\n\r\n", Some((FINDING_REDIRECT_TO_HTTP, Severity::Medium))),
            (
                "HTTP/1.1 302 M\r\nLocation: mailto:x@y\r\n\r\n",
                Some((FINDING_REDIRECT_ELSEWHERE, Severity::Low)),
            ),
            ("HTTP/1.1 200 OK\r\n\r\n", Some((FINDING_PLAINTEXT_CONTENT, Severity::Medium))),
            ("HTTP/1.1 503 Busy\r\n\r\n", Some((FINDING_NO_REDIRECT, Severity::Info))),
        ];
        for (response, expected) in cases {
            let head = parse(response.as_bytes()).unwrap().unwrap();
            let verdict = judge("mail.example.org", "/", &head);
            let found: Vec<_> =
                verdict.findings("http://mail.example.org/").iter().map(|f| (f.id, f.severity)).collect();
            assert_eq!(found, expected.iter().copied().collect::<Vec<_>>(), "{response:?}");
        }
        let closed = HttpVerdict::Closed { reason: "reset".into() };
        assert_eq!(closed.findings("http://x/")[0].id, FINDING_INCONCLUSIVE);
    }

    #[test]
    fn the_head_is_bounded_and_read_in_pieces() {
        let response = b"HTTP/1.1 301 Moved\r\nServer: nginx\r\nLocation: https://a/\r\n\r\nbody";
        let mut reader = HeadReader::new();
        let mut got = None;
        for b in response {
            if let Some(head) = reader.push(std::slice::from_ref(b)).unwrap() {
                got = Some(head);
                break;
            }
        }
        let head = got.unwrap();
        assert_eq!(
            (head.status, head.server.as_deref(), head.head_len),
            (301, Some("nginx"), response.len() - 4)
        );

        // An endless header section, a huge status line, too many fields, garbage.
        let mut reader = HeadReader::new();
        reader.push(b"HTTP/1.1 200 OK\r\n").unwrap();
        let mut result = Ok(None);
        for _ in 0..10_000 {
            result = reader.push(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
            if result.is_err() {
                break;
            }
        }
        assert!(
            matches!(result, Err(HeadError::TooManyHeaders { .. } | HeadError::TooLong { .. })),
            "{result:?}"
        );
        assert!(reader.buffered() <= MAX_HEAD_BYTES);
        let mut huge = b"HTTP/1.1 200 ".to_vec();
        huge.resize(100_000, b'a');
        assert_eq!(parse(&huge), Err(HeadError::TooLong { max: MAX_HEAD_BYTES }));
        let many = format!("HTTP/1.1 200 OK\r\n{}\r\n", "A: b\r\n".repeat(MAX_HEADERS + 1));
        assert_eq!(parse(many.as_bytes()), Err(HeadError::TooManyHeaders { max: MAX_HEADERS }));
        assert!(matches!(parse(b"SSH-2.0-OpenSSH\r\n"), Err(HeadError::Malformed { .. })));
        assert!(matches!(parse(b"\x16\x03\x01\x00\x05hello"), Err(HeadError::Malformed { .. })));
    }

    #[test]
    fn requests_refuse_what_would_break_the_head() {
        let sent = String::from_utf8(request("mail.example.org", "/").unwrap()).unwrap();
        assert!(sent.starts_with("GET / HTTP/1.1\r\nHost: mail.example.org\r\n"), "{sent}");
        assert!(sent.ends_with("Connection: close\r\n\r\n"));
        assert!(request("[::1]:8080", "/autodiscover/autodiscover.xml").is_ok());
        assert!(matches!(request("a\r\nX: y", "/"), Err(RequestError::BadHost(_))));
        assert!(matches!(request("", "/"), Err(RequestError::BadHost(_))));
        assert!(matches!(request("a", "x"), Err(RequestError::BadPath(_))));
        assert!(matches!(request("a", "/a b"), Err(RequestError::BadPath(_))));
    }

    #[test]
    fn the_probe_serialises() {
        let head = parse(b"HTTP/1.1 301 M\r\nLocation: https://a.example/\r\n\r\n").unwrap().unwrap();
        let probe = HttpRedirectProbe {
            host: "a.example".into(),
            path: "/".into(),
            verdict: judge("a.example", "/", &head),
            head: Some(head),
            bytes_in: 48,
        };
        let json = serde_json::to_value(&probe).unwrap();
        assert_eq!(json["verdict"]["verdict"], "redirect_to_https");
        assert_eq!(json["verdict"]["same_host"], true);
        assert_eq!(json["head"]["status"], 301);
        assert!(probe.findings().is_empty());
    }
}
