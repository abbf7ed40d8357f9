//! The 8 am rush: one practice, 200 same-day GP slots released at once,
//! 2,000 logged-in patients trying to book them through the real HTTP
//! stack at the same moment. Run by scripts/bench-rush.sh, by hand; it is
//! not a test.
//!
//! 1. A fresh database (an SQLite file, or a new PostgreSQL database),
//!    seeded through the `Store` trait: one federation with a practice and
//!    its hub, ten GPs, `--patients` synthetic adults (NHS numbers from the
//!    999 range with a valid modulus-11 check digit) and ten rota templates
//!    that make `--slots` ten-minute GP slots on the benchmark day. The
//!    slots are not inserted yet.
//! 2. `carebook serve` (the binary given by `--bin`) on that database with
//!    the demonstration OpenID Provider at /demo-idp and the log-in rate
//!    limit lifted.
//! 3. Every patient logs in over HTTP with their own cookie jar
//!    (`/auth/patient/start?login_hint=NHS number`, following the redirects
//!    through the provider and the callback: PKCE, private_key_jwt), then
//!    opens its connection to the server (GET /health) so the burst does not
//!    measure TCP accept queues. None of this is timed.
//! 4. The signal: the slots are released at once (`add_planned_slots`, one
//!    transaction), and every patient at the same moment asks for
//!    availability (`GET /api/v1/availability`), picks a slot (random, or the
//!    first with `--pick first`) and books it (`POST /api/v1/appointments`
//!    with an Idempotency-Key); on 409 `slot_taken` it tries one of the
//!    alternatives offered, up to `--retries` times, then gives up.
//! 5. The report: bookings, double bookings counted in the database, 5xx
//!    answers, requests per second over the burst, p50/p95/p99 latency,
//!    the server's peak resident memory (VmHWM), CPU used by carebook,
//!    PostgreSQL and this client during the burst, database transactions
//!    per request (PostgreSQL), and on PostgreSQL `pgbench -N` on a scratch
//!    database of the same server with as many clients as carebook's
//!    connection pool (PostgreSQL allows 100 connections here, so 2,000
//!    pgbench clients are not possible; carebook itself talks to the
//!    database through its pool), for the ratio.
//!
//! Variations: `--skip-availability` (book a released slot without asking
//! for availability first: the booking path alone), `--spread-ms N`
//! (patients arrive over N ms instead of all at once), `--pick first`
//! (everyone goes for the earliest time).
//!
//! bench_rush --bin target/release/carebook --store sqlite|postgres
//!     [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]
//!     [--patients 2000] [--slots 200] [--retries 2] [--pick random|first]
//!     [--skip-availability] [--spread-ms 0] [--pool-size 8]
//!     [--pgbench-clients N] [--pgbench-seconds 10]
//!     [--login-concurrency 32] [--samples FILE.csv] [--keep]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use carebook_core::booking::rota::{RotaTemplate, WeeklySession};
use carebook_core::booking::service::default_rules;
use carebook_core::booking::{BookableBy, Channel, ServiceKind};
use carebook_core::model::{
    Address, Area, AreaCode, ClinicalRole, Federation, Location, Organisation, OrganisationKind, Patient, Population,
    Sex, StaffAssignment, StaffMember, StaffRole,
};
use carebook_core::store::Store;
use carebook_core::{london, EmailAddress, NhsNumber, OdsCode, Postcode};
use rand::{Rng, SeedableRng};
use serde_json::Value;
use time::{Date, OffsetDateTime, Time};
use tower_sessions_sqlx_store::sqlx::{self, Connection, PgConnection, SqliteConnection};
use uuid::Uuid;

#[path = "bench_rush/pgbench.rs"]
mod pgbench;
#[path = "bench_rush/round_trips.rs"]
mod round_trips;
mod support;
use support::{arg, browser, chain, login, memory, num, percentile, Audience, Server};

