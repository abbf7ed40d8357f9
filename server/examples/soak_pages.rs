//! The page-rendering soak: many page views by logged-in people, to show
//! that no page render ever has to be started again
//! (`carebook_render_retries_total` in `/metrics`, counted by
//! server/src/render_guard.rs when a render does not finish in 8 s). Run by
//! scripts/soak-pages.sh, by hand; it is not a test.
//!
//! 1. A fresh PostgreSQL database loaded with the demonstration population
//!    (`carebook_core::demo`, the same seed and size as `carebook demo`) and
//!    its week of slots from today, then `carebook serve` (the binary given
//!    by `--bin`) on it, on 127.0.0.1, with the demonstration OpenID
//!    Provider and the log-in rate limit lifted. Or `--base
//!    http://127.0.0.1:PORT`: a server already running with the
//!    demonstration provider and population (nothing is created or
//!    dropped then; `--demo-seed` and `--demo-patients` must match its own).
//! 2. `--clients` people log in over HTTP, each with their own cookie jar
//!    (the real OpenID Connect flow): `--receptionists` of them (default
//!    one in eight) are receptionists at the practices, the rest adult
//!    patients spread over the population. Each patient then books one GP
//!    appointment through the JSON API, so the lists have something in them.
//!    None of this is timed.
//! 3. The soak: `--views` page views in all, `Accept: text/html`, each
//!    client one after another as fast as answers come (closed loop, so
//!    `--clients` views are in flight at any time). Patients go round `/`,
//!    `/home`, `/appointments`, `/appointments/book` and
//!    `/appointments/book/times?service=gp_appointment`; receptionists
//!    round `/staff/day` and tomorrow's `/staff/day?day=...`. A view counts
//!    as failed unless it is a 200 with the whole page (`</html>`) and the
//!    page's own title, and no "service is not available" message; a view
//!    that took 8 s or more is counted as slow.
//! 4. The report: views by route with statuses and p50/p95/p99/max latency,
//!    then `carebook_render_retries_total` from `/metrics` (and the server
//!    log's render-retry warnings). Exit status 1 when any view failed or
//!    was slow, when not every view was made within `--max-seconds`, or
//!    when the counter is not 0.
//!
//! Nothing about a person is printed: routes and counts only.
//!
//! soak_pages --bin target/release/carebook
//!     [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]
//!     [--views 20000] [--clients 32] [--receptionists N] [--pool-size 16]
//!     [--max-seconds 1800] [--keep]
//! soak_pages --base http://127.0.0.1:PORT [--demo-seed S] [--demo-patients N] [...]

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carebook_core::clock::SystemClock;
use carebook_core::model::{OrganisationKind, Population, StaffRole};
use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions_sqlx_store::sqlx::{self, Connection, PgConnection};
use uuid::Uuid;

mod support;
use support::{arg, browser, chain, login, memory, num, percentile, Audience, Server};

/// The render guard's limit: a render that takes this long is started again.
const RENDER_LIMIT: Duration = Duration::from_secs(8);

/// A page a client goes round: the address and a text only that page has.
#[derive(Clone)]
struct Page {
    route: String,
    marker: Option<&'static str>,
}

fn patient_pages() -> Vec<Page> {
    let page = |route: &str, marker| Page { route: route.to_string(), marker };
    vec![
        page("/", None),
        page("/home", Some("Your carebook")),
        page("/appointments", Some("Your appointments")),
        page("/appointments/book", Some("What do you need an appointment for?")),
        page("/appointments/book/times?service=gp_appointment", Some("Choose a time")),
    ]
}

fn receptionist_pages() -> Vec<Page> {
    let tomorrow = carebook_core::london::today(OffsetDateTime::now_utc()).next_day().unwrap();
    vec![
        Page { route: "/staff/day".into(), marker: Some("Day list") },
        Page { route: format!("/staff/day?day={tomorrow}"), marker: Some("Day list") },
    ]
}

