//! Fuzz entry points of the plaintext port probes: the HTTP response-head reader and
//! verdict ([`http_redirect`](crate::http_redirect)) and the "TLS before MAIL/AUTH" client
//! ([`submission`](crate::starttls::submission)). Any bytes, in any chunking, must give a
//! verdict within the caps, never a panic.

use crate::http_redirect::{self, HeadReader, MAX_HEAD_BYTES};
use crate::starttls::submission::{SubmissionClient, SubmissionConfig};

/// `data`: byte 0 is the chunk size, the rest what a server on port 80 sends.
pub fn http_head(data: &[u8]) {
    let Some((&size, rest)) = data.split_first() else { return };
    let mut reader = HeadReader::new();
    for chunk in rest.chunks(usize::from(size.max(1))) {
        match reader.push(chunk) {
            Ok(None) => {}
            Ok(Some(head)) => {
                assert!(head.head_len <= MAX_HEAD_BYTES, "a head longer than the cap");
                let verdict = http_redirect::judge("mail.example.org", "/", &head);
                let _ = verdict.findings("http://mail.example.org/");
                serde_json::to_vec(&verdict).expect("a verdict always serialises");
                break;
            }
            Err(_) => break,
        }
        assert!(reader.buffered() <= MAX_HEAD_BYTES, "the reader holds more than the cap");
    }
}

/// `data`: byte 0 is the chunk size, the rest what an SMTP server sends, fed one chunk per
/// client command.
pub fn submission_dialogue(data: &[u8]) {
    let Some((&size, rest)) = data.split_first() else { return };
    let mut client = SubmissionClient::new(SubmissionConfig::default());
    let mut out = Vec::new();
    let mut pending = rest;
    for _ in 0..rest.len() + 1 {
        client.poll_transmit(&mut out);
        if client.is_done() || pending.is_empty() {
            break;
        }
        let take = usize::from(size.max(1)).min(pending.len());
        let used = client.handle_input(pending.get(..take).unwrap_or_default());
        assert!(used <= take, "consumed more than given");
        pending = pending.get(used..).unwrap_or_default();
    }
    client.handle_close();
    let probe = client.into_probe();
    let _ = probe.verdict();
    let _ = probe.findings(crate::starttls::submission::Role::Submission);
    serde_json::to_vec(&probe).expect("a probe always serialises");
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_http_head_reader_survives_any_server(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
            super::http_head(&data);
        }

        #[test]
        fn the_http_head_reader_survives_head_like_text(
            size in 1u8..64,
            text in "HTTP/1\\.[01] [1-5][0-9]{2} [ -~]{0,20}\r\n([A-Za-z-]{1,12}: [ -~]{0,60}\r\n){0,8}\r\n",
        ) {
            let mut data = vec![size];
            data.extend_from_slice(text.as_bytes());
            super::http_head(&data);
        }

        #[test]
        fn the_submission_client_survives_any_server(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            super::submission_dialogue(&data);
        }

        #[test]
        fn the_submission_client_survives_reply_like_text(
            size in 1u8..64,
            text in "([2-5][0-9]{2}[ -][ -~]{0,30}\r\n){0,12}",
        ) {
            let mut data = vec![size];
            data.extend_from_slice(text.as_bytes());
            super::submission_dialogue(&data);
        }
    }
}
