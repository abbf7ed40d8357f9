//! The booking JSON API over HTTP, logged in through the demonstration
//! provider: availability, hold, book (idempotent), list, amend, cancel,
//! "just taken" with alternatives, a burst of patients after one slot, and
//! the policy: nobody reaches someone else's appointments.

use carebook_core::demo;
use carebook_server::startup::{Application, Mode};
use serde_json::{json, Value};

use crate::helpers::{scratch_dir, test_config};

struct Api {
    address: String,
    dir: std::path::PathBuf,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Api {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start() -> Api {
    start_on(None).await
}

/// On the embedded store, or on the PostgreSQL database at `url`.
async fn start_on(url: Option<&str>) -> Api {
    let dir = scratch_dir();
    let mut config = test_config(&dir);
    config.login_rate_limit_per_minute = 10_000;
    if let Some(url) = url {
        config.database_url = crate::helpers::secret(url);
        config.demo.database_url = crate::helpers::secret(url);
    }
    let app = Application::build(config, Mode::Demo).await.expect("starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let task = tokio::spawn(app.run_until_stopped());
    Api { address, dir, task }
}

/// A logged-in patient's HTTP client.
async fn patient(api: &Api, nhs_number: &str) -> reqwest::Client {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let mut url = format!("{}/auth/patient/start?login_hint={nhs_number}", api.address);
    for _ in 0..6 {
        let r = browser.get(&url).send().await.unwrap();
        let Some(location) = r.headers().get("location") else { break };
        let location = location.to_str().unwrap().to_string();
        url = if location.starts_with("http") { location } else { format!("{}{location}", api.address) };
        if url.ends_with("/home") {
            return browser;
        }
    }
    panic!("{nhs_number} did not log in: ended at {url}");
}

fn days_ahead(n: i64) -> String {
    let today = carebook_core::london::to_local(time::OffsetDateTime::now_utc()).date();
    (today + time::Duration::days(n)).to_string()
}

async fn availability(api: &Api, c: &reqwest::Client) -> Vec<Value> {
    let r = c
        .get(format!(
            "{}/api/v1/availability?service=gp_appointment&from={}&to={}",
            api.address,
            days_ahead(1),
            days_ahead(6)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["slots"].as_array().unwrap().clone()
}

async fn post(api: &Api, c: &reqwest::Client, path: &str, body: Value, key: Option<&str>) -> (u16, Value) {
    let mut req = c.post(format!("{}{path}", api.address)).header("origin", &api.address).json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn same_practice_patients(n: usize) -> Vec<String> {
    let population = demo::generate_with(demo::DEFAULT_SEED, 60);
    let me = population.patients.iter().find(|p| p.nhs_number.as_str() == "9990000018").unwrap();
    let today = carebook_core::london::to_local(time::OffsetDateTime::now_utc()).date();
    population
        .patients
        .iter()
        .filter(|p| p.registered_practice_id == me.registered_practice_id && p.age_on(today) >= 16)
        .filter(|p| demo::personas().iter().all(|x| x.nhs_number != p.nhs_number.as_str() || x.key != "patient-p5"))
        .map(|p| p.nhs_number.as_str().to_string())
        .take(n)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_patient_holds_books_moves_and_cancels_and_a_retry_books_once() {
    let api = start().await;
    let me = patient(&api, "9990000018").await;
    let slots = availability(&api, &me).await;
    assert!(slots.len() >= 3, "{slots:?}");
    assert!(slots.iter().all(|s| s["service"] == "gp_appointment" && s["organisation"]["name"].is_string()));

    let (status, held) = post(&api, &me, "/api/v1/holds", json!({ "slot_id": slots[0]["slot_id"] }), None).await;
    assert_eq!(status, 201, "{held}");

    let body = json!({ "slot_id": slots[0]["slot_id"], "note": "Sore knee" });
    let (status, first) = post(&api, &me, "/api/v1/appointments", body.clone(), Some("key-1")).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = post(&api, &me, "/api/v1/appointments", body, Some("key-1")).await;
    assert_eq!(status, 201, "a retry answers as the first time: {again}");
    assert_eq!(first["appointment_id"], again["appointment_id"]);
    let id = first["appointment_id"].as_str().unwrap().to_string();

    let list: Value =
        me.get(format!("{}/api/v1/appointments", api.address)).send().await.unwrap().json().await.unwrap();
    let live: Vec<_> = list["appointments"].as_array().unwrap().iter().filter(|a| a["status"] == "booked").collect();
    assert_eq!(live.len(), 1, "one appointment, not two: {list}");

    let (status, moved) =
        post(&api, &me, &format!("/api/v1/appointments/{id}/amend"), json!({ "slot_id": slots[1]["slot_id"] }), None)
            .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["slot"]["slot_id"], slots[1]["slot_id"]);
    assert_eq!(moved["sequence"], 1);

    let (status, bad) =
        post(&api, &me, &format!("/api/v1/appointments/{id}/cancel"), json!({ "reason": " " }), None).await;
    assert_eq!(status, 400);
    assert_eq!(bad["code"], "invalid_request");
    let (status, cancelled) =
        post(&api, &me, &format!("/api/v1/appointments/{id}/cancel"), json!({ "reason": "Better now" }), None).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled_by_patient");
    let (status, twice) =
        post(&api, &me, &format!("/api/v1/appointments/{id}/cancel"), json!({ "reason": "Again" }), None).await;
    assert_eq!((status, twice["code"].as_str()), (409, Some("appointment_changed")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nobody_reaches_another_patients_appointments_and_errors_are_problem_json() {
    let api = start().await;
    let people = same_practice_patients(3);
    let me = patient(&api, &people[0]).await;
    let other = patient(&api, &people[1]).await;
    let slots = availability(&api, &me).await;
    let (_, mine) = post(&api, &me, "/api/v1/appointments", json!({ "slot_id": slots[0]["slot_id"] }), Some("k")).await;
    let id = mine["appointment_id"].as_str().unwrap().to_string();
    let my_patient_id = mine["patient_id"].as_str().unwrap().to_string();

    let r = other.get(format!("{}/api/v1/appointments?patient_id={my_patient_id}", api.address)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (status, body) =
        post(&api, &other, &format!("/api/v1/appointments/{id}/cancel"), json!({ "reason": "mischief" }), None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, _) = post(
        &api,
        &other,
        &format!("/api/v1/appointments/{id}/amend"),
        json!({ "slot_id": slots[1]["slot_id"] }),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // Still booked.
    let list: Value =
        me.get(format!("{}/api/v1/appointments", api.address)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["appointments"][0]["status"], "booked");

    // The second booker of a slot hears it was just taken, with other times.
    let (status, taken) =
        post(&api, &other, "/api/v1/appointments", json!({ "slot_id": slots[0]["slot_id"] }), Some("k2")).await;
    assert_eq!((status, taken["code"].as_str()), (409, Some("slot_taken")), "{taken}");
    assert!(!taken["alternatives"].as_array().unwrap().is_empty());

    let anonymous = reqwest::Client::new();
    let r = anonymous.get(format!("{}/api/v1/appointments", api.address)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = me
        .get(format!("{}/api/v1/availability?service=massage&from=2027-01-01&to=2027-01-02", api.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("gp_appointment"));
}

/// One patient (limit 2 for GP appointments) sends 16 bookings for 16
/// different times at the same moment: two are booked, fourteen are told
/// the limit. Then a retry of a booked request returns it (before the
/// limit is checked), and its key sent for another time is refused.
async fn one_patient_at_once(api: &Api) {
    let me = patient(api, "9990000018").await;
    let slots = availability(api, &me).await;
    assert!(slots.len() >= 16, "{} times", slots.len());
    let mut tasks = Vec::new();
    for (i, slot) in slots.iter().take(16).enumerate() {
        let (address, c, slot) = (api.address.clone(), me.clone(), slot["slot_id"].clone());
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(format!("{address}/api/v1/appointments"))
                .header("origin", &address)
                .header("idempotency-key", format!("tab-{i}"))
                .json(&json!({ "slot_id": slot }))
                .send()
                .await
                .unwrap();
            (i, r.status().as_u16(), r.json::<Value>().await.unwrap())
        }));
    }
    let (mut booked, mut refused) = (Vec::new(), 0);
    for t in tasks {
        let (i, status, body) = t.await.unwrap();
        match status {
            201 => booked.push((i, body)),
            422 if body["code"] == "rules_not_met" && body.to_string().contains("up to 2 future appointments") => {
                refused += 1
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((booked.len(), refused), (2, 14));

    let (i, first) = &booked[0];
    let again = json!({ "slot_id": slots[*i]["slot_id"] });
    let (status, retried) = post(api, &me, "/api/v1/appointments", again, Some(&format!("tab-{i}"))).await;
    assert_eq!((status, &retried["appointment_id"]), (201, &first["appointment_id"]), "{retried}");
    let elsewhere = json!({ "slot_id": slots[20.min(slots.len() - 1)]["slot_id"] });
    let (status, reused) = post(api, &me, "/api/v1/appointments", elsewhere, Some(&format!("tab-{i}"))).await;
    assert_eq!((status, reused["code"].as_str()), (422, Some("idempotency_key_reused")), "{reused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_patient_booking_sixteen_times_at_once_gets_their_limit_and_a_retry_its_first_answer() {
    one_patient_at_once(&start().await).await;
    let Some(db) = crate::postgres::FreshDatabase::create().await else {
        eprintln!("PostgreSQL half skipped: CAREBOOK_TEST_POSTGRES_URL is not set");
        return;
    };
    {
        let api = start_on(Some(&db.url)).await;
        one_patient_at_once(&api).await;
    }
    db.drop_it().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_patients_after_one_slot_gets_one_appointment_and_the_rest_hear_just_taken() {
    burst(&start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgresql_a_burst_after_one_slot_books_once_and_a_patient_books_moves_and_cancels() {
    let Some(db) = crate::postgres::FreshDatabase::create().await else {
        eprintln!("skipped: CAREBOOK_TEST_POSTGRES_URL is not set");
        return;
    };
    {
        let api = start_on(Some(&db.url)).await;
        burst(&api).await;
        // The whole journey on PostgreSQL too.
        let me = patient(&api, "9990000018").await;
        let slots = availability(&api, &me).await;
        let (status, booked) =
            post(&api, &me, "/api/v1/appointments", json!({ "slot_id": slots[2]["slot_id"] }), Some("pg-1")).await;
        assert_eq!(status, 201, "{booked}");
        let id = booked["appointment_id"].as_str().unwrap().to_string();
        let (status, moved) = post(
            &api,
            &me,
            &format!("/api/v1/appointments/{id}/amend"),
            json!({ "slot_id": slots[3]["slot_id"] }),
            None,
        )
        .await;
        assert_eq!(status, 200, "{moved}");
        let (status, _) =
            post(&api, &me, &format!("/api/v1/appointments/{id}/cancel"), json!({ "reason": "Better" }), None).await;
        assert_eq!(status, 200);
    }
    db.drop_it().await;
}

async fn burst(api: &Api) {
    let people = same_practice_patients(12);
    let mut clients = Vec::new();
    for p in &people {
        clients.push(patient(api, p).await);
    }
    let slots = availability(api, &clients[0]).await;
    let slot = slots[0]["slot_id"].clone();
    let mut tasks = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let address = api.address.clone();
        let slot = slot.clone();
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(format!("{address}/api/v1/appointments"))
                .header("origin", &address)
                .header("idempotency-key", format!("burst-{i}"))
                .json(&json!({ "slot_id": slot }))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }));
    }
    let mut created = 0;
    let mut taken = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => created += 1,
            409 if body["code"] == "slot_taken" => taken += 1,
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((created, taken), (1, people.len() - 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_openapi_document_describes_every_booking_route() {
    let api = start().await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", api.address)).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/availability",
        "/api/v1/holds",
        "/api/v1/appointments",
        "/api/v1/appointments/{appointment_id}/amend",
        "/api/v1/appointments/{appointment_id}/cancel",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}
