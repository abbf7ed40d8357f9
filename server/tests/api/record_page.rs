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
