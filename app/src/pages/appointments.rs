//! The patient's appointments: the list, booking in three steps (what kind
//! of appointment, a time, confirm), the confirmation, and changing or
//! cancelling an appointment. Plain HTML forms: every step works with
//! JavaScript off, and no step needs it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::booking::{
    appointment, form_token, my_appointments, services, time_to_confirm, AppointmentItem, BookTime, CancelAppointment,
    JoinWaitlist,
};
use crate::api::times::{times_week, Choice, TimesQuery, WeekOfTimes};
use crate::components::layout::{BackLink, ErrorSummary};

fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Try again.".to_string(),
    }
}

/// When, what and where: one time, for patients and for the desk.
#[component]
pub(crate) fn Summary(item: crate::api::booking::TimeItem) -> impl IntoView {
    view! {
        <dl class="nhsuk-summary-list">
            <div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">"When"</dt>
                <dd class="nhsuk-summary-list__value">{item.when}</dd>
            </div>
            <div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">"What"</dt>
                <dd class="nhsuk-summary-list__value">{item.service}" ("{item.channel}")"</dd>
            </div>
            <div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">"Where"</dt>
                <dd class="nhsuk-summary-list__value">{item.place}", "{item.location}</dd>
            </div>
        </dl>
    }
}

#[component]
pub fn AppointmentsPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| my_appointments());
    let query = use_query_map();
    let cancelled = move || query.with(|q| q.get("cancelled").is_some());
    let waitlisted = move || query.with(|q| q.get("waitlist").is_some());
    view! {
        <Title text="Your appointments" />
        <BackLink href="/home" text="Back to your home page" />
        {move || cancelled().then(|| view! {
            <div class="nhsuk-inset-text" role="status"><p>"Your appointment has been cancelled."</p></div>
        })}
        {move || waitlisted().then(|| view! {
            <div class="nhsuk-inset-text" role="status"><p>"You are on the waiting list. If an earlier time comes free, we will hold it for you for 30 minutes and tell you."</p></div>
        })}
        <h1>"Your appointments"</h1>
        <a class="nhsuk-button" href="/appointments/book" role="button" draggable="false">"Book an appointment"</a>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(mine) => view! {
                        <h2>"Upcoming"</h2>
                        {if mine.upcoming.is_empty() {
                            view! { <p>"You have no upcoming appointments."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="nhsuk-list">
                                    {mine.upcoming.into_iter().map(|a| view! { <AppointmentCard a /> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        {(!mine.past.is_empty()).then(|| view! {
                            <h2>"Past and cancelled"</h2>
                            <ul class="nhsuk-list">
                                {mine.past.into_iter().map(|a| view! { <AppointmentCard a /> }).collect_view()}
                            </ul>
                        })}
                    }.into_any(),
                    Err(e) => view! { <p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AppointmentCard(a: AppointmentItem) -> impl IntoView {
    let href = format!("/appointments/{}", a.appointment_id);
    let heading = format!("{} – {}", a.slot.when, a.slot.service);
    view! {
        <li class="nhsuk-card">
            <div class="nhsuk-card__content">
                <h3 class="nhsuk-card__heading nhsuk-heading-s">{heading}</h3>
                <p class="nhsuk-card__description">{a.slot.place}", "{a.slot.location}" · "{a.status}</p>
                {(a.live && a.upcoming).then(|| view! {
                    <a class="nhsuk-link" href=href>"Change or cancel this appointment"</a>
                })}
            </div>
        </li>
    }
}

/// Step 1: what kind of appointment.
#[component]
pub fn BookServicePage() -> impl IntoView {
    let query = use_query_map();
    let moving = move || query.with(|q| q.get("moving").unwrap_or_default());
    view! {
        <Title text="What do you need an appointment for?" />
        <BackLink href="/appointments" text="Back to your appointments" />
        <Form method="GET" action="/appointments/book/times">
            <input type="hidden" name="moving" value=moving />
            <div class="nhsuk-form-group">
                <fieldset class="nhsuk-fieldset">
                    <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--l">
                        <h1 class="nhsuk-fieldset__heading">"What do you need an appointment for?"</h1>
                    </legend>
                    <div class="nhsuk-radios">
                        {services().into_iter().enumerate().map(|(i, (code, label))| {
                            let id = format!("service-{i}");
                            view! {
                                <div class="nhsuk-radios__item">
                                    <input class="nhsuk-radios__input" id=id.clone() name="service" type="radio" value=code checked=i == 0 />
                                    <label class="nhsuk-label nhsuk-radios__label" for=id>{label}</label>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            </div>
            <button class="nhsuk-button" type="submit">"Continue"</button>
        </Form>
    }
}

/// Step 2: a time, made for a phone. One week at a time (previous and next
/// week are links), each day a section that opens to its times, morning,
/// afternoon and evening, in compact rows of choices; filters for place,
/// kind of clinician and in person / phone / video (a GET form); the first
/// available time at the top. All of it is plain HTML.
#[component]
pub fn BookTimesPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let service = move || param("service");
    let moving = move || param("moving");
    let asked = move || TimesQuery {
        service: param("service"),
        week: param("week").parse().unwrap_or(0),
        place: param("place"),
        kind: param("kind"),
        channel: param("channel"),
    };
    let times = Resource::new(asked, times_week);
    let token = Resource::new(|| (), |_| form_token());
    let waitlist = ServerAction::<JoinWaitlist>::new();
    view! {
        <Title text="Choose a time" />
        <BackLink href="/appointments/book" text="Back" />
        {move || waitlist.value().get().and_then(|r| r.err()).map(|e| view! {
            <ErrorSummary errors=vec![("waitlist-from".to_string(), error_text(&e))] />
        })}
        <Suspense fallback=|| view! { <p>"Finding times…"</p> }>
            {move || Suspend::new(async move {
                let q = asked();
                let moving = moving();
                match times.await {
                    Ok(week) if week.total == 0 => view! {
                        <h1>"There are no times to book online"</h1>
                        <p>"There are no free times for this kind of appointment in the next 2 weeks. Call your GP practice, or "<a href="/appointments/book">"choose another kind of appointment"</a>"."</p>
                    }.into_any(),
                    Ok(week) => view! { <TimesWeekView week q moving /> }.into_any(),
                    Err(e) => view! {
                        <h1>"Choose a time"</h1>
                        <ErrorSummary errors=vec![("service-0".to_string(), error_text(&e))] />
                        <p><a href="/appointments/book">"Choose the kind of appointment"</a></p>
                    }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let csrf = token.await.unwrap_or_default();
                let moving_now = !moving().is_empty();
                (!csrf.is_empty() && !moving_now).then(|| view! {
                    <h2>"Want an earlier time?"</h2>
                    <p>"Join the waiting list: if a time between these dates comes free, we hold it for you for 30 minutes and tell you."</p>
                    <ActionForm action=waitlist>
                        <input type="hidden" name="csrf_token" value=csrf />
                        <input type="hidden" name="service" value=service() />
                        <div class="nhsuk-form-group">
                            <label class="nhsuk-label" for="waitlist-from">"From"</label>
                            <input class="nhsuk-input nhsuk-input--width-10" id="waitlist-from" name="from" type="date" />
                        </div>
                        <div class="nhsuk-form-group">
                            <label class="nhsuk-label" for="waitlist-to">"Until"</label>
                            <input class="nhsuk-input nhsuk-input--width-10" id="waitlist-to" name="to" type="date" />
                        </div>
                        <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Join the waiting list"</button>
                    </ActionForm>
                })
            })}
        </Suspense>
    }
}

/// The address of the times page with one thing changed.
fn times_href(q: &TimesQuery, moving: &str, week: u32) -> String {
    let mut href = format!("/appointments/book/times?service={}&week={week}", q.service);
    for (name, value) in
        [("place", &q.place), ("kind", &q.kind), ("channel", &q.channel), ("moving", &moving.to_string())]
    {
        if !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) {
            href.push_str(&format!("&{name}={value}"));
        }
    }
    href
}

#[component]
fn FilterSelect(
    id: &'static str,
    label: &'static str,
    any: &'static str,
    choices: Vec<Choice>,
    chosen: String,
) -> impl IntoView {
    view! {
        <div class="nhsuk-form-group cb-filter">
            <label class="nhsuk-label" for=id>{label}</label>
            <select class="nhsuk-select" id=id name=id>
                <option value="" selected=chosen.is_empty()>{any}</option>
                {choices.into_iter().map(|c| {
                    let selected = c.value == chosen;
                    view! { <option value=c.value selected=selected>{c.label}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn TimesWeekView(week: WeekOfTimes, q: TimesQuery, moving: String) -> impl IntoView {
    let previous = (week.week > 0).then(|| times_href(&q, &moving, week.week - 1));
    let next = (week.week + 1 < week.weeks).then(|| times_href(&q, &moving, week.week + 1));
    let filtered = !(q.place.is_empty() && q.kind.is_empty() && q.channel.is_empty());
    let clear = format!(
        "/appointments/book/times?service={}{}",
        q.service,
        if moving.is_empty() { String::new() } else { format!("&moving={moving}") }
    );
    let first = week.first.clone().map(|t| {
        let href = format!("/appointments/book/confirm?slot_id={}{}", t.slot_id, if moving.is_empty() { String::new() } else { format!("&moving={moving}") });
        view! {
            <div class="nhsuk-card cb-first">
                <div class="nhsuk-card__content">
                    <h2 class="nhsuk-card__heading nhsuk-heading-s">"First available"</h2>
                    <p class="nhsuk-card__description">{t.when}<br />{t.place}" · "{t.channel}</p>
                    <a class="nhsuk-button nhsuk-u-margin-bottom-0" href=href role="button" draggable="false">"Choose this time"</a>
                </div>
            </div>
        }
    });
    let days = week.days;
    let empty_week = days.is_empty();
    let summary = format!("{} of {} times match", week.matching, week.total);
    view! {
        <h1>"Choose a time"</h1>
        <p class="nhsuk-hint">{week.service_label}". Times at your GP practice and at your federation's hub, in UK time."</p>
        {first}
        <details class="nhsuk-details cb-filters" open=filtered>
            <summary class="nhsuk-details__summary">
                <span class="nhsuk-details__summary-text">"Filter times"{filtered.then(|| format!(" ({summary})"))}</span>
            </summary>
            <div class="nhsuk-details__text">
                <form method="get" action="/appointments/book/times">
                    <input type="hidden" name="service" value=q.service.clone() />
                    {(!moving.is_empty()).then(|| view! { <input type="hidden" name="moving" value=moving.clone() /> })}
                    <FilterSelect id="place" label="Place" any="Any place" choices=week.places chosen=q.place.clone() />
                    <FilterSelect id="kind" label="Kind of clinician" any="Any clinician" choices=week.kinds chosen=q.kind.clone() />
                    <FilterSelect id="channel" label="How" any="In person, phone or video" choices=week.channels chosen=q.channel.clone() />
                    <button class="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-2" type="submit">"Show times"</button>
                    {filtered.then(|| view! { <p><a href=clear.clone()>"Clear filters"</a></p> })}
                </form>
            </div>
        </details>
        <nav class="cb-weeks" aria-label="Weeks">
            {match previous {
                Some(href) => view! { <a class="cb-weeks__link" href=href>"Previous week"</a> }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
            <h2 class="cb-weeks__range nhsuk-heading-xs">{week.range}</h2>
            {match next {
                Some(href) => view! { <a class="cb-weeks__link" href=href>"Next week"</a> }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
        </nav>
        {if empty_week {
            view! { <p>"There are no times this week"{filtered.then_some(" with these filters")}". Try the next week or clear the filters."</p> }.into_any()
        } else {
            view! {
                <form method="get" action="/appointments/book/confirm">
                    {(!moving.is_empty()).then(|| view! { <input type="hidden" name="moving" value=moving.clone() /> })}
                    {days.into_iter().enumerate().map(|(d, day)| {
                        let heading = format!("{} ({} times)", day.day, day.count);
                        view! {
                            <details class="cb-day" open=d == 0>
                                <summary class="cb-day__summary">{heading}</summary>
                                {day.groups.into_iter().enumerate().map(|(g, group)| {
                                    let legend = format!("{}, {} · {}", group.part, group.place, group.channel);
                                    view! {
                                        <fieldset class="cb-times">
                                            <legend class="cb-times__legend">{legend}</legend>
                                            <div class="cb-times__grid">
                                                {group.times.into_iter().enumerate().map(|(i, t)| {
                                                    let checked = d == 0 && g == 0 && i == 0;
                                                    view! {
                                                        <label class="cb-time">
                                                            <input type="radio" name="slot_id" value=t.slot_id checked=checked />
                                                            <span>{t.time}</span>
                                                        </label>
                                                    }
                                                }).collect_view()}
                                            </div>
                                        </fieldset>
                                    }
                                }).collect_view()}
                            </details>
                        }
                    }).collect_view()}
                    <button class="nhsuk-button" type="submit">"Continue"</button>
                </form>
            }.into_any()
        }}
    }
}

/// Step 3: check and confirm, with an optional note for the clinician.
#[component]
pub fn BookConfirmPage() -> impl IntoView {
    let query = use_query_map();
    let slot_id = move || query.with(|q| q.get("slot_id").unwrap_or_default());
    let moving = move || query.with(|q| q.get("moving").unwrap_or_default());
    let chosen = Resource::new(slot_id, time_to_confirm);
    let book = ServerAction::<BookTime>::new();
    view! {
        <Title text="Check and confirm your appointment" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match chosen.await {
                    Ok((item, csrf)) => {
                        let service_code = item.service_code.clone();
                        let back = format!("/appointments/book/times?service={service_code}");
                        let is_move = !moving().is_empty();
                        view! {
                            <a class="nhsuk-back-link" href=back>"Back"</a>
                            {move || book.value().get().and_then(|r| r.err()).map(|e| view! {
                                <ErrorSummary errors=vec![("note".to_string(), error_text(&e))] />
                            })}
                            <h1>{if is_move { "Check and confirm the new time" } else { "Check and confirm your appointment" }}</h1>
                            <Summary item=item.clone() />
                            <ActionForm action=book>
                                <input type="hidden" name="csrf_token" value=csrf />
                                <input type="hidden" name="slot_id" value=item.slot_id.clone() />
                                <input type="hidden" name="moving" value=moving() />
                                <input type="hidden" name="form_key" value=uuid_like() />
                                {(!is_move).then(|| view! {
                                    <div class="nhsuk-form-group">
                                        <label class="nhsuk-label" for="note">"Anything the clinician should know? (optional)"</label>
                                        <div class="nhsuk-hint" id="note-hint">"Up to 500 characters. Do not include anything urgent: call 111 or, in an emergency, 999."</div>
                                        <textarea class="nhsuk-textarea" id="note" name="note" rows="4" maxlength="500" aria-describedby="note-hint"></textarea>
                                    </div>
                                })}
                                <button class="nhsuk-button" type="submit">{if is_move { "Move my appointment" } else { "Book this appointment" }}</button>
                            </ActionForm>
                        }.into_any()
                    }
                    Err(e) => view! {
                        <h1>"This time cannot be booked"</h1>
                        <p>{error_text(&e)}</p>
                        <p><a href="/appointments/book">"Choose another time"</a></p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A key for this rendering of the form: submitting it twice books once.
fn uuid_like() -> String {
    #[cfg(feature = "ssr")]
    {
        uuid::Uuid::new_v4().to_string()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

#[component]
pub fn ConfirmedPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let found = Resource::new(id, appointment);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(a) => view! {
                        <Title text="Appointment confirmed" />
                        <div class="nhsuk-panel">
                            <h1 class="nhsuk-panel__title">"Appointment confirmed"</h1>
                            <div class="nhsuk-panel__body">{a.slot.when.clone()}</div>
                        </div>
                        <Summary item=a.slot.clone() />
                        <p>"We will send you a confirmation and a reminder the day before."</p>
                        <p><a class="nhsuk-link" href="/appointments">"See all your appointments"</a></p>
                    }.into_any(),
                    Err(e) => view! { <Title text="Appointment" /><h1>"Appointment"</h1><p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One appointment: change the time or cancel it.
#[component]
pub fn AppointmentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let found = Resource::new(id, appointment);
    let list = Resource::new(|| (), |_| my_appointments());
    let cancel = ServerAction::<CancelAppointment>::new();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (found.await, list.await) {
                    (Ok(a), Ok(mine)) => {
                        let change = format!("/appointments/book/times?service={}&moving={}", a.slot.service_code, a.appointment_id);
                        view! {
                            <Title text="Your appointment" />
                            <a class="nhsuk-back-link" href="/appointments">"Back to your appointments"</a>
                            {move || cancel.value().get().and_then(|r| r.err()).map(|e| view! {
                                <ErrorSummary errors=vec![("reason".to_string(), error_text(&e))] />
                            })}
                            <h1>"Your appointment"</h1>
                            <Summary item=a.slot.clone() />
                            {a.live.then(|| view! {
                                <h2>"Change the time"</h2>
                                <p><a class="nhsuk-link" href=change>"Choose a new time"</a></p>
                                <h2>"Cancel this appointment"</h2>
                                <ActionForm action=cancel>
                                    <input type="hidden" name="csrf_token" value=mine.csrf_token.clone() />
                                    <input type="hidden" name="appointment_id" value=a.appointment_id.clone() />
                                    <div class="nhsuk-form-group">
                                        <label class="nhsuk-label" for="reason">"Why are you cancelling?"</label>
                                        <textarea class="nhsuk-textarea" id="reason" name="reason" rows="3" maxlength="500"></textarea>
                                    </div>
                                    <button class="nhsuk-button nhsuk-button--warning" type="submit">"Cancel appointment"</button>
                                </ActionForm>
                            })}
                        }.into_any()
                    }
                    (Err(e), _) | (_, Err(e)) => view! { <Title text="Appointment" /><h1>"Appointment"</h1><p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
