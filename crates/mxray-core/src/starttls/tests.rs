//! Scripted server dialogues for the STARTTLS machines: every script runs whole and split
//! at every byte boundary (one byte at a time), and must give the same record.

use super::*;

/// A scripted server's replies, the greeting first.
type Script<'a> = Vec<&'a [u8]>;
/// A script, the outcome it must give and what the client must send.
type Case<'a> = (Script<'a>, Outcome, Vec<&'a str>);

/// A server that answers the client's n-th write with `replies[n]` (the greeting first),
/// closing when the script ends.
struct Run {
    dialogue: Dialogue,
    sent: Vec<String>,
    surplus: Vec<u8>,
}

fn run(config: Config, script: &[&[u8]], chunk: usize) -> Run {
    let mut client = StartTlsClient::new(config);
    let mut script = script.iter();
    let mut server: Vec<u8> = Vec::new();
    let mut sent = Vec::new();
    let mut surplus = Vec::new();
    server.extend_from_slice(script.next().copied().unwrap_or_default());
    loop {
        while !server.is_empty() && !client.is_done() {
            let n = server.len().min(chunk);
            let used = client.handle_input(&server[..n]);
            assert!(used <= n);
            if used < n {
                assert!(client.is_done(), "input left over while the dialogue runs");
            }
            server.drain(..used);
        }
        if client.is_done() {
            // As the driver does: what followed the last reply.
            surplus = std::mem::take(&mut server);
            client.observe_after_starttls(&surplus);
        }
        let mut out = Vec::new();
        if client.poll_transmit(&mut out) {
            sent.push(String::from_utf8(out).unwrap());
        }
        if client.is_done() {
            break;
        }
        match script.next() {
            Some(reply) => server.extend_from_slice(reply),
            None => {
                client.handle_close();
                break;
            }
        }
    }
    Run { dialogue: client.into_dialogue(), sent, surplus }
}

/// Runs the script whole and one byte at a time; both must agree.
fn run_both(config: Config, script: &[&[u8]]) -> Run {
    let whole = run(config.clone(), script, usize::MAX);
    let mut split = run(config, script, 1);
    if matches!(split.dialogue.outcome, Some(Outcome::Malformed(_))) {
        // How far into a bad line the reader got depends on the chunks.
        split.dialogue.bytes_in = whole.dialogue.bytes_in;
        split.surplus.clone_from(&whole.surplus);
    }
    assert_eq!(whole.dialogue, split.dialogue);
    assert_eq!(whole.sent, split.sent);
    assert_eq!(whole.surplus, split.surplus);
    whole
}

fn smtp() -> Config {
    Config::new(Protocol::Smtp)
}

const POSTFIX_BANNER: &[u8] = b"220 mail.example ESMTP Postfix (Debian/GNU)\r\n";
const POSTFIX_EHLO: &[u8] = b"250-mail.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n\
250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n\
250 CHUNKING\r\n";
const READY: &[u8] = b"220 2.0.0 Ready to start TLS\r\n";

fn refused(code: u16, text: &str) -> Outcome {
    Outcome::StartTlsRefused { status: Status::Code(code), text: text.to_owned() }
}

fn caps(d: &Dialogue) -> &[Capability] {
    &d.capabilities
}

