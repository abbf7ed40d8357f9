//! Logging in and out, and the home pages a person lands on: the patient's
//! (their name, practice and the areas of the service) and the staff home
//! for each role.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::auth::{my_home, session_ended, Me, MeKind};

const HELP_NOW: &str = "If you need medical help now, call 111 or go to 111.nhs.uk. In an emergency, call 999.";

#[component]
pub fn LoginPage() -> impl IntoView {
    let ended = Resource::new(|| (), |_| session_ended());
    let query = use_query_map();
    let step_up = move || query.with(|q| q.get("step_up").as_deref() == Some("1"));
    view! {
        <Title text="Log in" />
        <div class="nhsuk-grid-row">
            <div class="nhsuk-grid-column-two-thirds">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        ended.await.ok().flatten().map(|message| view! {
                            <div class="nhsuk-inset-text" role="status">
                                <span class="nhsuk-u-visually-hidden">"Information: "</span>
                                <p>{message}" Log in again to carry on."</p>
                            </div>
                        })
                    })}
                </Suspense>
                <h1>"Log in to carebook"</h1>
                <h2>"Patients"</h2>
                <p>"Use your NHS login, the same one you use for the NHS App, to book appointments, order repeat prescriptions and see your record."</p>
                <a
                    class="nhsuk-button"
                    href=move || if step_up() { "/auth/patient/start?step_up=1" } else { "/auth/patient/start" }
                    rel="external"
                    role="button"
                    draggable="false"
                    data-module="nhsuk-button"
                >
                    "Continue to NHS login"
                </a>
                <h2>"Staff"</h2>
                <p>"Practice, hub and federation staff log in with their NHS staff account."</p>
                <a class="nhsuk-button nhsuk-button--secondary" href="/auth/staff/start" rel="external" role="button" draggable="false">
                    "Log in as staff"
                </a>
                <div class="nhsuk-inset-text">
                    <span class="nhsuk-u-visually-hidden">"Information: "</span>
                    <p>{HELP_NOW}</p>
                </div>
            </div>
        </div>
    }
}

/// What went wrong with a log-in, in words a person understands, and what
/// to do. The reason comes in the path; it carries no personal data.
#[component]
pub fn LoginProblemPage() -> impl IntoView {
    let params = use_params_map();
    let reason = params.with_untracked(|p| p.get("reason").unwrap_or_default());
    let (title, paragraphs, status): (&str, Vec<&str>, u16) = match reason.as_str() {
        "declined" => (
            "You did not share your details",
            vec![
                "carebook can only show your appointments, prescriptions and record if you agree to share your NHS login details with it.",
                "You can log in again and choose to share them.",
            ],
            200,
        ),
        "unavailable" => (
            "Sorry, you cannot log in at the moment",
            vec!["The log-in service is not answering. Try again later."],
            503,
        ),
        "timing" => (
            "We could not log you in",
            vec!["Your log-in could not be checked because of a timing problem. Try again in a few minutes."],
            200,
        ),
        "expired" => (
            "Your log-in has expired",
            vec![
                "You may have taken too long, used the back button, or opened an old link.",
                "Log in again to carry on.",
            ],
            200,
        ),
        "not-registered" => (
            "We could not find your GP registration",
            vec![
                "carebook is for people registered with a GP practice in Hertfordshire and West Essex.",
                "If you registered recently, it can take a few days before you can log in. If you think you are registered, contact your GP practice.",
            ],
            200,
        ),
        "birthdate" => (
            "Your details do not match your GP registration",
            vec![
                "The date of birth on your NHS login is not the one your GP practice has for you.",
                "Contact your GP practice to check the details they hold.",
            ],
            200,
        ),
        "staff" => (
            "Your staff account is not set up for carebook",
            vec!["Ask your practice manager or federation administrator to give you a role in carebook."],
            200,
        ),
        "too-many" => (
            "Too many attempts to log in",
            vec!["Wait a minute, then try again."],
            429,
        ),
        _ => ("We could not log you in", vec!["Something went wrong while checking your log-in. Try again."], 200),
    };
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK));
    }
    let _ = status;
    view! {
        <Title text=title />
        <div class="nhsuk-grid-row">
            <div class="nhsuk-grid-column-two-thirds">
                <h1>{title}</h1>
                {paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                <p><a class="nhsuk-link" href="/login">"Log in again"</a></p>
                <div class="nhsuk-inset-text">
                    <span class="nhsuk-u-visually-hidden">"Information: "</span>
                    <p>{HELP_NOW}</p>
                </div>
            </div>
        </div>
    }
}

#[component]
pub fn LoggedOutPage() -> impl IntoView {
    view! {
        <Title text="You have logged out" />
        <div class="nhsuk-grid-row">
            <div class="nhsuk-grid-column-two-thirds">
                <h1>"You have logged out"</h1>
                <p>"You have logged out of carebook. If you are using a shared computer, close the browser as well."</p>
                <p><a class="nhsuk-link" href="/login">"Log in again"</a></p>
            </div>
        </div>
    }
}

/// A card linking to one area of the service.
#[component]
fn AreaCard(href: &'static str, heading: &'static str, description: &'static str) -> impl IntoView {
    view! {
        <li class="nhsuk-grid-column-one-half nhsuk-card-group__item">
            <div class="nhsuk-card nhsuk-card--clickable">
                <div class="nhsuk-card__content">
                    <h2 class="nhsuk-card__heading nhsuk-heading-m">
                        <a class="nhsuk-card__link" href=href>{heading}</a>
                    </h2>
                    <p class="nhsuk-card__description">{description}</p>
                </div>
            </div>
        </li>
    }
}

