//! Cross-site request forgery defence for forms: a random token kept in the
//! server-side session and echoed in a hidden field (the synchroniser token
//! pattern, OWASP CSRF cheat sheet). It works with JavaScript off. The
//! server also refuses unsafe requests whose Origin is another site.

use carebook_session::constant_time_eq;
use leptos::prelude::ServerFnError;
use tower_sessions::Session;

const KEY: &str = "csrf_token";

async fn session() -> Result<Session, ServerFnError> {
    leptos_axum::extract::<Session>().await.map_err(super::unavailable)
}

/// The session's token, created on first use.
pub async fn token() -> Result<String, ServerFnError> {
    let session = session().await?;
    if let Some(t) = session.get::<String>(KEY).await.map_err(super::unavailable)? {
        return Ok(t);
    }
    let t = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    session.insert(KEY, &t).await.map_err(super::unavailable)?;
    Ok(t)
}

/// Refuse the request unless `presented` is this session's token.
pub async fn check(presented: &str) -> Result<(), ServerFnError> {
    let session = session().await?;
    let expected = session.get::<String>(KEY).await.map_err(super::unavailable)?;
    match expected {
        Some(t) if constant_time_eq(t.as_bytes(), presented.as_bytes()) => Ok(()),
        _ => {
            tracing::warn!("form refused: missing or wrong CSRF token");
            Err(ServerFnError::new("This form has expired. Go back, reload the page and try again."))
        }
    }
}