#[test]
fn postfix_reaches_tls_and_keeps_the_tls_bytes() {
    let tls = [0x16, 0x03, 0x01, 0x00, 0x2a];
    let starttls = [READY, &tls].concat();
    let r = run_both(smtp(), &[POSTFIX_BANNER, POSTFIX_EHLO, &starttls]);
    assert_eq!(r.sent, ["EHLO mxray.invalid\r\n", "STARTTLS\r\n"]);
    assert_eq!(r.surplus, tls);
    let d = &r.dialogue;
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert_eq!(d.banner.as_deref(), Some("mail.example ESMTP Postfix (Debian/GNU)"));
    assert_eq!(d.hello.as_deref(), Some("mail.example"));
    assert!(d.starttls_offered);
    assert!(d.auth_before_tls.is_empty());
    for cap in [
        Capability::Pipelining,
        Capability::Size(Some(10_240_000)),
        Capability::StartTls,
        Capability::EnhancedStatusCodes,
        Capability::EightBitMime,
        Capability::Dsn,
        Capability::SmtpUtf8,
        Capability::Chunking,
        Capability::Other("VRFY".into()),
    ] {
        assert!(caps(d).contains(&cap), "{cap:?} missing from {:?}", caps(d));
    }
    let codes: Vec<_> = d.exchanges.iter().map(|e| (e.command.as_str(), e.status)).collect();
    assert_eq!(
        codes,
        [("greeting", Status::Code(220)), ("EHLO", Status::Code(250)), ("STARTTLS", Status::Code(220))]
    );
    assert!(!d.bare_lf);
    assert_eq!(d.bytes_out, "EHLO mxray.invalid\r\nSTARTTLS\r\n".len());
    assert_eq!(d.bytes_in, POSTFIX_BANNER.len() + POSTFIX_EHLO.len() + READY.len());
    assert_eq!(d.login_disabled, None);
    assert_eq!(d.injection, None);
}

#[test]
fn exchange_offers_ntlm_in_clear() {
    let r = run_both(
        smtp(),
        &[
            b"220 EX01.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 1 Jan 2024 10:00:00 +0000\r\n",
            b"250-EX01.contoso.com Hello [192.0.2.1]\r\n250-SIZE 37748736\r\n250-PIPELINING\r\n250-DSN\r\n\
250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-X-ANONYMOUSTLS\r\n250-AUTH NTLM\r\n250-X-EXPS GSSAPI NTLM\r\n\
250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 XRDST\r\n",
            b"220 2.0.0 SMTP server ready\r\n",
        ],
    );
    let d = &r.dialogue;
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert_eq!(d.auth_before_tls, ["NTLM"]);
    assert!(caps(d).contains(&Capability::Other("X-ANONYMOUSTLS".into())));
    assert!(caps(d).contains(&Capability::Size(Some(37_748_736))));
}

#[test]
fn gmail_like_and_old_style_auth() {
    let r = run_both(
        smtp(),
        &[
            b"220 mx.google.com ESMTP a1-20020a170906.123 - gsmtp\r\n",
            b"250-mx.google.com at your service, [192.0.2.1]\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n\
250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n",
            READY,
        ],
    );
    assert_eq!(r.dialogue.outcome, Some(Outcome::ReadyForTls));
    assert!(r.dialogue.auth_before_tls.is_empty());

    let r = run_both(
        smtp(),
        &[
            b"220 sub.example ESMTP\r\n",
            b"250-sub.example\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=LOGIN\r\n250 STARTTLS\r\n",
            READY,
        ],
    );
    assert_eq!(r.dialogue.auth_before_tls, ["PLAIN", "LOGIN"]);
}

