//! Rota templates and slot generation, for practice and hub staff (the
//! booking rules' pages are in `rules.rs`, sharing the form helpers here).
//! Plain forms first: every page works with JavaScript off (each form posts to its server function, which sends the browser on to a page
//! that says what happened); with it on, the same forms run without a full
//! page load. What the user may see and change is decided on the server.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::rota::{
    bookable_by, channels, rota_form, staff_rotas, GenerateRotaSlots, Problem, RotaEditor, RotaFields, SaveRota,
    WEEKDAYS,
};
use crate::components::layout::{BackLink, ErrorSummary};

pub(super) fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Try again.".to_string(),
    }
}

/// The message for a field in error, if it is.
pub(super) fn message_for(problems: &[Problem], field: &str) -> Option<String> {
    problems.iter().find(|p| p.field == field).map(|p| p.message.clone())
}

pub(super) fn group_class(bad: bool) -> &'static str {
    if bad {
        "nhsuk-form-group nhsuk-form-group--error"
    } else {
        "nhsuk-form-group"
    }
}

fn input_class(base: &str, bad: bool) -> String {
    if bad {
        format!("{base} nhsuk-input--error")
    } else {
        base.to_string()
    }
}

/// The hint's id, and the error message's when there is one.
fn described(hint: Option<&str>, error: Option<String>) -> Option<String> {
    let parts: Vec<String> = hint.map(str::to_string).into_iter().chain(error).collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The summary at the top of a form's page: each problem, linking to its
/// field.
pub(super) fn summary(problems: &[Problem]) -> Option<impl IntoView> {
    (!problems.is_empty()).then(|| {
        let errors = problems.iter().map(|p| (p.field.clone(), p.message.clone())).collect::<Vec<_>>();
        view! { <ErrorSummary errors /> }
    })
}

/// Errors of the forms' server functions themselves (an expired form, the
/// service unavailable), once the page is hydrated. A form's own problems
/// come back with the page's data.
pub(super) fn failed(results: Vec<Option<Result<(), ServerFnError>>>, field: &'static str) -> Option<impl IntoView> {
    results
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
        .map(|e| view! { <ErrorSummary errors=vec![(field.to_string(), error_text(&e))] /> })
}

/// The inline message above a field in error (nhsuk-frontend's error
/// message component).
#[component]
fn ErrorMessage(id: String, message: String) -> impl IntoView {
    view! {
        <span class="nhsuk-error-message" id=id>
            <span class="nhsuk-u-visually-hidden">"Error: "</span>
            {message}
        </span>
    }
}

/// nhsuk-frontend's notification banner, success variant: what has just
/// been done.
#[component]
pub(super) fn SuccessBanner(heading: String, children: Children) -> impl IntoView {
    view! {
        <div class="nhsuk-notification-banner nhsuk-notification-banner--success" role="alert" aria-labelledby="nhsuk-notification-banner-title" data-module="nhsuk-notification-banner">
            <div class="nhsuk-notification-banner__header">
                <h2 class="nhsuk-notification-banner__title" id="nhsuk-notification-banner-title">"Success"</h2>
            </div>
            <div class="nhsuk-notification-banner__content">
                <h3 class="nhsuk-notification-banner__heading">{heading}</h3>
                {children()}
            </div>
        </div>
    }
}

/// Only the digits and dashes of a date taken from the address.
fn date_only(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit() || *c == '-').take(10).collect()
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// nhsuk-frontend's table container around a wide table: on a narrow
/// screen the table scrolls sideways within it, not the page. Focusable,
/// so that a keyboard can scroll it, and named by the table's heading. (No
/// visually hidden text inside: it is positioned outside the container's
/// clipping and would widen the page.)
#[component]
pub(super) fn Scroll(labelled_by: String, children: Children) -> impl IntoView {
    view! {
        <div class="nhsuk-table-container" role="region" aria-labelledby=labelled_by tabindex="0">
            {children()}
        </div>
    }
}

// ---------------------------------------------------------------------------
// Rota templates
// ---------------------------------------------------------------------------

/// The rota templates at each practice or hub where the user manages rotas,
/// with "Change" for each and "Add a rota".
#[component]
pub fn RotasPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| staff_rotas());
    view! {
        <Title text="Rota templates" />
        <BackLink href="/staff" text="Back to the staff home page" />
        <h1>"Rota templates"</h1>
        <p>"A rota template is a clinician's weekly pattern of clinic sessions. Generate slots from a template to make its appointments; generating again adds only what is missing."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => o.organisations.into_iter().map(|org| {
                        let add = format!("/staff/rotas/new?org={}", org.organisation_id);

                        let caption_id = format!("rotas-{}", org.organisation_id);
                        let add_label = format!(" at {}", org.name);
                        view! {
                            <h2 id=caption_id.clone()>{org.name.clone()}</h2>
                            {if org.rotas.is_empty() {
                                view! { <p>"There are no rota templates at "{org.name.clone()}" yet."</p> }.into_any()
                            } else {
                                view! {
                                    <Scroll labelled_by=caption_id.clone()><table class="nhsuk-table" aria-labelledby=caption_id.clone()>

                                        <thead class="nhsuk-table__head">
                                            <tr class="nhsuk-table__row">
                                                <th class="nhsuk-table__header" scope="col">"Appointment"</th>
                                                <th class="nhsuk-table__header" scope="col">"Clinician and place"</th>
                                                <th class="nhsuk-table__header" scope="col">"Who can book online"</th>
                                                <th class="nhsuk-table__header" scope="col">"Weekly sessions"</th>
                                                <th class="nhsuk-table__header" scope="col">"Dates"</th>
                                                <th class="nhsuk-table__header" scope="col" aria-label="Action"></th>
                                            </tr>
                                        </thead>
                                        <tbody class="nhsuk-table__body">
                                            {org.rotas.into_iter().map(|r| {
                                                let href = format!("/staff/rotas/{}", r.rota_template_id);
                                                let what = format!("Change the {} rota for {}", r.service, r.clinician);
                                                view! {
                                                    <tr class="nhsuk-table__row">
                                                        <td>{r.service}<br />{r.channel}</td>
                                                        <td>{r.clinician}<br />{r.location}</td>
                                                        <td>{r.bookable_by}</td>
                                                        <td>
                                                            <ul class="nhsuk-list nhsuk-u-margin-bottom-0">
                                                                {r.sessions.into_iter().map(|s| view! { <li class="nhsuk-u-margin-bottom-1">{s}</li> }).collect_view()}
                                                            </ul>
                                                        </td>
                                                        <td>
                                                            {r.effective}
                                                            {(!r.days_off.is_empty()).then(|| view! {
                                                                <p class="nhsuk-body-s nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0">"Days off:"</p>
                                                                <ul class="nhsuk-list nhsuk-body-s nhsuk-u-margin-bottom-0">
                                                                    {r.days_off.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}
                                                                </ul>
                                                            })}
                                                        </td>
                                                        <td>
                                                            <a class="nhsuk-link" href=href aria-label=what>"Change"</a>
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table></Scroll>
                                }.into_any()
                            }}
                            <p>
                                <a class="nhsuk-link" href=add>"Add a rota"<span class="nhsuk-u-visually-hidden">{add_label}</span></a>
                            </p>
                        }
                    }).collect_view().into_any(),
                    Err(e) => view! { <p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A select of `choices`, with a first "Choose …" option.
#[component]
fn Select(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    placeholder: &'static str,
    choices: Vec<(String, String)>,
    value: String,
    problems: Vec<Problem>,
) -> impl IntoView {
    let error = message_for(&problems, id);
    let bad = error.is_some();
    let class = if error.is_some() { "nhsuk-select nhsuk-select--error" } else { "nhsuk-select" };
    let error_id = format!("{id}-error");
    let describe = described(None, error.as_ref().map(|_| error_id.clone()));
    view! {
        <div class=group_class(bad)>
            <label class="nhsuk-label" for=id>{label}</label>
            {error.map(|m| view! { <ErrorMessage id=error_id message=m /> })}
            <select class=class id=id name=name aria-describedby=describe>
                <option value="" selected=value.is_empty()>{placeholder}</option>
                {choices.into_iter().map(|(v, l)| {
                    let on = v == value;
                    view! { <option value=v selected=on>{l}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// Radios in a fieldset; the first radio carries `id`, so that the error
/// summary's link lands on it.
#[component]
fn Radios(
    id: &'static str,
    name: &'static str,
    legend: &'static str,
    choices: Vec<(&'static str, &'static str)>,
    value: String,
    problems: Vec<Problem>,
) -> impl IntoView {
    let error = message_for(&problems, id);
    let bad = error.is_some();
    let error_id = format!("{id}-error");
    let describe = described(None, error.as_ref().map(|_| error_id.clone()));
    view! {
        <div class=group_class(bad)>
            <fieldset class="nhsuk-fieldset" aria-describedby=describe>
                <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
                {error.map(|m| view! { <ErrorMessage id=error_id message=m /> })}
                <div class="nhsuk-radios">
                    {choices.into_iter().enumerate().map(|(i, (v, l))| {
                        let input_id = if i == 0 { id.to_string() } else { format!("{id}-{}", i + 1) };
                        let on = v == value;
                        view! {
                            <div class="nhsuk-radios__item">
                                <input class="nhsuk-radios__input" id=input_id.clone() name=name type="radio" value=v checked=on />
                                <label class="nhsuk-label nhsuk-radios__label" for=input_id>{l}</label>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
        </div>
    }
}

/// A one-line text input with a label, an optional hint and its error.
#[component]
pub(super) fn TextField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    width: &'static str,
    value: String,
    problems: Vec<Problem>,
    #[prop(optional)] numeric: bool,
) -> impl IntoView {
    let error = message_for(&problems, id);
    let bad = error.is_some();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let describe = described(hint.map(|_| hint_id.as_str()), error.as_ref().map(|_| error_id.clone()));
    let class = input_class(&format!("nhsuk-input {width}"), error.is_some());
    let mode = numeric.then_some("numeric");
    view! {
        <div class=group_class(bad)>
            <label class="nhsuk-label" for=id>{label}</label>
            {hint.map(|h| view! { <div class="nhsuk-hint" id=hint_id.clone()>{h}</div> })}
            {error.map(|m| view! { <ErrorMessage id=error_id message=m /> })}
            <input class=class id=id name=name type="text" inputmode=mode autocomplete="off" spellcheck="false" aria-describedby=describe value=value />
        </div>
    }
}

/// The weekly sessions: rows per weekday (two, or more when a saved rota
/// has more), each a start, an end and an appointment length. A blank row
/// is no session.
#[component]
fn SessionsTable(fields: RotaFields, problems: Vec<Problem>) -> impl IntoView {
    let session_fields =
        |p: &Problem| p.field.ends_with("-starts") || p.field.ends_with("-ends") || p.field.ends_with("-minutes");
    // Every problem with the sessions is said above the table (a message
    // inside a cell would make the table too wide for a phone), each with
    // the id its input refers to; a problem with the sessions as a whole
    // (none, or two at once) is linked from the summary to the first row.
    let table_error = message_for(&problems, "sessions");
    let row_errors: Vec<Problem> = problems.iter().filter(|p| session_fields(p)).cloned().collect();
    let any_bad = table_error.is_some() || !row_errors.is_empty();
    let table_describe = if table_error.is_some() { "sessions-hint sessions-error" } else { "sessions-hint" };
    let mut nth = std::collections::HashMap::<String, usize>::new();
    let rows = fields
        .sessions
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let n = {
                let c = nth.entry(row.day.clone()).or_default();
                *c += 1;
                *c
            };
            let day_name = WEEKDAYS.iter().find(|(v, _)| *v == row.day).map(|(_, name)| *name).unwrap_or("Day");
            let which = match n {
                1 => "first session",
                2 => "second session",
                _ => "another session",
            };
            let cell = |part: &'static str, what: &'static str, value: String, width: &'static str| {
                let id = format!("{}-{n}-{part}", row.day);
                let error = message_for(&problems, &id);
                let error_id = format!("{id}-error");
                let describe = error.as_ref().map(|_| error_id.clone());
                let label = format!("{day_name}, {which}, {what}");
                let class = input_class(&format!("nhsuk-input {width}"), error.is_some());
                let name = format!("sessions[{i}][{part}]");
                view! {
                    <td>
                        <label class="nhsuk-label nhsuk-u-visually-hidden" for=id.clone()>{label}</label>
                        <input class=class id=id name=name type="text" autocomplete="off" spellcheck="false" aria-describedby=describe value=value />
                    </td>
                }
            };
            let day_input = view! { <input type="hidden" name=format!("sessions[{i}][day]") value=row.day.clone() /> };
            let header = if n == 1 {
                // "Mon" to the eye, so that the table fits a phone.
                view! {
                    <th class="nhsuk-table__header" scope="row">
                        <span aria-hidden="true">{&day_name[..3]}</span>
                        <span class="nhsuk-u-visually-hidden">{day_name}</span>
                        {day_input}
                    </th>
                }
                .into_any()
            } else {
                view! {
                    <th class="nhsuk-table__header" scope="row">
                        <span class="nhsuk-u-visually-hidden">{format!("{day_name}, {which}")}</span>
                        <span aria-hidden="true">"and"</span>
                        {day_input}
                    </th>
                }
                .into_any()
            };
            view! {
                <tr class="nhsuk-table__row">
                    {header}
                    {cell("starts", "starts", row.starts, "nhsuk-input--width-4")}
                    {cell("ends", "ends", row.ends, "nhsuk-input--width-4")}
                    {cell("minutes", "appointment length in minutes", row.minutes, "nhsuk-input--width-3")}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class=group_class(any_bad) id="sessions">
            <fieldset class="nhsuk-fieldset" aria-describedby=table_describe>
                <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">"Weekly sessions"</legend>
                <div class="nhsuk-hint" id="sessions-hint">
                    "Use the 24-hour clock, for example 08:30 to 12:00, and give each appointment's length in minutes, for example 10. Leave a row empty for no session."
                </div>
                {table_error.map(|m| view! { <ErrorMessage id="sessions-error".to_string() message=m /> })}
                {row_errors.into_iter().map(|p| view! { <ErrorMessage id=format!("{}-error", p.field) message=p.message /> }).collect_view()}
                <table class="nhsuk-table nhsuk-table--compact">
                    <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">"Weekly sessions"</caption>
                    <thead class="nhsuk-table__head">
                        <tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="col">"Day"</th>
                            <th class="nhsuk-table__header" scope="col">"Starts"</th>
                            <th class="nhsuk-table__header" scope="col">"Ends"</th>
                            <th class="nhsuk-table__header" scope="col">"Length (minutes)"</th>
                        </tr>
                    </thead>
                    <tbody class="nhsuk-table__body">{rows}</tbody>
                </table>
            </fieldset>
        </div>
    }
}

/// The rota's details: where, who, what, how, who may book, the dates, the
/// weekly sessions and the days off.
#[component]
fn RotaDetailsForm(e: RotaEditor, save: ServerAction<SaveRota>) -> impl IntoView {
    let f = e.fields.clone();
    let p = e.problems.clone();
    let services: Vec<(String, String)> =
        crate::api::booking::services().into_iter().map(|(v, l)| (v.to_string(), l.to_string())).collect();
    let days_off_error = message_for(&p, "days-off");
    let days_off_bad = days_off_error.is_some();
    let days_off_describe =
        described(Some("days-off-hint"), days_off_error.as_ref().map(|_| "days-off-error".to_string()));
    let days_off_class =
        if days_off_error.is_some() { "nhsuk-textarea nhsuk-textarea--error" } else { "nhsuk-textarea" };
    let button = if e.is_new { "Save rota" } else { "Save changes" };
    view! {
        <ActionForm action=save>
            <input type="hidden" name="csrf_token" value=e.csrf_token.clone() />
            <input type="hidden" name="rota_template_id" value=f.rota_template_id.clone() />
            <input type="hidden" name="organisation_id" value=f.organisation_id.clone() />
            <Select id="location" name="location_id" label="Where are the clinics held?" placeholder="Choose a location"
                choices=e.locations.clone() value=f.location_id.clone() problems=p.clone() />
            <Select id="clinician" name="clinician_id" label="Clinician" placeholder="Choose a clinician"
                choices=e.clinicians.clone() value=f.clinician_id.clone() problems=p.clone() />
            <Select id="service" name="service" label="Kind of appointment" placeholder="Choose a kind of appointment"
                choices=services value=f.service.clone() problems=p.clone() />
            <Radios id="channel" name="channel" legend="How do the appointments happen?"
                choices=channels() value=f.channel.clone() problems=p.clone() />
            <Radios id="bookable-by" name="bookable_by" legend="Who can book these appointments online?"
                choices=bookable_by() value=f.bookable_by.clone() problems=p.clone() />
            <TextField id="effective-from" name="effective_from" label="The rota starts on" hint="For example, 2027-01-04"
                width="nhsuk-input--width-10" value=f.effective_from.clone() problems=p.clone() />
            <TextField id="effective-until" name="effective_until" label="The rota ends on (optional)"
                hint="For example, 2027-03-31. Leave empty if the rota runs until it is changed."
                width="nhsuk-input--width-10" value=f.effective_until.clone() problems=p.clone() />
            <SessionsTable fields=f.clone() problems=p.clone() />
            <div class=group_class(days_off_bad)>
                <label class="nhsuk-label nhsuk-label--s" for="days-off">"Days off (optional)"</label>
                <div class="nhsuk-hint" id="days-off-hint">
                    "Days the rota does not run, such as bank holidays, leave or training. One a line: the date, then the reason. For example, 2027-12-25 Christmas Day"
                </div>
                {days_off_error.map(|m| view! { <ErrorMessage id="days-off-error".to_string() message=m /> })}
                <textarea class=days_off_class id="days-off" name="days_off" rows="4" spellcheck="false" aria-describedby=days_off_describe>
                    {f.days_off.clone()}
                </textarea>
            </div>
            <button class="nhsuk-button" type="submit">{button}</button>
        </ActionForm>
    }
}

/// Make a saved rota's slots between two dates.
#[component]
fn GenerateForm(e: RotaEditor, generate: ServerAction<GenerateRotaSlots>) -> impl IntoView {
    let p = e.generate_problems.clone();
    view! {
        <h2 id="generate">"Generate slots"</h2>
        <p>"Make this rota's appointments between two dates, up to 13 weeks at a time. Slots that are already there are left as they are, booked or not."</p>
        <ActionForm action=generate>
            <input type="hidden" name="csrf_token" value=e.csrf_token.clone() />
            <input type="hidden" name="rota_template_id" value=e.fields.rota_template_id.clone() />
            <TextField id="generate-from" name="from" label="First date" hint="For example, 2027-01-04"
                width="nhsuk-input--width-10" value=e.generate_from.clone() problems=p.clone() />
            <TextField id="generate-to" name="to" label="Last date" hint="For example, 2027-01-31"
                width="nhsuk-input--width-10" value=e.generate_to.clone() problems=p />
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Generate slots"</button>
        </ActionForm>
    }
}

/// A new rota (`/staff/rotas/new?org=…`) or a saved one (`/staff/rotas/{id}`):
/// the form, and for a saved rota "Generate slots". After saving or
/// generating, a banner says what was done.
#[component]
pub fn RotaPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let save = ServerAction::<SaveRota>::new();
    let generate = ServerAction::<GenerateRotaSlots>::new();
    let key = move || (params.with(|p| p.get("id")), query.with(|q| q.get("org")));
    // A form's problems are kept on the server; every finished action loads
    // the page's data again, which brings them.
    let finished = move || save.version().get() + generate.version().get();
    let editor = Resource::new(move || (key(), finished()), |((id, org), _)| rota_form(id, org));
    let outcome = move || {
        query.with(|q| {
            (
                q.get("saved").is_some(),
                q.get("added").and_then(|a| a.parse::<u64>().ok()),
                q.get("planned").and_then(|a| a.parse::<u64>().ok()),
                q.get("from").map(|d| date_only(&d)),
            )
        })
    };
    view! {
        <BackLink href="/staff/rotas" text="Back to rota templates" />
        {move || failed(vec![save.value().get(), generate.value().get()], "rota")}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let (saved, added, planned, from) = outcome();
                Suspend::new(async move {
                    match editor.await {
                        Ok(e) => {
                            // A problem with the sessions as a whole links to the first of them.
                            let first_session = e.fields.sessions.first().map(|r| format!("{}-1-starts", r.day)).unwrap_or_default();
                            let problems: Vec<Problem> = e
                                .problems
                                .iter()
                                .chain(e.generate_problems.iter())
                                .map(|p| if p.field == "sessions" { Problem { field: first_session.clone(), message: p.message.clone() } } else { p.clone() })
                                .collect();
                            let quiet = !problems.is_empty();
                            let banner = match (saved, added, planned) {
                                _ if quiet || e.is_new => None,
                                (_, Some(added), Some(planned)) => {
                                    let there = planned.saturating_sub(added);
                                    let heading = format!(
                                        "{} added ({} already there)",
                                        plural(added, "new slot", "new slots"),
                                        if there == 1 { "1 was".to_string() } else { format!("{there} were") },
                                    );
                                    let day = from.clone().filter(|d| d.len() == 10);
                                    Some(view! {
                                        <SuccessBanner heading>
                                            {day.map(|d| {
                                                let href = format!("/staff/day?day={d}");
                                                view! { <p><a class="nhsuk-notification-banner__link" href=href>"See the day list for "{d.clone()}</a></p> }
                                            })}
                                        </SuccessBanner>
                                    }.into_any())
                                }
                                (true, _, _) => Some(view! {
                                    <SuccessBanner heading="Rota saved".to_string()>
                                        <p>"Generate slots to make its appointments. Slots made before are kept as they were."</p>
                                    </SuccessBanner>
                                }.into_any()),
                                _ => None,
                            };
                            let heading = if e.is_new { "Add a rota".to_string() } else { e.title.clone() };
                            let title = if e.is_new { "Add a rota" } else { "Change a rota" };
                            let is_new = e.is_new;
                            let generate_part = (!is_new).then(|| view! { <GenerateForm e=e.clone() generate /> });
                            view! {
                                <Title text=title />
                                {summary(&problems)}
                                {banner}
                                <h1 id="rota">
                                    <span class="nhsuk-caption-l">{e.organisation.clone()}<span class="nhsuk-u-visually-hidden">" - "</span></span>
                                    {heading}
                                </h1>
                                {generate_part}
                                {(!is_new).then(|| view! { <h2>"Change this rota"</h2> })}
                                <RotaDetailsForm e=e.clone() save />
                            }.into_any()
                        }
                        Err(e) => view! {
                            <Title text="Rota template" />
                            <h1 id="rota">"Rota template"</h1>
                            <p>{error_text(&e)}</p>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------
// Booking rules
// ---------------------------------------------------------------------------
