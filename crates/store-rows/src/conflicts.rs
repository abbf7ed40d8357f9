//! Which rule each named constraint of migrations/* enforces. Both stores'
//! migrations name the same constraints, so this table is written once:
//! PostgreSQL reports a refused constraint by name, and SQLite's dialect
//! finds the name from what SQLite reports (the columns of a unique index,
//! the name of a check) before looking it up here.

use carebook_core::store::Conflict;

/// Every unique and check constraint, primary key and unique index in
/// migrations/*, with the rule it enforces. Foreign keys (`*_fk`) are one
/// rule, [`Conflict::UnknownReference`], because SQLite does not say which
/// reference failed.
pub const CONSTRAINTS: &[(&str, Conflict)] = &[
    // Primary keys: an id given twice.
    ("area_pk", Conflict::IdTaken),
    ("federation_pk", Conflict::IdTaken),
    ("organisation_pk", Conflict::IdTaken),
    ("location_pk", Conflict::IdTaken),
    ("staff_member_pk", Conflict::IdTaken),
    ("patient_pk", Conflict::IdTaken),
    ("patient_condition_pk", Conflict::IdTaken),
    ("proxy_access_pk", Conflict::IdTaken),
    ("audit_event_pk", Conflict::IdTaken),
    ("rota_template_pk", Conflict::IdTaken),
    ("slot_pk", Conflict::IdTaken),
    ("appointment_pk", Conflict::IdTaken),
    ("notification_outbox_pk", Conflict::IdTaken),
    ("waitlist_entry_pk", Conflict::IdTaken),
    ("contact_preference_pk", Conflict::IdTaken),
    ("booking_rule_pk", Conflict::IdTaken),
    ("record_source_pk", Conflict::IdTaken),
    ("record_source_token_pk", Conflict::IdTaken),
    ("record_ingest_pk", Conflict::IdTaken),
    ("record_item_pk", Conflict::IdTaken),
    ("record_access_level_pk", Conflict::IdTaken),
    ("record_sharing_choice_pk", Conflict::IdTaken),
    ("record_access_log_pk", Conflict::IdTaken),
    // Unnamed in the migration: PostgreSQL's default name for it.
    ("demo_sent_message_pkey", Conflict::IdTaken),
    // Keys that are rules.
    ("staff_assignment_pk", Conflict::RoleAlreadyHeld),
    ("rota_session_pk", Conflict::SessionStartsTwice),
    ("rota_exception_pk", Conflict::DayOffTwice),
    ("federation_name_unique", Conflict::FederationNameTaken),
    ("organisation_ods_code_unique", Conflict::OdsCodeTaken),
    ("staff_member_uid_unique", Conflict::StaffUidTaken),
    ("patient_nhs_number_unique", Conflict::NhsNumberTaken),
    ("proxy_access_pair_unique", Conflict::ProxyAlreadyGranted),
    ("slot_rota_start_unique", Conflict::SlotAlreadyPlanned),
    ("appointment_idempotency_key_unique", Conflict::IdempotencyKeyReused),
    ("appointment_live_slot_unique", Conflict::SlotTaken),
    ("waitlist_entry_active_unique", Conflict::AlreadyWaiting),
    ("record_source_client_id_unique", Conflict::ClientIdTaken),
    // The record's upsert resolves this one itself; reaching it otherwise is
    // an id given twice.
    ("record_item_source_resource_unique", Conflict::IdTaken),
    // Checks that are rules.
    ("organisation_federation_kind_check", Conflict::OnlyPracticesAndHubsFederate),
    ("proxy_access_not_self_check", Conflict::ProxyForSelf),
    ("appointment_note_length_check", Conflict::NoteTooLong),
    ("rota_template_dates_check", Conflict::EndsBeforeStart),
    ("rota_session_times_check", Conflict::EndsBeforeStart),
    ("slot_times_check", Conflict::EndsBeforeStart),
    ("waitlist_entry_window_check", Conflict::EndsBeforeStart),
    ("rota_session_weekday_check", Conflict::OutOfRange),
    ("rota_session_length_check", Conflict::OutOfRange),
    ("booking_rule_horizon_check", Conflict::OutOfRange),
    ("booking_rule_notice_check", Conflict::OutOfRange),
    ("booking_rule_cutoff_check", Conflict::OutOfRange),
    ("booking_rule_limit_check", Conflict::OutOfRange),
    ("record_source_token_expiry_check", Conflict::EndsBeforeStart),
    // Checks that keep stored codes within their set; parsed domain values
    // never break them.
    ("organisation_kind_check", Conflict::InvalidValue),
    ("staff_member_clinical_role_check", Conflict::InvalidValue),
    ("staff_assignment_role_check", Conflict::InvalidValue),
    ("patient_nhs_number_format_check", Conflict::InvalidValue),
    ("patient_sex_check", Conflict::InvalidValue),
    ("patient_condition_status_check", Conflict::InvalidValue),
    ("proxy_access_relationship_check", Conflict::InvalidValue),
    ("audit_event_actor_kind_check", Conflict::InvalidValue),
    ("audit_event_outcome_check", Conflict::InvalidValue),
    ("slot_status_check", Conflict::InvalidValue),
    ("slot_blocked_reason_check", Conflict::InvalidValue),
    ("appointment_status_check", Conflict::InvalidValue),
    ("appointment_booked_by_check", Conflict::InvalidValue),
    ("notification_outbox_status_check", Conflict::InvalidValue),
    ("notification_outbox_kind_check", Conflict::InvalidValue),
    ("waitlist_entry_status_check", Conflict::InvalidValue),
    ("waitlist_entry_offer_check", Conflict::InvalidValue),
    ("contact_preference_group_check", Conflict::InvalidValue),
    ("demo_sent_message_channel_check", Conflict::InvalidValue),
    ("booking_rule_condition_check", Conflict::InvalidValue),
    ("record_source_kind_check", Conflict::InvalidValue),
    ("record_ingest_outcome_check", Conflict::InvalidValue),
    ("record_item_origin_check", Conflict::InvalidValue),
    ("record_item_category_check", Conflict::InvalidValue),
    ("record_item_privacy_label_check", Conflict::InvalidValue),
    ("record_access_level_check", Conflict::InvalidValue),
    ("record_sharing_choice_label_check", Conflict::InvalidValue),
    // Emergency access needs its written reason; the service refuses a
    // shorter one before the store sees it.
    ("record_access_log_emergency_check", Conflict::InvalidValue),
];

