//! The log-in page: the synthetic personas to choose from, as plain HTML
//! with the site's styles (it works with JavaScript off).

use axum::response::Html;
use carebook_core::access::ProofingLevel;

use super::authorize::{requested_vtr, AuthorizeParams};
use super::{Audience_, RegisteredClient};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub(super) fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r##"<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - demonstration log-in</title>
<link rel="stylesheet" href="/pkg/carebook.css"></head>
<body>
<a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
<div class="carebook-demo-banner" role="region" aria-label="Demonstration"><div class="nhsuk-width-container"><p class="carebook-demo-banner__text">This is the demonstration log-in service. Everyone here is invented.</p></div></div>
<header class="nhsuk-header" role="banner"><div class="nhsuk-header__container nhsuk-width-container"><div class="nhsuk-header__service"><span class="nhsuk-header__service-name">Demonstration log-in</span></div></div></header>
<div class="nhsuk-width-container"><main class="nhsuk-main-wrapper" id="maincontent">
{body}
</main></div>
</body></html>"##,
        title = escape(title),
    ))
}

fn hidden_fields(q: &AuthorizeParams) -> String {
    [
        ("response_type", &q.response_type),
        ("client_id", &q.client_id),
        ("redirect_uri", &q.redirect_uri),
        ("scope", &q.scope),
        ("state", &q.state),
        ("nonce", &q.nonce),
        ("code_challenge", &q.code_challenge),
        ("code_challenge_method", &q.code_challenge_method),
        ("vtr", &q.vtr),
        ("prompt", &q.prompt),
    ]
    .iter()
    .map(|(k, v)| format!(r#"<input type="hidden" name="{k}" value="{}">"#, escape(v)))
    .collect()
}

fn persona_choices(client: &RegisteredClient) -> Vec<(String, String, String)> {
    match client.audience {
        Audience_::Patients => carebook_core::demo::personas()
            .into_iter()
            .map(|p| {
                let level = p.proofing_level();
                let label = format!("{} ({})", p.label, level.as_str());
                (p.nhs_number.to_string(), label, p.description.to_string())
            })
            .collect(),
        Audience_::Staff => carebook_core::demo::staff_personas()
            .into_iter()
            .map(|s| (s.staff_uid.to_string(), s.label.to_string(), s.description.to_string()))
            .collect(),
    }
}

fn persona_form(client: &RegisteredClient, q: &AuthorizeParams, error: bool) -> String {
    let who = match client.audience {
        Audience_::Patients => "Choose a patient to log in as",
        Audience_::Staff => "Choose a member of staff to log in as",
    };
    let step_up = q.prompt.split(' ').any(|p| p == "login")
        && requested_vtr(q).iter().all(|v| ProofingLevel::from_vot(v) == Some(ProofingLevel::P9))
        && client.audience == Audience_::Patients;
    let mut items = String::new();
    for (i, (value, label, hint)) in persona_choices(client).iter().enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        items.push_str(&format!(
            r#"<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="persona-{i}" name="persona" type="radio" value="{v}" aria-describedby="persona-{i}-hint"{checked}><label class="nhsuk-label nhsuk-radios__label" for="persona-{i}">{l}</label><div class="nhsuk-hint nhsuk-radios__hint" id="persona-{i}-hint">{h}</div></div>"#,
            v = escape(value),
            l = escape(label),
            h = escape(hint),
        ));
    }
    let summary = if error {
        r##"<div class="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1"><h2 class="nhsuk-error-summary__title" id="error-summary-title">There is a problem</h2><div class="nhsuk-error-summary__body"><ul class="nhsuk-list nhsuk-error-summary__list"><li><a href="#persona-0">Choose someone to log in as</a></li></ul></div></div>"##
    } else {
        ""
    };
    let step_up_text = if step_up {
        r#"<div class="nhsuk-inset-text"><span class="nhsuk-u-visually-hidden">Information: </span><p>The application asked you to prove who you are. In the demonstration this completes at once.</p></div>"#
    } else {
        ""
    };
    format!(
        r#"<div class="nhsuk-grid-row"><div class="nhsuk-grid-column-two-thirds">{summary}
<h1>Log in to the demonstration</h1>{step_up_text}
<form method="post" action="/demo-idp/authorize" novalidate>{hidden}
<div class="nhsuk-form-group"><fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">{who}</legend>
<div class="nhsuk-radios">{items}</div></fieldset></div>
<button class="nhsuk-button" type="submit" name="decision" value="allow">Continue</button>
<button class="nhsuk-button nhsuk-button--secondary" type="submit" name="decision" value="decline">Do not share my details</button>
</form></div></div>"#,
        hidden = hidden_fields(q),
    )
}

pub(super) fn persona_page(client: &RegisteredClient, q: &AuthorizeParams) -> Html<String> {
    page("Log in to the demonstration", &persona_form(client, q, false))
}

pub(super) fn persona_page_with_error(client: &RegisteredClient, q: &AuthorizeParams) -> Html<String> {
    page("Error: Log in to the demonstration", &persona_form(client, q, true))
}