#[test]
fn smtp_findings_and_errors() {
    let endless: Vec<u8> = b"250-x\r\n".repeat(150);
    let long_line = [b"220 ".as_slice(), &[b'a'; 5000], b"\r\n"].concat();
    let no_starttls: &[u8] = b"250-mail.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
    let cases: Vec<(&str, Script<'_>, Outcome, Vec<&str>)> = vec![
        (
            "421 at greeting",
            vec![b"421 4.7.0 mail.example Error: too many connections from 192.0.2.1\r\n"],
            Outcome::ServiceUnavailable {
                status: Status::Code(421),
                text: "4.7.0 mail.example Error: too many connections from 192.0.2.1".into(),
            },
            vec![],
        ),
        (
            "554 banner",
            vec![b"554 5.7.1 Access denied\r\n"],
            Outcome::Rejected { status: Status::Code(554), text: "5.7.1 Access denied".into() },
            vec!["QUIT\r\n"],
        ),
        (
            "STARTTLS missing",
            vec![POSTFIX_BANNER, no_starttls],
            Outcome::StartTlsNotOffered,
            vec!["EHLO mxray.invalid\r\n", "QUIT\r\n"],
        ),
        (
            "454",
            vec![POSTFIX_BANNER, POSTFIX_EHLO, b"454 4.7.0 TLS not available due to local problem\r\n"],
            refused(454, "4.7.0 TLS not available due to local problem"),
            vec!["EHLO mxray.invalid\r\n", "STARTTLS\r\n", "QUIT\r\n"],
        ),
        (
            "421 at STARTTLS",
            vec![POSTFIX_BANNER, POSTFIX_EHLO, b"421 4.3.2 Service shutting down\r\n"],
            Outcome::ServiceUnavailable {
                status: Status::Code(421),
                text: "4.3.2 Service shutting down".into(),
            },
            vec!["EHLO mxray.invalid\r\n", "STARTTLS\r\n"],
        ),
        (
            "EHLO refused",
            vec![POSTFIX_BANNER, b"502 5.5.2 Error: command not recognized\r\n"],
            Outcome::Rejected {
                status: Status::Code(502),
                text: "5.5.2 Error: command not recognized".into(),
            },
            vec!["EHLO mxray.invalid\r\n", "QUIT\r\n"],
        ),
        (
            "endless 250-",
            vec![POSTFIX_BANNER, &endless],
            Outcome::Malformed(Violation::TooManyLines { max: MAX_REPLY_LINES }),
            vec!["EHLO mxray.invalid\r\n"],
        ),
        (
            "over-long line",
            vec![&long_line],
            Outcome::Malformed(Violation::LineTooLong { max: MAX_LINE_LEN }),
            vec![],
        ),
        (
            "binary garbage",
            vec![b"\x00\xff\x16\x03garbage\r\n"],
            Outcome::Malformed(Violation::NotAReply {
                protocol: Protocol::Smtp,
                line: "\\0\u{fffd}\\u{16}\\u{3}garbage".into(),
            }),
            vec![],
        ),
        (
            "a TLS server (implicit TLS port) answers nothing useful",
            vec![b"HTTP/1.1 400 Bad Request\r\n"],
            Outcome::Malformed(Violation::NotAReply {
                protocol: Protocol::Smtp,
                line: "HTTP/1.1 400 Bad Request".into(),
            }),
            vec![],
        ),
        ("closed after the greeting", vec![POSTFIX_BANNER], Outcome::Closed, vec!["EHLO mxray.invalid\r\n"]),
        (
            "closed inside a reply",
            vec![POSTFIX_BANNER, b"250-mail.example\r\n250-PIPE"],
            Outcome::Closed,
            vec!["EHLO mxray.invalid\r\n"],
        ),
    ];
    for (name, script, outcome, sent) in cases {
        let r = run_both(smtp(), &script);
        assert_eq!(r.dialogue.outcome.as_ref(), Some(&outcome), "{name}");
        assert_eq!(r.sent, sent, "{name}");
    }
}

#[test]
fn lf_only_and_multi_line_greetings() {
    let r = run_both(
        smtp(),
        &[
            b"220-mail.example ESMTP\n220-postscreen says hello\n220 go ahead\n",
            b"250-mail.example\n250 STARTTLS\n",
            b"220 ready\n",
        ],
    );
    let d = &r.dialogue;
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert!(d.bare_lf);
    assert_eq!(d.banner.as_deref(), Some("mail.example ESMTP\npostscreen says hello\ngo ahead"));
}

#[test]
fn lmtp_says_lhlo_and_names_are_sanitised() {
    let mut config = Config::new(Protocol::Lmtp);
    config.client_name = "scan\r\nRSET ner.example".into();
    let r = run_both(config, &[b"220 lmtp.example LMTP\r\n", b"250-lmtp.example\r\n250 STARTTLS\r\n", READY]);
    assert_eq!(r.sent, ["LHLO scanRSETner.example\r\n", "STARTTLS\r\n"]);
    let mut config = smtp();
    config.client_name = " \t".into();
    let r = run_both(config, &[POSTFIX_BANNER]);
    assert_eq!(r.sent, ["EHLO mxray.invalid\r\n"]);
}

#[test]
fn the_plaintext_byte_cap_holds() {
    let mut config = smtp();
    config.limits.max_dialogue_bytes = 100;
    let r = run_both(config, &[POSTFIX_BANNER, POSTFIX_EHLO]);
    assert_eq!(r.dialogue.outcome, Some(Outcome::Malformed(Violation::TooManyBytes { max: 100 })));
}

