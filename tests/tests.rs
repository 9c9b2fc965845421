//! mxray's cross-crate integration tests: one test binary, one module per area, run against
//! real servers (Postfix, Dovecot, `openssl s_server`) that the harness in `harness/`
//! starts on 127.0.0.1 and stops by PID.

mod certs_real;
mod dns_real;
mod harness_tests;
mod headers_real;
mod injection_real;
mod mta_profiles_real;
mod mta_sts_real;
mod probes_real;
mod scan_real;
mod wire_openssl;