/// Clinicians holding the benchmark's clinics; the slots are shared out
/// between them (a rota template per GP, ten-minute appointments).
const CLINICIANS: usize = 10;
const SLOT_MINUTES: u16 = 10;

struct Seeded {
    practice_id: Uuid,
    patients: Vec<NhsNumber>,
    templates: Vec<RotaTemplate>,
    day: Date,
    why_this_day: String,
}

fn uuid(rng: &mut rand::rngs::StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.gen()).into_uuid()
}

fn address(line1: String, town: &str, postcode: &str) -> Address {
    Address {
        line1,
        line2: None,
        town: town.to_string(),
        postcode: Postcode::parse(postcode).expect("a valid invented postcode"),
    }
}

/// One federation with a practice and its hub, ten GPs at the practice and
/// `n` adults registered there. Everything is invented; NHS numbers are
/// from the 999 range the NHS reserves for testing.
fn population(n: usize) -> (Population, Uuid, Uuid, Vec<Uuid>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x0800_2026);
    let mut p = Population {
        areas: AreaCode::ALL.iter().map(|a| Area { code: *a, name: a.name().to_string() }).collect(),
        ..Default::default()
    };
    let federation_id = uuid(&mut rng);
    p.federations.push(Federation {
        federation_id,
        name: "Rushmere Primary Care Network".into(),
        area: AreaCode::EastAndNorthHerts,
    });
    let practice_id = uuid(&mut rng);
    let hub_id = uuid(&mut rng);
    for (id, ods, name, kind, town) in [
        (practice_id, "Z97001", "Rushmere Green Surgery", OrganisationKind::GpPractice, "Stevenage"),
        (hub_id, "Z97002", "Rushmere Extended Access Hub", OrganisationKind::Hub, "Stevenage"),
    ] {
        let addr = address(format!("{} Rushmere Way", 1 + p.organisations.len()), town, "SG1 4ZZ");
        p.organisations.push(Organisation {
            organisation_id: id,
            ods_code: OdsCode::parse(ods).unwrap(),
            name: name.into(),
            kind,
            area: AreaCode::EastAndNorthHerts,
            federation_id: Some(federation_id),
            address: addr.clone(),
            phone: None,
            email: None,
        });
        p.locations.push(Location {
            location_id: uuid(&mut rng),
            organisation_id: id,
            name: "Main surgery".into(),
            address: addr,
        });
    }
    let location_id = p.locations[0].location_id;
    let mut gps = Vec::new();
    for i in 1..=CLINICIANS {
        let id = uuid(&mut rng);
        gps.push(id);
        p.staff.push(StaffMember {
            staff_member_id: id,
            staff_uid: format!("rush-gp-{i:02}"),
            given_name: "Doctor".into(),
            family_name: format!("Rush{i:02}"),
            email: EmailAddress::parse(&format!("rush-gp-{i:02}@example.org")).unwrap(),
            clinical_role: Some(ClinicalRole::Gp),
        });
        p.staff_assignments.push(StaffAssignment {
            staff_member_id: id,
            organisation_id: practice_id,
            role: StaffRole::Clinician,
        });
    }
    const GIVEN: [&str; 8] = ["Ada", "Bram", "Cleo", "Dev", "Edie", "Femi", "Gus", "Hana"];
    const FAMILY: [&str; 8] =
        ["Ashdown", "Brierley", "Coldharbour", "Dunmore", "Eastwick", "Fallow", "Greyling", "Holt"];
    let mut nine = 999_100_000u32;
    for i in 0..n {
        let nhs_number = loop {
            nine += 1;
            if let Some(x) = NhsNumber::from_nine_digits(&nine.to_string()) {
                break x;
            }
        };
        let dob = Date::from_calendar_date(1940, time::Month::January, 1).unwrap()
            + time::Duration::days(rng.gen_range(0..(365 * 64)));
        p.patients.push(Patient {
            patient_id: uuid(&mut rng),
            nhs_number,
            given_name: GIVEN[i % GIVEN.len()].into(),
            family_name: FAMILY[(i / GIVEN.len()) % FAMILY.len()].into(),
            date_of_birth: dob,
            sex: if i % 2 == 0 { Sex::Female } else { Sex::Male },
            email: Some(EmailAddress::parse(&format!("rush.patient.{i}@example.com")).unwrap()),
            phone: None,
            address: address(format!("{} Rushmere Close", 1 + i % 180), "Stevenage", "SG1 4ZZ"),
            registered_practice_id: practice_id,
            nominated_pharmacy_id: None,
        });
    }
    (p, practice_id, location_id, gps)
}

