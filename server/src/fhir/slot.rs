//! `GET /fhir/r4/Slot`: the free slots a patient may book, as a searchset
//! Bundle, with their Schedules on `_include=Slot:schedule`.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use carebook_core::access::Actor;
use carebook_core::booking::view::SlotView;
use carebook_core::booking::{ServiceKind, Slot};
use carebook_session as session;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

use super::resources;
use super::{authorise, bad_request, base_url, codes, fhir, logged_in, patient_reference, unavailable};
use crate::state::AppState;

/// Without `start`, this many days from now.
const DEFAULT_DAYS: i64 = 14;
/// Nothing past the booking horizon (28 London days) can be booked anyway.
const MAX_DAYS: i64 = 29;

/// One `start` bound: `[from, to)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
}

fn london_midnight(date: Date) -> OffsetDateTime {
    carebook_core::london::resolve(date, Time::MIDNIGHT)
}

/// Read a FHIR date search value: `[prefix]YYYY-MM-DD` (a London day) or
/// `[prefix]YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm)`.
pub fn parse_start(value: &str) -> Result<Range, String> {
    // A `+` left unencoded in a query string arrives as a space.
    let value = value.trim().replace(' ', "+");
    let (prefix, rest) = match value.get(..2) {
        Some(p @ ("ge" | "gt" | "le" | "lt" | "eq")) => (p, &value[2..]),
        Some("ne" | "sa" | "eb" | "ap") => return Err(format!("start: the prefix {} is not supported", &value[..2])),
        _ => ("eq", value.as_str()),
    };
    // The value as the range it covers: a whole day, or one instant.
    let (low, high) = if rest.len() == 10 {
        let date = crate::api::booking::calendar_day(rest).ok_or_else(|| format!("start: {rest} is not a date"))?;
        (london_midnight(date), london_midnight(date.next_day().ok_or("start: out of range")?))
    } else {
        let at = OffsetDateTime::parse(rest, &Rfc3339)
            .map_err(|_| format!("start: {rest} is not a date or a date and time with its offset"))?;
        // An instant at the very edge of the years that can be written (in
        // UTC, or one nanosecond on) is outside any search.
        let next = at
            .checked_to_offset(time::UtcOffset::UTC)
            .and_then(|_| at.checked_add(Duration::nanoseconds(1)))
            .and_then(|n| n.checked_to_offset(time::UtcOffset::UTC).map(|_| n))
            .ok_or("start: out of range")?;
        (at, next)
    };
    Ok(match prefix {
        "ge" => Range { from: Some(low), to: None },
        "gt" => Range { from: Some(high), to: None },
        "le" => Range { from: None, to: Some(high) },
        "lt" => Range { from: None, to: Some(low) },
        _ => Range { from: Some(low), to: Some(high) },
    })
}

/// The query, as the search needs it.
#[derive(Debug, Default)]
struct Query {
    services: Option<Vec<ServiceKind>>,
    from: Option<OffsetDateTime>,
    to: Option<OffsetDateTime>,
    free_wanted: bool,
    include_schedule: bool,
    patient: Option<String>,
}

fn parse_query(raw: &str) -> Result<Query, String> {
    let mut q = Query { free_wanted: true, ..Default::default() };
    let mut starts = 0;
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "service-type" => {
                let services = q.services.get_or_insert_with(Vec::new);
                for kind in codes::services_for_token(&value) {
                    if !services.contains(&kind) {
                        services.push(kind);
                    }
                }
            }
            "start" => {
                starts += 1;
                if starts > 2 {
                    return Err("start: at most two bounds".into());
                }
                let r = parse_start(&value)?;
                if let Some(f) = r.from {
                    q.from = Some(q.from.map_or(f, |x| x.max(f)));
                }
                if let Some(t) = r.to {
                    q.to = Some(q.to.map_or(t, |x| x.min(t)));
                }
            }
            "status" => {
                q.free_wanted = value.split(',').any(|s| s.trim() == "free");
            }
            "_include" if value == "Slot:schedule" => q.include_schedule = true,
            "patient" => q.patient = Some(value.into_owned()),
            // Other parameters are ignored (FHIR's lenient handling); the
            // self link says which were used.
            _ => {}
        }
    }
    Ok(q)
}

fn self_link(base: &str, q: &Query, from: OffsetDateTime, to: OffsetDateTime, patient_id: Uuid) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    if let Some(services) = &q.services {
        let codes: Vec<String> =
            services.iter().map(|k| format!("{}|{}", codes::SERVICE_KIND_SYSTEM, k.as_str())).collect();
        s.append_pair("service-type", &codes.join(","));
    }
    s.append_pair("start", &format!("ge{}", from.format(&Rfc3339).unwrap_or_default()));
    s.append_pair("start", &format!("lt{}", to.format(&Rfc3339).unwrap_or_default()));
    s.append_pair("status", if q.free_wanted { "free" } else { "busy" });
    s.append_pair("patient", &format!("Patient/{patient_id}"));
    if q.include_schedule {
        s.append_pair("_include", "Slot:schedule");
    }
    format!("{base}/Slot?{}", s.finish())
}

