//! Fuzz entry point of the header analysis: any text (bytes read as UTF-8, lossily, as the
//! CLI does) must give a report or a [`HeadersError`](crate::headers::HeadersError), never a
//! panic, and every report must serialise; every hop keeps its raw field.

use crate::headers;

/// `data`: a pasted header block or message.
pub fn headers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(report) = headers::analyse(&text) {
        for hop in &report.hops {
            assert!(hop.raw.len() <= text.len(), "a hop's raw text is longer than the input");
        }
        serde_json::to_vec(&report).expect("a header report always serialises");
    }
    let _ = headers::parse_date(&text);
}