/// The benchmark's day and the first appointment time, London time: today
/// when the rules let a patient book today's slots now (same-day release
/// passed, minimum notice, and the clinics fit before midnight), else
/// tomorrow from 08:30.
fn choose_day(now: OffsetDateTime, slots: usize) -> (Date, Time, String) {
    let rules = default_rules(ServiceKind::GpAppointment);
    let local = london::to_local(now);
    let per_clinician = slots.div_ceil(CLINICIANS) as i64;
    let length = time::Duration::minutes(per_clinician * i64::from(SLOT_MINUTES));
    // Notice, plus half an hour for seeding and logging everyone in, rounded
    // up to the next ten minutes.
    let earliest = local + time::Duration::minutes(i64::from(rules.minimum_notice_minutes) + 30);
    let minutes = (i64::from(earliest.hour()) * 60 + i64::from(earliest.minute())) / 10 * 10 + 10;
    let end = minutes + length.whole_minutes();
    let released = rules.same_day_release.is_none_or(|t| local.time() >= t);
    // The clinics end by 23:50 on the same London date.
    let fits = earliest.date() == local.date() && end <= 23 * 60 + 50;
    let start = Time::from_hms((minutes / 60) as u8, (minutes % 60) as u8, 0).unwrap_or(Time::MIDNIGHT);
    let release = rules.same_day_release.map_or("none".to_string(), |t| format!("{:02}:{:02}", t.hour(), t.minute()));
    if released && fits {
        (
            local.date(),
            start,
            format!(
                "same-day slots: today {} from {:02}:{:02} London time (same-day release rule: {release}; minimum notice {} min)",
                local.date(),
                start.hour(),
                start.minute(),
                rules.minimum_notice_minutes
            ),
        )
    } else {
        let tomorrow = local.date().next_day().unwrap();
        let why = if released {
            "today's clinics would run past midnight"
        } else {
            "it is before today's same-day release in London"
        };
        (
            tomorrow,
            Time::from_hms(8, 30, 0).unwrap(),
            format!(
                "next-day slots: {tomorrow} from 08:30 London time, because {why} (release rule {release}); the rush is the same, the slots just are not same-day"
            ),
        )
    }
}

