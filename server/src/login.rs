//! Logging in and out: the routes around the relying parties, and who is
//! logged in for each request.
//!
//! - `GET /auth/{patient|staff}/start[?step_up=1][&login_hint=...]` sends
//!   the person to the provider, remembering state, nonce and the PKCE
//!   verifier in the pre-login session;
//! - `GET /auth/{patient|staff}/callback` completes the log-in (each state
//!   once), links the person to carebook (patients by NHS number and date of
//!   birth at P9; staff by subject and roles), changes the session id, and
//!   lands on the patient or staff home page;
//! - `POST /logout` (with the form token) ends the server-side session.
//!
//! Every outcome goes to the audit trail with a reason code and no claimed
//! values. Start and callback are rate limited per client address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use carebook_core::access::Actor;
use carebook_core::identity::{LoginRefusal, PatientClaims};
use carebook_core::model::AuditOutcome;
use carebook_session as session;
use serde::Deserialize;
use tower_sessions::Session;

use crate::audit::audit;
use crate::auth::relying_party::{LoginFailure, PendingLogin, ProviderKind, VerifiedLogin};
use crate::state::AppState;

const PENDING: &str = "oidc_pending";
/// How long someone may take at the provider.
const PENDING_LIFETIME_SECONDS: i64 = 600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/{provider}/start", get(start))
        .route("/auth/{provider}/callback", get(callback))
        .route("/logout", post(logout))
}

fn problem(reason: &str) -> Response {
    Redirect::to(&format!("/login/problem/{reason}")).into_response()
}

#[derive(Debug, Default, Deserialize)]
struct StartParams {
    #[serde(default)]
    step_up: Option<String>,
    #[serde(default)]
    login_hint: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(provider): Path<String>,
    Query(params): Query<StartParams>,
    session: Session,
) -> Response {
    let Some(kind) = ProviderKind::parse(&provider) else {
        return problem("failed");
    };
    if !state.auth.limiter.allow(peer.ip()) {
        audit_failure(&state, "login_start", "rate_limited").await;
        return problem("too-many");
    }
    let Some(rp) = state.auth.provider(kind) else {
        return problem("unavailable");
    };
    let step_up = params.step_up.as_deref() == Some("1") && kind == ProviderKind::Patient;
    let hint = params.login_hint.as_deref().filter(|h| !h.is_empty() && h.len() <= 64);
    let now = state.services.clock.now();
    let (url, pending) = match rp.begin(step_up, hint, now).await {
        Ok(x) => x,
        Err(failure) => {
            audit_failure(&state, "login_start", failure.code()).await;
            return problem(failure.page());
        }
    };
    let mut list: Vec<PendingLogin> = session.get(PENDING).await.ok().flatten().unwrap_or_default();
    // A few log-ins may be under way at once (several tabs); old ones go.
    list.retain(|p| now.unix_timestamp() - p.started_at < PENDING_LIFETIME_SECONDS);
    list.push(pending);
    if list.len() > 5 {
        list.remove(0);
    }
    if let Err(e) = session.insert(PENDING, &list).await {
        tracing::error!(error = %e, "could not remember the log-in");
        return problem("unavailable");
    }
    if step_up {
        audit(&state, actor_of(&state, &session).await, "step_up_start", AuditOutcome::Success, None).await;
    }
    Redirect::to(&url).into_response()
}

