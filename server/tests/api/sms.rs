//! Text messages through the Notify gateway, against a fake GOV.UK Notify
//! started here (axum on port 0) that checks each request's JSON Web Token
//! the way Notify does and records the bodies; the channel transport on
//! top, with the patient's choices and the quiet hours.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use carebook_conformance::booking_fixture;
use carebook_core::booking::AppointmentStatus;
use carebook_core::clock::{Clock, FixedClock};
use carebook_core::model::Patient;
use carebook_core::notify::compose::OutgoingEmail;
use carebook_core::notify::delivery::{ChannelTransport, EmailGateway};
use carebook_core::notify::outbox::{Notification, NotificationKind, NotificationStatus};
use carebook_core::notify::preferences::{ContactPreference, MessageGroup};
use carebook_core::notify::retry::RetryPolicy;
use carebook_core::notify::worker::{DeliveryError, Worker};
use carebook_core::store::prelude::*;
use carebook_server::config::{Config, SmsConfig};
use carebook_server::notify::sms_notify::NotifySms;
use carebook_store_sqlite::SqliteStore;
use serde_json::Value;
use time::macros::datetime;

use crate::helpers::{scratch_dir, secret};

const SERVICE_ID: &str = "26785a09-ab16-4eb0-8407-a37497a57506";
const SECRET: &str = "3d844edf-8d35-48ac-975b-e847b4f122b0";
const TEMPLATE_ID: &str = "f33517ff-2a88-4f6e-b855-c550268ce08a";

#[derive(Default)]
struct FakeNotify {
    /// Bodies of the requests it accepted.
    accepted: Mutex<Vec<Value>>,
    /// Statuses to answer with for a phone number, in turn; 201 once
    /// they run out.
    answers: Mutex<Vec<(String, u16)>>,
    /// Requests refused for their token.
    bad_tokens: Mutex<u32>,
}

#[derive(serde::Deserialize)]
struct Claims {
    iss: String,
    iat: i64,
}

async fn notify_sms(
    State(fake): State<Arc<FakeNotify>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let decoded =
        jsonwebtoken::decode::<Claims>(&token, &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()), &validation);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match decoded {
        Ok(t) if t.claims.iss == SERVICE_ID && (now - t.claims.iat).abs() <= 30 => {}
        _ => {
            *fake.bad_tokens.lock().unwrap() += 1;
            let error =
                serde_json::json!({"errors": [{"error": "AuthError", "message": "Invalid token"}], "status_code": 403});
            return (StatusCode::FORBIDDEN, Json(error));
        }
    }
    let answer = {
        let mut answers = fake.answers.lock().unwrap();
        match answers.iter().position(|(phone, _)| body["phone_number"] == phone.as_str()) {
            Some(i) => answers.remove(i).1,
            None => 201,
        }
    };
    if answer != 201 {
        let error = serde_json::json!({
            "errors": [{"error": if answer < 500 { "BadRequestError" } else { "Exception" },
                        "message": format!("phone_number {} refused", body["phone_number"])}],
            "status_code": answer
        });
        return (StatusCode::from_u16(answer).unwrap(), Json(error));
    }
    fake.accepted.lock().unwrap().push(body.clone());
    (
        StatusCode::CREATED,
        Json(
            serde_json::json!({"id": uuid::Uuid::new_v4(), "reference": body["reference"], "content": {"body": body["personalisation"]["body"]}}),
        ),
    )
}

/// The fake Notify on port 0, and its base URL.
async fn fake_notify() -> (Arc<FakeNotify>, String) {
    let fake = Arc::new(FakeNotify::default());
    let app = Router::new().route("/v2/notifications/sms", post(notify_sms)).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, url)
}

fn sms_config(base_url: &str, secret_part: &str) -> SmsConfig {
    SmsConfig {
        base_url: base_url.to_string(),
        api_key: secret(&format!("carebook-test-{SERVICE_ID}-{secret_part}")),
        template_id: TEMPLATE_ID.into(),
    }
}

/// Records e-mails instead of sending them.
#[derive(Default)]
struct Mailbox {
    sent: Mutex<Vec<(uuid::Uuid, String)>>,
}