/// Receptionists at the practices (the demonstration's own first), and
/// adult patients spread evenly over the population, personas left out.
/// Their log-in hints: staff uids and NHS numbers, never printed.
fn people(p: &Population, patients: usize, receptionists: usize) -> (Vec<String>, Vec<String>) {
    let practices: HashSet<Uuid> =
        p.organisations.iter().filter(|o| o.kind == OrganisationKind::GpPractice).map(|o| o.organisation_id).collect();
    let mut desk: Vec<String> = p
        .staff
        .iter()
        .filter(|s| {
            p.staff_assignments.iter().any(|a| {
                a.staff_member_id == s.staff_member_id
                    && a.role == StaffRole::Receptionist
                    && practices.contains(&a.organisation_id)
            })
        })
        .map(|s| s.staff_uid.clone())
        .collect();
    desk.sort_by_key(|uid| uid != "demo-receptionist");
    assert!(!desk.is_empty(), "the population has no receptionist at a practice");
    // More receptionists than there are: some log in twice (two sessions).
    let desk = (0..receptionists).map(|i| desk[i % desk.len()].clone()).collect();

    let today = carebook_core::london::today(OffsetDateTime::now_utc());
    let personas: HashSet<&str> = carebook_core::demo::personas().iter().map(|x| x.nhs_number).collect();
    let adults: Vec<&str> = p
        .patients
        .iter()
        .filter(|x| x.age_on(today) >= 18 && !personas.contains(x.nhs_number.as_str()))
        .map(|x| x.nhs_number.as_str())
        .collect();
    assert!(adults.len() >= patients, "{patients} patients asked for, the population has {} adults", adults.len());
    let step = adults.len() / patients.max(1);
    let chosen = (0..patients).map(|i| adults[i * step].to_string()).collect();
    (chosen, desk)
}

/// One logged-in client and the pages it goes round.
struct Client {
    http: reqwest::Client,
    pages: Vec<Page>,
}

/// One GP appointment for a patient (best effort: a time from the next
/// fortnight's, taking another if it has just gone).
async fn book_one(client: &reqwest::Client, base: &str, nth: usize) -> bool {
    let today = carebook_core::london::today(OffsetDateTime::now_utc());
    let to = today + time::Duration::days(13);
    let Ok(r) = client
        .get(format!("{base}/api/v1/availability?service=gp_appointment&from={today}&to={to}"))
        .header("accept", "application/json")
        .send()
        .await
    else {
        return false;
    };
    let body: Value = r.json().await.unwrap_or(Value::Null);
    let slots: Vec<String> = body["slots"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["slot_id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    for attempt in 0..3.min(slots.len()) {
        let slot = &slots[(nth * 7 + attempt * 3) % slots.len()];
        let r = client
            .post(format!("{base}/api/v1/appointments"))
            .header("origin", base)
            .header("accept", "application/json")
            .header("idempotency-key", Uuid::new_v4().to_string())
            .json(&serde_json::json!({ "slot_id": slot }))
            .send()
            .await;
        match r.map(|r| r.status().as_u16()) {
            Ok(201) => return true,
            Ok(409) => continue,
            _ => return false,
        }
    }
    false
}

struct View {
    route: usize,
    status: Option<u16>,
    latency: Duration,
    problem: Option<String>,
}

/// What the clients share during the soak.
struct Soak {
    base: String,
    /// Every route visited, in the report's order.
    routes: Vec<String>,
    /// Views taken so far, by all clients.
    next: AtomicUsize,
    views: usize,
    deadline: Instant,
    /// Set when a client stopped at the deadline.
    late: AtomicBool,
}

/// One client's share of the soak: views until `views` have been taken in
/// all, or the deadline passes. It starts `start_at` pages into its round,
/// so that not every client asks for the same page at once.
async fn soak(client: Arc<Client>, s: Arc<Soak>, start_at: usize) -> Vec<View> {
    let mut out = Vec::new();
    let mut k = start_at;
    loop {
        if Instant::now() >= s.deadline {
            s.late.store(true, Ordering::Relaxed);
            break;
        }
        let n = s.next.fetch_add(1, Ordering::Relaxed);
        if n >= s.views {
            break;
        }
        let page = &client.pages[k % client.pages.len()];
        k += 1;
        let route = s.routes.iter().position(|r| *r == page.route).unwrap();
        if n > 0 && n % (s.views / 10).max(1) == 0 {
            eprintln!("  {n} of {} views", s.views);
        }
        let t = Instant::now();
        let r = client.http.get(format!("{}{}", s.base, page.route)).header("accept", "text/html").send().await;
        let (status, body) = match r {
            Ok(r) => {
                let status = r.status().as_u16();
                match r.text().await {
                    Ok(body) => (Some(status), Ok(body)),
                    Err(e) => (Some(status), Err(chain(&e, t.elapsed()))),
                }
            }
            Err(e) => (None, Err(chain(&e, t.elapsed()))),
        };
        let latency = t.elapsed();
        let problem = match (status, body) {
            (_, Err(e)) => Some(format!("transport: {e}")),
            (Some(200), Ok(body)) => {
                if !body.contains("</html>") {
                    Some("incomplete page (no </html>)".to_string())
                } else if page.marker.is_some_and(|m| !body.contains(m)) {
                    Some("not the page asked for (its title is missing)".to_string())
                } else if body.contains("The service is not available") {
                    Some("the page shows \"The service is not available\"".to_string())
                } else {
                    None
                }
            }
            (Some(s), Ok(_)) => Some(format!("status {s}")),
            (None, Ok(_)) => unreachable!(),
        };
        out.push(View { route, status, latency, problem });
    }
    out
}

/// `carebook_render_retries_total` from `/metrics`.
async fn render_retries(base: &str) -> Result<u64, String> {
    let r = reqwest::Client::new().get(format!("{base}/metrics")).send().await.map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("/metrics answered {}", r.status()));
    }
    let text = r.text().await.map_err(|e| e.to_string())?;
    text.lines()
        .find_map(|l| l.strip_prefix("carebook_render_retries_total "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| "/metrics has no carebook_render_retries_total".to_string())
}

