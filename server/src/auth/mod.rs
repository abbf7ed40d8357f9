//! The log-in machinery: the OpenID Connect relying parties (one per
//! provider), the built-in demonstration provider, client keys, and the
//! per-address rate limit, built from the configuration at start
//! ([`setup`]). The HTTP side (`/auth/...`, `/logout`, reading the session
//! once per request) is [`crate::login`].

pub mod demo_provider;
pub mod keys;
pub mod relying_party;
pub mod setup;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use relying_party::{ProviderKind, RelyingParty};

/// The log-in machinery the routes share.
pub struct Auth {
    pub patient: Option<Arc<RelyingParty>>,
    pub staff: Option<Arc<RelyingParty>>,
    pub demo_provider: Option<Arc<demo_provider::DemoProvider>>,
    pub limiter: RateLimiter,
}

impl Auth {
    pub fn provider(&self, kind: ProviderKind) -> Option<&Arc<RelyingParty>> {
        match kind {
            ProviderKind::Patient => self.patient.as_ref(),
            ProviderKind::Staff => self.staff.as_ref(),
        }
    }
}

/// A fixed-window limit per client address.
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, windows: Mutex::default() }
    }

    pub fn allow(&self, addr: IpAddr) -> bool {
        let mut w = self.windows.lock().expect("rate limiter");
        let now = Instant::now();
        if w.len() > 10_000 {
            w.retain(|_, (start, _)| now.duration_since(*start).as_secs() < 60);
        }
        let entry = w.entry(addr).or_insert((now, 0));
        if now.duration_since(entry.0).as_secs() >= 60 {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}
