//! The receptionist's desk: the day list, finding a patient (a POST; no
//! patient detail in any address), booking, moving and cancelling for them,
//! and the waiting list. Plain forms: everything works with JavaScript off,
//! and nothing needs it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::staff::{
    day_list, desk_found, staff_booking, staff_waitlist, BlockSlot, BookingDesk, DeskAppointment, FieldError,
    FindPatient, FindValues, MarkAttendance, Outcome, StaffBook, StaffCancel, StaffMove,
};
use crate::components::layout::{BackLink, ErrorSummary};
use crate::pages::appointments::Summary;

fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Try again.".to_string(),
    }
}

#[component]
pub fn DayListPage() -> impl IntoView {
    let query = use_query_map();
    let day = move || query.with(|q| q.get("day"));
    let mark = ServerAction::<MarkAttendance>::new();
    let block = ServerAction::<BlockSlot>::new();
    // After a form, hydrated, the router is sent to the address it is
    // already at; the finished actions reload the list.
    let finished = move || mark.version().get() + block.version().get();
    let list = Resource::new(move || (day(), finished()), |(day, _)| day_list(day));
    view! {
        <Title text="Day list" />
        <BackLink href="/staff" text="Back to the staff home page" />
        {move || mark.value().get().and_then(|r| r.err()).or_else(|| block.value().get().and_then(|r| r.err())).map(|e| view! {
            <ErrorSummary errors=vec![("day-list".to_string(), error_text(&e))] />
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(d) => {
                        let token = d.csrf_token.clone();
                        let day_value = d.day.clone();
                        view! {
                            <h1 id="day-list">"Day list: "{d.day_label.clone()}</h1>
                            <p class="cb-daylist-nav">
                                <a class="nhsuk-link" href=format!("/staff/day?day={}", d.previous)>"Previous day"</a>
                                " · "
                                <a class="nhsuk-link" href=format!("/staff/day?day={}", d.next)>"Next day"</a>
                            </p>
                            {d.organisations.is_empty().then(|| view! { <p>"You do not run appointments at any practice or hub."</p> })}
                            {d.organisations.into_iter().map(|o| {
                                let token = token.clone();
                                let day_value = day_value.clone();
                                view! {
                                    <h2>{o.name}</h2>
                                    <div class="cb-daylist">
                                    {o.clinicians.into_iter().map(|c| {
                                        let token = token.clone();
                                        let day_value = day_value.clone();
                                        let booked = c.rows.iter().filter(|r| r.patient.is_some()).count();
                                        let free = c.rows.iter().filter(|r| r.can_block).count();
                                        let counts = format!("{booked} booked, {free} free");
                                        view! {
                                            <table class="nhsuk-table cb-daylist__table">
                                                <caption class="nhsuk-table__caption nhsuk-table__caption--s">{c.clinician}<span class="cb-daylist__counts">" · "{counts}</span></caption>
                                                <thead class="nhsuk-table__head">
                                                    <tr><th scope="col">"Time"</th><th scope="col">"Patient and appointment"</th><th scope="col">"Status"</th><th scope="col">"Action"</th></tr>
                                                </thead>
                                                <tbody class="nhsuk-table__body">
                                                    {c.rows.into_iter().map(|r| view! { <DayRow r token=token.clone() day=day_value.clone() mark block /> }).collect_view()}
                                                </tbody>
                                            </table>
                                        }
                                    }).collect_view()}
                                    </div>
                                }
                            }).collect_view()}
                        }.into_any()
                    }
                    Err(e) => view! { <h1 id="day-list">"Day list"</h1><p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The colour of a status tag: the state of a row at a glance.
fn status_tag(status: &str) -> &'static str {
    let s = status.to_ascii_lowercase();
    if s.starts_with("free") {
        "nhsuk-tag nhsuk-tag--white"
    } else if s.starts_with("arrived") {
        "nhsuk-tag nhsuk-tag--green"
    } else if s.starts_with("did not") || s.starts_with("missed") {
        "nhsuk-tag nhsuk-tag--red"
    } else if s.starts_with("completed") {
        "nhsuk-tag nhsuk-tag--grey"
    } else if s.starts_with("blocked") {
        "nhsuk-tag nhsuk-tag--orange"
    } else if s.starts_with("held") {
        "nhsuk-tag nhsuk-tag--yellow"
    } else {
        "nhsuk-tag nhsuk-tag--blue"
    }
}

/// One time of the day list: what it is, its status as a coloured tag, and
/// its actions on the row. Booked appointments have their buttons; a free
/// time's "Block" and its reason sit in a small disclosure (a row menu that
/// needs no JavaScript), not in a text box on every free row.
#[component]
fn DayRow(
    r: crate::api::staff::Row,
    token: String,
    day: String,
    mark: ServerAction<MarkAttendance>,
    block: ServerAction<BlockSlot>,
) -> impl IntoView {
    let who = r.patient.clone().unwrap_or_default();
    let arrived_label = format!("{} arrived at {}", who, r.time);
    let dna_label = format!("{} did not attend at {}", who, r.time);
    let completed_label = format!("Completed: {} at {}", who, r.time);
    let (can_mark, can_complete) = (r.can_mark, r.can_complete);
    let block_label = format!("Reason for blocking {}", r.time);
    let menu_label = format!("Actions for {}", r.time);
    let reason_id = format!("reason-{}", r.slot_id);
    let (t1, t2, t3) = (token.clone(), token.clone(), token);
    let (d1, d2, d3) = (day.clone(), day.clone(), day);
    let (s2, s3) = (r.slot_id.clone(), r.slot_id.clone());
    let id = r.appointment_id.clone().unwrap_or_default();
    let tag = status_tag(&r.status);
    let row_class = if r.patient.is_some() { "cb-daylist__row cb-daylist__row--booked" } else { "cb-daylist__row" };
    view! {
        <tr class=row_class>
            <td class="cb-daylist__time">{r.time.clone()}</td>
            <td>
                {r.patient.clone().map(|p| view! { <strong>{p}</strong><br /> })}
                <span class="cb-daylist__what">{r.service}" · "{r.location}</span>
                {r.override_reason.clone().map(|why| view! {
                    <br />
                    <span class="nhsuk-body-s">"Booked over the rules: "{why}</span>
                })}
            </td>
            <td><strong class=tag>{r.status}</strong></td>
            <td class="cb-daylist__actions">
                {(can_mark || can_complete).then(move || {
                    view! {
                        <ActionForm action=mark>
                            <input type="hidden" name="csrf_token" value=t1 />
                            <input type="hidden" name="appointment_id" value=id />
                            <input type="hidden" name="day" value=d1 />
                            {can_mark.then(move || view! {
                                <button class="cb-action" type="submit" name="outcome" value="arrived" aria-label=arrived_label>"Arrived"</button>
                                <button class="cb-action cb-action--secondary" type="submit" name="outcome" value="did_not_attend" aria-label=dna_label>"Did not attend"</button>
                            })}
                            {can_complete.then(move || view! {
                                <button class="cb-action cb-action--secondary" type="submit" name="outcome" value="completed" aria-label=completed_label>"Completed"</button>
                            })}
                        </ActionForm>
                    }
                })}
                {r.can_block.then(move || view! {
                    <details class="cb-menu">
                        <summary class="cb-menu__summary" aria-label=menu_label>"Actions"</summary>
                        <ActionForm action=block attr:class="cb-menu__body">
                            <input type="hidden" name="csrf_token" value=t2 />
                            <input type="hidden" name="slot_id" value=s2 />
                            <input type="hidden" name="day" value=d2 />
                            <label class="nhsuk-label cb-menu__label" for=reason_id.clone()>{block_label}</label>
                            <input class="nhsuk-input cb-menu__input" id=reason_id name="reason" type="text" />
                            <button class="cb-action cb-action--secondary" type="submit">"Block"</button>
                        </ActionForm>
                    </details>
                })}
                {r.can_unblock.then(move || view! {
                    <ActionForm action=block>
                        <input type="hidden" name="csrf_token" value=t3 />
                        <input type="hidden" name="slot_id" value=s3 />
                        <input type="hidden" name="day" value=d3 />
                        <input type="hidden" name="unblock" value="yes" />
                        <button class="cb-action cb-action--secondary" type="submit">"Unblock"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

/// The summary of a problem kept for this page, if there is one.
fn kept(error: &Option<FieldError>) -> Option<impl IntoView> {
    error.clone().map(|e| view! { <ErrorSummary errors=vec![(e.field, e.message)] /> })
}

/// The message for a field, when it is one of `fields` that is in error.
fn message_for(error: &Option<FieldError>, fields: &[&str]) -> Option<String> {
    error.as_ref().filter(|e| fields.contains(&e.field.as_str())).map(|e| e.message.clone())
}

fn group_class(bad: bool) -> &'static str {
    if bad {
        "nhsuk-form-group nhsuk-form-group--error"
    } else {
        "nhsuk-form-group"
    }
}

/// The inline message above a field in error (nhsuk-frontend's error
/// message component).
#[component]
fn ErrorMessage(id: &'static str, message: String) -> impl IntoView {
    view! {
        <span class="nhsuk-error-message" id=id>
            <span class="nhsuk-u-visually-hidden">"Error: "</span>
            {message}
        </span>
    }
}

/// One of the three boxes of the NHS date input.
#[component]
fn DateItem(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    width: u8,
    value: String,
    bad: bool,
) -> impl IntoView {
    let class = format!(
        "nhsuk-input nhsuk-date-input__input nhsuk-input--width-{width}{}",
        if bad { " nhsuk-input--error" } else { "" }
    );
    view! {
        <div class="nhsuk-date-input__item">
            <div class="nhsuk-form-group">
                <label class="nhsuk-label nhsuk-date-input__label" for=id>{label}</label>
                <input class=class id=id name=name type="text" inputmode="numeric" autocomplete="off" value=value />
            </div>
        </div>
    }
}

/// Find a patient: by NHS number, or by last name and date of birth (and,
/// if it helps, the start of the first name). Two POST forms; what was
/// typed never reaches an address.
#[component]
fn FindForm(
    action: ServerAction<FindPatient>,
    csrf_token: String,
    values: FindValues,
    error: Option<FieldError>,
) -> impl IntoView {
    let nhs_error = message_for(&error, &["nhs-number"]);
    let name_error = message_for(&error, &["family-name"]);
    let dob_error = message_for(&error, &["dob-day", "dob-month", "dob-year"]);
    let dob_field = error.as_ref().map(|e| e.field.clone()).unwrap_or_default();
    // A missing month or year marks that box; any other date problem is
    // about the whole date.
    let dob_bad = |id: &str| dob_error.is_some() && (dob_field == id || dob_field == "dob-day");
    let (day_bad, month_bad, year_bad) = (dob_bad("dob-day"), dob_bad("dob-month"), dob_bad("dob-year"));
    let nhs_class = if nhs_error.is_some() {
        "nhsuk-input nhsuk-input--width-10 nhsuk-input--error"
    } else {
        "nhsuk-input nhsuk-input--width-10"
    };
    let name_class = if name_error.is_some() {
        "nhsuk-input nhsuk-u-width-two-thirds nhsuk-input--error"
    } else {
        "nhsuk-input nhsuk-u-width-two-thirds"
    };
    let nhs_described = if nhs_error.is_some() { "nhs-number-hint nhs-number-error" } else { "nhs-number-hint" };
    let name_described = name_error.is_some().then_some("family-name-error");
    let dob_described = if dob_error.is_some() { "dob-hint dob-error" } else { "dob-hint" };
    let token = csrf_token.clone();
    view! {
        <h2>"Search by NHS number"</h2>
        <ActionForm action=action>
            <input type="hidden" name="csrf_token" value=csrf_token />
            <div class=group_class(nhs_error.is_some())>
                <label class="nhsuk-label" for="nhs-number">"NHS number"</label>
                <div class="nhsuk-hint" id="nhs-number-hint">"10 digits, for example 999 000 0018"</div>
                {nhs_error.clone().map(|m| view! { <ErrorMessage id="nhs-number-error" message=m /> })}
                <input class=nhs_class id="nhs-number" name="nhs_number" type="text" inputmode="numeric" autocomplete="off" spellcheck="false"
                    aria-describedby=nhs_described value=values.nhs_number.clone() />
            </div>
            <button class="nhsuk-button" type="submit">"Find by NHS number"</button>
        </ActionForm>
        <h2>"Search by name and date of birth"</h2>
        <ActionForm action=action>
            <input type="hidden" name="csrf_token" value=token />
            <div class=group_class(name_error.is_some())>
                <label class="nhsuk-label" for="family-name">"Last name"</label>
                {name_error.clone().map(|m| view! { <ErrorMessage id="family-name-error" message=m /> })}
                <input class=name_class id="family-name" name="family_name" type="text" autocomplete="off" spellcheck="false"
                    aria-describedby=name_described value=values.family_name.clone() />
            </div>
            <div class="nhsuk-form-group">
                <label class="nhsuk-label" for="given-name">"First name (optional)"</label>
                <div class="nhsuk-hint" id="given-name-hint">"The start of the name is enough"</div>
                <input class="nhsuk-input nhsuk-u-width-two-thirds" id="given-name" name="given_name" type="text" autocomplete="off" spellcheck="false"
                    aria-describedby="given-name-hint" value=values.given_name.clone() />
            </div>
            <div class=group_class(dob_error.is_some())>
                <fieldset class="nhsuk-fieldset" role="group" aria-describedby=dob_described>
                    <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">"Date of birth"</legend>
                    <div class="nhsuk-hint" id="dob-hint">"For example, 14 6 1985"</div>
                    {dob_error.clone().map(|m| view! { <ErrorMessage id="dob-error" message=m /> })}
                    <div class="nhsuk-date-input" id="dob">
                        <DateItem id="dob-day" name="dob_day" label="Day" width=2 value=values.dob_day.clone() bad=day_bad />
                        <DateItem id="dob-month" name="dob_month" label="Month" width=2 value=values.dob_month.clone() bad=month_bad />
                        <DateItem id="dob-year" name="dob_year" label="Year" width=4 value=values.dob_year.clone() bad=year_bad />
                    </div>
                </fieldset>
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Find by name and date of birth"</button>
        </ActionForm>
    }
}

/// The free times for the chosen service, by day; choosing one shows the
/// booking rules for it. A GET form: it carries only opaque ids.
#[component]
fn TimesForm(b: BookingDesk, patient_id: String, moving: Option<String>, legend: &'static str) -> impl IntoView {
    b.service.as_ref()?;
    if b.times.is_empty() {
        return Some(
            view! {
                <p id="times">"There are no free times for this kind of appointment in the next 2 weeks."</p>
            }
            .into_any(),
        );
    }
    let chosen = b.chosen.as_ref().map(|t| t.slot_id.clone());
    let first = b.times.first().and_then(|d| d.times.first()).map(|t| t.slot_id.clone());
    let checked = chosen.filter(|c| b.times.iter().any(|d| d.times.iter().any(|t| &t.slot_id == c))).or(first);
    let service = b.service.clone().unwrap_or_default();
    Some(
        view! {
            <Form method="GET" action="/staff/book">
                <input type="hidden" name="patient" value=patient_id />
                {match moving {
                    Some(m) => view! { <input type="hidden" name="moving" value=m /> }.into_any(),
                    None => view! { <input type="hidden" name="service" value=service /> }.into_any(),
                }}
                <div class="nhsuk-form-group">
                    <fieldset class="nhsuk-fieldset" id="times">
                        <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">{legend}</legend>
                        {b.times.into_iter().enumerate().map(|(d, day)| view! {
                            <h3 class="nhsuk-heading-s">{day.day}</h3>
                            <div class="nhsuk-radios nhsuk-radios--small">
                                {day.times.into_iter().enumerate().map(|(i, t)| {
                                    let id = format!("time-{d}-{i}");
                                    let on = checked.as_deref() == Some(t.slot_id.as_str());
                                    view! {
                                        <div class="nhsuk-radios__item">
                                            <input class="nhsuk-radios__input" id=id.clone() name="slot_id" type="radio" value=t.slot_id checked=on />
                                            <label class="nhsuk-label nhsuk-radios__label" for=id>{format!("{} · {}, {}", t.time, t.place, t.location)}</label>
                                        </div>
                                    }
                                }).collect_view()}
                            </div>
                        }).collect_view()}
                    </fieldset>
                </div>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Check this time"</button>
            </Form>
        }
        .into_any(),
    )
}

/// Each booking rule's outcome for the chosen time, and why.
#[component]
fn Explainer(name: String, b: BookingDesk) -> impl IntoView {
    b.chosen.map(|t| {
        view! {
            <h2>"Can "{name}" have "{t.when}"?"</h2>
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption">"Booking rules"</caption>
                <thead class="nhsuk-table__head"><tr><th scope="col">"Rule"</th><th scope="col">"Outcome"</th><th scope="col">"Why"</th></tr></thead>
                <tbody class="nhsuk-table__body">
                    {b.checks.into_iter().map(|c| view! {
                        <tr><td>{c.rule}</td><td>{c.outcome}</td><td>{c.explanation}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}

/// Errors of the forms' server functions themselves (an expired form, the
/// service unavailable), once the page is hydrated; a form's own problems
/// come back with the page's data.
fn failed<T: Clone + Send + Sync + 'static>(results: Vec<Option<Result<T, ServerFnError>>>) -> Option<impl IntoView> {
    results
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
        .map(|e| view! { <ErrorSummary errors=vec![("desk".to_string(), error_text(&e))] /> })
}

/// Book, move or cancel for a patient. Without `patient=` it starts by
/// finding them; with it (their opaque id), their upcoming appointments
/// with "Move" and "Cancel", and booking in three steps: the kind of
/// appointment, a time, and the explainer with "Book this time".
#[component]
pub fn StaffBookPage() -> impl IntoView {
    let query = use_query_map();
    let find = ServerAction::<FindPatient>::new();
    let book = ServerAction::<StaffBook>::new();
    let move_to = ServerAction::<StaffMove>::new();
    let cancel = ServerAction::<StaffCancel>::new();
    let params = move || {
        query.with(|q| {
            (
                q.get("patient").unwrap_or_default(),
                q.get("service"),
                q.get("slot_id"),
                q.get("moving"),
                q.get("cancel"),
                q.get("moved"),
                q.get("cancelled"),
            )
        })
    };
    // A form's problem is kept on the server; every finished action loads
    // the page's data again, which brings it.
    let finished =
        move || find.version().get() + book.version().get() + move_to.version().get() + cancel.version().get();
    let desk = Resource::new(
        move || (params(), finished()),
        |((patient, service, slot_id, moving, cancel, moved, cancelled), _)| {
            staff_booking(patient, service, slot_id, moving, cancel, moved, cancelled)
        },
    );
    view! {
        {move || failed(vec![find.value().get(), book.value().get(), move_to.value().get(), cancel.value().get()])}
        <div id="desk">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match desk.await {
                        Ok(b) => match (b.patient.clone(), b.cancelling.clone(), b.moving.clone()) {
                            (None, _, _) => view! {
                                <Title text="Book for a patient" />
                                <BackLink href="/staff" text="Back to the staff home page" />
                                {kept(&b.flash.error)}
                                <h1>"Book for a patient"</h1>
                                <p>"Find the patient first: ask for their NHS number, or their last name and date of birth."</p>
                                <FindForm action=find csrf_token=b.csrf_token.clone() values=b.flash.values.clone() error=b.flash.error.clone() />
                            }.into_any(),
                            (Some(_), Some(a), _) => view! { <CancelStep b a cancel /> }.into_any(),
                            (Some(_), None, Some(a)) => view! { <MoveStep b a move_to /> }.into_any(),
                            (Some(_), None, None) => view! { <PatientDesk b book /> }.into_any(),
                        },
                        Err(e) => view! {
                            <Title text="Book for a patient" />
                            <h1>"Book for a patient"</h1>
                            <p>{error_text(&e)}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// The patient's page at the desk: who they are, what has just been done,
/// their upcoming appointments, and booking a new one.
#[component]
fn PatientDesk(b: BookingDesk, book: ServerAction<StaffBook>) -> impl IntoView {
    let p = b.patient.clone().unwrap_or_else(|| unreachable!("PatientDesk is shown for a patient"));
    let service = b.service.clone();
    let outcome = b.outcome.clone().map(|(o, a)| {
        let (title, body) = match o {
            Outcome::Moved => ("Appointment moved", format!("The new time is {}", a.slot.when)),
            Outcome::Cancelled => (
                "Appointment cancelled",
                format!("{} on {} has been cancelled. The time is free again.", a.slot.service, a.slot.when),
            ),
        };
        let day_list = format!("/staff/day?day={}", a.day);
        view! {
            <div class="nhsuk-panel">
                <h1 class="nhsuk-panel__heading">{title}</h1>
                <div class="nhsuk-panel__body">{body}</div>
            </div>
            <p><a class="nhsuk-link" href=day_list>"See the day list for "{a.day_label}</a></p>
        }
    });
    let has_outcome = outcome.is_some();
    let upcoming = b.upcoming.clone();
    let patient_id = p.patient_id.clone();
    let rows = upcoming
        .into_iter()
        .map(|a| {
            let move_href = format!("/staff/book?patient={}&moving={}", patient_id, a.appointment_id);
            let cancel_href = format!("/staff/book?patient={}&cancel={}", patient_id, a.appointment_id);
            let when = a.slot.when.clone();
            view! {
                <tr>
                    <td>{a.slot.when.clone()}</td>
                    <td>{a.slot.service.clone()}" ("{a.slot.channel.clone()}")"</td>
                    <td>{a.slot.place.clone()}", "{a.slot.location.clone()}</td>
                    <td>
                        <a class="nhsuk-link" href=move_href>"Move"<span class="nhsuk-u-visually-hidden">" the appointment on "{when.clone()}</span></a>
                        " · "
                        <a class="nhsuk-link" href=cancel_href>"Cancel"<span class="nhsuk-u-visually-hidden">" the appointment on "{when}</span></a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let no_upcoming = b.upcoming.is_empty();
    let token = b.csrf_token.clone();
    let allowed = b.allowed;
    let chosen = b.chosen.clone();
    let service_patient = p.patient_id.clone();
    view! {
        <Title text="Book for a patient" />
        <BackLink href="/staff/book" text="Find another patient" />
        {kept(&b.flash.error)}
        {outcome}
        {(!has_outcome).then(|| view! { <h1>"Book for a patient"</h1> })}
        <h2>{p.name.clone()}</h2>
        <dl class="nhsuk-summary-list">
            <div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">"Date of birth"</dt>
                <dd class="nhsuk-summary-list__value">{p.date_of_birth.clone()}</dd>
            </div>
            <div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">"NHS number"</dt>
                <dd class="nhsuk-summary-list__value">{p.nhs_number.clone()}</dd>
            </div>
            <div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">"Registered at"</dt>
                <dd class="nhsuk-summary-list__value">{p.practice.clone()}</dd>
            </div>
        </dl>
        <h2 id="upcoming">"Upcoming appointments"</h2>
        {if no_upcoming {
            view! { <p>{p.name.clone()}" has no upcoming appointments."</p> }.into_any()
        } else {
            view! {
                <table class="nhsuk-table">
                    <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">"Upcoming appointments"</caption>
                    <thead class="nhsuk-table__head">
                        <tr><th scope="col">"When"</th><th scope="col">"Appointment"</th><th scope="col">"Where"</th><th scope="col">"Change"</th></tr>
                    </thead>
                    <tbody class="nhsuk-table__body">{rows}</tbody>
                </table>
            }.into_any()
        }}
        <h2>"Book an appointment"</h2>
        <Form method="GET" action="/staff/book">
            <input type="hidden" name="patient" value=service_patient.clone() />
            <div class="nhsuk-form-group">
                <label class="nhsuk-label" for="service">"Kind of appointment"</label>
                <select class="nhsuk-select" id="service" name="service">
                    {crate::api::booking::services().into_iter().map(|(code, label)| {
                        let selected = service.as_deref() == Some(code);
                        view! { <option value=code selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Show times"</button>
        </Form>
        <TimesForm b=b.clone() patient_id=p.patient_id.clone() moving=None legend="Times this patient can have" />
        <Explainer name=p.name.clone() b=b.clone() />
        {chosen.map(|t| view! {
            <ActionForm action=book>
                <input type="hidden" name="csrf_token" value=token />
                <input type="hidden" name="patient_id" value=p.patient_id.clone() />
                <input type="hidden" name="slot_id" value=t.slot_id.clone() />
                <input type="hidden" name="form_key" value=form_key() />
                {(!allowed).then(|| view! {
                    <div class="nhsuk-form-group">
                        <label class="nhsuk-label" for="override-reason">"Reason for overriding the rules"</label>
                        <div class="nhsuk-hint" id="override-reason-hint">"Recorded with the booking. Some rules cannot be overridden."</div>
                        <input class="nhsuk-input" id="override-reason" name="override_reason" type="text" aria-describedby="override-reason-hint" />
                    </div>
                })}
                <button class="nhsuk-button" type="submit">"Book this time"</button>
            </ActionForm>
        })}
    }
}

/// Move one of the patient's appointments: a new time of the same kind,
/// the explainer for it, then "Move to this time" (one transaction: the
/// new time is taken and the old one freed).
#[component]
fn MoveStep(b: BookingDesk, a: DeskAppointment, move_to: ServerAction<StaffMove>) -> impl IntoView {
    let p = b.patient.clone().unwrap_or_else(|| unreachable!("MoveStep is shown for a patient"));
    let back = format!("/staff/book?patient={}", p.patient_id);
    let heading = format!("Move {}'s appointment", p.name);
    let token = b.csrf_token.clone();
    let allowed = b.allowed;
    let chosen = b.chosen.clone();
    let appointment_id = a.appointment_id.clone();
    let name = p.name.clone();
    view! {
        <Title text="Move an appointment" />
        <a class="nhsuk-back-link" href=back>"Back"</a>
        {kept(&b.flash.error)}
        <h1>{heading}</h1>
        <h2>"Current appointment"</h2>
        <Summary item=a.slot.clone() />
        {a.override_reason.clone().map(|why| view! { <p>"Booked over the rules: "{why}</p> })}
        <TimesForm b=b.clone() patient_id=p.patient_id.clone() moving=Some(a.appointment_id.clone()) legend="Choose a new time" />
        <Explainer name=p.name.clone() b=b.clone() />
        {chosen.map(|t| if allowed {
            view! {
                <ActionForm action=move_to>
                    <input type="hidden" name="csrf_token" value=token />
                    <input type="hidden" name="appointment_id" value=appointment_id />
                    <input type="hidden" name="slot_id" value=t.slot_id.clone() />
                    <button class="nhsuk-button" type="submit">"Move to this time"</button>
                </ActionForm>
            }.into_any()
        } else {
            view! { <p>"This time cannot be booked for "{name}". Choose another time."</p> }.into_any()
        })}
    }
}

/// Cancel one of the patient's appointments, with a reason.
#[component]
fn CancelStep(b: BookingDesk, a: DeskAppointment, cancel: ServerAction<StaffCancel>) -> impl IntoView {
    let p = b.patient.clone().unwrap_or_else(|| unreachable!("CancelStep is shown for a patient"));
    let back = format!("/staff/book?patient={}", p.patient_id);
    let heading = format!("Cancel {}'s appointment", p.name);
    let reason_error = message_for(&b.flash.error, &["reason"]);
    let described = if reason_error.is_some() { "reason-hint reason-error" } else { "reason-hint" };
    let textarea_class = if reason_error.is_some() { "nhsuk-textarea nhsuk-textarea--error" } else { "nhsuk-textarea" };
    view! {
        <Title text="Cancel an appointment" />
        <a class="nhsuk-back-link" href=back.clone()>"Back"</a>
        {kept(&b.flash.error)}
        <h1>{heading}</h1>
        <Summary item=a.slot.clone() />
        {a.override_reason.clone().map(|why| view! { <p>"Booked over the rules: "{why}</p> })}
        <ActionForm action=cancel>
            <input type="hidden" name="csrf_token" value=b.csrf_token.clone() />
            <input type="hidden" name="appointment_id" value=a.appointment_id.clone() />
            <div class=group_class(reason_error.is_some())>
                <label class="nhsuk-label" for="reason">"Why is the appointment being cancelled?"</label>
                <div class="nhsuk-hint" id="reason-hint">"Up to 500 characters. Recorded with the appointment."</div>
                {reason_error.clone().map(|m| view! { <ErrorMessage id="reason-error" message=m /> })}
                <textarea class=textarea_class id="reason" name="reason" rows="3" maxlength="500" aria-describedby=described></textarea>
            </div>
            <button class="nhsuk-button nhsuk-button--warning" type="submit">"Cancel appointment"</button>
        </ActionForm>
        <p><a class="nhsuk-link" href=back>"Keep this appointment"</a></p>
    }
}

fn form_key() -> String {
    #[cfg(feature = "ssr")]
    {
        uuid::Uuid::new_v4().to_string()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

/// The patients a last name and date of birth search found (their ids are
/// kept in the server-side session, never in the address), each linking to
/// their booking page; and the search forms again.
#[component]
pub fn FindPatientPage() -> impl IntoView {
    let find = ServerAction::<FindPatient>::new();
    let found = Resource::new(move || find.version().get(), |_| desk_found());
    view! {
        <Title text="Find a patient" />
        <BackLink href="/staff/book" text="Back" />
        {move || failed(vec![find.value().get()])}
        <div id="desk">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok(v) => {
                            let count = v.patients.len();
                            view! {
                                {kept(&v.flash.error)}
                                <h1>"Find a patient"</h1>
                                {if count == 0 {
                                    view! { <p>"Search by NHS number, or by last name and date of birth."</p> }.into_any()
                                } else {
                                    view! {
                                        <p>{format!("{count} patients you can book for match. Check their details with the patient, then choose one.")}</p>
                                        <table class="nhsuk-table">
                                            <caption class="nhsuk-table__caption">"Patients who match"</caption>
                                            <thead class="nhsuk-table__head">
                                                <tr><th scope="col">"Name"</th><th scope="col">"Date of birth"</th><th scope="col">"NHS number"</th><th scope="col">"Registered at"</th></tr>
                                            </thead>
                                            <tbody class="nhsuk-table__body">
                                                {v.patients.into_iter().map(|p| {
                                                    let href = format!("/staff/book?patient={}", p.patient_id);
                                                    view! {
                                                        <tr>
                                                            <td><a class="nhsuk-link" href=href>{p.name}</a></td>
                                                            <td>{p.date_of_birth}</td>
                                                            <td>{p.nhs_number}</td>
                                                            <td>{p.practice}</td>
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                                <FindForm action=find csrf_token=v.csrf_token values=v.flash.values error=v.flash.error />
                            }.into_any()
                        }
                        Err(e) => view! { <h1>"Find a patient"</h1><p>{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// The open waiting list at each practice or hub where the user runs
/// appointments: who, for what, between which dates, since when, and
/// whether a time is being held for them.
#[component]
pub fn WaitlistPage() -> impl IntoView {
    let lists = Resource::new(|| (), |_| staff_waitlist());
    view! {
        <Title text="Waiting list" />
        <BackLink href="/staff" text="Back to the staff home page" />
        <h1>"Waiting list"</h1>
        <p>"Patients who asked for an earlier appointment, oldest first: the order free times are offered in. An offered time is held for 30 minutes."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match lists.await {
                    Ok(orgs) if orgs.is_empty() => view! { <p>"You do not run appointments at any practice or hub."</p> }.into_any(),
                    Ok(orgs) => orgs.into_iter().map(|o| {
                        let caption = format!("Waiting list at {}", o.name);
                        view! {
                            <h2>{o.name.clone()}</h2>
                            {if o.entries.is_empty() {
                                view! { <p>"No one is on the waiting list at "{o.name}"."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="nhsuk-table">
                                        <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">{caption}</caption>
                                        <thead class="nhsuk-table__head">
                                            <tr><th scope="col">"Patient"</th><th scope="col">"Appointment"</th><th scope="col">"Between"</th><th scope="col">"Joined"</th><th scope="col">"Status"</th></tr>
                                        </thead>
                                        <tbody class="nhsuk-table__body">
                                            {o.entries.into_iter().map(|e| view! {
                                                <tr><td>{e.patient}</td><td>{e.service}</td><td>{e.window}</td><td>{e.joined}</td><td>{e.status}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                        }
                    }).collect_view().into_any(),
                    Err(e) => view! { <p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