/// The rule a named constraint enforces; [`Conflict::Unlisted`] for a name
/// not in [`CONSTRAINTS`] (the tests below keep every migration's names in
/// it).
pub fn conflict_named(constraint: &str) -> Conflict {
    if constraint.ends_with("_fk") {
        return Conflict::UnknownReference;
    }
    CONSTRAINTS.iter().find(|(name, _)| *name == constraint).map_or(Conflict::Unlisted, |(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constraint and unique-index names one folder of migrations
    /// declares.
    fn declared(folder: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(folder);
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("the migrations folder") {
            let sql = std::fs::read_to_string(entry.unwrap().path()).unwrap().to_lowercase();
            let words: Vec<&str> =
                sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
            for w in words.windows(2) {
                if w[0] == "constraint" || (w[0] == "index" && w[1].ends_with("_unique")) {
                    names.push(w[1].to_string());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn every_constraint_in_the_migrations_names_a_rule() {
        for folder in ["sqlite", "postgres"] {
            let names = declared(folder);
            assert!(names.len() > 80, "{folder}: {names:?}");
            for name in names {
                assert_ne!(conflict_named(&name), Conflict::Unlisted, "{folder}: {name} is not in CONSTRAINTS");
            }
        }
    }

    #[test]
    fn both_databases_name_the_same_constraints() {
        assert_eq!(declared("sqlite"), declared("postgres"));
    }

    #[test]
    fn the_table_lists_each_name_once() {
        let mut names: Vec<&str> = CONSTRAINTS.iter().map(|(n, _)| *n).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CONSTRAINTS.len());
    }

    #[test]
    fn a_refused_foreign_key_is_an_unknown_reference() {
        assert_eq!(conflict_named("patient_practice_fk"), Conflict::UnknownReference);
        assert_eq!(conflict_named("no_such_constraint"), Conflict::Unlisted);
    }
}