async fn seed(store: &dyn Store, patients: usize, slots: usize) -> Seeded {
    let (population, practice_id, location_id, gps) = population(patients);
    store.replace_population(&population).await.expect("the population loads");
    let (day, first, why_this_day) = choose_day(OffsetDateTime::now_utc(), slots);
    let per_clinician = slots.div_ceil(CLINICIANS);
    let mut templates = Vec::new();
    let mut left = slots;
    for (i, gp) in gps.iter().enumerate() {
        let mine = left.min(per_clinician);
        if mine == 0 {
            break;
        }
        left -= mine;
        let ends = first + time::Duration::minutes((mine * usize::from(SLOT_MINUTES)) as i64);
        let template = RotaTemplate {
            rota_template_id: Uuid::from_u128(0x0800_0000 + i as u128),
            organisation_id: practice_id,
            location_id,
            clinician_id: *gp,
            service: ServiceKind::GpAppointment,
            channel: Channel::FaceToFace,
            bookable_by: BookableBy::OwnPractice,
            sessions: vec![WeeklySession { weekday: day.weekday(), starts: first, ends, slot_minutes: SLOT_MINUTES }],
            effective_from: day,
            effective_until: Some(day),
            exceptions: vec![],
        };
        store.save_rota_template(&template).await.expect("the rota saves");
        templates.push(template);
    }
    Seeded {
        practice_id,
        patients: population.patients.iter().map(|p| p.nhs_number.clone()).collect(),
        templates,
        day,
        why_this_day,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Availability,
    Book,
}

struct Sample {
    kind: Kind,
    status: u16,
    latency: Duration,
    done_at: Instant,
}

#[derive(Default)]
struct Outcome {
    samples: Vec<Sample>,
    booked: Option<Uuid>,
    transport_errors: Vec<String>,
    rules_not_met: bool,
    gave_up: bool,
    none_shown: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pick {
    Random,
    First,
}

fn choose(rng: &mut rand::rngs::StdRng, ids: &[Uuid], pick: Pick) -> Option<Uuid> {
    match pick {
        _ if ids.is_empty() => None,
        Pick::First => Some(ids[0]),
        Pick::Random => Some(ids[rng.gen_range(0..ids.len())]),
    }
}

fn slot_ids(v: &Value, field: &str) -> Vec<Uuid> {
    v[field]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["slot_id"].as_str().and_then(|s| Uuid::parse_str(s).ok())).collect())
        .unwrap_or_default()
}

/// GET /api/v1/availability for the day: the slot ids shown, or `None`
/// when the request failed.
async fn look_for_slots(client: &reqwest::Client, base: &str, day: Date, out: &mut Outcome) -> Option<Vec<Uuid>> {
    let t = Instant::now();
    let r = client
        .get(format!("{base}/api/v1/availability?service=gp_appointment&from={day}&to={day}"))
        .header("accept", "application/json")
        .send()
        .await;
    let r = match r {
        Ok(r) => r,
        Err(e) => {
            out.transport_errors.push(chain(&e, t.elapsed()));
            return None;
        }
    };
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    out.samples.push(Sample { kind: Kind::Availability, status, latency: t.elapsed(), done_at: Instant::now() });
    Some(slot_ids(&body, "slots"))
}

/// How a patient goes about it.
#[derive(Clone, Copy)]
struct Plan {
    day: Date,
    retries: usize,
    pick: Pick,
    /// Ask for availability first (what the booking page does), or book one
    /// of the released slots straight away (`--skip-availability`: the
    /// booking path on its own).
    look: bool,
    /// 0: everyone at the signal. Otherwise each patient starts at a random
    /// moment in the first `spread_ms` milliseconds after it (an arrival
    /// rate instead of a wall of simultaneous requests).
    spread_ms: u64,
}

/// The signal: the released slots' ids.
type Go = tokio::sync::watch::Receiver<Option<Arc<Vec<Uuid>>>>;

/// One patient at 08:00: look, pick, book; on "just taken" try an
/// alternative, up to `retries` times.
async fn rush(client: reqwest::Client, base: String, plan: Plan, seed: u64, mut go: Go) -> Outcome {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut out = Outcome::default();
    let released = match go.wait_for(|g| g.is_some()).await {
        Ok(ids) => ids.clone().unwrap_or_default(),
        Err(_) => return out,
    };
    let Plan { day, retries, pick, look, spread_ms } = plan;
    if spread_ms > 0 {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..spread_ms))).await;
    }
    let first = if look { look_for_slots(&client, &base, day, &mut out).await } else { Some(released.to_vec()) };
    let Some(mut slot) = first.and_then(|ids| choose(&mut rng, &ids, pick)) else {
        out.none_shown = out.transport_errors.is_empty();
        return out;
    };

    for attempt in 0..=retries {
        let t = Instant::now();
        let r = client
            .post(format!("{base}/api/v1/appointments"))
            .header("origin", &base)
            .header("accept", "application/json")
            .header("idempotency-key", Uuid::new_v4().to_string())
            .json(&serde_json::json!({ "slot_id": slot }))
            .send()
            .await;
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                out.transport_errors.push(chain(&e, t.elapsed()));
                return out;
            }
        };
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        out.samples.push(Sample { kind: Kind::Book, status, latency: t.elapsed(), done_at: Instant::now() });
        match status {
            201 => {
                out.booked = body["slot_id"].as_str().and_then(|s| Uuid::parse_str(s).ok()).or(Some(slot));
                return out;
            }
            409 if attempt < retries => match choose(&mut rng, &slot_ids(&body, "alternatives"), pick) {
                Some(next) => slot = next,
                None => break,
            },
            422 => {
                out.rules_not_met = true;
                return out;
            }
            _ => break,
        }
    }
    out.gave_up = true;
    out
}

