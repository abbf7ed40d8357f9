use leptos::prelude::*;
use leptos_meta::Title;

/// The NHS "sorry, there is a problem with the service" pattern, for
/// failures that are not the person's fault. Answers with status 500 on the
/// server; the cause is logged on the server, never shown.
#[component]
pub fn ServiceErrorPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    view! {
        <Title text="Sorry, there is a problem with the service" />
        <div class="nhsuk-grid-row">
            <div class="nhsuk-grid-column-two-thirds">
                <h1>"Sorry, there is a problem with the service"</h1>
                <p>"Try again later."</p>
                <p>"We saved nothing you entered on this page."</p>
                <p>
                    "If you need medical help now, call 111 or go to "
                    <a href="https://111.nhs.uk/">"111.nhs.uk"</a>
                    ". In an emergency, call 999."
                </p>
            </div>
        </div>
    }
}