#[async_trait::async_trait]
impl EmailGateway for Mailbox {
    async fn send_email(&self, n: &Notification, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        self.sent.lock().unwrap().push((n.notification_id, email.subject.clone()));
        Ok(())
    }
}

fn worker_with(store: &Arc<dyn Store>, clock: &Arc<FixedClock>, email: Option<Arc<Mailbox>>, sms: NotifySms) -> Worker {
    Worker {
        name: "sms-test".into(),
        store: store.clone(),
        transport: Arc::new(ChannelTransport {
            store: store.clone(),
            clock: clock.clone(),
            email: email.map(|m| m as Arc<dyn EmailGateway>),
            sms: Some(Arc::new(sms)),
        }),
        clock: clock.clone(),
        policy: RetryPolicy::default(),
        lease: time::Duration::minutes(5),
        batch: 10,
        random: Arc::new(|| 0.5),
    }
}

struct World {
    store: Arc<dyn Store>,
    clock: Arc<FixedClock>,
    worker: Worker,
    mailbox: Arc<Mailbox>,
    fake: Arc<FakeNotify>,
    url: String,
    slots: Vec<carebook_core::booking::Slot>,
    people: Vec<Patient>,
    dir: std::path::PathBuf,
}

/// A practice with Monday-morning slots, patients with both an e-mail
/// address and a mobile number, the fake Notify, and a worker at `now`.
async fn world(now: time::OffsetDateTime) -> World {
    let dir = scratch_dir();
    let sqlite = SqliteStore::connect(&format!("sqlite://{}/sms.db", dir.display())).await.unwrap();
    sqlite.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite);
    let (population, template) = booking_fixture::practice_with_slots(&store).await;
    let slots = store
        .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap();
    let people: Vec<Patient> = population
        .patients
        .iter()
        .filter(|p| p.email.is_some() && p.phone.as_ref().is_some_and(|ph| ph.is_mobile()))
        .take(4)
        .cloned()
        .collect();
    assert_eq!(people.len(), 4, "the synthetic population has people with both");
    let (fake, url) = fake_notify().await;
    let clock = Arc::new(FixedClock::at(now));
    let mailbox = Arc::new(Mailbox::default());
    let sms = NotifySms::new(&sms_config(&url, SECRET)).unwrap();
    let worker = worker_with(&store, &clock, Some(mailbox.clone()), sms);
    World { store, clock, worker, mailbox, fake, url, slots, people, dir }
}

impl World {
    async fn book(&self, slot: usize, person: usize) -> carebook_core::booking::Appointment {
        let mut request =
            booking_fixture::request(self.slots[slot].slot_id, self.people[person].patient_id, None, slot as u128);
        request.at = self.clock.now();
        self.store.book(&request).await.unwrap()
    }

    async fn only_texts(&self, person: usize) {
        let choice = ContactPreference { group: MessageGroup::Appointments, by_email: false, by_sms: true };
        self.store.set_contact_preference(self.people[person].patient_id, choice).await.unwrap();
    }

    fn texts(&self) -> Vec<Value> {
        self.fake.accepted.lock().unwrap().clone()
    }