/// The patient's home: who they are, their practice, and the areas of the
/// service. Partly verified patients see what they can do and how to prove
/// who they are.
#[component]
pub fn PatientHomePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| my_home());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Me { kind: MeKind::Patient { practice, acting_for }, display_name, .. }) => view! {
                        <Title text="Your carebook" />
                        <h1>{display_name}</h1>
                        <p class="nhsuk-lede-text">"Your GP practice: "<strong>{practice}</strong></p>
                        {(!acting_for.is_empty()).then(|| view! {
                            <p>"You can also act for: "{acting_for.join(", ")}</p>
                        })}
                        <ul class="nhsuk-grid-row nhsuk-card-group">
                            <AreaCard href="/appointments" heading="Appointments" description="Book, change or cancel appointments at your practice and your federation's hub." />
                            <AreaCard href="/prescriptions" heading="Prescriptions" description="Order repeat prescriptions and choose your pharmacy." />
                            <AreaCard href="/record" heading="Your health record" description="See your record from your GP, hospital and other services." />
                            <AreaCard href="/readings" heading="Home readings" description="Send blood sugar, blood pressure or oxygen readings to your practice." />
                        </ul>
                        <p><a class="nhsuk-link" href="/settings/contact">"Choose how we contact you"</a></p>
                    }
                    .into_any(),
                    Ok(Me { kind: MeKind::PartlyVerified, display_name, .. }) => view! {
                        <Title text="Your carebook" />
                        <h1>{display_name}</h1>
                        <div class="nhsuk-warning-callout">
                            <h2 class="nhsuk-warning-callout__label">
                                <span role="text"><span class="nhsuk-u-visually-hidden">"Important: "</span>"You need to prove who you are"</span>
                            </h2>
                            <p>"You have logged in, but NHS login has not yet checked your identity fully. Until it has, carebook cannot show your record or let you book appointments or order prescriptions."</p>
                        </div>
                        <p>"You can still:"</p>
                        <ul class="nhsuk-list nhsuk-list--bullet">
                            <li><a class="nhsuk-link" href="/practices">"find a GP practice or hub"</a></li>
                            <li>"read about what carebook does"</li>
                        </ul>
                        <a class="nhsuk-button" href="/auth/patient/start?step_up=1" rel="external" role="button" draggable="false">
                            "Prove who you are with NHS login"
                        </a>
                    }
                    .into_any(),
                    Ok(_) => view! { <StaffRedirect /> }.into_any(),
                    Err(_) => view! { <LoginNeeded /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StaffRedirect() -> impl IntoView {
    view! {
        <Title text="Your carebook" />
        <h1>"This page is for patients"</h1>
        <p><a class="nhsuk-link" href="/staff">"Go to the staff home page"</a></p>
    }
}

#[component]
fn LoginNeeded() -> impl IntoView {
    view! {
        <Title text="Log in to continue" />
        <h1>"Log in to continue"</h1>
        <p><a class="nhsuk-link" href="/login">"Log in"</a></p>
    }
}

/// The staff home: each role held and the work it opens.
#[component]
pub fn StaffHomePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| my_home());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Me { kind: MeKind::Staff { roles }, display_name, .. }) => view! {
                        <Title text="Staff home" />
                        <h1>{display_name}</h1>
                        {roles.into_iter().map(|(role, organisation)| {
                            let work: Vec<(&str, &str)> = match role.as_str() {
                                "Receptionist" => vec![
                                    ("/staff/day", "Today's appointments and arrivals"),
                                    ("/staff/book", "Book or move an appointment for a patient"),
                                    ("/staff/waitlist", "Waiting list"),
                                    ("/staff/rotas", "Rota templates and slots"),
                                    ("/staff/rules", "Booking rules"),
                                ],
                                "Clinician" => vec![
                                    ("/staff/day", "Your clinics today"),
                                    ("/staff/readings", "Home readings to review"),
                                ],
                                "Practice administrator" => vec![
                                    ("/staff/rotas", "Rota templates and slots"),
                                    ("/staff/rules", "Booking rules"),
                                    ("/staff/day", "The day list"),
                                ],
                                _ => vec![
                                    ("/staff/rotas", "Hub rota templates and slots"),
                                    ("/staff/rules", "Hub booking rules"),
                                    ("/staff/notifications", "Messages that could not be sent"),
                                ],
                            };
                            view! {
                                <h2>{format!("{role} at {organisation}")}</h2>
                                <ul class="nhsuk-list">
                                    {work.into_iter().map(|(href, text)| view! {
                                        <li><a class="nhsuk-link" href=href>{text}</a></li>
                                    }).collect_view()}
                                </ul>
                            }
                        }).collect_view()}
                    }
                    .into_any(),
                    Ok(_) => view! {
                        <Title text="Staff home" />
                        <h1>"This page is for staff"</h1>
                        <p><a class="nhsuk-link" href="/home">"Go to your home page"</a></p>
                    }
                    .into_any(),
                    Err(_) => view! { <LoginNeeded /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// An area of the service that a later release adds. It needs a login, like
/// the real thing, and says plainly that it is not there yet.
#[component]
pub fn NotYetPage(heading: &'static str) -> impl IntoView {
    let me = Resource::new(|| (), |_| my_home());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(_) => view! {
                        <Title text=heading />
                        <a class="nhsuk-back-link" href="/home">"Back to your home page"</a>
                        <h1>{heading}</h1>
                        <p>"This part of carebook is not available yet. Contact your GP practice for this in the meantime."</p>
                    }
                    .into_any(),
                    Err(_) => view! { <LoginNeeded /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
