//! The times page for a phone: one week of a service's free times at a
//! time, by day and part of the day, filtered by place (the practice or the
//! hub), kind of clinician and in person / phone / video, with the first
//! available time (under the same filters) at the top. Everything is decided
//! on the server from the page's query, so it all works without JavaScript.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::booking::TimeItem;

/// How far ahead patients can look, in days (the weeks are cut from it).
pub const HORIZON_DAYS: i64 = 14;

/// One option of a filter: the value in the address and its words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Times of one part of a day at one place, by one kind of appointment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeGroup {
    /// "Morning", "Afternoon" or "Evening".
    pub part: String,
    pub place: String,
    pub channel: String,
    pub times: Vec<TimeItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayGroups {
    /// "Monday 7 December".
    pub day: String,
    pub count: usize,
    pub groups: Vec<TimeGroup>,
}

/// What the page shows for the week asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekOfTimes {
    pub service_label: String,
    /// 0 is the week starting today.
    pub week: u32,
    pub weeks: u32,
    /// "7 December to 13 December".
    pub range: String,
    pub first: Option<TimeItem>,
    pub days: Vec<DayGroups>,
    /// Times in the whole horizon before and after the filters.
    pub total: usize,
    pub matching: usize,
    pub places: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub channels: Vec<Choice>,
}

/// The filters as the address carries them; empty means any.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimesQuery {
    pub service: String,
    pub week: u32,
    pub place: String,
    pub kind: String,
    pub channel: String,
}

/// "Morning" before noon, "Afternoon" until six, then "Evening".
pub fn part_of_day(hour: u8) -> &'static str {
    match hour {
        0..=11 => "Morning",
        12..=17 => "Afternoon",
        _ => "Evening",
    }
}

#[server(prefix = "/_server", endpoint = "appointments/times/week")]
pub async fn times_week(query: TimesQuery) -> Result<WeekOfTimes, ServerFnError> {
    use carebook_core::booking::{Channel, ServiceKind};
    use carebook_core::london;

    let (actor, patient_id) = super::booking::server::patient().await?;
    let Some(kind) = ServiceKind::parse(&query.service) else {
        return Err(ServerFnError::new("Choose the kind of appointment you need."));
    };
    let services = super::services()?;
    let now = services.clock.now();
    let today = london::to_local(now).date();
    let slots = services
        .booking
        .availability(&actor, patient_id, kind, now, now + time::Duration::days(HORIZON_DAYS))
        .await
        .map_err(super::booking::server::message)?;
    let views = services.booking.slot_views(&slots).await.map_err(super::booking::server::message)?;
    let clinicians: Vec<uuid::Uuid> = views.iter().map(|v| v.slot.clinician_id).collect();
    let roles = services.directory.clinical_roles(clinicians).await.map_err(super::unavailable)?;

    // The filters' options come from what there is, so none leads nowhere.
    let mut places: Vec<Choice> = Vec::new();
    let mut kinds: Vec<Choice> = Vec::new();
    let mut channels: Vec<Choice> = Vec::new();
    let push = |list: &mut Vec<Choice>, value: &str, label: &str| {
        if !list.iter().any(|c| c.value == value) {
            list.push(Choice { value: value.to_string(), label: label.to_string() });
        }
    };
    for v in &views {
        push(&mut places, v.organisation.ods_code.as_str(), &v.organisation.name);
        if let Some(role) = roles.get(&v.slot.clinician_id) {
            push(&mut kinds, role.as_str(), role.label());
        }
        push(&mut channels, v.slot.channel.as_str(), v.slot.channel.label());
    }
    channels.sort_by_key(|c| Channel::ALL.iter().position(|k| k.as_str() == c.value));

    let matches = |v: &&carebook_core::booking::view::SlotView| {
        (query.place.is_empty() || v.organisation.ods_code.as_str() == query.place)
            && (query.kind.is_empty() || roles.get(&v.slot.clinician_id).is_some_and(|r| r.as_str() == query.kind))
            && (query.channel.is_empty() || v.slot.channel.as_str() == query.channel)
    };
    let matching: Vec<_> = views.iter().filter(matches).collect();
    let weeks = (HORIZON_DAYS as u32).div_ceil(7) + 1;
    let week = query.week.min(weeks - 1);
    let first_day = today + time::Duration::days(7 * i64::from(week));
    let last_day = first_day + time::Duration::days(6);

    let mut days: Vec<DayGroups> = Vec::new();
    for v in matching.iter().filter(|v| v.day >= first_day && v.day <= last_day) {
        let label = v.day_heading();
        if days.last().is_none_or(|d| d.day != label) {
            days.push(DayGroups { day: label, count: 0, groups: Vec::new() });
        }
        let day = days.last_mut().expect("just pushed");
        day.count += 1;
        let part = part_of_day(london::to_local(v.slot.starts_at).hour());
        let item = super::booking::server::item(v);
        match day.groups.iter_mut().find(|g| g.part == part && g.place == item.place && g.channel == item.channel) {
            Some(g) => g.times.push(item),
            None => day.groups.push(TimeGroup {
                part: part.to_string(),
                place: item.place.clone(),
                channel: item.channel.clone(),
                times: vec![item],
            }),
        }
    }
    // Morning, afternoon, evening within each day; places keep their order.
    for day in &mut days {
        day.groups.sort_by_key(|g| ["Morning", "Afternoon", "Evening"].iter().position(|p| *p == g.part));
    }
    let first = matching.first();
    Ok(WeekOfTimes {
        service_label: kind.label().to_string(),
        week,
        weeks,
        range: format!("{} {} to {} {}", first_day.day(), first_day.month(), last_day.day(), last_day.month()),
        first: first.map(|v| super::booking::server::item(v)),
        days,
        total: views.len(),
        matching: matching.len(),
        places,
        kinds,
        channels,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_day_has_three_parts() {
        assert_eq!(super::part_of_day(8), "Morning");
        assert_eq!(super::part_of_day(14), "Afternoon");
        assert_eq!(super::part_of_day(19), "Evening");
    }
}
