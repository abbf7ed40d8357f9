//! Rota templates, slot generation and booking rules. (Being written.)

use leptos::prelude::*;

#[component]
pub fn RotasPage() -> impl IntoView {
    view! { <h1>"Rota templates"</h1> }
}

#[component]
pub fn RotaPage() -> impl IntoView {
    view! { <h1>"Rota template"</h1> }
}

#[component]
pub fn RulesPage() -> impl IntoView {
    view! { <h1>"Booking rules"</h1> }
}

#[component]
pub fn RulePage() -> impl IntoView {
    view! { <h1>"Booking rule"</h1> }
}