    async fn outbox(&self, person: usize, kind: NotificationKind) -> Notification {
        self.store
            .notifications_for_patient(self.people[person].patient_id)
            .await
            .unwrap()
            .into_iter()
            .find(|n| n.kind == kind)
            .unwrap()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn a_patient_who_wants_texts_only_is_texted_through_notify_with_a_signed_token() {
    let w = world(datetime!(2027-01-03 18:00 UTC)).await;
    w.only_texts(0).await;

    w.book(0, 0).await;
    let report = w.worker.drain().await.unwrap();

    assert_eq!(report.sent, 1);
    let texts = w.texts();
    assert_eq!(texts.len(), 1, "texted, not silently marked handled");
    assert!(w.mailbox.sent.lock().unwrap().is_empty(), "no e-mail: they chose texts only");
    let sent = &texts[0];
    let confirmation = w.outbox(0, NotificationKind::AppointmentBooked).await;
    assert_eq!(sent["phone_number"], w.people[0].phone.as_ref().unwrap().as_e164());
    assert_eq!(sent["template_id"], TEMPLATE_ID);
    assert_eq!(sent["reference"], confirmation.notification_id.to_string());
    let body = sent["personalisation"]["body"].as_str().unwrap();
    assert!(body.starts_with("carebook: your appointment at "), "{body}");
    assert!(body.contains("Monday 4 January 2027 at 8:30am"), "{body}");
    assert!(!body.contains(w.people[0].nhs_number.as_str()) && !body.contains(&w.people[0].family_name), "{body}");
    assert!(carebook_core::notify::sms::segments(body).1 <= 2);
    assert_eq!(confirmation.status, NotificationStatus::Sent);
    assert_eq!(*w.fake.bad_tokens.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_key_with_the_wrong_secret_is_refused_by_notify_and_the_message_parked() {
    let w = world(datetime!(2027-01-03 18:00 UTC)).await;
    let fake = w.fake.clone();
    let wrong = NotifySms::new(&sms_config(&w.url, "00000000-0000-4000-8000-000000000000")).unwrap();
    let worker = worker_with(&w.store, &w.clock, None, wrong);
    w.only_texts(0).await;
    w.book(0, 0).await;

    let report = worker.drain().await.unwrap();

    assert_eq!(report.parked, 1);
    assert!(*fake.bad_tokens.lock().unwrap() >= 1);
    let parked = w.outbox(0, NotificationKind::AppointmentBooked).await;
    assert_eq!(parked.last_error.as_deref(), Some("permanent: notify: 403 AuthError"));
}

#[tokio::test]
async fn a_refusal_parks_the_text_and_a_server_error_retries_it_without_repeating_the_email() {
    let w = world(datetime!(2027-01-03 18:00 UTC)).await;
    // Person 0: e-mail and text; Notify fails with 500, then accepts.
    // Person 1: texts only; Notify refuses with 400.
    w.only_texts(1).await;
    let phone = |i: usize| w.people[i].phone.as_ref().unwrap().as_e164().to_string();
    w.fake.answers.lock().unwrap().extend([(phone(0), 500), (phone(1), 400)]);
    w.book(0, 0).await;
    w.book(1, 1).await;

    let first = w.worker.drain().await.unwrap();

    assert_eq!((first.sent, first.retrying, first.parked), (0, 1, 1), "{first:?}");
    assert_eq!(w.mailbox.sent.lock().unwrap().len(), 1, "person 0's e-mail went");
    let parked = w.outbox(1, NotificationKind::AppointmentBooked).await;
    assert_eq!(parked.status, NotificationStatus::Parked);
    let error = parked.last_error.unwrap();
    assert_eq!(error, "permanent: notify: 400 BadRequestError");
    let retrying = w.outbox(0, NotificationKind::AppointmentBooked).await;
    assert_eq!((retrying.status, retrying.attempts), (NotificationStatus::Pending, 1));
    assert_eq!(retrying.last_error.as_deref(), Some("temporary: notify: 500 Exception"));

    w.clock.advance(time::Duration::minutes(5));
    let second = w.worker.drain().await.unwrap();

    assert_eq!(second.sent, 1);
    assert_eq!(w.texts().len(), 1);
    assert_eq!(w.mailbox.sent.lock().unwrap().len(), 1, "the e-mail is not sent again with the retried text");
    assert_eq!(w.outbox(0, NotificationKind::AppointmentBooked).await.status, NotificationStatus::Sent);
}

#[tokio::test]
async fn texts_wait_for_eight_in_the_morning_except_an_urgent_cancellation_by_the_practice() {
    // Sunday 3 January 2027, 22:30 in London (GMT): the quiet hours.
    let w = world(datetime!(2027-01-03 22:30 UTC)).await;
    w.only_texts(0).await;
    w.only_texts(1).await;
    let cancelled_later = w.book(0, 0).await;
    w.book(1, 1).await;
    // Person 2 wants both: the e-mail goes now, the text in the morning.
    w.book(2, 2).await;

    let night = w.worker.drain().await.unwrap();

    assert_eq!((night.sent, night.deferred), (0, 3), "{night:?}");
    assert!(w.texts().is_empty(), "no text at 22:30");
    assert_eq!(w.mailbox.sent.lock().unwrap().len(), 1, "the e-mail is not held back");
    let waiting = w.outbox(1, NotificationKind::AppointmentBooked).await;
    assert_eq!(
        (waiting.status, waiting.due_at, waiting.attempts),
        (NotificationStatus::Pending, datetime!(2027-01-04 08:00 UTC), 0)
    );

    // The practice cancels tomorrow's 08:30 appointment at 22:40: waiting
    // until 08:00 would leave half an hour, so it goes now.
    w.clock.advance(time::Duration::minutes(10));
    w.store
        .cancel(cancelled_later.appointment_id, AppointmentStatus::CancelledByPractice, "clinic closed", w.clock.now())
        .await
        .unwrap();
    let urgent = w.worker.drain().await.unwrap();

    assert_eq!(urgent.sent, 1);
    let texts = w.texts();
    assert_eq!(texts.len(), 1);
    assert!(texts[0]["personalisation"]["body"].as_str().unwrap().contains("has had to cancel"), "{texts:?}");

    // The two-hour reminders (06:40 and 06:50) fall due in the quiet
    // hours too: their e-mails go, their texts wait.
    w.clock.set(datetime!(2027-01-04 07:59 UTC));
    w.worker.drain().await.unwrap();
    assert_eq!(w.texts().len(), 1, "nothing texted before 08:00");
    w.clock.set(datetime!(2027-01-04 08:00 UTC));
    w.worker.drain().await.unwrap();

    let texts = w.texts();
    let phone = |i: usize| w.people[i].phone.as_ref().unwrap().as_e164().to_string();
    let to = |needle: &str| -> Vec<String> {
        let mut v: Vec<String> = texts
            .iter()
            .filter(|t| t["personalisation"]["body"].as_str().unwrap().contains(needle))
            .map(|t| t["phone_number"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let mut one_and_two = vec![phone(1), phone(2)];
    one_and_two.sort();
    assert_eq!(to("is booked for"), one_and_two, "deferred, not dropped; not texted after its cancellation");
    assert_eq!(to("carebook reminder"), one_and_two, "the cancelled appointment's reminder was withdrawn");
    assert_eq!(texts.len(), 5, "{texts:?}");
    let p2_booked = w.outbox(2, NotificationKind::AppointmentBooked).await.notification_id;
    let emails = w.mailbox.sent.lock().unwrap().clone();
    assert_eq!(emails.iter().filter(|(id, _)| *id == p2_booked).count(), 1, "the e-mail half was not repeated");
}

#[tokio::test]
async fn the_sms_and_worker_settings_are_configurable_and_the_api_key_is_never_printed() {
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    let defaults = Config::defaults();
    assert!(!defaults.sms.enabled(), "no SMS unless configured");
    assert!(defaults.worker.enabled);
    assert_eq!((defaults.worker.batch_size, defaults.worker.lease_seconds), (20, 120));

    let key = format!("live-{SERVICE_ID}-{SECRET}");
    let c = Config::load(
        &Default::default(),
        env(&[
            ("CAREBOOK_SMS__BASE_URL", "https://notify.example.org"),
            ("CAREBOOK_SMS__API_KEY", &key),
            ("CAREBOOK_SMS__TEMPLATE_ID", TEMPLATE_ID),
            ("CAREBOOK_WORKER__ENABLED", "false"),
            ("CAREBOOK_WORKER__POLL_INTERVAL_SECONDS", "2"),
        ]),
    )
    .unwrap();
    assert!(c.sms.enabled() && !c.worker.enabled);
    assert_eq!(c.worker.poll_interval_seconds, 2);
    let printed = format!("{c:?}");
    assert!(!printed.contains(SECRET), "{printed}");
    assert!(NotifySms::new(&c.sms).is_ok());

    let err = Config::load(&Default::default(), env(&[("CAREBOOK_SMS__SENDER", "x")])).unwrap_err();
    assert!(err.to_string().contains("sender"), "{err}");
    let mut bad = c.sms.clone();
    bad.api_key = secret("not-a-key");
    assert!(NotifySms::new(&bad).err().expect("refused").to_string().contains("api_key"));
}