/// User plus system CPU seconds a process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The CPU seconds of every process on this machine named `postgres` (the
/// server and its backends, when PostgreSQL runs here).
fn postgres_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0.0 };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .map(cpu_seconds)
        .sum()
}

/// Committed and rolled-back transactions in the benchmark's PostgreSQL
/// database so far (each statement outside a transaction counts as one).
async fn database_transactions(admin: Option<&mut PgConnection>, url: &str) -> Option<i64> {
    let admin = admin?;
    let name = url.rsplit('/').next()?;
    // An idle backend hands its counts to the shared statistics within ten
    // seconds (PostgreSQL 15), one that exits at once.
    tokio::time::sleep(Duration::from_secs(11)).await;
    sqlx::query_scalar::<_, i64>(
        "select (xact_commit + xact_rollback)::bigint from pg_stat_database where datname = $1",
    )
    .bind(name)
    .fetch_one(admin)
    .await
    .ok()
}

fn latencies(samples: &[&Sample]) -> String {
    let mut l: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    l.sort();
    format!(
        "n={} p50={:.1}ms p95={:.1}ms p99={:.1}ms max={:.1}ms",
        l.len(),
        percentile(&l, 50.0),
        percentile(&l, 95.0),
        percentile(&l, 99.0),
        percentile(&l, 100.0)
    )
}

/// Slots holding more than one live appointment, live appointments, and
/// booked slots, counted by the database itself.
const DOUBLE_BOOKED: &str = "select count(*) from (select slot_id from appointment
     where status in ('booked', 'arrived') group by slot_id having count(*) > 1) as doubled";
const LIVE: &str = "select count(*) from appointment where status in ('booked', 'arrived')";
const BOOKED_SLOTS: &str = "select count(*) from slot where status = 'booked'";

