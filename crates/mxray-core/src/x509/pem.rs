//! PEM and DER input: split a pasted or uploaded chain into DER certificates, bounded.
//!
//! A small strict PEM reader of our own (RFC 7468 "lax" text: anything between blocks is
//! ignored, as `openssl x509 -text` output or `Bag Attributes` lines). Every block's label is
//! kept, so a private key or a CSR pasted by mistake is reported by its label, and every
//! error names the line. Input size, block count and certificate size are capped before
//! anything is decoded.

use super::{MAX_CERTIFICATE_SIZE, MAX_CERTIFICATES, MAX_INPUT_SIZE, X509Error};

/// Splits `input` into DER certificates: PEM text (one or more `CERTIFICATE` blocks, text
/// around them ignored) or binary DER (one certificate or several concatenated).
pub fn split_chain(input: &[u8]) -> Result<Vec<Vec<u8>>, X509Error> {
    if input.len() > MAX_INPUT_SIZE {
        return Err(X509Error::TooLarge { what: "input", size: input.len(), max: MAX_INPUT_SIZE });
    }
    if input.first() == Some(&0x30) {
        return split_der(input);
    }
    let text = std::str::from_utf8(input).map_err(|e| X509Error::NotPem {
        reason: format!("the input is neither DER nor text (invalid UTF-8 at byte {})", e.valid_up_to()),
    })?;
    split_pem(text)
}

/// Splits concatenated DER certificates (each an outer SEQUENCE) without parsing them.
pub fn split_der(mut input: &[u8]) -> Result<Vec<Vec<u8>>, X509Error> {
    let mut out = Vec::new();
    let mut offset = 0;
    while !input.is_empty() {
        let len = der_element_len(input).ok_or(X509Error::BadDer {
            index: out.len(),
            reason: format!("not a DER SEQUENCE at byte {offset}"),
        })?;
        if len > MAX_CERTIFICATE_SIZE {
            return Err(X509Error::TooLarge { what: "certificate", size: len, max: MAX_CERTIFICATE_SIZE });
        }
        if out.len() == MAX_CERTIFICATES {
            return Err(X509Error::TooMany { max: MAX_CERTIFICATES });
        }
        out.push(input[..len].to_vec());
        input = &input[len..];
        offset += len;
    }
    Ok(out)
}

/// The total length (header and contents) of the DER SEQUENCE at the start of `input`, if
/// it is one and fits.
fn der_element_len(input: &[u8]) -> Option<usize> {
    if input.len() < 2 || input[0] != 0x30 {
        return None;
    }
    let (header, len) = match input[1] {
        l if l < 0x80 => (2, usize::from(l)),
        0x81..=0x84 => {
            let n = usize::from(input[1] & 0x7f);
            let bytes = input.get(2..2 + n)?;
            (2 + n, bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
        }
        _ => return None,
    };
    let total = header.checked_add(len)?;
    (total <= input.len()).then_some(total)
}

/// Splits PEM text into the DER of its `CERTIFICATE` blocks (also `X509 CERTIFICATE` and
/// `TRUSTED CERTIFICATE`, whose trailing auxiliary data is dropped by the caller's parser).
pub fn split_pem(text: &str) -> Result<Vec<Vec<u8>>, X509Error> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut saw_block = false;
    while let Some((number, line)) = lines.next() {
        let line = line.trim();
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else {
            continue;
        };
        saw_block = true;
        let mut base64 = String::new();
        let mut ended = false;
        for (_, body) in lines.by_ref() {
            let body = body.trim();
            if let Some(end) = body.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
                if end != label {
                    return Err(X509Error::BadPem {
                        line: number + 1,
                        reason: format!("block BEGIN {label} ends with END {end}"),
                    });
                }
                ended = true;
                break;
            }
            // RFC 1421 headers (Proc-Type, DEK-Info) appear only in encrypted keys.
            if body.contains(':') {
                continue;
            }
            base64.push_str(body);
            if base64.len() > MAX_CERTIFICATE_SIZE * 4 / 3 + 4 {
                return Err(X509Error::TooLarge {
                    what: "PEM block",
                    size: base64.len() * 3 / 4,
                    max: MAX_CERTIFICATE_SIZE,
                });
            }
        }
        if !ended {
            return Err(X509Error::BadPem {
                line: number + 1,
                reason: format!("block {label} has no END line"),
            });
        }
        match label {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {}
            other => return Err(X509Error::NotCertificate { label: other.to_owned(), line: number + 1 }),
        }
        let der = decode_base64(&base64).map_err(|reason| X509Error::BadPem {
            line: number + 1,
            reason: format!("bad base64: {reason}"),
        })?;
        if out.len() == MAX_CERTIFICATES {
            return Err(X509Error::TooMany { max: MAX_CERTIFICATES });
        }
        out.push(der);
    }
    if !saw_block {
        return Err(X509Error::NotPem { reason: "no -----BEGIN CERTIFICATE----- line found".to_owned() });
    }
    Ok(out)
}

/// Standard base64 with padding, whitespace already removed.
fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    fn value(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !bytes.len().is_multiple_of(4) {
        return Err(format!("length {} is not a multiple of 4", bytes.len()));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != chunks) {
            return Err(format!("misplaced '=' in group {}", i + 1));
        }
        let mut acc = 0u32;
        for &c in &chunk[..4 - pad] {
            let v = value(c).ok_or_else(|| format!("invalid character {:?}", char::from(c)))?;
            acc = (acc << 6) | v;
        }
        acc <<= 6 * pad as u32;
        let decoded = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_table() {
        for (text, bytes) in
            [("", &b""[..]), ("Zg==", b"f"), ("Zm8=", b"fo"), ("Zm9v", b"foo"), ("Zm9vYg==", b"foob")]
        {
            assert_eq!(decode_base64(text).unwrap(), bytes, "{text}");
        }
        for bad in ["Zg=", "Z===", "Zg==Zm9v", "Zm9*"] {
            assert!(decode_base64(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_and_garbage() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert!(
            matches!(split_pem(key), Err(X509Error::NotCertificate { ref label, line: 1 }) if label == "PRIVATE KEY")
        );
        assert!(matches!(split_pem("hello"), Err(X509Error::NotPem { .. })));
        let open = "-----BEGIN CERTIFICATE-----\nMIIB\n";
        assert!(matches!(split_pem(open), Err(X509Error::BadPem { line: 1, .. })));
        let mismatch = "x\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END X-----\n";
        assert!(matches!(split_pem(mismatch), Err(X509Error::BadPem { line: 2, .. })));
        assert!(split_chain(&[0x30, 0x85, 0, 0, 0, 0, 0]).is_err());
        assert!(split_chain(&[0x30, 0x03, 0x02, 0x01]).is_err());
        assert_eq!(split_chain(&[0x30, 0x00, 0x30, 0x01, 0x05]).unwrap().len(), 2);
    }
}