#[test]
fn injection_probe_records_a_plaintext_reply() {
    let mut config = smtp();
    config.inject_after_starttls = true;
    let reply = [READY, b"250 2.0.0 Ok\r\n"].concat();
    let r = run_both(config.clone(), &[POSTFIX_BANNER, POSTFIX_EHLO, &reply]);
    assert_eq!(r.sent, ["EHLO mxray.invalid\r\n", "STARTTLS\r\nNOOP\r\n"]);
    assert_eq!(r.surplus, b"250 2.0.0 Ok\r\n");
    let injection = r.dialogue.injection.unwrap();
    assert_eq!(injection.command, "NOOP");
    assert_eq!(injection.plaintext_reply.as_deref(), Some("250 2.0.0 Ok"));

    // TLS after the reply, or nothing: no plaintext reply.
    let reply = [READY, b"\x16\x03\x03\x00\x02\x02\x0a"].concat();
    let r = run_both(config.clone(), &[POSTFIX_BANNER, POSTFIX_EHLO, &reply]);
    assert_eq!(r.dialogue.injection.unwrap().plaintext_reply, None);

    // A reply read later can be handed over by the driver.
    let mut client = StartTlsClient::new(config);
    for bytes in [POSTFIX_BANNER, POSTFIX_EHLO, READY] {
        assert_eq!(client.handle_input(bytes), bytes.len());
        client.poll_transmit(&mut Vec::new());
    }
    assert!(client.is_done());
    client.observe_after_starttls(b"250 ok\r\n");
    assert_eq!(client.dialogue().injection.as_ref().unwrap().plaintext_reply.as_deref(), Some("250 ok"));
}

#[test]
fn imap_dialogues() {
    let imap = || Config::new(Protocol::Imap);
    let dovecot: &[u8] =
        b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS \
LOGINDISABLED] Dovecot ready.\r\n";
    let r = run_both(imap(), &[dovecot, b"b OK Begin TLS negotiation now.\r\n\x16\x03"]);
    assert_eq!(r.sent, ["b STARTTLS\r\n"]);
    assert_eq!(r.surplus, b"\x16\x03");
    let d = &r.dialogue;
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert_eq!(d.login_disabled, Some(true));
    assert!(d.auth_before_tls.is_empty());
    assert!(d.banner.as_deref().unwrap().ends_with("Dovecot ready."));

    let r = run_both(
        imap(),
        &[
            b"* OK IMAP4rev1 Service Ready\r\n",
            b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN AUTH=LOGIN\r\na OK CAPABILITY completed\r\n",
            b"b OK Begin TLS\r\n",
        ],
    );
    assert_eq!(r.sent, ["a CAPABILITY\r\n", "b STARTTLS\r\n"]);
    let d = &r.dialogue;
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert_eq!(d.login_disabled, Some(false));
    assert_eq!(d.auth_before_tls, ["PLAIN", "LOGIN"]);

    let cases: Vec<Case<'_>> = vec![
        (
            vec![b"* BYE Too many connections\r\n"],
            Outcome::ServiceUnavailable { status: Status::Bye, text: "Too many connections".into() },
            vec![],
        ),
        (
            vec![b"* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n"],
            Outcome::PreAuthenticated,
            vec!["z LOGOUT\r\n"],
        ),
        (
            vec![b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"],
            Outcome::StartTlsNotOffered,
            vec!["z LOGOUT\r\n"],
        ),
        (
            vec![
                b"* OK hi\r\n",
                b"* CAPABILITY IMAP4rev1 STARTTLS\r\na OK done\r\n",
                b"b NO [UNAVAILABLE] no TLS\r\n",
            ],
            Outcome::StartTlsRefused { status: Status::No, text: "[UNAVAILABLE] no TLS".into() },
            vec!["a CAPABILITY\r\n", "b STARTTLS\r\n", "z LOGOUT\r\n"],
        ),
        (
            // The capability list in the tagged completion's response code counts too.
            vec![
                b"* OK hi\r\n",
                b"a OK [CAPABILITY IMAP4rev1 STARTTLS] done\r\n",
                b"* BYE shutting down\r\n",
            ],
            Outcome::ServiceUnavailable { status: Status::Bye, text: "shutting down".into() },
            vec!["a CAPABILITY\r\n", "b STARTTLS\r\n"],
        ),
        (
            vec![b"* OK hi\r\n", b"a BAD unknown\r\n"],
            Outcome::Rejected { status: Status::Bad, text: "unknown".into() },
            vec!["a CAPABILITY\r\n", "z LOGOUT\r\n"],
        ),
        (
            vec![b"220 mail.example ESMTP\r\n"],
            Outcome::Malformed(Violation::NotAReply {
                protocol: Protocol::Imap,
                line: "220 mail.example ESMTP".into(),
            }),
            vec![],
        ),
    ];
    for (script, outcome, sent) in cases {
        let r = run_both(imap(), &script);
        assert_eq!(r.dialogue.outcome.as_ref(), Some(&outcome), "{script:?}");
        assert_eq!(r.sent, sent, "{script:?}");
    }

    let mut config = imap();
    config.inject_after_starttls = true;
    let r = run_both(config, &[dovecot, b"b OK Begin TLS\r\nc OK NOOP completed\r\n"]);
    assert_eq!(r.sent, ["b STARTTLS\r\nc NOOP\r\n"]);
    assert_eq!(r.dialogue.injection.unwrap().plaintext_reply.as_deref(), Some("c OK NOOP completed"));
}

