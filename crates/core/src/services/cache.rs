//! The directory as the booking path reads it, kept in memory: an
//! organisation, its federation's hub, a location and an organisation's
//! booking rules change a few times a year and are read on every booking.
//!
//! The store keeps a generation number that rises whenever the directory
//! changes: at once for a change this process made (after its commit), and
//! for another instance's change when PostgreSQL delivers the `NOTIFY` sent
//! inside that change's transaction. A read first compares the generation
//! it was filled at with the store's; on a difference everything is
//! dropped. A value read from the database while a change committed is
//! kept only when the generation did not move meanwhile, so a stale read
//! never outlives the change that made it stale. Entries also expire after
//! [`DirectoryCache::EXPIRY`], a safety net should a notification be lost.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::booking::rules::BookingRules;
use crate::booking::ServiceKind;
use crate::model::{Location, Organisation, OrganisationKind};
use crate::store::{OrganisationSearch, Store, StoreResult};

#[derive(Default)]
struct Filled {
    generation: u64,
    since: Option<Instant>,
    organisations: HashMap<Uuid, Organisation>,
    /// By federation: its hub, or none.
    hubs: HashMap<Uuid, Option<Organisation>>,
    locations: HashMap<Uuid, Location>,
    rules: HashMap<Uuid, Arc<Vec<(ServiceKind, BookingRules)>>>,
}

/// The in-process directory cache (see the module's text).
pub struct DirectoryCache {
    store: Arc<dyn Store>,
    filled: RwLock<Filled>,
}

impl DirectoryCache {
    /// How long an entry may be used without a change being announced.
    pub const EXPIRY: Duration = Duration::from_secs(30);

    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, filled: RwLock::new(Filled::default()) }
    }

    /// The store's generation now; the cache is emptied first when it
    /// differs from the one the cache holds, or the entries have expired.
    fn current(&self) -> u64 {
        let now = self.store.directory_generation();
        let fresh = {
            let f = self.filled.read().expect("directory cache");
            f.generation == now && f.since.is_some_and(|t| t.elapsed() < Self::EXPIRY)
        };
        if !fresh {
            let mut f = self.filled.write().expect("directory cache");
            if f.generation != now || !f.since.is_some_and(|t| t.elapsed() < Self::EXPIRY) {
                *f = Filled { generation: now, since: Some(Instant::now()), ..Filled::default() };
            }
        }
        now
    }

    fn lookup<T: Clone>(&self, pick: impl Fn(&Filled) -> Option<T>) -> (u64, Option<T>) {
        let generation = self.current();
        let f = self.filled.read().expect("directory cache");
        (generation, if f.generation == generation { pick(&f) } else { None })
    }

    /// Keep a value read at `generation`, unless the directory changed
    /// since.
    fn keep(&self, generation: u64, put: impl FnOnce(&mut Filled)) {
        let mut f = self.filled.write().expect("directory cache");
        if f.generation == generation && self.store.directory_generation() == generation {
            put(&mut f);
        }
    }

    pub async fn organisation(&self, organisation_id: Uuid) -> StoreResult<Organisation> {
        let (generation, found) = self.lookup(|f| f.organisations.get(&organisation_id).cloned());
        if let Some(o) = found {
            return Ok(o);
        }
        let o = self.store.organisation_by_id(organisation_id).await?;
        self.keep(generation, |f| {
            f.organisations.insert(organisation_id, o.clone());
        });
        Ok(o)
    }

    /// The hub of a federation, if it has one.
    pub async fn hub_of(&self, federation_id: Uuid) -> StoreResult<Option<Organisation>> {
        let (generation, found) = self.lookup(|f| f.hubs.get(&federation_id).cloned());
        if let Some(h) = found {
            return Ok(h);
        }
        let hub = self
            .store
            .search_organisations(&OrganisationSearch {
                federation_id: Some(federation_id),
                kinds: vec![OrganisationKind::Hub],
                limit: 1,
                ..Default::default()
            })
            .await?
            .into_iter()
            .next();
        self.keep(generation, |f| {
            f.hubs.insert(federation_id, hub.clone());
        });
        Ok(hub)
    }

    pub async fn location(&self, location_id: Uuid) -> StoreResult<Location> {
        let (generation, found) = self.lookup(|f| f.locations.get(&location_id).cloned());
        if let Some(l) = found {
            return Ok(l);
        }
        let l = self.store.location(location_id).await?;
        self.keep(generation, |f| {
            f.locations.insert(location_id, l.clone());
        });
        Ok(l)
    }

    /// The rules an organisation has set, by service (none set: empty).
    pub async fn rules(&self, organisation_id: Uuid) -> StoreResult<Arc<Vec<(ServiceKind, BookingRules)>>> {
        let (generation, found) = self.lookup(|f| f.rules.get(&organisation_id).cloned());
        if let Some(r) = found {
            return Ok(r);
        }
        let r = Arc::new(self.store.booking_rules(organisation_id).await?);
        self.keep(generation, |f| {
            f.rules.insert(organisation_id, r.clone());
        });
        Ok(r)
    }
}