async fn database_counts(url: &str) -> (i64, i64, i64) {
    let mut counts = Vec::new();
    if url.starts_with("sqlite:") {
        let mut c = SqliteConnection::connect(url).await.unwrap();
        for q in [DOUBLE_BOOKED, LIVE, BOOKED_SLOTS] {
            counts.push(sqlx::query_scalar::<_, i64>(q).fetch_one(&mut c).await.unwrap());
        }
    } else {
        let mut c = PgConnection::connect(url).await.unwrap();
        for q in [DOUBLE_BOOKED, LIVE, BOOKED_SLOTS] {
            counts.push(sqlx::query_scalar::<_, i64>(q).fetch_one(&mut c).await.unwrap());
        }
    }
    (counts[0], counts[1], counts[2])
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = arg(&args, "--bin").expect("--bin PATH to the carebook binary");
    let backend = arg(&args, "--store").unwrap_or_else(|| "sqlite".into());
    let admin_url =
        arg(&args, "--postgres-url").unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let n: usize = num(&args, "--patients", 2000);
    let slots: usize = num(&args, "--slots", 200);
    let retries: usize = num(&args, "--retries", 2);
    let pool_size: u32 = num(&args, "--pool-size", 8);
    let pgbench_clients: u32 = num(&args, "--pgbench-clients", pool_size);
    let pgbench_seconds: u32 = num(&args, "--pgbench-seconds", 10);
    let login_concurrency: usize = num(&args, "--login-concurrency", 32);
    let pick = if arg(&args, "--pick").as_deref() == Some("first") { Pick::First } else { Pick::Random };
    let look = !args.iter().any(|a| a == "--skip-availability");
    let spread_ms: u64 = num(&args, "--spread-ms", 0);
    let keep = args.iter().any(|a| a == "--keep");
    let samples_file = arg(&args, "--samples");

    // A fresh database.
    let work = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench-rush"))
        .join(format!("{}-{backend}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let mut admin = None;
    let url = match backend.as_str() {
        "sqlite" => format!("sqlite://{}/carebook.db", work.display()),
        "postgres" => {
            let name = format!("carebook_rush_{}", std::process::id());
            let mut c = PgConnection::connect(&admin_url).await.expect("PostgreSQL reachable");
            sqlx::query(&format!("create database {name}")).execute(&mut c).await.unwrap();
            admin = Some(c);
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            format!("{base}/{name}")
        }
        other => panic!("--store sqlite or postgres, not {other}"),
    };

    let t = Instant::now();
    let (store, _) = carebook_server::startup::open_store(&url, 4).await.expect("the store opens");
    let seeded = seed(store.as_ref(), n, slots).await;
    eprintln!(
        "[{backend}] seeded {n} patients and {} rota templates in {:.1}s",
        seeded.templates.len(),
        t.elapsed().as_secs_f64()
    );
    eprintln!("[{backend}] {}", seeded.why_this_day);

    let log = work.join("server.log");
    let mut server = Server::start(&bin, &url, pool_size, &log).await;
    let base = server.base.clone();
    let pid = server.child.id();

    // Everyone logs in (not timed).
    let t = Instant::now();
    let limit = Arc::new(tokio::sync::Semaphore::new(login_concurrency));
    let mut logins = Vec::new();
    for nhs in &seeded.patients {
        let (limit, base, nhs) = (limit.clone(), base.clone(), nhs.as_str().to_string());
        logins.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let client = browser();
            login(&client, &base, Audience::Patient, &nhs).await.map(|_| client)
        }));
    }
    let mut clients = Vec::new();
    let mut failed = HashMap::<String, usize>::new();
    for l in logins {
        match l.await.unwrap() {
            Ok(c) => clients.push(c),
            Err(e) => *failed.entry(e).or_default() += 1,
        }
    }
    eprintln!(
        "[{backend}] {} of {n} patients logged in in {:.1}s ({:.0} log-ins/s){}",
        clients.len(),
        t.elapsed().as_secs_f64(),
        clients.len() as f64 / t.elapsed().as_secs_f64(),
        if failed.is_empty() { String::new() } else { format!("; failures: {failed:?}") }
    );
    assert!(!clients.is_empty(), "nobody logged in: see {}", log.display());

    // Before the release nobody sees a slot.
    let r = clients[0]
        .get(format!("{base}/api/v1/availability?service=gp_appointment&from={0}&to={0}", seeded.day))
        .send()
        .await
        .unwrap();
    let before = r.status().as_u16();
    let shown_before = slot_ids(&r.json().await.unwrap_or(Value::Null), "slots").len();
    eprintln!("[{backend}] before the release: availability answers {before} with {shown_before} slots");

    // Every patient opens its connection, then waits for the signal.
    let mut warm = Vec::new();
    for c in &clients {
        let (c, base) = (c.clone(), base.clone());
        warm.push(tokio::spawn(async move { c.get(format!("{base}/health")).send().await.is_ok() }));
    }
    for w in warm {
        w.await.unwrap();
    }
    let (_, rss_before) = memory(pid);
    let (go_tx, go_rx) = tokio::sync::watch::channel(None);
    let plan = Plan { day: seeded.day, retries, pick, look, spread_ms };
    let mut tasks = Vec::new();
    for (i, c) in clients.iter().enumerate() {
        tasks.push(tokio::spawn(rush(c.clone(), base.clone(), plan, i as u64, go_rx.clone())));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // (Counted from here, so the burst's share can be told apart.)
    let db_before = database_transactions(admin.as_mut(), &url).await;
    // 08:00: the slots appear in one transaction, and everyone goes.
    let t = Instant::now();
    let mut planned = Vec::new();
    for template in &seeded.templates {
        planned.extend(template.expand(seeded.day, seeded.day).unwrap());
    }
    let released = store.add_planned_slots(&planned).await.expect("the slots are released");
    let release_ms = t.elapsed().as_secs_f64() * 1000.0;
    let (from, to) =
        (london::resolve(seeded.day, Time::MIDNIGHT), london::resolve(seeded.day.next_day().unwrap(), Time::MIDNIGHT));
    let ids: Vec<Uuid> =
        store.slots_between(seeded.practice_id, from, to).await.unwrap().into_iter().map(|s| s.slot_id).collect();
    let cpu_before = (cpu_seconds(pid), cpu_seconds(std::process::id()), postgres_cpu_seconds());
    let signal = Instant::now();
    let taken = ids.first().copied();
    go_tx.send(Some(Arc::new(ids))).unwrap();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let (hwm, _) = memory(pid);
    let cpu = (
        cpu_seconds(pid) - cpu_before.0,
        cpu_seconds(std::process::id()) - cpu_before.1,
        postgres_cpu_seconds() - cpu_before.2,
    );

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let samples: Vec<&Sample> = outcomes.iter().flat_map(|o| &o.samples).collect();
    let end = samples.iter().map(|s| s.done_at).max().unwrap_or(signal);
    let seconds = end.duration_since(signal).as_secs_f64().max(1e-9);
    let mut statuses: std::collections::BTreeMap<(String, u16), usize> = Default::default();
    for s in &samples {
        *statuses.entry((format!("{:?}", s.kind), s.status)).or_default() += 1;
    }
    if let Some(file) = &samples_file {
        // kind, status, started (ms after the signal), latency (ms)
        let mut csv = String::from("kind,status,started_ms,latency_ms\n");
        for s in &samples {
            let started = (s.done_at - s.latency).saturating_duration_since(signal);
            csv.push_str(&format!(
                "{:?},{},{:.1},{:.1}\n",
                s.kind,
                s.status,
                started.as_secs_f64() * 1000.0,
                s.latency.as_secs_f64() * 1000.0
            ));
        }
        std::fs::write(file, csv).expect("the samples file is written");
    }
    let server_errors = samples.iter().filter(|s| s.status >= 500).count();
    let transport: Vec<&String> = outcomes.iter().flat_map(|o| &o.transport_errors).collect();
    let bookings = outcomes.iter().filter(|o| o.booked.is_some()).count();
    let distinct: std::collections::HashSet<Uuid> = outcomes.iter().filter_map(|o| o.booked).collect();
    let book_samples: Vec<&Sample> = samples.iter().copied().filter(|s| s.kind == Kind::Book).collect();
    let avail_samples: Vec<&Sample> = samples.iter().copied().filter(|s| s.kind == Kind::Availability).collect();

    server.stop();
    let db_transactions = match (db_before, database_transactions(admin.as_mut(), &url).await) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let (double_booked, live, booked_slots) = database_counts(&url).await;
    let probe_day = seeded.day + time::Duration::days(7);
    let wire = match backend.as_str() {
        "postgres" => Some(
            round_trips::probe(&bin, &url, pool_size, &work.join("probe.log"), &clients, probe_day, taken, async {
                let planned: Vec<_> = seeded
                    .templates
                    .iter()
                    .map(|t| RotaTemplate { effective_until: Some(probe_day), ..t.clone() })
                    .flat_map(|t| t.expand(probe_day, probe_day).unwrap())
                    .collect();
                store.add_planned_slots(&planned).await.expect("the probe's slots are added");
            })
            .await,
        ),
        _ => None,
    };
    drop(store);

    let pgbench_tps = match admin.as_mut() {
        Some(a) => pgbench::pgbench(a, &admin_url, pgbench_clients, pgbench_seconds).await,
        None => None,
    };

    println!(
        "== the 8 am rush on {backend}: {} patients logged in, {released} slots released at once ({release_ms:.0} ms), {cores} cores, {} ==",
        clients.len(),
        if look { "each asks for availability, then books" } else { "each books a released slot without asking for availability" }
    );
    if spread_ms > 0 {
        println!("arrivals spread evenly over the first {spread_ms} ms after the signal");
    }
    println!("{}", seeded.why_this_day);
    println!("answers: {statuses:?}");
    println!(
        "bookings made: {bookings} (distinct slots {}; database: {live} live appointments, {booked_slots} booked slots); gave up: {}; nothing shown: {}; rules not met: {}",
        distinct.len(),
        outcomes.iter().filter(|o| o.gave_up).count(),
        outcomes.iter().filter(|o| o.none_shown).count(),
        outcomes.iter().filter(|o| o.rules_not_met).count()
    );
    println!("double bookings (slots with more than one live appointment): {double_booked}");
    println!("server errors (5xx): {server_errors}; transport errors: {}", transport.len());
    if let Some(e) = transport.first() {
        println!("  first transport error: {e}");
    }
    println!(
        "burst: {} requests in {seconds:.2}s = {:.0} requests/s ({:.0} booking requests/s)",
        samples.len(),
        samples.len() as f64 / seconds,
        book_samples.len() as f64 / seconds
    );
    println!("latency, all requests:  {}", latencies(&samples));
    if !avail_samples.is_empty() {
        println!("latency, availability:  {}", latencies(&avail_samples));
    }
    println!("latency, booking:       {}", latencies(&book_samples));
    println!(
        "CPU over the burst ({} cores x {seconds:.1}s = {:.1} core-seconds): carebook {:.1}s, PostgreSQL {:.1}s, this client {:.1}s",
        cores,
        cores as f64 * seconds,
        cpu.0,
        cpu.2,
        cpu.1
    );
    if let Some(x) = db_transactions {
        println!(
            "database transactions (pg_stat_database, the burst): {x} = {:.0} per HTTP request",
            x as f64 / samples.len().max(1) as f64
        );
    }
    if let Some(line) = &wire {
        println!("{line}");
    }
    println!("server memory: peak (VmHWM) {hwm:.0} MiB; resident before the burst {rss_before:.0} MiB");
    if let Some(tps) = pgbench_tps {
        println!(
            "pgbench -N -c {pgbench_clients} -j 2 -T {pgbench_seconds} (clients = carebook's pool size): {tps:.0} tps; carebook/pgbench = {:.2}",
            samples.len() as f64 / seconds / tps
        );
    }
    let mut all: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    all.sort();
    println!(
        "RESULT store={backend} bookings={bookings} double_bookings={double_booked} server_errors={server_errors} transport_errors={} requests={} seconds={seconds:.2} rps={:.0} p50_ms={:.1} p95_ms={:.1} p99_ms={:.1} peak_rss_mib={hwm:.0}{}",
        transport.len(),
        samples.len(),
        samples.len() as f64 / seconds,
        percentile(&all, 50.0),
        percentile(&all, 95.0),
        percentile(&all, 99.0),
        pgbench_tps.map_or(String::new(), |t| format!(" pgbench_tps={t:.0} ratio={:.2}", samples.len() as f64 / seconds / t))
    );

    let ok = bookings <= slots
        && double_booked == 0
        && server_errors == 0
        && transport.is_empty()
        && live as usize == bookings;
    let keep = keep || !ok;
    if let Some(a) = admin.as_mut() {
        if !keep {
            let name = url.rsplit('/').next().unwrap();
            sqlx::query(&format!("drop database if exists {name} with (force)")).execute(a).await.unwrap();
        }
    }
    if keep {
        eprintln!("kept {} (server log, SQLite file) and {url}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    if !ok {
        eprintln!("FAILED: see above (server log: {})", log.display());
        std::process::exit(1);
    }
}