#[test]
fn pop3_dialogues() {
    let pop3 = || Config::new(Protocol::Pop3);
    let capa: &[u8] =
        b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\n\
SASL PLAIN LOGIN\r\n..STUFFED\r\n.\r\n";
    let r = run_both(pop3(), &[b"+OK Dovecot ready.\r\n", capa, b"+OK Begin TLS negotiation now.\r\n"]);
    assert_eq!(r.sent, ["CAPA\r\n", "STLS\r\n"]);
    let d = &r.dialogue;
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert_eq!(d.banner.as_deref(), Some("Dovecot ready."));
    assert_eq!(d.user_before_tls, Some(true));
    assert_eq!(d.auth_before_tls, ["PLAIN", "LOGIN"]);
    assert!(caps(d).contains(&Capability::Pipelining));
    assert!(caps(d).contains(&Capability::Other(".STUFFED".into())));

    let cases: Vec<Case<'_>> = vec![
        (
            vec![b"-ERR [SYS/TEMP] go away\r\n"],
            Outcome::Rejected { status: Status::Err, text: "[SYS/TEMP] go away".into() },
            vec!["QUIT\r\n"],
        ),
        (
            vec![b"+OK hi\r\n", b"-ERR unknown command\r\n"],
            Outcome::StartTlsNotOffered,
            vec!["CAPA\r\n", "QUIT\r\n"],
        ),
        (
            vec![b"+OK hi\r\n", b"+OK\r\nUSER\r\n.\r\n"],
            Outcome::StartTlsNotOffered,
            vec!["CAPA\r\n", "QUIT\r\n"],
        ),
        (
            vec![b"+OK hi\r\n", b"+OK\r\nSTLS\r\n.\r\n", b"-ERR TLS unavailable\r\n"],
            Outcome::StartTlsRefused { status: Status::Err, text: "TLS unavailable".into() },
            vec!["CAPA\r\n", "STLS\r\n", "QUIT\r\n"],
        ),
        (
            vec![b"* OK IMAP here\r\n"],
            Outcome::Malformed(Violation::NotAReply {
                protocol: Protocol::Pop3,
                line: "* OK IMAP here".into(),
            }),
            vec![],
        ),
    ];
    for (script, outcome, sent) in cases {
        let r = run_both(pop3(), &script);
        assert_eq!(r.dialogue.outcome.as_ref(), Some(&outcome), "{script:?}");
        assert_eq!(r.sent, sent, "{script:?}");
    }
    let r = run_both(pop3(), &[b"+OK hi\r\n", b"+OK\r\nUSER\r\n.\r\n"]);
    assert_eq!(r.dialogue.user_before_tls, Some(true));
}

