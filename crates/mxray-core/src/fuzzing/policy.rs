//! Fuzz entry point of the mail policy grammars: arbitrary text as an MTA-STS, TLS-RPT,
//! SPF and DMARC record, and as an MTA-STS policy file evaluated against MX hosts taken
//! from the same input.

use crate::policy::{dmarc, mta_sts, spf, tlsrpt};

/// `data` as UTF-8 (lossily) through every record parser and the policy file reader; a
/// valid policy is evaluated against the input's lines as MX hosts. Also checks that a
/// parsed SPF record's lookup count never exceeds its term count plus one (redirect).
pub fn policy(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let records: Vec<&str> = text.split('\0').collect();
    let _ = mta_sts::check_records(&records);
    let _ = tlsrpt::check_records(&records);
    let _ = dmarc::check_records(&records);
    let spf_check = spf::check_records(&records);
    if let Some(record) = &spf_check.record {
        assert!(record.lookups <= record.directives.len() + 1, "lookup count over the terms");
    }
    let check = mta_sts::check_policy_bytes(data);
    if let Some(policy) = &check.policy {
        assert!(policy.max_age <= mta_sts::MAX_MAX_AGE);
        let hosts: Vec<&str> = text.lines().take(16).collect();
        let evaluation = mta_sts::evaluate(policy, &hosts);
        assert_eq!(evaluation.hosts.len(), hosts.len());
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_policy_grammars_survive_any_text(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            super::policy(&data);
        }

        #[test]
        fn the_policy_grammars_survive_near_valid_text(
            tail in "[ -~\\t\\r\\n;=:,%{}*./+~?!-]{0,200}",
            head in prop::sample::select(vec![
                "v=STSv1; id=", "v=TLSRPTv1; rua=", "v=spf1 ", "v=DMARC1; p=", "version: STSv1\nmode: enforce\nmax_age: 1\nmx: ",
            ]),
        ) {
            super::policy(format!("{head}{tail}").as_bytes());
        }
    }

    #[test]
    fn a_valid_policy_goes_through_the_hook() {
        super::policy(b"version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 86400\n");
    }
}