fn latencies(views: &[&View]) -> String {
    let mut l: Vec<Duration> = views.iter().map(|v| v.latency).collect();
    l.sort();
    format!(
        "p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
        percentile(&l, 50.0),
        percentile(&l, 95.0),
        percentile(&l, 99.0),
        percentile(&l, 100.0)
    )
}

struct Options {
    views: usize,
    clients: usize,
    receptionists: usize,
    max_seconds: u64,
    seed: u64,
    population: usize,
}

/// Log in, book, soak, read the counter; true when the soak was clean.
async fn run(base: &str, server_pid: Option<u32>, o: &Options) -> bool {
    let population = carebook_core::demo::generate_with(o.seed, o.population);
    let (patients, desk) = people(&population, o.clients - o.receptionists, o.receptionists);
    drop(population);

    // Everyone logs in (not timed).
    let t = Instant::now();
    let limit = Arc::new(tokio::sync::Semaphore::new(8));
    let mut logins = Vec::new();
    let who = patients.iter().map(|h| (Audience::Patient, h)).chain(desk.iter().map(|h| (Audience::Staff, h)));
    for (i, (audience, hint)) in who.enumerate() {
        let (limit, base, hint) = (limit.clone(), base.to_string(), hint.clone());
        logins.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let http = browser();
            login(&http, &base, audience, &hint).await?;
            let booked = audience == Audience::Patient && book_one(&http, &base, i).await;
            let pages = if audience == Audience::Patient { patient_pages() } else { receptionist_pages() };
            Ok::<_, String>((Client { http, pages }, booked))
        }));
    }
    let mut clients = Vec::new();
    let mut booked = 0;
    let mut failed = BTreeMap::<String, usize>::new();
    for l in logins {
        match l.await.unwrap() {
            Ok((c, b)) => {
                booked += usize::from(b);
                clients.push(Arc::new(c));
            }
            Err(e) => *failed.entry(e).or_default() += 1,
        }
    }
    eprintln!(
        "{} of {} clients logged in ({} patients, {} at reception) in {:.1}s; {booked} of {} patients booked a GP appointment first",
        clients.len(),
        o.clients,
        patients.len(),
        desk.len(),
        t.elapsed().as_secs_f64(),
        patients.len()
    );
    if !failed.is_empty() {
        eprintln!("FAILED: log-ins failed: {failed:?}");
        return false;
    }

    let mut routes: Vec<String> = Vec::new();
    for c in &clients {
        for p in &c.pages {
            if !routes.contains(&p.route) {
                routes.push(p.route.clone());
            }
        }
    }
    let retries_before = render_retries(base).await;
    let (_, rss_before) = server_pid.map(memory).unwrap_or_default();

    // The soak.
    eprintln!("soak: {} page views by {} clients", o.views, clients.len());
    let started = Instant::now();
    let shared = Arc::new(Soak {
        base: base.to_string(),
        routes,
        next: AtomicUsize::new(0),
        views: o.views,
        deadline: started + Duration::from_secs(o.max_seconds),
        late: AtomicBool::new(false),
    });
    let mut tasks = Vec::new();
    for (i, c) in clients.iter().enumerate() {
        tasks.push(tokio::spawn(soak(c.clone(), shared.clone(), i)));
    }
    let mut views = Vec::new();
    for task in tasks {
        views.extend(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let routes = &shared.routes;
    let late = shared.late.load(Ordering::Relaxed);
    let retries_after = render_retries(base).await;
    let (hwm, _) = server_pid.map(memory).unwrap_or_default();

    // The report.
    let slow = |v: &View| v.latency >= RENDER_LIMIT;
    println!(
        "== page soak: {} views by {} logged-in clients ({} patients, {} at reception) in {seconds:.1}s = {:.0} views/s, {} cores ==",
        views.len(),
        clients.len(),
        patients.len(),
        desk.len(),
        views.len() as f64 / seconds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let width = routes.iter().map(|r| r.len()).max().unwrap_or(0);
    for (i, route) in routes.iter().enumerate() {
        let mine: Vec<&View> = views.iter().filter(|v| v.route == i).collect();
        println!(
            "{route:<width$}  {:>6} views  {:>6} failed  {:>4} slow  {}",
            mine.len(),
            mine.iter().filter(|v| v.problem.is_some()).count(),
            mine.iter().filter(|v| slow(v)).count(),
            latencies(&mine)
        );
    }
    let all: Vec<&View> = views.iter().collect();
    println!(
        "{:<width$}  {:>6} views  {:>6} failed  {:>4} slow  {}",
        "all",
        all.len(),
        all.iter().filter(|v| v.problem.is_some()).count(),
        all.iter().filter(|v| slow(v)).count(),
        latencies(&all)
    );
    let mut statuses = BTreeMap::<String, usize>::new();
    for v in &views {
        *statuses.entry(v.status.map_or("no answer".to_string(), |s| s.to_string())).or_default() += 1;
    }
    println!("statuses: {statuses:?}");
    let mut problems = BTreeMap::<String, usize>::new();
    for v in &views {
        if let Some(p) = &v.problem {
            // Transport errors differ in their timings: group by their start.
            let key =
                if p.starts_with("transport") { p.split(" (after").next().unwrap_or(p).to_string() } else { p.clone() };
            *problems.entry(format!("{} {key}", routes[v.route])).or_default() += 1;
        }
    }
    for (p, n) in &problems {
        println!("  failed: {n} x {p}");
    }
    let failed = views.iter().filter(|v| v.problem.is_some()).count();
    let slow_views = views.iter().filter(|v| slow(v)).count();
    if let Some(pid) = server_pid {
        println!("server memory: peak (VmHWM) {hwm:.0} MiB; resident before the soak {rss_before:.0} MiB (pid {pid})");
    }
    let show = |r: &Result<u64, String>| r.as_ref().map_or_else(|e| format!("unreadable ({e})"), |n| n.to_string());
    println!("carebook_render_retries_total: {} (before the soak: {})", show(&retries_after), show(&retries_before));
    let mut sorted: Vec<Duration> = views.iter().map(|v| v.latency).collect();
    sorted.sort();
    println!(
        "RESULT views={} clients={} failed={failed} slow={slow_views} seconds={seconds:.1} views_per_s={:.0} p50_ms={:.1} p95_ms={:.1} p99_ms={:.1} max_ms={:.1} render_retries={}",
        views.len(),
        clients.len(),
        views.len() as f64 / seconds,
        percentile(&sorted, 50.0),
        percentile(&sorted, 95.0),
        percentile(&sorted, 99.0),
        percentile(&sorted, 100.0),
        show(&retries_after)
    );

    let mut ok = true;
    if views.len() < o.views {
        ok = false;
        eprintln!(
            "FAILED: only {} of {} views{}",
            views.len(),
            o.views,
            if late { format!(" in {} s (--max-seconds)", o.max_seconds) } else { String::new() }
        );
    }
    if failed > 0 {
        ok = false;
        eprintln!("FAILED: {failed} views failed");
    }
    if slow_views > 0 {
        ok = false;
        eprintln!("FAILED: {slow_views} views took {} s or more", RENDER_LIMIT.as_secs());
    }
    if retries_after != Ok(0) {
        ok = false;
        eprintln!("FAILED: carebook_render_retries_total is {}, not 0", show(&retries_after));
    }
    ok
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients: usize = num(&args, "--clients", 32);
    assert!(clients >= 2, "--clients: at least 2 (a patient and a receptionist)");
    let o = Options {
        views: num(&args, "--views", 20_000),
        clients,
        receptionists: num(&args, "--receptionists", (clients / 8).max(1)),
        max_seconds: num(&args, "--max-seconds", 1800),
        seed: num(&args, "--demo-seed", carebook_core::demo::DEFAULT_SEED),
        population: num(&args, "--demo-patients", carebook_core::demo::DEFAULT_PATIENTS),
    };
    assert!(o.receptionists >= 1 && o.receptionists < clients, "--receptionists: at least 1, fewer than --clients");
    assert!(o.views <= 1_000_000, "--views: at most 1,000,000");
    let keep = args.iter().any(|a| a == "--keep");

    // A server already running: only on this machine.
    if let Some(base) = arg(&args, "--base") {
        let base = base.trim_end_matches('/').to_string();
        let port = base.strip_prefix("http://127.0.0.1:").and_then(|p| p.parse::<u16>().ok());
        assert!(port.is_some(), "--base must be http://127.0.0.1:PORT");
        let ok = run(&base, None, &o).await;
        if !ok {
            std::process::exit(1);
        }
        return;
    }

    let bin = arg(&args, "--bin").expect("--bin PATH to the carebook binary (or --base http://127.0.0.1:PORT)");
    let admin_url =
        arg(&args, "--postgres-url").unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let pool_size: u32 = num(&args, "--pool-size", 16);

    // A fresh database with the demonstration population.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let work = root.join("target/soak-pages").join(std::process::id().to_string());
    std::fs::create_dir_all(&work).unwrap();
    let name = format!("carebook_soak_{}", std::process::id());
    let mut admin = PgConnection::connect(&admin_url).await.expect("PostgreSQL reachable");
    sqlx::query(&format!("create database {name}")).execute(&mut admin).await.unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').map(|(b, _)| b).unwrap());
    let log = work.join("server.log");

    // Everything that can fail runs in its own task, so the database is
    // dropped whatever happens.
    let (task_url, task_log, task_bin, task_o) = (url.clone(), log.clone(), bin.clone(), o);
    let outcome = tokio::spawn(async move {
        let o = task_o;
        let t = Instant::now();
        let (store, _) = carebook_server::startup::open_store(&task_url, 4).await.expect("the store opens");
        let services = carebook_server::database::services(store, Arc::new(SystemClock));
        let population = carebook_core::demo::generate_with(o.seed, o.population);
        let (counts, slots) = services.demonstration.load(&population).await.expect("the population loads");
        drop((services, population));
        eprintln!(
            "demonstration population: {} patients, {} organisations, {slots} slots, loaded in {:.1}s",
            counts.patients,
            counts.organisations,
            t.elapsed().as_secs_f64()
        );
        let mut server = Server::start(&task_bin, &task_url, pool_size, &task_log).await;
        eprintln!("carebook serve ({task_bin}) on PostgreSQL, pool {pool_size}, at {}", server.base);
        let ok = run(&server.base.clone(), Some(server.child.id()), &o).await;
        server.stop();
        ok
    })
    .await;

    // The server log: render retries logged (routes only), errors.
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let retried = text.matches("rendering it again").count();
    let stalled = text.matches("stalled on every attempt").count();
    let errors = text.lines().filter(|l| l.contains("ERROR")).count();
    println!("server log: {retried} render retries, {stalled} renders stalled on every attempt, {errors} error lines");

    if keep {
        eprintln!("kept the database {name} and {}", work.display());
    } else {
        sqlx::query(&format!("drop database if exists {name} with (force)")).execute(&mut admin).await.unwrap();
    }
    let ok = matches!(outcome, Ok(true)) && retried == 0 && stalled == 0;
    if ok {
        if !keep {
            let _ = std::fs::remove_dir_all(&work);
            // target/soak-pages itself, when no other run is using it.
            let _ = std::fs::remove_dir(work.parent().unwrap());
        }
    } else {
        eprintln!("FAILED: see above (server log: {})", log.display());
        std::process::exit(1);
    }
}
