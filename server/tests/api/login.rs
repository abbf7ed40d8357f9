//! Logging in through the built-in demonstration provider, over HTTP, as a
//! browser with JavaScript off would: every redirect followed by hand, the
//! session in a cookie jar. The provider is told to misbehave (wrong nonce,
//! tampered signature, expired token, ...) to show each is refused.

use std::sync::Arc;

use carebook_core::clock::FixedClock;
use carebook_core::demo;
use carebook_server::auth::demo_provider::Faults;
use carebook_server::config::Config;
use carebook_server::startup::{Application, Mode};

use crate::helpers::{between, scratch_dir, secret, test_config};

const P9: &str = "9990000018";

struct LoginApp {
    address: String,
    app_auth: Arc<carebook_server::auth::Auth>,
    _dir: std::path::PathBuf,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for LoginApp {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

async fn start(config: Config, mode: Mode, dir: std::path::PathBuf, clock: Option<FixedClock>) -> LoginApp {
    let app = match clock {
        Some(c) => Application::build_with_clock(config, mode, Arc::new(c)).await,
        None => Application::build(config, mode).await,
    }
    .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let app_auth = app.auth();

    let task = tokio::spawn(app.run_until_stopped());
    LoginApp { address, app_auth, _dir: dir, task }
}

async fn demo_app() -> LoginApp {
    let dir = scratch_dir();
    start(test_config(&dir), Mode::Demo, dir, None).await
}

impl LoginApp {
    fn provider(&self) -> &carebook_server::auth::demo_provider::DemoProvider {
        self.app_auth.demo_provider.as_deref().expect("the demonstration provider runs")
    }

    fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap()
    }

    /// The audit trail's log-in lines: (action, outcome, reason).
    async fn audit_reasons(&self) -> Vec<(String, String, Option<String>)> {
        let file = if self._dir.join("demo.db").exists() { "demo.db" } else { "carebook.db" };
        let pool =
            tower_sessions_sqlx_store::sqlx::SqlitePool::connect(&format!("sqlite://{}/{file}", self._dir.display()))
                .await
                .unwrap();
        tower_sessions_sqlx_store::sqlx::query_as(
            "select action, outcome, reason from audit_event order by audit_event_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    }
}

/// Follow redirects from `path`, returning every address visited and the
/// last response.
async fn follow(browser: &reqwest::Client, base: &str, path: &str) -> (Vec<String>, reqwest::Response) {
    let mut url = if path.starts_with("http") { path.to_string() } else { format!("{base}{path}") };
    let mut visited = Vec::new();
    for _ in 0..10 {
        visited.push(url.clone());
        // What a browser asks for: pages redirect (302) only for HTML.
        let r = browser
            .get(&url)
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url} after {visited:?}: {e}"));
        if !r.status().is_redirection() {
            return (visited, r);
        }
        let location = r.headers()["location"].to_str().unwrap().to_string();
        url = if location.starts_with("http") { location } else { format!("{base}{location}") };
    }
    panic!("too many redirects: {visited:?}");
}

async fn login(app: &LoginApp, browser: &reqwest::Client, provider: &str, hint: &str) -> (Vec<String>, u16, String) {
    let (visited, r) = follow(browser, &app.address, &format!("/auth/{provider}/start?login_hint={hint}")).await;
    let status = r.status().as_u16();
    (visited, status, r.text().await.unwrap())
}

fn last(visited: &[String]) -> &str {
    visited.last().map(String::as_str).unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fully_verified_patient_logs_in_with_pkce_and_lands_on_their_home_page() {
    let app = demo_app().await;
    let browser = app.browser();

    let (visited, status, html) = login(&app, &browser, "patient", P9).await;

    assert_eq!(status, 200);
    assert!(last(&visited).ends_with("/home"), "{visited:?}");
    let authorize = visited.iter().find(|u| u.contains("/demo-idp/authorize")).expect("went to the provider");
    for param in ["code_challenge_method=S256", "code_challenge=", "nonce=", "state=", "response_type=code", "vtr="] {
        assert!(authorize.contains(param), "{param} missing from {authorize}");
    }
    let callback = visited.iter().find(|u| u.contains("/auth/patient/callback")).unwrap();
    assert!(!callback.contains(P9), "no NHS number in addresses");
    assert!(html.contains("Priya Hartley"), "the patient's name");
    assert!(html.contains("Your GP practice"));
    for area in ["/appointments", "/prescriptions", "/record", "/readings"] {
        assert!(html.contains(&format!("href=\"{area}\"")), "{area}");
    }
    assert!(!html.contains("999 000 0018") && !html.contains(P9), "the NHS number is not shown");
    assert!(app.audit_reasons().await.contains(&("login".into(), "success".into(), Some("P9".into()))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_session_id_changes_at_login() {
    let app = demo_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("{}/auth/patient/start?login_hint={P9}", app.address)).send().await.unwrap();
    let before = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let to_provider = r.headers()["location"].to_str().unwrap().to_string();
    let r = client.get(&to_provider).send().await.unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_string();
    let r = client.get(&callback).header("cookie", &before).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/home");
    let after = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_ne!(before, after, "a new session id after log-in");
    // The old id no longer opens the logged-in session.
    let html = "text/html,application/xhtml+xml";
    let r = client
        .get(format!("{}/home", app.address))
        .header("cookie", &before)
        .header("accept", html)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let r = client
        .get(format!("{}/home", app.address))
        .header("cookie", &after)
        .header("accept", html)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partly_verified_patient_is_gated_and_can_step_up_to_full_verification() {
    let app = demo_app().await;
    let browser = app.browser();
    let p5 = demo::personas().into_iter().find(|p| p.key == "patient-p5").unwrap();

    let (visited, _, html) = login(&app, &browser, "patient", p5.nhs_number).await;
    assert!(last(&visited).ends_with("/home"));
    assert!(html.contains("You need to prove who you are"), "gated");
    assert!(!html.contains("Your GP practice"), "no practice shown below P9");
    assert!(!html.contains(p5.nhs_number), "the claimed NHS number is not shown");
    assert!(html.contains("/auth/patient/start?step_up=1"));
    assert!(app.audit_reasons().await.contains(&("login".into(), "success".into(), Some("P5".into()))));

    let (visited, _) =
        follow(&browser, &app.address, &format!("/auth/patient/start?step_up=1&login_hint={}", p5.nhs_number)).await;
    let authorize = visited.iter().find(|u| u.contains("/demo-idp/authorize")).unwrap();
    assert!(authorize.contains("prompt=login"), "{authorize}");
    // Look at the vtr parameter only: the random nonce or state may well
    // contain the letters "P5".
    let vtr = authorize.split(['?', '&']).find_map(|kv| kv.strip_prefix("vtr=")).unwrap_or_default();
    assert!(vtr.contains("P9") && !vtr.contains("P5") && !vtr.contains("P0"), "step-up asks for P9 only: {authorize}");
    let (_, r) = follow(&browser, &app.address, "/home").await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Your GP practice"), "now fully verified");
    assert!(app.audit_reasons().await.contains(&("step_up".into(), "success".into(), Some("P9".into()))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_land_on_the_home_page_for_their_roles_and_unknown_staff_are_refused() {
    let app = demo_app().await;
    for persona in demo::staff_personas() {
        let browser = app.browser();
        let (visited, status, html) = login(&app, &browser, "staff", persona.staff_uid).await;
        assert_eq!(status, 200, "{}", persona.key);
        assert!(last(&visited).ends_with("/staff"), "{visited:?}");
        let expected = match persona.key {
            "receptionist" => "Receptionist at",
            "clinician" => "Clinician at",
            "federation-admin" => "Federation administrator at",
            _ => " at ",
        };
        assert!(html.contains(expected), "{}: {expected}", persona.key);
        // A patient page is not theirs.
        let (_, r) = follow(&browser, &app.address, "/home").await;
        assert!(r.text().await.unwrap().contains("This page is for patients"));
    }
    let browser = app.browser();
    let (visited, _, html) = login(&app, &browser, "staff", "nobody-here").await;
    assert!(last(&visited).contains("/login/problem/failed") || html.contains("could not log you in"), "{visited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logout_ends_the_server_side_session_and_needs_the_form_token() {
    let app = demo_app().await;
    let browser = app.browser();
    let (_, _, html) = login(&app, &browser, "patient", P9).await;
    let token = between(&html, r#"name="csrf_token" value=""#, "\"").expect("the logout form's token").to_string();

    let refused =
        browser.post(format!("{}/logout", app.address)).form(&[("csrf_token", "wrong")]).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let (_, r) = follow(&browser, &app.address, "/home").await;
    assert_eq!(r.status(), 200, "still logged in after a refused logout");

    let r =
        browser.post(format!("{}/logout", app.address)).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/logged-out");
    let (_, r) = follow(&browser, &app.address, "/logged-out").await;
    assert!(r.text().await.unwrap().contains("You have logged out"));
    let (visited, _) = follow(&browser, &app.address, "/home").await;
    assert!(last(&visited).ends_with("/login"), "logged out: {visited:?}");
    assert!(app.audit_reasons().await.contains(&("logout".into(), "success".into(), None)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_ends_after_thirty_idle_minutes_and_after_twelve_hours_however_busy() {
    let dir = scratch_dir();
    let clock = FixedClock::at(time::OffsetDateTime::now_utc());
    let app = start(test_config(&dir), Mode::Demo, dir, Some(clock.clone())).await;
    let browser = app.browser();
    login(&app, &browser, "patient", P9).await;

    clock.advance(time::Duration::minutes(29));
    let (visited, _) = follow(&browser, &app.address, "/home").await;
    assert!(last(&visited).ends_with("/home"), "29 minutes idle is fine");
    clock.advance(time::Duration::minutes(31));
    let (visited, r) = follow(&browser, &app.address, "/home").await;
    assert!(last(&visited).ends_with("/login"), "{visited:?}");
    assert!(r.text().await.unwrap().contains("You were logged out because you had not done anything for a while"));

    // Busy all day: a request every 20 minutes, still out at 12 hours. The
    // JSON API goes through the same session middleware without a page
    // render, so this long loop does not depend on server rendering.
    clock.set(time::OffsetDateTime::now_utc());
    login(&app, &browser, "patient", P9).await;
    let api = format!("{}/api/v1/appointments", app.address);
    let mut minutes = 0;
    while minutes < 12 * 60 - 20 {
        clock.advance(time::Duration::minutes(20));
        minutes += 20;
        let r = browser.get(&api).send().await.unwrap();
        assert_eq!(r.status(), 200, "at {minutes} minutes");
    }
    clock.advance(time::Duration::minutes(20));
    let r = browser.get(&api).send().await.unwrap();
    assert_eq!(r.status(), 401, "out at 12 hours");
    let (visited, r) = follow(&browser, &app.address, "/login").await;
    assert!(last(&visited).ends_with("/login"));
    assert!(r.text().await.unwrap().contains("logged in for a long time"));
}

/// Start a log-in and stop at the callback, returning its address.
async fn callback_url(app: &LoginApp, browser: &reqwest::Client, hint: &str) -> String {
    let r = browser.get(format!("{}/auth/patient/start?login_hint={hint}", app.address)).send().await.unwrap();
    let to_provider = r.headers()["location"].to_str().unwrap().to_string();
    let r = browser.get(&to_provider).send().await.unwrap();
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replayed_callback_and_a_wrong_state_are_refused() {
    let app = demo_app().await;
    let browser = app.browser();
    let callback = callback_url(&app, &browser, P9).await;
    let (visited, _) = follow(&browser, &app.address, &callback).await;
    assert!(last(&visited).ends_with("/home"));
    let (visited, r) = follow(&browser, &app.address, &callback).await;
    assert!(last(&visited).ends_with("/login/problem/expired"), "replayed: {visited:?}");
    assert!(r.text().await.unwrap().contains("Your log-in has expired"));

    let other = app.browser();
    let callback = callback_url(&app, &other, P9).await;
    let state = between(&callback, "state=", "&")
        .map(str::to_string)
        .unwrap_or_else(|| callback.split("state=").nth(1).unwrap().to_string());
    let forged = callback.replace(&state, "forged-state");
    let (visited, _) = follow(&other, &app.address, &forged).await;
    assert!(last(&visited).ends_with("/login/problem/expired"), "{visited:?}");
    let reasons = app.audit_reasons().await;
    assert_eq!(reasons.iter().filter(|r| r.2.as_deref() == Some("unknown_state")).count(), 2, "{reasons:?}");
}

/// Log in with the provider misbehaving; return where the person landed.
async fn login_with_fault(app: &LoginApp, faults: Faults) -> String {
    app.provider().set_faults(faults);
    let browser = app.browser();
    let (visited, _, _) = login(app, &browser, "patient", P9).await;
    app.provider().set_faults(Faults::default());
    last(&visited).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn id_tokens_with_a_wrong_nonce_audience_issuer_or_signature_or_out_of_time_are_refused() {
    let app = demo_app().await;
    let cases: Vec<(Faults, &str, &str)> = vec![
        (Faults { wrong_nonce: true, ..Default::default() }, "wrong_nonce", "/login/problem/failed"),
        (Faults { wrong_audience: true, ..Default::default() }, "wrong_audience", "/login/problem/failed"),
        (Faults { wrong_issuer: true, ..Default::default() }, "wrong_issuer", "/login/problem/failed"),
        (Faults { tamper_signature: true, ..Default::default() }, "bad_signature", "/login/problem/failed"),
        (Faults { expired: true, ..Default::default() }, "expired_token", "/login/problem/timing"),
        (Faults { issued_in_future: true, ..Default::default() }, "clock_skew", "/login/problem/timing"),
        (
            Faults { userinfo_subject: Some("someone-else".into()), ..Default::default() },
            "userinfo_subject_mismatch",
            "/login/problem/failed",
        ),
        (Faults { token_endpoint_down: true, ..Default::default() }, "token_response", "/login/problem/failed"),
    ];
    for (faults, reason, page) in cases {
        let landed = login_with_fault(&app, faults).await;
        assert!(landed.ends_with(page), "{reason}: landed on {landed}");
        let reasons = app.audit_reasons().await;
        assert!(reasons.contains(&("login".into(), "failure".into(), Some(reason.into()))), "{reason}: {reasons:?}");
    }
    // Nothing above logged anyone in.
    assert!(!app.audit_reasons().await.iter().any(|r| r.1 == "success"));
    // And the provider behaving again works.
    assert!(login_with_fault(&app, Faults::default()).await.ends_with("/home"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unknown_nhs_number_or_a_birthdate_mismatch_gets_a_page_saying_so() {
    let app = demo_app().await;
    let population = demo::generate_with(demo::DEFAULT_SEED, 60);
    let unused = carebook_conformance::unused_nhs_number(&population);
    let landed =
        login_with_fault(&app, Faults { nhs_number: Some(unused.as_str().to_string()), ..Default::default() }).await;
    assert!(landed.ends_with("/login/problem/not-registered"), "{landed}");
    let landed = login_with_fault(&app, Faults { birthdate: Some("1901-01-01".into()), ..Default::default() }).await;
    assert!(landed.ends_with("/login/problem/birthdate"), "{landed}");
    let reasons = app.audit_reasons().await;
    assert!(reasons.contains(&("login".into(), "failure".into(), Some("unknown_nhs_number".into()))));
    assert!(reasons.contains(&("login".into(), "failure".into(), Some("birthdate_mismatch".into()))));
    let (_, r) = follow(&app.browser(), &app.address, "/login/problem/not-registered").await;
    assert!(r.text().await.unwrap().contains("We could not find your GP registration"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_declined_consent_says_what_to_do_and_mentions_111_and_999() {
    let app = demo_app().await;
    let browser = app.browser();
    let r = browser.get(format!("{}/auth/patient/start", app.address)).send().await.unwrap();
    let authorize = r.headers()["location"].to_str().unwrap().to_string();
    let page = browser.get(&authorize).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Log in to the demonstration"), "the persona page");
    let query: Vec<(String, String)> = url::Url::parse(&authorize).unwrap().query_pairs().into_owned().collect();
    let mut form = query.clone();
    form.push(("decision".into(), "decline".into()));
    let r = browser.post(format!("{}/demo-idp/authorize", app.address)).form(&form).send().await.unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_string();
    assert!(callback.contains("error=access_denied"));
    let (visited, r) = follow(&browser, &app.address, &callback).await;
    assert!(last(&visited).ends_with("/login/problem/declined"));
    let html = r.text().await.unwrap();
    assert!(html.contains("You did not share your details") && html.contains("111") && html.contains("999"));
    assert!(app.audit_reasons().await.contains(&("login".into(), "failure".into(), Some("access_denied".into()))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_signing_key_is_fetched_once_and_made_up_key_ids_do_not_cause_refetching() {
    let app = demo_app().await;
    assert!(login_with_fault(&app, Faults::default()).await.ends_with("/home"));
    let rp = app.app_auth.patient.clone().unwrap();
    let fetches = rp.jwks_fetches();

    app.provider().rotate_key();
    assert!(login_with_fault(&app, Faults::default()).await.ends_with("/home"), "rotation is followed");
    assert_eq!(rp.jwks_fetches(), fetches + 1, "one refetch for the new key");

    let landed = login_with_fault(&app, Faults { unpublished_key: true, ..Default::default() }).await;
    assert!(landed.ends_with("/login/problem/failed"));
    assert_eq!(rp.jwks_fetches(), fetches + 1, "no refetch within the interval");
    assert!(app.audit_reasons().await.contains(&("login".into(), "failure".into(), Some("unknown_key".into()))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_provider_gets_a_page_and_log_in_is_rate_limited_per_address() {
    let dir = scratch_dir();
    let mut config = test_config(&dir);
    config.oidc.patient.issuer = "http://127.0.0.1:9/unreachable".into();
    config.oidc.patient.client_id = "carebook".into();
    config.oidc.patient.client_auth = carebook_server::config::ClientAuth::ClientSecretBasic;
    config.oidc.patient.client_secret = secret("s3cret");
    config.login_rate_limit_per_minute = 3;
    let app = start(config, Mode::Serve, dir, None).await;
    let browser = app.browser();
    for _ in 0..3 {
        let (visited, r) = follow(&browser, &app.address, "/auth/patient/start").await;
        assert!(last(&visited).ends_with("/login/problem/unavailable"), "{visited:?}");
        assert_eq!(r.status(), 503);
        assert!(r.text().await.unwrap().contains("Sorry, you cannot log in at the moment"));
    }
    let (visited, r) = follow(&browser, &app.address, "/auth/patient/start").await;
    assert!(last(&visited).ends_with("/login/problem/too-many"));
    assert_eq!(r.status(), 429);
    let reasons = app.audit_reasons().await;
    assert!(reasons.contains(&("login_start".into(), "failure".into(), Some("provider_unreachable".into()))));
    assert!(reasons.contains(&("login_start".into(), "failure".into(), Some("rate_limited".into()))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demonstration_provider_is_refused_in_production() {
    let dir = scratch_dir();
    let mut config = test_config(&dir);
    config.environment = carebook_server::config::Environment::Production;
    config.demo_provider.enabled = true;
    let err = Application::build(config, Mode::Serve).await.err().expect("refused");
    assert!(err.to_string().contains("refused in production"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_token_endpoint_refuses_a_forged_client_assertion_and_a_reused_code() {
    let app = demo_app().await;
    let browser = app.browser();
    let callback = callback_url(&app, &browser, P9).await;
    let code = url::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    // An assertion signed by a key the provider has never seen.
    let stranger = carebook_server::auth::keys::RsaKey::generate("stranger").unwrap();
    let token_url = format!("{}/demo-idp/token", app.address);
    let assertion =
        stranger.client_assertion("carebook-patient", &token_url, "RS512", time::OffsetDateTime::now_utc()).unwrap();
    let r = reqwest::Client::new()
        .post(&token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", &format!("{}/auth/patient/callback", app.address)),
            ("code_verifier", &"x".repeat(43)),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "invalid_client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_patient_reaches_their_own_record_and_another_patients_id_answers_as_if_it_did_not_exist() {
    let app = demo_app().await;
    let population = demo::generate_with(demo::DEFAULT_SEED, 60);
    let me = population.patients.iter().find(|p| p.nhs_number.as_str() == P9).unwrap();
    let other = population
        .patients
        .iter()
        .find(|p| p.nhs_number.as_str() != P9 && p.registered_practice_id != me.registered_practice_id)
        .unwrap();
    let nobody = uuid::Uuid::from_u128(42);

    let anonymous =
        app.browser().get(format!("{}/api/v1/patients/{}", app.address, me.patient_id)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["content-type"], "application/problem+json");

    let browser = app.browser();
    login(&app, &browser, "patient", P9).await;
    let mine = browser.get(format!("{}/api/v1/patients/{}", app.address, me.patient_id)).send().await.unwrap();
    assert_eq!(mine.status(), 200);
    assert_eq!(mine.json::<serde_json::Value>().await.unwrap()["family_name"], "Hartley");

    let theirs = browser.get(format!("{}/api/v1/patients/{}", app.address, other.patient_id)).send().await.unwrap();
    let missing = browser.get(format!("{}/api/v1/patients/{nobody}", app.address)).send().await.unwrap();
    assert_eq!(theirs.status(), 404);
    assert_eq!(missing.status(), 404);
    let (theirs, missing) = (theirs.text().await.unwrap(), missing.text().await.unwrap());
    assert_eq!(theirs, missing, "a refusal looks exactly like nothing there");
    assert!(!theirs.contains(&other.family_name));
    let refusals: Vec<_> = app.audit_reasons().await.into_iter().filter(|r| r.1 == "refused").collect();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert!(refusals.iter().all(|r| r.0 == "patient_view" && r.2.as_deref() == Some("not_permitted")));

    // A receptionist reaches patients of their own practice only.
    let desk = app.browser();
    login(&app, &desk, "staff", "demo-receptionist").await;
    let r = desk.get(format!("{}/api/v1/patients/{}", app.address, me.patient_id)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = desk.get(format!("{}/api/v1/patients/{}", app.address, other.patient_id)).send().await.unwrap();
    assert_eq!(r.status(), 404);
}
