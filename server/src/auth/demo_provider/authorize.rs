//! The authorization endpoint: the request checked (an unregistered client
//! or redirect URI is refused here, never redirected to), then a persona
//! chosen on the log-in page or named by `login_hint`, and a code issued.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carebook_core::access::ProofingLevel;
use carebook_core::NhsNumber;
use serde::Deserialize;

use super::page::{page, persona_page, persona_page_with_error};
use super::{Audience_, DemoProvider, IssuedCode, Person, RegisteredClient};

#[derive(Clone, Debug, Default, Deserialize)]
pub(super) struct AuthorizeParams {
    #[serde(default)]
    pub(super) response_type: String,
    #[serde(default)]
    pub(super) client_id: String,
    #[serde(default)]
    pub(super) redirect_uri: String,
    #[serde(default)]
    pub(super) scope: String,
    #[serde(default)]
    pub(super) state: String,
    #[serde(default)]
    pub(super) nonce: String,
    #[serde(default)]
    pub(super) code_challenge: String,
    #[serde(default)]
    pub(super) code_challenge_method: String,
    #[serde(default)]
    pub(super) vtr: String,
    #[serde(default)]
    pub(super) prompt: String,
    #[serde(default)]
    pub(super) login_hint: String,
    // From the persona page.
    #[serde(default)]
    pub(super) persona: String,
    #[serde(default)]
    pub(super) decision: String,
}

fn error_redirect(redirect_uri: &str, error: &str, state: &str) -> Response {
    let mut url = url::Url::parse(redirect_uri).expect("registered redirect URIs are URLs");
    url.query_pairs_mut().append_pair("error", error).append_pair("state", state);
    Redirect::to(url.as_str()).into_response()
}

/// Check the request; on a bad client or redirect URI show an error here
/// (never redirect to an unregistered address).
fn check_request<'a>(p: &'a DemoProvider, q: &AuthorizeParams) -> Result<&'a RegisteredClient, Response> {
    let Some(client) = p.client(&q.client_id) else {
        return Err((
            StatusCode::BAD_REQUEST,
            page("Unknown client", "<p>This application is not registered with the demonstration provider.</p>"),
        )
            .into_response());
    };
    if !client.redirect_uris.iter().any(|r| r == &q.redirect_uri) {
        return Err((
            StatusCode::BAD_REQUEST,
            page(
                "Wrong redirect address",
                "<p>The application asked to return to an address it has not registered.</p>",
            ),
        )
            .into_response());
    }
    let invalid = if q.response_type != "code" {
        Some("unsupported_response_type")
    } else if !q.scope.split(' ').any(|s| s == "openid")
        || q.state.is_empty()
        || q.code_challenge_method != "S256"
        || q.code_challenge.len() < 43
    {
        Some("invalid_request")
    } else {
        None
    };
    match invalid {
        Some(e) => Err(error_redirect(&q.redirect_uri, e, &q.state)),
        None => Ok(client),
    }
}

pub(super) async fn authorize(State(p): State<Arc<DemoProvider>>, Query(q): Query<AuthorizeParams>) -> Response {
    let client = match check_request(&p, &q) {
        Ok(c) => c.clone(),
        Err(r) => return r,
    };
    if !q.login_hint.is_empty() {
        return match find_person(&p, &client, &q, &q.login_hint).await {
            Some(person) => issue_code(&p, &client, &q, person),
            None => error_redirect(&q.redirect_uri, "login_required", &q.state),
        };
    }
    persona_page(&client, &q).into_response()
}

pub(super) async fn authorize_decision(State(p): State<Arc<DemoProvider>>, Form(q): Form<AuthorizeParams>) -> Response {
    let client = match check_request(&p, &q) {
        Ok(c) => c.clone(),
        Err(r) => return r,
    };
    if q.decision == "decline" {
        return error_redirect(&q.redirect_uri, "access_denied", &q.state);
    }
    match find_person(&p, &client, &q, &q.persona).await {
        Some(person) => issue_code(&p, &client, &q, person),
        None => (StatusCode::BAD_REQUEST, persona_page_with_error(&client, &q)).into_response(),
    }
}

/// The vectors of trust the client asked for, e.g. `["P9.Cp.Cd","P5.Cp.Cd"]`.
pub(super) fn requested_vtr(q: &AuthorizeParams) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(&q.vtr).unwrap_or_default()
}

/// The persona a hint or a choice names: a patient's NHS number or a staff
/// uid, within the client's audience.
async fn find_person(p: &DemoProvider, client: &RegisteredClient, q: &AuthorizeParams, hint: &str) -> Option<Person> {
    match client.audience {
        Audience_::Patients => {
            let nhs_number = NhsNumber::parse(hint).ok()?;
            p.people.patient(&nhs_number).await.ok()?;
            let level = carebook_core::demo::personas()
                .into_iter()
                .find(|x| x.nhs_number == nhs_number.as_str())
                .map(|x| x.proofing_level())
                .unwrap_or(ProofingLevel::P9);
            let vtr = requested_vtr(q);
            let vot = if vtr.is_empty() {
                None
            } else {
                // The persona's own level if asked for; a P5 persona asked
                // only for P9 (a step-up) proves their identity at once.
                let own = vtr.iter().find(|v| ProofingLevel::from_vot(v) == Some(level));
                let best = vtr.iter().find(|v| ProofingLevel::from_vot(v) == Some(ProofingLevel::P9));
                Some(own.or(best).or(vtr.first())?.clone())
            };
            Some(Person::Patient { nhs_number, vot })
        }
        Audience_::Staff => {
            p.people.staff(hint).await.ok()?;
            Some(Person::Staff { uid: hint.to_string() })
        }
    }
}

fn issue_code(p: &DemoProvider, client: &RegisteredClient, q: &AuthorizeParams, person: Person) -> Response {
    let code = random_token();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    p.codes.lock().expect("codes").insert(
        code.clone(),
        IssuedCode {
            client_id: client.client_id.clone(),
            redirect_uri: q.redirect_uri.clone(),
            code_challenge: q.code_challenge.clone(),
            nonce: (!q.nonce.is_empty()).then(|| q.nonce.clone()),
            person,
            expires_at: now + 60,
        },
    );
    let mut url = url::Url::parse(&q.redirect_uri).expect("registered");
    url.query_pairs_mut().append_pair("code", &code).append_pair("state", &q.state);
    Redirect::to(url.as_str()).into_response()
}

pub(super) fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}
