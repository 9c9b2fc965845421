//! A set of servers started together (in parallel) that share one [`CertSet`].

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::certs::CertSet;
use crate::{Dovecot, DovecotOptions, Endpoint, OpensslServer, Postfix, PostfixOptions, TlsProfile, WorkDir};

/// What a [`Testbed`] starts.
#[derive(Clone, Debug, Default)]
pub struct TestbedBuilder {
    postfix: Vec<PostfixOptions>,
    dovecot: Vec<DovecotOptions>,
    openssl: Vec<(String, String, Vec<String>)>,
}

impl TestbedBuilder {
    /// Adds a Postfix with `profile` (endpoints `smtp-PROFILE`, `submission-…`, `smtps-…`).
    pub fn postfix(mut self, profile: TlsProfile) -> Self {
        self.postfix.push(PostfixOptions::new(profile));
        self
    }

    /// Adds a Postfix with these options.
    pub fn postfix_with(mut self, options: PostfixOptions) -> Self {
        self.postfix.push(options);
        self
    }

    /// Adds a Dovecot with `profile` (endpoints `imap-PROFILE`, `imaps-…`, `pop3-…`, `pop3s-…`).
    pub fn dovecot(mut self, profile: TlsProfile) -> Self {
        self.dovecot.push(DovecotOptions::new(profile));
        self
    }

    /// Adds a Dovecot with these options.
    pub fn dovecot_with(mut self, options: DovecotOptions) -> Self {
        self.dovecot.push(options);
        self
    }

    /// Adds an `openssl s_server` named `name` serving certificate `cert` of the set
    /// ([`CertSet::RSA`], [`CertSet::ECDSA`]) with extra `args`.
    pub fn openssl(mut self, name: &str, cert: &str, args: &[&str]) -> Self {
        self.openssl.push((name.to_owned(), cert.to_owned(), args.iter().map(|a| (*a).to_owned()).collect()));
        self
    }

    /// Makes the certificates, then starts every server in parallel. If one fails, the
    /// others are stopped and the error says which failed and why.
    pub fn start(self) -> Result<Testbed> {
        crate::require_tools()?;
        let t0 = Instant::now();
        let dir = WorkDir::new("testbed")?;
        let certs = CertSet::standard(dir.path()).context("making the test certificates")?;
        let certs_in = t0.elapsed();
        let (postfix, dovecot, openssl) = std::thread::scope(|s| {
            let certs = &certs;
            let p: Vec<_> = self.postfix.iter().map(|o| s.spawn(move || Postfix::start(o, certs))).collect();
            let d: Vec<_> = self.dovecot.iter().map(|o| s.spawn(move || Dovecot::start(o, certs))).collect();
            let o: Vec<_> = self
                .openssl
                .iter()
                .map(|(name, cert, args)| {
                    s.spawn(move || {
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        OpensslServer::start(name, certs.get(cert)?, &args)
                    })
                })
                .collect();
            (
                p.into_iter().map(|h| join(h.join())).collect::<Vec<Result<Postfix>>>(),
                d.into_iter().map(|h| join(h.join())).collect::<Vec<Result<Dovecot>>>(),
                o.into_iter().map(|h| join(h.join())).collect::<Vec<Result<OpensslServer>>>(),
            )
        });
        let mut errors = Vec::new();
        let postfix = keep_ok(postfix, &mut errors);
        let dovecot = keep_ok(dovecot, &mut errors);
        let openssl = keep_ok(openssl, &mut errors);
        if !errors.is_empty() {
            // The started servers are dropped (stopped) on return.
            drop((postfix, dovecot, openssl));
            bail!("the testbed did not start:\n{}", errors.join("\n"));
        }
        Ok(Testbed { postfix, dovecot, openssl, certs, certs_in, started_in: t0.elapsed(), _dir: dir })
    }
}

/// A thread's result; a panic becomes an error.
fn join<T>(r: std::thread::Result<Result<T>>) -> Result<T> {
    r.unwrap_or_else(|_| Err(anyhow::anyhow!("a start thread panicked")))
}

fn keep_ok<T>(results: Vec<Result<T>>, errors: &mut Vec<String>) -> Vec<T> {
    let mut ok = Vec::new();
    for r in results {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    ok
}

/// Running servers. Dropping the testbed stops every one of them by PID.
#[derive(Debug)]
pub struct Testbed {
    /// The Postfix instances, in the order they were added.
    pub postfix: Vec<Postfix>,
    /// The Dovecot instances.
    pub dovecot: Vec<Dovecot>,
    /// The `openssl s_server` instances.
    pub openssl: Vec<OpensslServer>,
    /// The shared certificates (issue more with [`CertSet::issue`] for later servers).
    pub certs: CertSet,
    certs_in: Duration,
    started_in: Duration,
    _dir: WorkDir,
}

impl Testbed {
    /// An empty builder.
    pub fn builder() -> TestbedBuilder {
        TestbedBuilder::default()
    }

    /// The standard set: strong and weak Postfix, strong and weak Dovecot.
    pub fn standard() -> Result<Self> {
        Self::builder()
            .postfix(TlsProfile::Strong)
            .postfix(TlsProfile::Weak)
            .dovecot(TlsProfile::Strong)
            .dovecot(TlsProfile::Weak)
            .start()
    }

    /// Every endpoint: Postfix's, then Dovecot's, then the s_servers'.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        let mut all: Vec<Endpoint> = self.postfix.iter().flat_map(Postfix::endpoints).collect();
        all.extend(self.dovecot.iter().flat_map(Dovecot::endpoints));
        all.extend(self.openssl.iter().map(OpensslServer::endpoint));
        all
    }

    /// The endpoint named `name` (`smtp-strong`, `imaps-weak`, …).
    pub fn endpoint(&self, name: &str) -> Result<Endpoint> {
        self.endpoints().into_iter().find(|e| e.name == name).with_context(|| format!("no endpoint {name:?}"))
    }

    /// The PIDs the harness started: Postfix masters, their SASL Dovecots, Dovecot
    /// masters, s_servers.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = self.postfix.iter().map(Postfix::master_pid).collect();
        pids.extend(self.postfix.iter().filter_map(Postfix::sasl_pid));
        pids.extend(self.dovecot.iter().map(Dovecot::master_pid));
        pids.extend(self.openssl.iter().map(OpensslServer::pid));
        pids
    }

    /// Time spent making certificates.
    pub fn certs_in(&self) -> Duration {
        self.certs_in
    }

    /// Time from [`TestbedBuilder::start`] until every server greeted.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }
}

impl Drop for Testbed {
    /// Stops every server at once (a Postfix master takes about a second to exit).
    fn drop(&mut self) {
        std::thread::scope(|s| {
            for p in &mut self.postfix {
                s.spawn(move || p.stop().map_err(|e| eprintln!("testbed: {e:#}")));
            }
            for d in &mut self.dovecot {
                s.spawn(move || d.stop().map_err(|e| eprintln!("testbed: {e:#}")));
            }
            for o in &mut self.openssl {
                s.spawn(move || o.stop().map_err(|e| eprintln!("testbed: {e:#}")));
            }
        });
    }
}
