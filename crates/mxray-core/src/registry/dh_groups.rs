//! Well-known finite-field Diffie-Hellman groups, to tell whether a server's DHE prime is a
//! published one (shared by many servers, so one precomputation breaks them all: Logjam)
//! or a custom one.
//!
//! The table is `data/registry/dh-groups.csv` (RFC 7919 ffdhe2048 to ffdhe8192, RFC 3526
//! MODP groups 5 and 14 to 18, RFC 2409 Oakley groups 1 and 2, RFC 5114 §2.1 to §2.3), read
//! into the binary with `include_str!` and parsed once, at first use. Names follow the
//! usual short spelling (`ffdhe2048`, `modp1024`, `modp2048s256`). The tests check every
//! prime against its RFC's defining formula (with π and e computed from scratch) and prove
//! or test its primality, so a mistyped digit cannot hide in the data file.

use std::sync::OnceLock;

/// The data file: `Name,Source,Bits,Generator,Order,Prime,Note`, numbers in hexadecimal;
/// `Order` is the prime order of the generated subgroup where the prime is not a safe prime
/// (RFC 5114), empty otherwise.
const CSV: &str = include_str!("../../../../data/registry/dh-groups.csv");

/// A well-known finite-field Diffie-Hellman group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DhGroup {
    /// Short name: `"ffdhe2048"`, `"modp1024"` (RFC 2409 Oakley group 2), `"modp2048s256"`.
    pub name: &'static str,
    /// The defining document: `"RFC 7919"`.
    pub source: &'static str,
    /// Bit length of the prime.
    pub bits: u16,
    /// Other names and properties (`"IKE group 14; safe prime"`).
    pub note: &'static str,
    prime: Vec<u8>,
    generator: Vec<u8>,
    order: Option<Vec<u8>>,
}

impl DhGroup {
    /// The prime modulus, big-endian, without leading zero bytes.
    pub fn prime(&self) -> &[u8] {
        &self.prime
    }

    /// The generator, big-endian, without leading zero bytes.
    pub fn generator(&self) -> &[u8] {
        &self.generator
    }

    /// The prime order `q` of the subgroup the generator generates, for groups whose prime
    /// is not a safe prime (RFC 5114); `None` for safe primes, where `q = (p - 1) / 2`.
    pub fn subgroup_order(&self) -> Option<&[u8]> {
        self.order.as_deref()
    }
}

/// Every known group, in the data file's order (RFC 7919, RFC 2409, RFC 3526, RFC 5114).
pub fn dh_groups() -> &'static [DhGroup] {
    static GROUPS: OnceLock<Vec<DhGroup>> = OnceLock::new();
    GROUPS.get_or_init(|| parse(CSV))
}

/// The well-known group with prime `p` and generator `g` (big-endian; leading zero bytes,
/// as some servers send them, are ignored).
pub fn identify(p: &[u8], g: &[u8]) -> Option<&'static DhGroup> {
    let (p, g) = (strip(p), strip(g));
    dh_groups().iter().find(|group| group.prime == p && group.generator == g)
}

/// The well-known group whose prime is `p`, whatever the generator. A precomputation
/// against a prime serves every generator, so this is what matters for Logjam.
pub fn identify_prime(p: &[u8]) -> Option<&'static DhGroup> {
    let p = strip(p);
    dh_groups().iter().find(|group| group.prime == p)
}

/// The group called `name` (`"ffdhe2048"`).
pub fn by_name(name: &str) -> Option<&'static DhGroup> {
    dh_groups().iter().find(|group| group.name == name)
}

/// `be` without its leading zero bytes.
fn strip(be: &[u8]) -> &[u8] {
    let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    be.get(start..).unwrap_or_default()
}

