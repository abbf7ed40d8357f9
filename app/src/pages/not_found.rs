use leptos::prelude::*;
use leptos_meta::Title;

/// The NHS "page not found" pattern. Answers with status 404 on the server.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <div class="nhsuk-grid-row">
            <div class="nhsuk-grid-column-two-thirds">
                <h1>"Page not found"</h1>
                <p>"If you typed the web address, check it was correct."</p>
                <p>"If you pasted the web address, check you copied the entire address."</p>
                <p>
                    "You can go to the "<a href="/">"carebook home page"</a>" or "
                    <a href="/practices">"find a GP practice or hub"</a>"."
                </p>
            </div>
        </div>
    }
}