pub async fn search(
    State(state): State<AppState>,
    axum::Extension(current): axum::Extension<session::CurrentLogin>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let actor = crate::api::actor(&current);
    if let Err(answer) = logged_in(&actor) {
        return *answer;
    }
    let q = match parse_query(raw.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(why) => return bad_request(&why),
    };
    let patient_id = match (&q.patient, &actor) {
        (Some(p), _) => match patient_reference(p) {
            Some(id) => id,
            None => return bad_request("patient: give Patient/{id}"),
        },
        (None, Actor::Patient(p)) => p.patient_id,
        (None, _) => {
            return bad_request("patient: staff must say which patient the slots are for (patient=Patient/{id})")
        }
    };
    if let Err(answer) = authorise(&state, &actor, patient_id, "fhir_slot_search").await {
        return answer;
    }

    let now = state.services.clock.now();
    let from = q.from.unwrap_or(now).max(now);
    let to = q.to.unwrap_or(from + Duration::days(DEFAULT_DAYS)).min(now + Duration::days(MAX_DAYS));
    let base = base_url(&state, &headers);
    let services = q.services.clone().unwrap_or_else(|| ServiceKind::ALL.to_vec());

    let mut found: Vec<Slot> = Vec::new();
    if q.free_wanted && from < to {
        for service in services {
            match state.services.booking.availability(&actor, patient_id, service, from, to).await {
                Ok(slots) => found.extend(slots),
                // Refused or not there: one answer, as for any patient the
                // caller may not see.
                Err(e) if matches!(e.code(), "not_found" | "needs_p9" | "not_logged_in") => return super::not_found(),
                Err(e) => {
                    tracing::error!(error = %e, "slot search failed");
                    return unavailable();
                }
            }
        }
    }
    found.sort_by_key(|s| (s.starts_at, s.slot_id));

    let mut entries: Vec<(serde_json::Value, &'static str)> =
        found.iter().map(|s| (resources::slot(s), "match")).collect();
    if q.include_schedule {
        let views = match state.services.booking.slot_views(&found).await {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "schedule lookup failed");
                return unavailable();
            }
        };
        let mut groups: BTreeMap<String, Vec<&SlotView>> = BTreeMap::new();
        for v in &views {
            groups.entry(resources::schedule_id(v.slot.clinician_id, v.slot.organisation_id)).or_default().push(v);
        }
        for slots in groups.values() {
            entries.push((resources::schedule(slots, (from, to)), "include"));
        }
    }
    let link = self_link(&base, &q, from, to, patient_id);
    fhir(StatusCode::OK, &resources::searchset(&base, link, now, found.len(), entries))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn dates_are_london_days_and_date_times_are_instants() {
        // 1 July is in British Summer Time: the day starts at 23:00 UTC.
        let r = parse_start("ge2027-07-01").unwrap();
        assert_eq!(r, Range { from: Some(datetime!(2027-06-30 23:00 UTC)), to: None });
        let r = parse_start("le2027-07-01").unwrap();
        assert_eq!(r, Range { from: None, to: Some(datetime!(2027-07-01 23:00 UTC)) });
        let r = parse_start("lt2027-01-10").unwrap();
        assert_eq!(r, Range { from: None, to: Some(datetime!(2027-01-10 00:00 UTC)) });
        let r = parse_start("2027-01-10").unwrap();
        assert_eq!(r.from, Some(datetime!(2027-01-10 00:00 UTC)));
        assert_eq!(r.to, Some(datetime!(2027-01-11 00:00 UTC)));
        let r = parse_start("ge2027-01-10T09:30:00+01:00").unwrap();
        assert_eq!(r.from, Some(datetime!(2027-01-10 08:30 UTC)));
        // An unencoded + became a space on the way.
        let r = parse_start("ge2027-01-10T09:30:00 01:00").unwrap();
        assert_eq!(r.from, Some(datetime!(2027-01-10 08:30 UTC)));
        assert!(parse_start("getomorrow").is_err());
        assert!(parse_start("sa2027-01-10").is_err());
        assert!(parse_start("ge2027-01-10T09:30").is_err());
        // The edges of the years that can be written are refused, never a panic.
        assert!(parse_start("eq9999-12-31T23:59:59.999999999Z").is_err());
        assert!(parse_start("gt9999-12-31T23:00:00-23:59").is_err());
        assert!(parse_start("ge-001-01-01").is_err());
        assert!(parse_start("ge9999-12-31").is_err());
    }

    #[test]
    fn the_query_keeps_the_narrowest_bounds() {
        let q =
            parse_query("service-type=nurse&start=ge2027-01-10&start=le2027-01-12&status=free&_include=Slot:schedule")
                .unwrap();
        assert_eq!(q.services, Some(vec![ServiceKind::Nurse]));
        assert_eq!(q.from, Some(datetime!(2027-01-10 00:00 UTC)));
        assert_eq!(q.to, Some(datetime!(2027-01-13 00:00 UTC)));
        assert!(q.free_wanted && q.include_schedule);
        assert!(!parse_query("status=busy").unwrap().free_wanted);
        assert!(parse_query("start=ge2027-01-10&start=le2027-01-12&start=le2027-01-13").is_err());
    }
}