/// Decodes hexadecimal digits (an even or odd count), leading zero bytes removed; `None`
/// for anything else.
fn hex(text: &str) -> Option<Vec<u8>> {
    let digits = text
        .bytes()
        .map(|c| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok()))
        .collect::<Option<Vec<u8>>>()?;
    let mut out = Vec::with_capacity(digits.len().div_ceil(2));
    let odd = digits.len() % 2;
    if odd == 1 {
        out.extend(digits.first().copied());
    }
    for pair in digits.get(odd..).unwrap_or_default().chunks_exact(2) {
        if let [hi, lo] = pair {
            out.push(hi << 4 | lo);
        }
    }
    Some(strip(&out).to_vec())
}

/// Parses the data file; a malformed row is skipped (the tests fail on any).
fn parse(csv: &'static str) -> Vec<DhGroup> {
    csv.lines().skip(1).filter(|l| !l.trim().is_empty()).filter_map(parse_row).collect()
}

/// One row of the data file.
fn parse_row(line: &'static str) -> Option<DhGroup> {
    let mut fields = line.splitn(7, ',');
    let mut next = || fields.next().map(str::trim);
    let (name, source, bits, generator, order, prime, note) =
        (next()?, next()?, next()?, next()?, next()?, next()?, next()?);
    let prime = hex(prime)?;
    let generator = hex(generator)?;
    let order = if order.is_empty() { None } else { Some(hex(order)?) };
    if prime.is_empty() || generator.is_empty() || name.is_empty() {
        return None;
    }
    Some(DhGroup { name, source, bits: bits.parse().ok()?, note, prime, generator, order })
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;
    use num_integer::Integer;
    use num_traits::{One, Zero};

    use super::*;
    use crate::probe::Answer;
    use crate::report::{EndpointReport, ScanCost, Severity};
    use crate::wire::flight::FlightEnd;
    use crate::wire::server_key_exchange::{DheParams, KeyExchangeParams, ServerKeyExchange};

    /// Every group the data file must hold, with its bit length and source.
    const EXPECTED: [(&str, &str, u16); 16] = [
        ("ffdhe2048", "RFC 7919", 2048),
        ("ffdhe3072", "RFC 7919", 3072),
        ("ffdhe4096", "RFC 7919", 4096),
        ("ffdhe6144", "RFC 7919", 6144),
        ("ffdhe8192", "RFC 7919", 8192),
        ("modp768", "RFC 2409", 768),
        ("modp1024", "RFC 2409", 1024),
        ("modp1536", "RFC 3526", 1536),
        ("modp2048", "RFC 3526", 2048),
        ("modp3072", "RFC 3526", 3072),
        ("modp4096", "RFC 3526", 4096),
        ("modp6144", "RFC 3526", 6144),
        ("modp8192", "RFC 3526", 8192),
        ("modp1024s160", "RFC 5114", 1024),
        ("modp2048s224", "RFC 5114", 2048),
        ("modp2048s256", "RFC 5114", 2048),
    ];

    /// The constants of the defining formulas, as the RFCs print them next to each prime.
    /// RFC 2409 §6.1-6.2 and RFC 3526 §2-7: `p = 2^N - 2^(N-64) - 1 + 2^64 * ([2^(N-130) pi] + k)`.
    const PI_CONSTANTS: [(&str, u64); 8] = [
        ("modp768", 149_686),
        ("modp1024", 129_093),
        ("modp1536", 741_804),
        ("modp2048", 124_476),
        ("modp3072", 1_690_314),
        ("modp4096", 240_904),
        ("modp6144", 929_484),
        ("modp8192", 4_743_158),
    ];
    /// RFC 7919 appendix A: `p = 2^b - 2^(b-64) + ([2^(b-130) e] + X) * 2^64 - 1`.
    const E_CONSTANTS: [(&str, u64); 5] = [
        ("ffdhe2048", 560_316),
        ("ffdhe3072", 2_625_351),
        ("ffdhe4096", 5_736_041),
        ("ffdhe6144", 15_705_020),
        ("ffdhe8192", 10_965_728),
    ];
    /// RFC 5114: bit lengths of the prime and of the subgroup order.
    const RFC5114: [(&str, u64, u64); 3] =
        [("modp1024s160", 1024, 160), ("modp2048s224", 2048, 224), ("modp2048s256", 2048, 256)];

    /// Fractional bits of the fixed-point π and e: 8062 bits are used, the rest are guard
    /// bits against the truncation of the series.
    const FRACTION_BITS: usize = 8448;

    fn big(be: &[u8]) -> BigUint {
        BigUint::from_bytes_be(be)
    }

    fn group(name: &str) -> &'static DhGroup {
        by_name(name).unwrap_or_else(|| panic!("{name} is missing from dh-groups.csv"))
    }

    /// `arctan(1/x) * 2^FRACTION_BITS`, truncated term by term.
    fn arctan_inv(x: u32) -> BigUint {
        let x2 = BigUint::from(x) * x;
        let mut term = (BigUint::one() << FRACTION_BITS) / x;
        let (mut plus, mut minus) = (BigUint::zero(), BigUint::zero());
        let mut n = 1u32;
        while !term.is_zero() {
            if n % 4 == 1 {
                plus += &term / n;
            } else {
                minus += &term / n;
            }
            term /= &x2;
            n += 2;
        }
        plus - minus
    }

    /// π in fixed point (Machin: π = 16 arctan(1/5) - 4 arctan(1/239)).
    fn pi() -> BigUint {
        arctan_inv(5) * 16u32 - arctan_inv(239) * 4u32
    }

    /// e in fixed point (Σ 1/k!).
    fn e() -> BigUint {
        let mut term = BigUint::one() << FRACTION_BITS;
        let mut sum = BigUint::zero();
        let mut k = 0u32;
        while !term.is_zero() {
            sum += &term;
            k += 1;
            term /= k;
        }
        sum
    }

    /// `[2^shift * c]` for a fixed-point constant `c`.
    fn floor_scaled(c: &BigUint, shift: usize) -> BigUint {
        c >> (FRACTION_BITS - shift)
    }

    /// Miller-Rabin with fixed bases (the values are published primes, not adversarial
    /// inputs, so a handful of bases is plenty).
    fn miller_rabin(n: &BigUint, bases: &[u32]) -> bool {
        let one = BigUint::one();
        let two = BigUint::from(2u32);
        if *n < two {
            return false;
        }
        if n.is_even() {
            return *n == two;
        }
        let n1 = n - &one;
        let s = n1.trailing_zeros().unwrap_or(0);
        let d = &n1 >> s;
        'bases: for &a in bases {
            let a = BigUint::from(a);
            if a >= n1 {
                continue;
            }
            let mut x = a.modpow(&d, n);
            if x == one || x == n1 {
                continue;
            }
            for _ in 1..s {
                x = x.modpow(&two, n);
                if x == n1 {
                    continue 'bases;
                }
            }
            return false;
        }
        true
    }

    const BASES: [u32; 4] = [2, 3, 5, 7];
    /// Fewer rounds for the 6144- and 8192-bit groups, whose every modular exponentiation
    /// takes about a second in a debug build.
    const BASES_LARGE: [u32; 2] = [2, 3];

    /// The top and bottom 64 bits of the prime are ones and it has exactly `bits` bits.
    fn check_shape(g: &DhGroup, bits: usize) {
        let p = g.prime();
        assert_eq!(p.len() * 8, bits, "{}: length", g.name);
        assert!(p.iter().take(8).all(|&b| b == 0xff), "{}: top 64 bits", g.name);
        assert!(p.iter().rev().take(8).all(|&b| b == 0xff), "{}: bottom 64 bits", g.name);
        assert_eq!(g.generator(), [2], "{}: generator", g.name);
        assert_eq!(g.subgroup_order(), None, "{}", g.name);
    }

    /// `p` is a safe prime: `q = (p - 1) / 2` passes Miller-Rabin with `bases`, and then
    /// Pocklington's criterion with the base 2 proves `p` prime (`2^(p-1) = 1 mod p`,
    /// `gcd(2^2 - 1, p) = 1`, and `q > sqrt(p)`).
    fn check_safe_prime(g: &DhGroup, bases: &[u32]) {
        let p = big(g.prime());
        let one = BigUint::one();
        let q = (&p - &one) >> 1u32;
        assert!(miller_rabin(&q, bases), "{}: (p-1)/2 is not prime", g.name);
        assert_eq!(BigUint::from(2u32).modpow(&(&p - &one), &p), one, "{}: Fermat base 2", g.name);
        assert!((&p % 3u32) != BigUint::zero(), "{}: divisible by 3", g.name);
        assert!(&q * &q > p, "{}: q too small for Pocklington", g.name);
    }

    #[test]
    fn the_primality_checks_reject_composites() {
        assert!(miller_rabin(&BigUint::from(7919u32), &BASES));
        assert!(!miller_rabin(&BigUint::from(561u32), &BASES), "Carmichael number");
        // 3215031751 = 151 * 751 * 28351 is a strong pseudoprime to the bases 2, 3, 5 and 7.
        let pseudo = BigUint::from(3_215_031_751u64);
        assert!(miller_rabin(&pseudo, &BASES) && !miller_rabin(&pseudo, &[11]));
        let p = big(group("modp768").prime());
        let q = big(group("modp1024s160").subgroup_order().unwrap_or_default());
        assert!(!miller_rabin(&(&p * &q), &BASES));
        assert!(!miller_rabin(&(&p + 2u32), &BASES) || !miller_rabin(&(&p + 4u32), &BASES));
    }

    #[test]
    fn the_data_file_holds_exactly_the_expected_groups() {
        let rows = CSV.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
        assert_eq!(dh_groups().len(), rows, "a row of dh-groups.csv does not parse");
        let got: Vec<(&str, &str, u16)> = dh_groups().iter().map(|g| (g.name, g.source, g.bits)).collect();
        assert_eq!(got, EXPECTED);
        for g in dh_groups() {
            assert_eq!(
                crate::wire::server_key_exchange::bit_length(g.prime()),
                usize::from(g.bits),
                "{}",
                g.name
            );
        }
    }

    #[test]
    fn rfc_2409_and_3526_primes_follow_their_pi_formula() {
        let pi = pi();
        for (name, k) in PI_CONSTANTS {
            let g = group(name);
            let n = usize::from(g.bits);
            check_shape(g, n);
            let one = BigUint::one();
            let formula =
                (&one << n) - (&one << (n - 64)) - &one + ((floor_scaled(&pi, n - 130) + k) << 64u32);
            assert_eq!(
                big(g.prime()),
                formula,
                "{name} differs from 2^N - 2^(N-64) - 1 + 2^64 ([2^(N-130) pi] + {k})"
            );
        }
    }

    #[test]
    fn rfc_7919_primes_follow_their_e_formula() {
        let e = e();
        for (name, x) in E_CONSTANTS {
            let g = group(name);
            let b = usize::from(g.bits);
            check_shape(g, b);
            let one = BigUint::one();
            let formula =
                (&one << b) - (&one << (b - 64)) + ((floor_scaled(&e, b - 130) + x) << 64u32) - &one;
            assert_eq!(
                big(g.prime()),
                formula,
                "{name} differs from 2^b - 2^(b-64) + ([2^(b-130) e] + {x}) 2^64 - 1"
            );
        }
    }

    #[test]
    fn the_formulas_reproduce_a_known_constant() {
        // The fixed-point π and e themselves: their leading hexadecimal digits.
        assert_eq!(floor_scaled(&pi(), 62).to_str_radix(16), "c90fdaa22168c234");
        assert_eq!(floor_scaled(&e(), 62).to_str_radix(16), "adf85458a2bb4a9a");
    }

    #[test]
    fn safe_primes_are_safe_primes_up_to_4096_bits() {
        for g in dh_groups().iter().filter(|g| g.subgroup_order().is_none() && g.bits <= 4096) {
            check_safe_prime(g, &BASES);
        }
    }

    #[test]
    fn safe_primes_are_safe_primes_6144_bits() {
        check_safe_prime(group("ffdhe6144"), &BASES_LARGE);
        check_safe_prime(group("modp6144"), &BASES_LARGE);
    }

    #[test]
    fn safe_primes_are_safe_primes_8192_bits() {
        check_safe_prime(group("ffdhe8192"), &BASES_LARGE);
        check_safe_prime(group("modp8192"), &BASES_LARGE);
    }

    #[test]
    fn rfc_5114_groups_have_a_prime_order_subgroup() {
        for (name, p_bits, q_bits) in RFC5114 {
            let g = group(name);
            let (p, generator) = (big(g.prime()), big(g.generator()));
            let q = big(g.subgroup_order().unwrap_or_else(|| panic!("{name}: no q")));
            let one = BigUint::one();
            assert_eq!(p.bits(), p_bits, "{name}: p bits");
            assert_eq!(q.bits(), q_bits, "{name}: q bits");
            assert!(miller_rabin(&p, &BASES), "{name}: p is not prime");
            assert!(miller_rabin(&q, &BASES), "{name}: q is not prime");
            assert!(((&p - &one) % &q).is_zero(), "{name}: q does not divide p - 1");
            assert!(generator > one && generator < p, "{name}: g out of range");
            assert_eq!(generator.modpow(&q, &p), one, "{name}: g does not have order q");
        }
    }

    #[test]
    fn every_group_is_identified_from_its_own_prime_and_not_from_a_modified_one() {
        for g in dh_groups() {
            assert_eq!(identify(g.prime(), g.generator()).map(|f| f.name), Some(g.name));
            // Leading zeros, as a server may send them.
            let mut padded = vec![0, 0];
            padded.extend_from_slice(g.prime());
            assert_eq!(identify(&padded, &[0, 0, 0, 2]).is_some(), g.generator() == [2], "{}", g.name);
            assert_eq!(identify_prime(&padded).map(|f| f.name), Some(g.name));
            // One bit flipped anywhere: not this group (nor any other).
            for i in [0, g.prime().len() / 2, g.prime().len() - 1] {
                let mut p = g.prime().to_vec();
                if let Some(b) = p.get_mut(i) {
                    *b ^= 0x10;
                }
                assert_eq!(identify_prime(&p), None, "{} with byte {i} changed", g.name);
            }
            // Truncated or extended.
            assert_eq!(identify_prime(g.prime().get(1..).unwrap_or_default()), None);
            let mut longer = g.prime().to_vec();
            longer.push(0xff);
            assert_eq!(identify_prime(&longer), None);
        }
        // The right prime with another generator: only the prime-only lookup matches.
        let modp2048 = group("modp2048");
        assert_eq!(identify(modp2048.prime(), &[5]), None);
        assert_eq!(identify_prime(modp2048.prime()).map(|g| g.name), Some("modp2048"));
        assert_eq!(identify(&[], &[]), None);
        assert_eq!(identify(&[0xff; 256], &[2]), None);
    }

    #[test]
    fn hex_decoding_is_strict() {
        assert_eq!(hex("00ff01"), Some(vec![0xff, 0x01]));
        assert_eq!(hex("abc"), Some(vec![0x0a, 0xbc]));
        assert_eq!(hex("0g"), None);
        assert_eq!(hex(""), Some(vec![]));
        assert_eq!(parse_row("x,RFC,12,zz,,ff,n"), None);
        assert_eq!(parse_row("x,RFC,12,02,,ff"), None);
    }

    fn answer_with(p: Vec<u8>) -> Answer {
        Answer {
            server_hello: None,
            version: None,
            suite: None,
            hello_retry: false,
            tls13_group: None,
            tls13_scheme: None,
            server_key_exchange: Some(Ok(ServerKeyExchange {
                psk_identity_hint: None,
                params: KeyExchangeParams::Dh(DheParams { p, g: vec![2], ys: vec![0x42; 8] }),
                signature: None,
            })),
            certificates: Vec::new(),
            ocsp_stapled: false,
            ocsp_response: None,
            alert: None,
            sslv2: None,
            end: FlightEnd::ServerHelloDone,
        }
    }

    fn findings_for(answer: &Answer) -> Vec<(&'static str, Severity)> {
        let mut findings = crate::probe::TlsFindings {
            versions: Vec::new(),
            groups: crate::probe::GroupFindings::default(),
            sig_algs: Vec::new(),
            sig_algs_tls13: Vec::new(),
            sig_algs_tls13_complete: false,
            dhe_bits: answer.dhe_bits().into_iter().collect(),
            dhe_groups: Vec::new(),
            features: crate::probe::FeatureFindings::default(),
            chains: Vec::new(),
            hellos_sent: 1,
        };
        if answer.dhe_bits().is_some() {
            findings.dhe_groups.push(answer.dhe_group().unwrap_or("custom").to_owned());
        }
        let target: crate::target::Target =
            "smtp://mx.example.org".parse().unwrap_or_else(|e| panic!("{e:?}"));
        let report = EndpointReport::new(
            &target,
            "192.0.2.1:25".into(),
            None,
            None,
            &findings,
            ScanCost::default(),
            Vec::new(),
            crate::report::CertContext {
                now_unix: 0,
                trust: &crate::x509::TrustStore::empty(),
                expiry_warning_days: 30,
            },
        );
        report.findings.iter().map(|f| (f.id, f.severity)).collect()
    }

    #[test]
    fn a_shared_1024_bit_group_is_a_logjam_finding() {
        let mut p = vec![0];
        p.extend_from_slice(group("modp1024").prime());
        let answer = answer_with(p);
        assert_eq!(answer.dhe_bits(), Some(1024));
        assert_eq!(answer.dhe_group(), Some("modp1024"));
        let got = findings_for(&answer);
        assert!(got.contains(&("tls.dhe_shared_1024", Severity::High)), "{got:?}");
        assert!(got.contains(&("tls.dhe_small", Severity::Medium)), "{got:?}");

        // RFC 5114's 1024-bit group (generator not 2) too.
        let g = group("modp1024s160");
        let mut answer = answer_with(g.prime().to_vec());
        if let Some(Ok(ske)) = &mut answer.server_key_exchange
            && let KeyExchangeParams::Dh(params) = &mut ske.params
        {
            params.g = g.generator().to_vec();
        }
        assert_eq!(answer.dhe_group(), Some("modp1024s160"));
        assert!(findings_for(&answer).contains(&("tls.dhe_shared_1024", Severity::High)));
    }

    #[test]
    fn a_custom_1024_bit_prime_or_a_large_shared_group_is_not_a_logjam_finding() {
        let mut custom = group("modp1024").prime().to_vec();
        if let Some(b) = custom.get_mut(64) {
            *b ^= 1;
        }
        let answer = answer_with(custom);
        assert_eq!(answer.dhe_group(), None);
        let got = findings_for(&answer);
        assert!(!got.iter().any(|(id, _)| *id == "tls.dhe_shared_1024"), "{got:?}");
        assert!(got.contains(&("tls.dhe_small", Severity::Medium)), "{got:?}");

        let answer = answer_with(group("ffdhe2048").prime().to_vec());
        assert_eq!(answer.dhe_group(), Some("ffdhe2048"));
        let got = findings_for(&answer);
        assert!(!got.iter().any(|(id, _)| id.starts_with("tls.dhe")), "{got:?}");
    }
}
