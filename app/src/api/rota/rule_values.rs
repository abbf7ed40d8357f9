//! The booking-rules form, both ways: the rules in force as words (the
//! list) and as the form's values, and what was typed as rules or every
//! problem with them. The core's own checks (`BookingRules::validate`) give
//! the messages, one field at a time.

use carebook_core::booking::rules::{BookingRules, ConditionRequirement};
use carebook_core::booking::ServiceKind;
use carebook_core::model::OrganisationKind;

use super::{Problem, RuleFields, RuleRow};
use crate::api::form::{clock, problem, time_of_day as parse_time};

/// "2 hours", "30 minutes", "1 day".
fn duration(minutes: u32) -> String {
    let plural = |n: u32, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    if minutes > 0 && minutes.is_multiple_of(24 * 60) {
        plural(minutes / (24 * 60), "day")
    } else if minutes > 0 && minutes.is_multiple_of(60) {
        plural(minutes / 60, "hour")
    } else {
        plural(minutes, "minute")
    }
}

pub fn rule_row(service: ServiceKind, rules: &BookingRules, set_here: bool, kind: OrganisationKind) -> RuleRow {
    RuleRow {
        service_code: service.as_str().to_string(),
        service: service.label().to_string(),
        horizon: format!("{} days", rules.horizon_days),
        same_day_release: rules.same_day_release.map(clock).unwrap_or_else(|| "Any time".to_string()),
        minimum_notice: if rules.minimum_notice_minutes == 0 {
            "None".to_string()
        } else {
            duration(rules.minimum_notice_minutes)
        },
        change_cutoff: if rules.change_cutoff_minutes == 0 {
            "Until it starts".to_string()
        } else {
            format!("{} before", duration(rules.change_cutoff_minutes))
        },
        limit: match rules.max_active_per_patient {
            Some(1) => "1 future appointment".to_string(),
            Some(n) => format!("{n} future appointments"),
            None => "No limit".to_string(),
        },
        who_for: match &rules.requires_condition {
            Some(c) => {
                let d = c.description.trim();
                let mut chars = d.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => "Some patients".to_string(),
                }
            }
            None => "Everyone registered".to_string(),
        },
        set_by: match (set_here, kind) {
            (true, OrganisationKind::Hub) => "This hub".to_string(),
            (true, _) => "This practice".to_string(),
            (false, _) => "carebook's default".to_string(),
        },
        set_here,
    }
}

pub fn rule_fields(rules: &BookingRules) -> RuleFields {
    RuleFields {
        horizon_days: rules.horizon_days.to_string(),
        same_day_release: rules.same_day_release.map(clock).unwrap_or_default(),
        minimum_notice_minutes: rules.minimum_notice_minutes.to_string(),
        change_cutoff_minutes: rules.change_cutoff_minutes.to_string(),
        max_active_per_patient: rules.max_active_per_patient.map(|n| n.to_string()).unwrap_or_default(),
        condition_codes: rules.requires_condition.as_ref().map(|c| c.snomed_codes.join(" ")).unwrap_or_default(),
        condition_description: rules.requires_condition.as_ref().map(|c| c.description.clone()).unwrap_or_default(),
    }
}

