//! E-mail end to end: bookings go through the outbox and the worker to a
//! real SMTP server (aiosmtpd from PyPI, started here), and the calendar
//! invitations that arrive carry the appointment's UID, SEQUENCE and METHOD.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carebook_conformance::booking_fixture;
use carebook_core::booking::AppointmentStatus;
use carebook_core::clock::FixedClock;
use carebook_core::notify::delivery::ChannelTransport;
use carebook_core::notify::retry::RetryPolicy;
use carebook_core::notify::worker::Worker;
use carebook_core::store::prelude::*;
use carebook_server::config::{SmtpConfig, SmtpTls};
use carebook_server::notify::smtp::SmtpTransport;
use carebook_store_sqlite::SqliteStore;
use time::macros::datetime;

use crate::helpers::{scratch_dir, secret};

/// A real SMTP server that prints every message it receives.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    received: Arc<Mutex<String>>,
}

impl SmtpSink {
    pub fn start_on(port: u16) -> Self {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let received = Arc::new(Mutex::new(String::new()));
        let out = child.stdout.take().unwrap();
        let sink = received.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("aiosmtpd exited ({status}); install it with: python3 -m pip install aiosmtpd");
            }
            assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port, received }
    }

    pub fn wait_for(&self, needle: &str, count: usize) -> String {
        let started = Instant::now();
        loop {
            let all = self.received.lock().unwrap().clone();
            if all.matches(needle).count() >= count {
                return all;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no {needle:?} ×{count} in:\n{all}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn smtp(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        username: String::new(),
        password: secret(""),
        from: "carebook <no-reply@carebook.example.org>".into(),
    }
}

async fn store() -> (Arc<dyn Store>, std::path::PathBuf) {
    let dir = scratch_dir();
    let store = SqliteStore::connect(&format!("sqlite://{}/mail.db", dir.display())).await.unwrap();
    store.migrate().await.unwrap();
    (Arc::new(store), dir)
}

fn worker(store: &Arc<dyn Store>, port: u16, clock: Arc<FixedClock>) -> Worker {
    Worker {
        name: "mail-test".into(),
        store: store.clone(),
        transport: Arc::new(ChannelTransport {
            store: store.clone(),
            clock: clock.clone(),
            email: Some(Arc::new(SmtpTransport::new(&smtp(port)).unwrap())),
            sms: None,
        }),
        clock,
        policy: RetryPolicy::default(),
        lease: time::Duration::minutes(5),
        batch: 10,
        random: Arc::new(|| 0.5),
    }
}

/// Undo quoted-printable (RFC 2045 section 6.7), as mail clients do.
fn unquote(all: &str) -> String {
    let joined = all.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every invitation in the mail, read by a real calendar parser (the PyPI
/// `icalendar` package): one line each of METHOD UID SEQUENCE STATUS and
/// the start in UTC.
fn parsed_invitations(all: &str) -> Vec<String> {
    let text = unquote(all);
    let mut calendars = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("BEGIN:VCALENDAR") {
        let end = rest[start..].find("END:VCALENDAR").expect("a whole calendar") + start + "END:VCALENDAR".len();
        calendars.push(rest[start..end].to_string());
        rest = &rest[end..];
    }
    calendars
        .iter()
        .map(|ics| {
            let out = Command::new("python3")
                .args([
                    "-c",
                    "import sys, icalendar, datetime\n\
                     cal = icalendar.Calendar.from_ical(sys.stdin.read())\n\
                     ev = next(iter(cal.walk('VEVENT')))\n\
                     start = ev.decoded('DTSTART').astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%MZ')\n\
                     print(cal['METHOD'], ev['UID'], ev['SEQUENCE'], ev['STATUS'], start)",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .and_then(|mut child| {
                    use std::io::Write;
                    child.stdin.take().unwrap().write_all(ics.replace('\n', "\r\n").as_bytes())?;
                    child.wait_with_output()
                })
                .expect("python3 runs");
            assert!(out.status.success(), "icalendar: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        })
        .collect()
}

pub fn subjects(all: &str) -> Vec<String> {
    all.lines().filter(|l| l.starts_with("Subject:")).map(str::to_string).collect()
}

#[tokio::test]
async fn booking_and_cancelling_send_invitations_with_a_stable_uid_and_rising_sequence() {
    let sink = SmtpSink::start_on(free_port());
    let (store, dir) = store().await;
    let (population, template) = booking_fixture::practice_with_slots(&store).await;
    let slot = store
        .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap()
        .remove(0);
    let patient = population.patients.iter().find(|p| p.email.is_some()).unwrap().clone();
    let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
    let worker = worker(&store, sink.port, clock.clone());

    let booked = store.book(&booking_fixture::request(slot.slot_id, patient.patient_id, None, 1)).await.unwrap();
    assert_eq!(worker.drain().await.unwrap().sent, 1);
    let all = sink.wait_for("END:VCALENDAR", 1);

    assert_eq!(subjects(&all), vec!["Subject: Your appointment is booked".to_string()]);
    let uid = format!("{}@carebook", booked.appointment_id);
    assert_eq!(parsed_invitations(&all), vec![format!("REQUEST {uid} 0 CONFIRMED 2027-01-04T08:30Z")]);
    assert!(all.contains("Message-ID: <"), "{all}");
    assert!(!all.contains(patient.nhs_number.as_str()) && !all.contains(&patient.nhs_number.to_string()));

    store
        .cancel(
            booked.appointment_id,
            AppointmentStatus::CancelledByPractice,
            "clinic closed",
            carebook_core::clock::Clock::now(clock.as_ref()),
        )
        .await
        .unwrap();
    assert_eq!(worker.drain().await.unwrap().sent, 1);
    let all = sink.wait_for("END:VCALENDAR", 2);

    assert_eq!(subjects(&all).last().unwrap(), "Subject: Your appointment is cancelled");
    assert_eq!(
        parsed_invitations(&all),
        vec![
            format!("REQUEST {uid} 0 CONFIRMED 2027-01-04T08:30Z"),
            format!("CANCEL {uid} 1 CANCELLED 2027-01-04T08:30Z"),
        ],
        "the same event, its sequence risen"
    );
    drop(sink);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn when_the_mail_server_is_down_messages_wait_and_arrive_once_it_is_back() {
    let port = free_port();
    let (store, dir) = store().await;
    let (population, template) = booking_fixture::practice_with_slots(&store).await;
    let slots = store
        .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap();
    let people: Vec<_> = population.patients.iter().filter(|p| p.email.is_some()).take(3).collect();
    for (n, p) in people.iter().enumerate() {
        store.book(&booking_fixture::request(slots[n].slot_id, p.patient_id, None, n as u128)).await.unwrap();
    }
    let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
    let worker = worker(&store, port, clock.clone());

    // Nothing listens: every attempt fails and is scheduled again.
    let down = worker.drain().await.unwrap();
    assert_eq!((down.sent, down.retrying), (0, 3));

    let sink = SmtpSink::start_on(port);
    clock.advance(time::Duration::minutes(5));
    let back = worker.drain().await.unwrap();

    assert_eq!(back.sent, 3);
    let all = sink.wait_for("END:VCALENDAR", 3);
    assert_eq!(subjects(&all).len(), 3, "each message once");
    assert_eq!(worker.drain().await.unwrap().sent, 0);
    drop(sink);
    let _ = std::fs::remove_dir_all(dir);
}

// Multi-threaded: the test blocks while it waits for mail, and the server's
// own worker must keep running meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carebook_serve_delivers_the_outbox_by_itself_when_smtp_is_configured() {
    let sink = SmtpSink::start_on(free_port());
    let dir = scratch_dir();
    let mut config = crate::helpers::test_config(&dir);
    config.smtp = smtp(sink.port);
    let app = crate::helpers::spawn_with(config, carebook_server::startup::Mode::Serve, dir).await;
    let store = app.services.store_for_tests().clone();
    let (population, template) = booking_fixture::practice_with_slots(&store).await;
    let slot = store
        .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap()
        .remove(0);
    let patient = population.patients.iter().find(|p| p.email.is_some()).unwrap();
    let mut request = booking_fixture::request(slot.slot_id, patient.patient_id, None, 1);
    request.at = time::OffsetDateTime::now_utc();

    store.book(&request).await.unwrap();

    let all = sink.wait_for("END:VCALENDAR", 1);
    assert_eq!(subjects(&all), vec!["Subject: Your appointment is booked".to_string()]);
}

#[tokio::test]
async fn a_patient_who_chose_no_appointment_emails_gets_none_but_always_hears_of_a_practice_cancellation() {
    use carebook_core::notify::preferences::{ContactPreference, MessageGroup};
    let sink = SmtpSink::start_on(free_port());
    let (store, dir) = store().await;
    let (population, template) = booking_fixture::practice_with_slots(&store).await;
    let slot = store
        .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap()
        .remove(0);
    let patient = population.patients.iter().find(|p| p.email.is_some()).unwrap().clone();
    let none = ContactPreference { group: MessageGroup::Appointments, by_email: false, by_sms: false };
    store.set_contact_preference(patient.patient_id, none).await.unwrap();
    let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
    let worker = worker(&store, sink.port, clock.clone());

    let booked = store.book(&booking_fixture::request(slot.slot_id, patient.patient_id, None, 1)).await.unwrap();
    assert_eq!(worker.drain().await.unwrap().sent, 1, "handled: nothing to send");
    store
        .cancel(
            booked.appointment_id,
            AppointmentStatus::CancelledByPractice,
            "clinic closed",
            carebook_core::clock::Clock::now(clock.as_ref()),
        )
        .await
        .unwrap();
    worker.drain().await.unwrap();

    let all = sink.wait_for("END:VCALENDAR", 1);
    assert_eq!(subjects(&all), vec!["Subject: Your appointment is cancelled".to_string()], "only the cancellation");
    drop(sink);
    let _ = std::fs::remove_dir_all(dir);
}