#[derive(Debug, Default, Deserialize)]
struct CallbackParams {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(provider): Path<String>,
    Query(params): Query<CallbackParams>,
    session: Session,
) -> Response {
    let Some(kind) = ProviderKind::parse(&provider) else {
        return problem("failed");
    };
    if !state.auth.limiter.allow(peer.ip()) {
        audit_failure(&state, "login", "rate_limited").await;
        return problem("too-many");
    }
    let Some(rp) = state.auth.provider(kind).cloned() else {
        return problem("unavailable");
    };
    let now = state.services.clock.now();
    // The state is looked up and removed at once: a replayed callback
    // finds nothing.
    let mut list: Vec<PendingLogin> = session.get(PENDING).await.ok().flatten().unwrap_or_default();
    let found = params.state.as_deref().and_then(|s| {
        list.iter().position(|p| p.provider == kind && session::constant_time_eq(p.state.as_bytes(), s.as_bytes()))
    });
    let Some(index) = found else {
        audit_failure(&state, "login", "unknown_state").await;
        return problem("expired");
    };
    let pending = list.remove(index);
    if session.insert(PENDING, &list).await.is_err() {
        return problem("unavailable");
    }
    if now.unix_timestamp() - pending.started_at >= PENDING_LIFETIME_SECONDS {
        audit_failure(&state, "login", "login_took_too_long").await;
        return problem("expired");
    }
    if let Some(error) = params.error.as_deref() {
        let failure = if matches!(error, "access_denied" | "consent_required") {
            LoginFailure::Declined
        } else {
            LoginFailure::ProviderError(error.to_string())
        };
        audit_failure(&state, "login", failure.code()).await;
        return problem(failure.page());
    }
    let Some(code) = params.code.as_deref().filter(|c| !c.is_empty()) else {
        audit_failure(&state, "login", "no_code").await;
        return problem("failed");
    };
    let verified = match rp.complete(&pending, code, now).await {
        Ok(v) => v,
        Err(failure) => {
            audit_failure(&state, "login", failure.code()).await;
            return problem(failure.page());
        }
    };
    let accounts = &state.services.accounts;
    let login = match kind {
        ProviderKind::Patient => accounts.patient_login(&patient_claims(&verified), &pending.vtr).await,
        ProviderKind::Staff => accounts.staff_login(&verified.subject, &verified.roles).await.map(|actor| {
            let name = format!(
                "{} {}",
                verified.given_name.clone().unwrap_or_default(),
                verified.family_name.clone().unwrap_or_default()
            );
            (actor, name.trim().to_string())
        }),
    };
    let (actor, display_name) = match login {
        Ok(x) => x,
        Err(refusal) => {
            audit_failure(&state, "login", refusal.as_str()).await;
            return problem(refusal_page(refusal));
        }
    };
    if let Err(e) = session::establish(&session, actor.clone(), kind.as_str(), display_name, now).await {
        tracing::error!(error = %e, "could not start the session");
        return problem("unavailable");
    }
    let action = if pending.step_up { "step_up" } else { "login" };
    let level = verified.vot.as_deref().and_then(carebook_core::access::ProofingLevel::from_vot).map(|l| l.as_str());
    audit(&state, actor.clone(), action, AuditOutcome::Success, level).await;
    tracing::info!(provider = kind.as_str(), action, "logged in");
    match actor {
        Actor::Staff(_) => Redirect::to("/staff").into_response(),
        _ => Redirect::to("/home").into_response(),
    }
}

/// What NHS login vouched for, as the core reads a patient's claims.
fn patient_claims(v: &VerifiedLogin) -> PatientClaims {
    PatientClaims {
        subject: v.subject.clone(),
        vot: v.vot.clone().unwrap_or_default(),
        vtm: v.vtm.clone(),
        nhs_number: v.nhs_number.clone(),
        birthdate: v.birthdate,
        given_name: v.given_name.clone(),
        family_name: v.family_name.clone(),
        email: v.email.clone(),
        phone_number: v.phone_number.clone(),
        gp_ods_code: v.gp_ods_code.clone(),
    }
}

fn refusal_page(r: LoginRefusal) -> &'static str {
    match r {
        LoginRefusal::UnknownNhsNumber | LoginRefusal::MissingNhsNumber => "not-registered",
        LoginRefusal::BirthdateMismatch => "birthdate",
        LoginRefusal::UnknownStaff | LoginRefusal::NoStaffRole => "staff",
        LoginRefusal::Unavailable => "unavailable",
        LoginRefusal::UnrequestedVectorOfTrust => "failed",
    }
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

async fn logout(State(state): State<AppState>, session: Session, Form(form): Form<LogoutForm>) -> Response {
    let expected: Option<String> = session.get(session::csrf::KEY).await.ok().flatten();
    if !expected.is_some_and(|t| session::constant_time_eq(t.as_bytes(), form.csrf_token.as_bytes())) {
        tracing::warn!("logout refused: missing or wrong form token");
        return (axum::http::StatusCode::FORBIDDEN, "This form has expired. Go back, reload the page and try again.")
            .into_response();
    }
    let actor = actor_of(&state, &session).await;
    if !matches!(actor, Actor::Anonymous) {
        audit(&state, actor, "logout", AuditOutcome::Success, None).await;
    }
    if let Err(e) = session::end(&session).await {
        tracing::error!(error = %e, "could not end the session");
    }
    Redirect::to("/logged-out").into_response()
}

/// Read the session once per request, applying the idle and absolute
/// timeouts, and hand the result to everything after (pages, server
/// functions, JSON routes) as a request extension. Doing it once keeps the
/// concurrent server functions of one page from racing on the session.
pub async fn current_login(
    State(state): State<AppState>,
    session: Session,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let login = match session::load(&session, state.services.clock.now(), state.session_policy).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "session unreadable");
            None
        }
    };
    request.extensions_mut().insert(session::CurrentLogin(login));
    next.run(request).await
}

async fn actor_of(_state: &AppState, session: &Session) -> Actor {
    session.get::<session::LoggedIn>(session::KEY).await.ok().flatten().map(|l| l.actor).unwrap_or(Actor::Anonymous)
}

async fn audit_failure(state: &AppState, action: &str, reason: &str) {
    audit(state, Actor::Anonymous, action, AuditOutcome::Failure, Some(reason)).await;
}