/// The form's values as rules, or every problem with them, each on its
/// field. The core's own checks (BookingRules::validate) give the
/// messages, one field at a time.
pub fn rules_from(f: &RuleFields) -> Result<BookingRules, Vec<Problem>> {
    let mut problems = Vec::new();
    let base = BookingRules::default;
    let check = |field: &str, rules: BookingRules, problems: &mut Vec<Problem>| {
        if let Err(m) = rules.validate() {
            problems.push(problem(field, m));
        }
    };
    let whole = |s: &str| s.trim().parse::<u32>().ok();

    let horizon = match f.horizon_days.trim() {
        "" => {
            problems.push(problem("horizon-days", "Enter how many days ahead patients can book, for example 28"));
            None
        }
        s => match whole(s).and_then(|n| u16::try_from(n).ok()) {
            Some(n) => {
                check("horizon-days", BookingRules { horizon_days: n, ..base() }, &mut problems);
                Some(n)
            }
            None => {
                problems.push(problem("horizon-days", "How far ahead must be a whole number of days, like 28"));
                None
            }
        },
    };
    let release = match f.same_day_release.trim() {
        "" => Some(None),
        s => match parse_time(s) {
            Some(t) => Some(Some(t)),
            None => {
                problems.push(problem(
                    "same-day-release",
                    "Enter the same-day release time on the 24-hour clock, like 08:00, or leave it empty",
                ));
                None
            }
        },
    };
    let minutes = |field: &str, value: &str, what: &str, problems: &mut Vec<Problem>| match value.trim() {
        "" => {
            problems.push(problem(field, format!("Enter the {what} in minutes, or 0 for none")));
            None
        }
        s => whole(s).or_else(|| {
            problems.push(problem(field, format!("The {what} must be a whole number of minutes, like 30")));
            None
        }),
    };
    let notice = minutes("minimum-notice", &f.minimum_notice_minutes, "minimum notice", &mut problems);
    if let Some(n) = notice {
        check("minimum-notice", BookingRules { minimum_notice_minutes: n, ..base() }, &mut problems);
    }
    let cutoff = minutes("change-cutoff", &f.change_cutoff_minutes, "cut-off for changes", &mut problems);
    if let Some(n) = cutoff {
        check("change-cutoff", BookingRules { change_cutoff_minutes: n, ..base() }, &mut problems);
    }
    let limit = match f.max_active_per_patient.trim() {
        "" => Some(None),
        s => match whole(s) {
            Some(n) => {
                check("limit", BookingRules { max_active_per_patient: Some(n), ..base() }, &mut problems);
                Some(Some(n))
            }
            None => {
                problems.push(problem(
                    "limit",
                    "The limit must be a whole number of appointments, like 2, or left empty for no limit",
                ));
                None
            }
        },
    };
    let codes: Vec<String> = f
        .condition_codes
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let description = f.condition_description.trim().to_string();
    let condition = match (codes.is_empty(), description.is_empty()) {
        (true, true) => Some(None),
        (true, false) => {
            problems.push(problem(
                "condition-codes",
                "Enter the SNOMED CT codes of the condition, or clear who the service is for",
            ));
            None
        }
        (false, true) => {
            problems.push(problem(
                "condition-description",
                "Say who the service is for, for example \"for people with diabetes\"",
            ));
            None
        }
        (false, false) => {
            let c = ConditionRequirement { snomed_codes: codes, description };
            let before = problems.len();
            check("condition-codes", BookingRules { requires_condition: Some(c.clone()), ..base() }, &mut problems);
            if let Some(p) = problems.get_mut(before) {
                if p.message.starts_with("Say who") {
                    p.field = "condition-description".into();
                }
            }
            Some(Some(c))
        }
    };
    match (horizon, release, notice, cutoff, limit, condition) {
        (Some(h), Some(r), Some(n), Some(c), Some(l), Some(req)) if problems.is_empty() => {
            let rules = BookingRules {
                horizon_days: h,
                same_day_release: r,
                minimum_notice_minutes: n,
                change_cutoff_minutes: c,
                max_active_per_patient: l,
                requires_condition: req,
            };
            // The whole, as the core will check it again.
            rules.validate().map_err(|m| vec![problem("horizon-days", m)])?;
            Ok(rules)
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_forms_are_checked_field_by_field_with_the_cores_messages() {
        let good = rule_fields(&BookingRules::default());
        assert_eq!(rules_from(&good).unwrap(), BookingRules::default());
        let bad = RuleFields {
            horizon_days: "400".into(),
            same_day_release: "8am".into(),
            max_active_per_patient: "0".into(),
            condition_description: "for people with diabetes".into(),
            ..good
        };
        let problems = rules_from(&bad).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["horizon-days", "same-day-release", "limit", "condition-codes"]);
        assert_eq!(problems[0].message, "How far ahead must be between 1 and 366 days");
    }
}
