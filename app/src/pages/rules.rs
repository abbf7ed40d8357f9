//! Booking rules per organisation and service: every practice's and hub's
//! rules for staff who run its appointments, changed only by its
//! administrators. Plain forms first, like the rota pages whose form
//! helpers they share.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::rota::{error_text, failed, group_class, message_for, summary, Scroll, SuccessBanner, TextField};
use crate::api::rota::{rule_form, staff_rules, ResetRule, RuleEditor, RuleFields, RuleRow, SaveRule};
use crate::components::layout::BackLink;

fn service_label(code: &str) -> Option<&'static str> {
    crate::api::booking::services().into_iter().find(|(c, _)| *c == code).map(|(_, l)| l)
}

/// Every service's booking rules at each practice or hub where the user
/// runs appointments; administrators may change them.
#[component]
pub fn RulesPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| staff_rules());
    let query = use_query_map();
    let outcome = move || {
        query.with(|q| {
            q.get("saved").and_then(|s| service_label(&s)).map(|l| format!("Booking rules saved for {l}")).or_else(
                || {
                    q.get("reset")
                        .and_then(|s| service_label(&s))
                        .map(|l| format!("{l} now follows carebook's default rules"))
                },
            )
        })
    };
    view! {
        <Title text="Booking rules" />
        <BackLink href="/staff" text="Back to the staff home page" />
        {move || outcome().map(|heading| view! { <SuccessBanner heading><p>"Patients booking online see the change straight away."</p></SuccessBanner> })}
        <h1>"Booking rules"</h1>
        <p>"The rules patients booking online must meet, for each kind of appointment. At the desk, staff can override the timing, limit and eligibility rules with a recorded reason."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => o.organisations.into_iter().map(|org| {
                        let may_set = org.may_set;

                        let caption_id = format!("rules-{}", org.organisation_id);
                        let org_id = org.organisation_id.clone();
                        view! {
                            <h2 id=caption_id.clone()>{org.name.clone()}</h2>
                            {(!may_set).then(|| view! {
                                <p>"Only practice and hub administrators can change these rules."</p>
                            })}
                            <Scroll labelled_by=caption_id.clone()><table class="nhsuk-table" aria-labelledby=caption_id.clone()>

                                <thead class="nhsuk-table__head">
                                    <tr class="nhsuk-table__row">
                                        <th class="nhsuk-table__header" scope="col">"Appointment"</th>
                                        <th class="nhsuk-table__header" scope="col">"How far ahead"</th>
                                        <th class="nhsuk-table__header" scope="col">"Same-day release"</th>
                                        <th class="nhsuk-table__header" scope="col">"Minimum notice"</th>
                                        <th class="nhsuk-table__header" scope="col">"Patients can change"</th>
                                        <th class="nhsuk-table__header" scope="col">"Limit per patient"</th>
                                        <th class="nhsuk-table__header" scope="col">"Who it is for"</th>
                                        <th class="nhsuk-table__header" scope="col">"Set by"</th>
                                        {may_set.then(|| view! { <th class="nhsuk-table__header" scope="col" aria-label="Action"></th> })}
                                    </tr>
                                </thead>
                                <tbody class="nhsuk-table__body">
                                    {org.services.into_iter().map(|r| {
                                        let href = format!("/staff/rules/{}/{}", org_id, r.service_code);
                                        let what = format!("Change the rules for {}", r.service);
                                        view! {
                                            <tr class="nhsuk-table__row">
                                                <td>{r.service}</td>
                                                <td>{r.horizon}</td>
                                                <td>{r.same_day_release}</td>
                                                <td>{r.minimum_notice}</td>
                                                <td>"Until "{r.change_cutoff.to_lowercase()}</td>
                                                <td>{r.limit}</td>
                                                <td>{r.who_for}</td>
                                                <td>{r.set_by}</td>
                                                {may_set.then(|| view! {
                                                    <td><a class="nhsuk-link" href=href aria-label=what>"Change"</a></td>
                                                })}
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></Scroll>
                        }
                    }).collect_view().into_any(),
                    Err(e) => view! { <p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The rules in force, as a summary list.
#[component]
fn RulesSummary(r: RuleRow) -> impl IntoView {
    let rows = vec![
        ("How far ahead", r.horizon),
        ("Same-day release", r.same_day_release),
        ("Minimum notice", r.minimum_notice),
        ("Patients can change", format!("Until {}", r.change_cutoff.to_lowercase())),
        ("Limit per patient", r.limit),
        ("Who it is for", r.who_for),
        ("Set by", r.set_by),
    ];
    view! {
        <dl class="nhsuk-summary-list">
            {rows.into_iter().map(|(k, v)| view! {
                <div class="nhsuk-summary-list__row">
                    <dt class="nhsuk-summary-list__key">{k}</dt>
                    <dd class="nhsuk-summary-list__value">{v}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
}

/// The rules form (administrators only).
#[component]
fn RuleFieldsForm(e: RuleEditor, save: ServerAction<SaveRule>) -> impl IntoView {
    let f: RuleFields = e.fields.clone();
    let p = e.problems.clone();
    let condition_bad =
        message_for(&p, "condition-codes").is_some() || message_for(&p, "condition-description").is_some();
    view! {
        <ActionForm action=save>
            <input type="hidden" name="csrf_token" value=e.csrf_token.clone() />
            <input type="hidden" name="organisation_id" value=e.organisation_id.clone() />
            <input type="hidden" name="service" value=e.service_code.clone() />
            <TextField id="horizon-days" name="horizon_days" label="How far ahead patients can book, in days"
                hint="From 1 to 366. For example, 28 lets patients book up to 4 weeks ahead."
                width="nhsuk-input--width-3" value=f.horizon_days.clone() problems=p.clone() numeric=true />
            <TextField id="same-day-release" name="same_day_release" label="Release today's appointments at (optional)"
                hint="On the 24-hour clock, for example 08:00. Leave empty to let patients book today's appointments at any time."
                width="nhsuk-input--width-5" value=f.same_day_release.clone() problems=p.clone() />
            <TextField id="minimum-notice" name="minimum_notice_minutes" label="Minimum notice, in minutes"
                hint="Online booking closes this long before an appointment. For example, 30. Up to 20160 (14 days)."
                width="nhsuk-input--width-5" value=f.minimum_notice_minutes.clone() problems=p.clone() numeric=true />
            <TextField id="change-cutoff" name="change_cutoff_minutes" label="Cut-off for patients' changes, in minutes"
                hint="Patients cannot move or cancel online closer than this to the appointment. For example, 120 for 2 hours."
                width="nhsuk-input--width-5" value=f.change_cutoff_minutes.clone() problems=p.clone() numeric=true />
            <TextField id="limit" name="max_active_per_patient" label="Limit per patient (optional)"
                hint="The most future appointments of this kind one patient can have, from 1 to 20. Leave empty for no limit."
                width="nhsuk-input--width-3" value=f.max_active_per_patient.clone() problems=p.clone() numeric=true />
            <div class=group_class(condition_bad)>
                <fieldset class="nhsuk-fieldset" aria-describedby="condition-hint">
                    <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">"Who it is for (optional)"</legend>
                    <div class="nhsuk-hint" id="condition-hint">"Leave both empty if the appointment is for everyone registered."</div>
                    <TextField id="condition-codes" name="condition_codes" label="SNOMED CT codes of the condition"
                        hint="Separate codes with spaces. For example, 44054006 for type 2 diabetes."
                        width="nhsuk-u-width-two-thirds" value=f.condition_codes.clone() problems=p.clone() />
                    <TextField id="condition-description" name="condition_description" label="Who it is for, as patients are told"
                        hint="Patients who cannot book are told \"This appointment is …\". For example, for people with diabetes"
                        width="nhsuk-u-width-two-thirds" value=f.condition_description.clone() problems=p.clone() />
                </fieldset>
            </div>
            <button class="nhsuk-button" type="submit">"Save rules"</button>
        </ActionForm>
    }
}

/// One service's rules at a practice or hub: the form for administrators,
/// with "Use carebook's defaults"; the rules alone for everyone else.
#[component]
pub fn RulePage() -> impl IntoView {
    let params = use_params_map();
    let save = ServerAction::<SaveRule>::new();
    let reset = ServerAction::<ResetRule>::new();
    let key = move || params.with(|p| (p.get("org").unwrap_or_default(), p.get("service").unwrap_or_default()));
    let finished = move || save.version().get() + reset.version().get();
    let editor = Resource::new(move || (key(), finished()), |((org, service), _)| rule_form(org, service));
    view! {
        <BackLink href="/staff/rules" text="Back to booking rules" />
        {move || failed(vec![save.value().get(), reset.value().get()], "rules")}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(e) => {
                        let heading = format!("Booking rules: {}", e.service);
                        let set_here = e.current.set_here;
                        let token = e.csrf_token.clone();
                        let (org, service) = (e.organisation_id.clone(), e.service_code.clone());
                        view! {
                            <Title text="Booking rules" />
                            {summary(&e.problems)}
                            <h1 id="rules">
                                <span class="nhsuk-caption-l">{e.organisation.clone()}<span class="nhsuk-u-visually-hidden">" - "</span></span>
                                {heading}
                            </h1>
                            {if set_here {
                                view! { <p>{format!("{} has set its own rules for this kind of appointment.", e.organisation)}</p> }.into_any()
                            } else {
                                view! { <p>"These are carebook's default rules. Saving makes them this organisation's own."</p> }.into_any()
                            }}
                            {if e.may_set {
                                view! {
                                    <RuleFieldsForm e=e.clone() save />
                                    {set_here.then(|| view! {
                                        <h2>"Go back to carebook's defaults"</h2>
                                        <p>"Forget this organisation's rules for this kind of appointment and use carebook's default rules again."</p>
                                        <ActionForm action=reset>
                                            <input type="hidden" name="csrf_token" value=token />
                                            <input type="hidden" name="organisation_id" value=org />
                                            <input type="hidden" name="service" value=service />
                                            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Use carebook's defaults"</button>
                                        </ActionForm>
                                    })}
                                }.into_any()
                            } else {
                                view! {
                                    <RulesSummary r=e.current.clone() />
                                    <p>"Only practice and hub administrators can change booking rules. Ask your practice manager."</p>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                    Err(e) => view! {
                        <Title text="Booking rules" />
                        <h1 id="rules">"Booking rules"</h1>
                        <p>{error_text(&e)}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