#[test]
fn sieve_dialogues() {
    let sieve = || Config::new(Protocol::Sieve);
    let greeting: &[u8] =
        b"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n\"SIEVE\" \"fileinto reject envelope\"\r\n\
\"NOTIFY\" \"mailto\"\r\n\"SASL\" \"\"\r\n\"STARTTLS\"\r\n\"VERSION\" \"1.0\"\r\nOK \"Dovecot ready.\"\r\n";
    let r = run_both(sieve(), &[greeting, b"OK \"Begin TLS negotiation now.\"\r\n"]);
    assert_eq!(r.sent, ["STARTTLS\r\n"]);
    let d = &r.dialogue;
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert_eq!(d.banner.as_deref(), Some("Dovecot Pigeonhole"));
    assert!(d.auth_before_tls.is_empty());
    assert!(caps(d).contains(&Capability::Other("SIEVE fileinto reject envelope".into())));

    let cases: Vec<(Script<'_>, Outcome, Vec<&str>, Vec<&str>)> = vec![
        (
            vec![b"\"IMPLEMENTATION\" \"x\"\r\n\"SASL\" \"PLAIN LOGIN\"\r\nOK\r\n"],
            Outcome::StartTlsNotOffered,
            vec!["LOGOUT\r\n"],
            vec!["PLAIN", "LOGIN"],
        ),
        (
            vec![b"BYE \"Too many connections\"\r\n"],
            Outcome::ServiceUnavailable { status: Status::Bye, text: "\"Too many connections\"".into() },
            vec![],
            vec![],
        ),
        (
            vec![b"\"STARTTLS\"\r\nOK\r\n", b"NO \"TLS unavailable\"\r\n"],
            Outcome::StartTlsRefused { status: Status::No, text: "\"TLS unavailable\"".into() },
            vec!["STARTTLS\r\n", "LOGOUT\r\n"],
            vec![],
        ),
        (
            vec![b"garbage\r\n"],
            Outcome::Malformed(Violation::NotAReply { protocol: Protocol::Sieve, line: "garbage".into() }),
            vec![],
            vec![],
        ),
    ];
    for (script, outcome, sent, auth) in cases {
        let r = run_both(sieve(), &script);
        assert_eq!(r.dialogue.outcome.as_ref(), Some(&outcome), "{script:?}");
        assert_eq!(r.sent, sent, "{script:?}");
        assert_eq!(r.dialogue.auth_before_tls, auth, "{script:?}");
    }
    assert_eq!(sieve::quoted_strings(r#""a\"b" "c\\d" x "e""#), ["a\"b", "c\\d"]);
}

#[test]
fn the_observer_records_a_captured_dialogue() {
    let mut obs = Observer::new(Protocol::Smtp, Limits::default());
    // The server's bytes run ahead of the client's: only the greeting is taken.
    let server = [POSTFIX_BANNER, POSTFIX_EHLO, READY, b"\x16\x03\x03"].concat();
    let mut server_rest: &[u8] = &server;
    let n = obs.observe_server(server_rest);
    assert_eq!(n, POSTFIX_BANNER.len());
    server_rest = &server_rest[n..];
    let client = b"EHLO client.example\r\nSTARTTLS\r\n\x16\x03\x01\x00";
    let n = obs.observe_client(client);
    assert_eq!(n, client.len() - 4, "the client's TLS bytes stay with the caller");
    let n = obs.observe_server(server_rest);
    assert_eq!(&server_rest[n..], b"\x16\x03\x03");
    assert!(obs.is_done());
    let d = obs.finish();
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert!(d.starttls_offered);
    assert_eq!(d.hello.as_deref(), Some("mail.example"));

    // A client that goes on in plaintext although STARTTLS is missing.
    let mut obs = Observer::new(Protocol::Smtp, Limits::default());
    obs.observe_client(b"EHLO c\r\nMAIL FROM:<a@b>\r\n");
    obs.observe_server(b"220 hi\r\n250-hi\r\n250 PIPELINING\r\n250 ok\r\n");
    assert!(!obs.is_done());
    let d = obs.finish();
    assert_eq!(d.outcome, Some(Outcome::StartTlsNotOffered));
    assert_eq!(d.exchanges.len(), 3);

    // IMAP with tags chosen by the client.
    let mut obs = Observer::new(Protocol::Imap, Limits::default());
    obs.observe_client(b"A001 CAPABILITY\r\nA002 STARTTLS\r\n");
    obs.observe_server(
        b"* OK hi\r\n* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\nA001 OK done\r\nA002 OK go\r\n",
    );
    let d = obs.finish();
    assert_eq!(d.outcome, Some(Outcome::ReadyForTls));
    assert_eq!(d.auth_before_tls, ["PLAIN"]);

    // A client that floods commands.
    let mut obs = Observer::new(Protocol::Pop3, Limits::default());
    obs.observe_client(&b"NOOP\r\n".repeat(40));
    assert_eq!(
        obs.dialogue().outcome,
        Some(Outcome::Malformed(Violation::TooManyPending { max: MAX_PENDING_COMMANDS }))
    );
}

#[test]
fn parsers_work_on_their_own() {
    assert_eq!(
        smtp::parse_line(b"250-SIZE 1"),
        Some(smtp::ReplyLine { code: 250, last: false, text: b"SIZE 1" })
    );
    assert_eq!(smtp::parse_line(b"250"), Some(smtp::ReplyLine { code: 250, last: true, text: b"" }));
    for bad in [&b""[..], b"25", b"2500", b"abc def", b"650 x", b"25a x"] {
        assert_eq!(smtp::parse_line(bad), None, "{bad:?}");
    }
    let mut p = smtp::ReplyParser::new(10);
    assert_eq!(p.push_line(b"250-a").unwrap(), None);
    let reply = p.push_line(b"250 b").unwrap().unwrap();
    assert_eq!(reply.lines, ["a", "b"]);
    assert_eq!(smtp::parse_capability("size"), Some(Capability::Size(None)));
    assert_eq!(smtp::parse_capability("SIZE nope"), Some(Capability::Size(None)));
    assert_eq!(smtp::parse_capability("REQUIRETLS"), Some(Capability::RequireTls));

    let line = imap::parse_line(b"* OK [CAPABILITY IMAP4rev1] hi").unwrap();
    assert_eq!(line.status, Some(Status::Ok));
    assert_eq!(line.code(), Some(&b"CAPABILITY IMAP4rev1"[..]));
    assert_eq!(imap::parse_line(b"* 3 EXISTS").unwrap().status, None);
    assert!(imap::parse_line(b"a1 WHAT").is_none());
    assert!(imap::parse_line(b"").is_none());

    assert_eq!(pop3::parse_status(b"+OK"), Some((Status::Ok, &b""[..])));
    assert_eq!(pop3::parse_status(b"-ERR no"), Some((Status::Err, &b"no"[..])));
    assert_eq!(pop3::parse_status(b"+OKAY"), None);
    assert_eq!(sieve::parse_status(b"ok \"x\""), Some((Status::Ok, &b"\"x\""[..])));
}

#[test]
fn the_record_serialises() {
    let r = run_both(smtp(), &[POSTFIX_BANNER, POSTFIX_EHLO, READY]);
    let json = serde_json::to_value(&r.dialogue).unwrap();
    assert_eq!(json["protocol"], "smtp");
    assert_eq!(json["outcome"]["kind"], "ready_for_tls");
    assert_eq!(json["exchanges"][0]["status"]["code"], 220);
}

mod prop {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_bytes_end_without_panic(
            protocol in prop_oneof![
                Just(Protocol::Smtp), Just(Protocol::Lmtp), Just(Protocol::Imap),
                Just(Protocol::Pop3), Just(Protocol::Sieve),
            ],
            input in proptest::collection::vec(any::<u8>(), 0..600),
            chunk in 1usize..64,
        ) {
            let mut config = Config::new(protocol);
            config.limits.max_line_len = 40;
            config.limits.max_reply_lines = 5;
            let mut client = StartTlsClient::new(config);
            let mut rest: &[u8] = &input;
            while !rest.is_empty() && !client.is_done() {
                let n = rest.len().min(chunk);
                let used = client.handle_input(&rest[..n]);
                prop_assert!(used <= n);
                rest = &rest[used..];
                client.poll_transmit(&mut Vec::new());
            }
            client.handle_close();
            prop_assert!(client.is_done());

            let mut obs = Observer::new(protocol, Limits::default());
            obs.observe_client(&input);
            obs.observe_server(&input);
            let _ = obs.finish();
        }
    }
}
