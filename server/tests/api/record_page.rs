//! `/record` over HTTP in the demonstration, as a browser with JavaScript
//! off sees it: sections, where each item came from, one line for the same
//! fact from two sources, a withheld result never in the page, the filter
//! by source as a plain GET, and why a partly verified patient sees nothing.

use carebook_core::access::{Actor, PatientActor, ProofingLevel};
use carebook_core::domain::NhsNumber;
use carebook_core::record::AccessLevel;

use crate::helpers::{spawn_demo, TestApp};

const P9: &str = "9990000018";
const P5: &str = "9990000026";

async fn logged_in(app: &TestApp, nhs_number: &str) -> reqwest::Client {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let mut url = format!("{}/auth/patient/start?login_hint={nhs_number}", app.address);
    for _ in 0..6 {
        let r = browser.get(&url).send().await.unwrap();
        let Some(location) = r.headers().get("location") else { break };
        let location = location.to_str().unwrap().to_string();
        url = if location.starts_with("http") { location } else { format!("{}{location}", app.address) };
        if url.ends_with("/home") {
            return browser;
        }
    }
    panic!("did not log in: ended at {url}");
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let r = client.get(format!("{}{path}", app.address)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_patient_sees_their_record_in_sections_with_sources_once_per_fact_and_never_a_withheld_item() {
    let app = spawn_demo().await;
    let client = logged_in(&app, P9).await;

    let html = page(&app, &client, "/record").await;

    for heading in [
        "Your health record",
        "Problems",
        "Medicines",
        "Allergies",
        "Test results",
        "Immunisations",
        "Letters and documents",
    ] {
        assert!(html.contains(heading), "{heading}");
    }
    assert_eq!(html.matches(">Allergy to penicillin").count(), 1, "the same allergy from two sources is one line");
    assert!(html.contains("GP record, ") && html.contains("Hospital patient record, "), "naming both sources");
    assert!(html.contains("Above the usual range"), "a result outside its range says so");
    assert!(html.contains("Amlodipine 5mg tablets") && html.contains("Outpatient clinic letter"));
    assert!(
        !html.contains("Pathology report") && !html.contains("To be discussed"),
        "the withheld result is not in the page"
    );
    assert!(!html.contains(P9) && !html.contains("999 000 0018"), "no NHS number");
    assert!(html.contains("<form method=\"get\" action=\"/record\""), "the filter works without JavaScript");

    // Filtered to the GP's entries: the hospital's visit is gone, the allergy names the GP only.
    let (_, patient_id) = {
        let (p, _) = app.services.demonstration.patient(&NhsNumber::parse(P9).unwrap()).await.unwrap();
        (p.clone(), p.patient_id)
    };
    let me = Actor::Patient(PatientActor { patient_id, proofing: ProofingLevel::P9, proxy_for: vec![] });
    let view = app.services.record.patient_record(&me, patient_id, None).await.unwrap();
    let gp = view.sources.iter().find(|s| s.name == "GP record").unwrap();
    let only_gp = page(&app, &client, &format!("/record?source={}", gp.record_source_id)).await;
    assert!(!only_gp.contains("Follow-up visit"));
    assert!(only_gp.contains(">Allergy to penicillin"));
    assert!(!only_gp.contains("Outpatient clinic letter") && !only_gp.contains("Haemoglobin"), "no hospital entries");
    assert!(only_gp.contains(&format!("value=\"{}\" selected", gp.record_source_id)), "the choice stays chosen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_summary_record_shows_only_allergies_medicines_and_problems_and_says_some_items_are_not_shown() {
    let app = spawn_demo().await;
    let (patient, _) = app.services.demonstration.patient(&NhsNumber::parse(P9).unwrap()).await.unwrap();
    app.services.record.set_access_level(patient.patient_id, AccessLevel::Summary).await.unwrap();
    let client = logged_in(&app, P9).await;

    let html = page(&app, &client, "/record").await;

    assert!(html.contains("Some items are not shown here"));
    assert!(html.contains("Allergies") && html.contains("Medicines") && html.contains("Problems"));
    assert!(!html.contains("Test results") && !html.contains("Letters and documents"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partly_verified_patient_is_told_why_their_record_is_not_shown() {
    let app = spawn_demo().await;
    let client = logged_in(&app, P5).await;

    let html = page(&app, &client, "/record").await;

    assert!(html.contains("has not fully checked your identity"), "{html}");
    assert!(!html.contains("Allergy to penicillin"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_withheld_item_never_appears_on_any_read_path_for_the_patient_or_a_proxy() {
    let app = spawn_demo().await;
    let (me, _) = app.services.demonstration.patient(&NhsNumber::parse(P9).unwrap()).await.unwrap();
    let (child, _) = app.services.demonstration.patient(&NhsNumber::parse("9990000077").unwrap()).await.unwrap();
    let patient = logged_in(&app, P9).await;
    let parent = logged_in(&app, "9990000069").await;
    let get = |client: &reqwest::Client, path: String| {
        let client = client.clone();
        let url = format!("{}{path}", app.address);
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    let mut answers = vec![
        get(&patient, "/record".into()).await,
        get(&patient, "/api/v1/record".into()).await,
        get(&patient, "/fhir/r4/Observation".into()).await,
        get(&patient, format!("/fhir/r4/Observation?patient=Patient/{}", me.patient_id)).await,
        get(&parent, format!("/api/v1/record?patient_id={}", child.patient_id)).await,
        get(&parent, format!("/fhir/r4/Observation?patient=Patient/{}", child.patient_id)).await,
    ];
    for kind in ["Condition", "DiagnosticReport", "DocumentReference"] {
        answers.push(get(&patient, format!("/fhir/r4/{kind}")).await);
    }

    for (status, body) in &answers {
        assert!(
            !body.contains("Pathology report") && !body.contains("To be discussed"),
            "{status}: withheld item shown"
        );
    }
    let (status, json) = &answers[1];
    assert_eq!(*status, 200);
    assert!(json.contains("\"Allergy to penicillin\"") && json.contains("Above the usual range"), "{json}");
    let (status, bundle) = &answers[2];
    assert_eq!(*status, 200);
    let bundle: serde_json::Value = serde_json::from_str(bundle).unwrap();
    assert_eq!(bundle["type"], "searchset");
    assert!(bundle["total"].as_u64().unwrap() >= 2, "the results the patient may see");
    // Someone else's record answers as if it did not exist.
    let (status, _) = get(&patient, format!("/api/v1/record?patient_id={}", child.patient_id)).await;
    assert_eq!(status, 404);
    let (status, _) = get(&patient, format!("/fhir/r4/Condition?patient=Patient/{}", child.patient_id)).await;
    assert_eq!(status, 404);
}

/// A logged-in member of staff's HTTP client (the demonstration provider's
/// staff personas log in by their staff id).
async fn staff_logged_in(app: &TestApp, staff_uid: &str) -> reqwest::Client {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let mut url = format!("{}/auth/staff/start?login_hint={staff_uid}", app.address);
    for _ in 0..6 {
        let r = browser.get(&url).send().await.unwrap();
        let Some(location) = r.headers().get("location") else { break };
        let location = location.to_str().unwrap().to_string();
        url = if location.starts_with("http") { location } else { format!("{}{location}", app.address) };
        if url.ends_with("/staff") {
            return browser;
        }
    }
    panic!("did not log in: ended at {url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_clinician_at_the_practice_reads_the_record_with_withheld_items_marked_and_the_patient_sees_who_looked() {
    let app = spawn_demo().await;
    let (me, _) = app.services.demonstration.patient(&NhsNumber::parse(P9).unwrap()).await.unwrap();
    let clinician = staff_logged_in(&app, "demo-clinician").await;
    let receptionist = staff_logged_in(&app, "demo-receptionist").await;

    let html = page(&app, &clinician, &format!("/staff/patients/{}/record", me.patient_id)).await;
    let refused = page(&app, &receptionist, &format!("/staff/patients/{}/record", me.patient_id)).await;

    assert!(html.contains("registered at your practice"), "{html}");
    assert!(html.contains("Pathology report") && html.contains("Withheld from the patient"));
    assert!(!refused.contains("Allergy to penicillin"), "receptionists do not read the record");
    let patient = logged_in(&app, P9).await;
    let log = page(&app, &patient, "/record/access-log").await;
    assert!(log.contains("Staff who looked at your record") && log.contains("Clinician"), "{log}");
    assert!(!log.contains("Emergency access"));
}
