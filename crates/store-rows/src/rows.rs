//! Rows to domain values, shared by the two stores. The SQLite and
//! PostgreSQL stores read the same columns into the same domain values; only
//! their row types and the way each stores a UUID differ. Each store crate
//! defines `uuid(row, col)`, `opt_uuid(row, col)`, `map_err` and its column
//! lists that differ, then expands [`row_mappers!`] with its row type.
//!
//! A value the domain refuses (a corrupted NHS number, an unknown kind) is
//! an error, not a silent default.

#[macro_export]
macro_rules! row_mappers {
    ($row:ty) => {
        #[allow(unused_imports)]
        use carebook_core::booking::rota::{RotaException, RotaTemplate, WeeklySession};
        #[allow(unused_imports)]
        use carebook_core::booking::waitlist::{WaitlistEntry, WaitlistStatus};
        #[allow(unused_imports)]
        use carebook_core::booking::{
            Appointment, AppointmentStatus, BookableBy, Channel, ServiceKind, Slot, SlotStatus,
        };
        #[allow(unused_imports)]
        use carebook_core::domain::{EmailAddress, NhsNumber, OdsCode, PhoneNumber, Postcode};
        #[allow(unused_imports)]
        use carebook_core::model::{
            Address, Area, AreaCode, AuditEvent, AuditOutcome, ClinicalRole, ClinicalStatus, Condition, Federation,
            Organisation, OrganisationKind, Patient, ProxyAccess, ProxyRelationshipKind, ProxyScope, Sex,
            SnomedConcept, StaffAssignment, StaffMember, StaffRole, StoredAuditEvent,
        };
        #[allow(unused_imports)]
        use carebook_core::notify::outbox::{Notification, NotificationKind, NotificationStatus};
        #[allow(unused_imports)]
        use carebook_core::store::{StoreError, StoreResult};
        #[allow(unused_imports)]
        use sqlx::Row;
        #[allow(unused_imports)]
        use uuid::Uuid;

        pub(crate) const ORGANISATION_COLUMNS: &str = "organisation_id, ods_code, name, kind, area_code, federation_id, \
             address_line1, address_line2, town, postcode, phone, email";

        pub(crate) const PATIENT_COLUMNS: &str = "patient_id, nhs_number, given_name, family_name, date_of_birth, sex, \
             email, phone, address_line1, address_line2, town, postcode, registered_practice_id, nominated_pharmacy_id";

        fn corrupt(what: &str) -> StoreError {
            StoreError::Other(format!("stored value for {what} is not valid").into())
        }

        fn text(row: &$row, col: &str) -> StoreResult<String> {
            row.try_get::<String, _>(col).map_err(map_err)
        }

        fn opt_text(row: &$row, col: &str) -> StoreResult<Option<String>> {
            row.try_get::<Option<String>, _>(col).map_err(map_err)
        }

        fn parsed<T, E>(row: &$row, col: &str, parse: impl Fn(&str) -> Result<T, E>) -> StoreResult<T> {
            parse(&text(row, col)?).map_err(|_| corrupt(col))
        }

        fn opt_parsed<T, E>(row: &$row, col: &str, parse: impl Fn(&str) -> Result<T, E>) -> StoreResult<Option<T>> {
            opt_text(row, col)?.map(|s| parse(&s).map_err(|_| corrupt(col))).transpose()
        }

        fn known<T>(row: &$row, col: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
            parse(&text(row, col)?).ok_or_else(|| corrupt(col))
        }

        fn address(row: &$row) -> StoreResult<Address> {
            Ok(Address {
                line1: text(row, "address_line1")?,
                line2: opt_text(row, "address_line2")?,
                town: text(row, "town")?,
                postcode: parsed(row, "postcode", Postcode::parse)?,
            })
        }

        pub(crate) fn area_from_row(row: &$row) -> StoreResult<Area> {
            Ok(Area { code: known(row, "area_code", AreaCode::parse)?, name: text(row, "name")? })
        }

        pub(crate) fn federation_from_row(row: &$row) -> StoreResult<Federation> {
            Ok(Federation {
                federation_id: uuid(row, "federation_id")?,
                name: text(row, "name")?,
                area: known(row, "area_code", AreaCode::parse)?,
            })
        }

        pub(crate) fn organisation_from_row(row: &$row) -> StoreResult<Organisation> {
            Ok(Organisation {
                organisation_id: uuid(row, "organisation_id")?,
                ods_code: parsed(row, "ods_code", OdsCode::parse)?,
                name: text(row, "name")?,
                kind: known(row, "kind", OrganisationKind::parse)?,
                area: known(row, "area_code", AreaCode::parse)?,
                federation_id: opt_uuid(row, "federation_id")?,
                address: address(row)?,
                phone: opt_parsed(row, "phone", PhoneNumber::parse)?,
                email: opt_parsed(row, "email", EmailAddress::parse)?,
            })
        }

        pub(crate) fn patient_from_row(row: &$row) -> StoreResult<Patient> {
            Ok(Patient {
                patient_id: uuid(row, "patient_id")?,
                nhs_number: parsed(row, "nhs_number", NhsNumber::parse)?,
                given_name: text(row, "given_name")?,
                family_name: text(row, "family_name")?,
                date_of_birth: row.try_get("date_of_birth").map_err(map_err)?,
                sex: known(row, "sex", Sex::parse)?,
                email: opt_parsed(row, "email", EmailAddress::parse)?,
                phone: opt_parsed(row, "phone", PhoneNumber::parse)?,
                address: address(row)?,
                registered_practice_id: uuid(row, "registered_practice_id")?,
                nominated_pharmacy_id: opt_uuid(row, "nominated_pharmacy_id")?,
            })
        }

        pub(crate) fn condition_from_row(row: &$row) -> StoreResult<Condition> {
            Ok(Condition {
                condition_id: uuid(row, "patient_condition_id")?,
                patient_id: uuid(row, "patient_id")?,
                code: SnomedConcept { code: text(row, "snomed_code")?, display: text(row, "display")? },
                clinical_status: known(row, "clinical_status", ClinicalStatus::parse)?,
                onset_date: row.try_get("onset_date").map_err(map_err)?,
                recorded_by_organisation_id: uuid(row, "recorded_by_organisation_id")?,
            })
        }

        pub(crate) fn staff_from_row(row: &$row) -> StoreResult<StaffMember> {
            Ok(StaffMember {
                staff_member_id: uuid(row, "staff_member_id")?,
                staff_uid: text(row, "staff_uid")?,
                given_name: text(row, "given_name")?,
                family_name: text(row, "family_name")?,
                email: parsed(row, "email", EmailAddress::parse)?,
                clinical_role: opt_text(row, "clinical_role")?
                    .map(|r| ClinicalRole::parse(&r).ok_or_else(|| corrupt("clinical_role")))
                    .transpose()?,
            })
        }

        pub(crate) fn assignment_from_row(row: &$row) -> StoreResult<StaffAssignment> {
            Ok(StaffAssignment {
                staff_member_id: uuid(row, "staff_member_id")?,
                organisation_id: uuid(row, "organisation_id")?,
                role: known(row, "role", StaffRole::parse)?,
            })
        }

        pub(crate) fn proxy_from_row(row: &$row) -> StoreResult<ProxyAccess> {
            Ok(ProxyAccess {
                proxy_access_id: uuid(row, "proxy_access_id")?,
                proxy_patient_id: uuid(row, "proxy_patient_id")?,
                subject_patient_id: uuid(row, "subject_patient_id")?,
                relationship: known(row, "relationship", ProxyRelationshipKind::parse)?,
                scopes: scopes_from_text(&text(row, "scopes")?)?,
                valid_from: row.try_get("valid_from").map_err(map_err)?,
                valid_until: row.try_get("valid_until").map_err(map_err)?,
            })
        }

        pub(crate) fn scopes_to_text(scopes: &[ProxyScope]) -> String {
            scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
        }

        pub(crate) fn scopes_from_text(s: &str) -> StoreResult<Vec<ProxyScope>> {
            s.split(',').filter(|x| !x.is_empty()).map(|x| ProxyScope::parse(x).ok_or_else(|| corrupt("scopes"))).collect()
        }

        pub(crate) fn audit_from_row(row: &$row) -> StoreResult<StoredAuditEvent> {
            Ok(StoredAuditEvent {
                audit_event_id: row.try_get("audit_event_id").map_err(map_err)?,
                event: AuditEvent {
                    occurred_at: row.try_get("occurred_at").map_err(map_err)?,
                    actor_kind: text(row, "actor_kind")?,
                    actor_id: opt_uuid(row, "actor_id")?,
                    action: text(row, "action")?,
                    target_kind: opt_text(row, "target_kind")?,
                    target_id: opt_uuid(row, "target_id")?,
                    outcome: known(row, "outcome", AuditOutcome::parse)?,
                    reason: opt_text(row, "reason")?,
                },
            })
        }

        pub(crate) const SLOT_COLUMNS: &str = "slot_id, organisation_id, location_id, clinician_id, service, channel, \
             bookable_by, starts_at, ends_at, status, blocked_reason, rota_template_id, held_until";

        pub(crate) const APPOINTMENT_COLUMNS: &str = "appointment_id, slot_id, patient_id, status, note, booked_by_kind, \
             booked_by_id, idempotency_key, sequence, created_at, override_reason, overridden_by";

        pub(crate) fn slot_from_row(row: &$row) -> StoreResult<Slot> {
            Ok(Slot {
                slot_id: uuid(row, "slot_id")?,
                organisation_id: uuid(row, "organisation_id")?,
                location_id: uuid(row, "location_id")?,
                clinician_id: uuid(row, "clinician_id")?,
                service: known(row, "service", ServiceKind::parse)?,
                channel: known(row, "channel", Channel::parse)?,
                bookable_by: known(row, "bookable_by", BookableBy::parse)?,
                starts_at: row.try_get("starts_at").map_err(map_err)?,
                ends_at: row.try_get("ends_at").map_err(map_err)?,
                status: known(row, "status", SlotStatus::parse)?,
                blocked_reason: opt_text(row, "blocked_reason")?,
                rota_template_id: opt_uuid(row, "rota_template_id")?,
                held_until: row.try_get("held_until").map_err(map_err)?,
            })
        }

        pub(crate) fn appointment_from_row(row: &$row) -> StoreResult<Appointment> {
            Ok(Appointment {
                appointment_id: uuid(row, "appointment_id")?,
                slot_id: uuid(row, "slot_id")?,
                patient_id: uuid(row, "patient_id")?,
                status: known(row, "status", AppointmentStatus::parse)?,
                note: opt_text(row, "note")?,
                booked_by_kind: text(row, "booked_by_kind")?,
                booked_by_id: opt_uuid(row, "booked_by_id")?,
                idempotency_key: opt_text(row, "idempotency_key")?,
                sequence: row.try_get::<i32, _>("sequence").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                override_reason: opt_text(row, "override_reason")?,
                overridden_by: opt_uuid(row, "overridden_by")?,
            })
        }

        fn local_time(s: &str) -> Option<time::Time> {
            let (h, m) = s.split_once(':')?;
            time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
        }

        pub(crate) fn rota_template_from_rows(
            row: &$row,
            sessions: &[$row],
            exceptions: &[$row],
        ) -> StoreResult<RotaTemplate> {
            let sessions = sessions
                .iter()
                .map(|r| {
                    let weekday: i16 = r.try_get("weekday").map_err(map_err)?;
                    let weekday = time::Weekday::Sunday.nth_next(u8::try_from(weekday).map_err(|_| corrupt("weekday"))?);
                    Ok(WeeklySession {
                        weekday,
                        starts: known(r, "starts", local_time)?,
                        ends: known(r, "ends", local_time)?,
                        slot_minutes: u16::try_from(r.try_get::<i16, _>("slot_minutes").map_err(map_err)?)
                            .map_err(|_| corrupt("slot_minutes"))?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let exceptions = exceptions
                .iter()
                .map(|r| Ok(RotaException { date: r.try_get("exception_date").map_err(map_err)?, reason: text(r, "reason")? }))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(RotaTemplate {
                rota_template_id: uuid(row, "rota_template_id")?,
                organisation_id: uuid(row, "organisation_id")?,
                location_id: uuid(row, "location_id")?,
                clinician_id: uuid(row, "clinician_id")?,
                service: known(row, "service", ServiceKind::parse)?,
                channel: known(row, "channel", Channel::parse)?,
                bookable_by: known(row, "bookable_by", BookableBy::parse)?,
                sessions,
                effective_from: row.try_get("effective_from").map_err(map_err)?,
                effective_until: row.try_get("effective_until").map_err(map_err)?,
                exceptions,
            })
        }

        pub(crate) fn row_uuid(row: &$row, col: &str) -> StoreResult<Uuid> {
            uuid(row, col)
        }

        #[allow(dead_code)]
        pub(crate) fn opt_row_uuid(row: &$row, col: &str) -> StoreResult<Option<Uuid>> {
            opt_uuid(row, col)
        }

        pub(crate) fn notification_from_row(row: &$row) -> StoreResult<Notification> {
            Ok(Notification {
                notification_id: uuid(row, "notification_id")?,
                kind: known(row, "kind", NotificationKind::parse)?,
                patient_id: uuid(row, "patient_id")?,
                subject_id: opt_uuid(row, "subject_id")?,
                payload: text(row, "payload")?,
                due_at: row.try_get("due_at").map_err(map_err)?,
                status: known(row, "status", NotificationStatus::parse)?,
                attempts: row.try_get::<i32, _>("attempts").map_err(map_err)?,
                last_error: opt_text(row, "last_error")?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                sent_at: row.try_get("sent_at").map_err(map_err)?,
                channels_sent: carebook_core::notify::outbox::channels_from_text(&text(row, "channels_sent")?),
            })
        }

        pub(crate) const DEMO_MESSAGE_COLUMNS: &str =
            "notification_id, kind, channel, recipient, subject, body, invitation, sent_at";

        pub(crate) fn demo_message_from_row(row: &$row) -> StoreResult<carebook_core::notify::demonstration::SentMessage> {
            Ok(carebook_core::notify::demonstration::SentMessage {
                notification_id: uuid(row, "notification_id")?,
                kind: known(row, "kind", NotificationKind::parse)?,
                channel: known(row, "channel", carebook_core::notify::preferences::DeliveryChannel::parse)?,
                recipient: text(row, "recipient")?,
                subject: opt_text(row, "subject")?,
                body: text(row, "body")?,
                invitation: opt_text(row, "invitation")?,
                sent_at: row.try_get("sent_at").map_err(map_err)?,
            })
        }

        pub(crate) const WAITLIST_COLUMNS: &str = "waitlist_entry_id, patient_id, service, practice_id, hub_id, \
             window_starts_at, window_ends_at, status, offered_slot_id, offer_expires_at, created_at";

        pub(crate) fn waitlist_from_row(row: &$row) -> StoreResult<WaitlistEntry> {
            Ok(WaitlistEntry {
                waitlist_entry_id: uuid(row, "waitlist_entry_id")?,
                patient_id: uuid(row, "patient_id")?,
                service: known(row, "service", ServiceKind::parse)?,
                practice_id: uuid(row, "practice_id")?,
                hub_id: opt_uuid(row, "hub_id")?,
                window_starts_at: row.try_get("window_starts_at").map_err(map_err)?,
                window_ends_at: row.try_get("window_ends_at").map_err(map_err)?,
                status: known(row, "status", WaitlistStatus::parse)?,
                offered_slot_id: opt_uuid(row, "offered_slot_id")?,
                offer_expires_at: row.try_get("offer_expires_at").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        pub(crate) fn location_from_row(row: &$row) -> StoreResult<carebook_core::model::Location> {
            Ok(carebook_core::model::Location {
                location_id: uuid(row, "location_id")?,
                organisation_id: uuid(row, "organisation_id")?,
                name: text(row, "name")?,
                address: address(row)?,
            })
        }
        pub(crate) const BOOKING_RULE_COLUMNS: &str = "service, horizon_days, same_day_release, minimum_notice_minutes, \
             change_cutoff_minutes, max_active_per_patient, condition_codes, condition_description";

        pub(crate) fn booking_rule_from_row(
            row: &$row,
        ) -> StoreResult<(ServiceKind, carebook_core::booking::rules::BookingRules)> {
            let count = |col: &str| -> StoreResult<u32> {
                u32::try_from(row.try_get::<i32, _>(col).map_err(map_err)?).map_err(|_| corrupt(col))
            };
            let release = match opt_text(row, "same_day_release")? {
                None => None,
                Some(t) => Some(local_time(&t).ok_or_else(|| corrupt("same_day_release"))?),
            };
            let limit = match row.try_get::<Option<i32>, _>("max_active_per_patient").map_err(map_err)? {
                None => None,
                Some(n) => Some(u32::try_from(n).map_err(|_| corrupt("max_active_per_patient"))?),
            };
            let requires_condition = match (opt_text(row, "condition_codes")?, opt_text(row, "condition_description")?) {
                (Some(codes), Some(description)) => Some(carebook_core::booking::rules::ConditionRequirement {
                    snomed_codes: codes.split_whitespace().map(str::to_string).collect(),
                    description,
                }),
                _ => None,
            };
            Ok((
                known(row, "service", ServiceKind::parse)?,
                carebook_core::booking::rules::BookingRules {
                    horizon_days: u16::try_from(count("horizon_days")?).map_err(|_| corrupt("horizon_days"))?,
                    same_day_release: release,
                    minimum_notice_minutes: count("minimum_notice_minutes")?,
                    change_cutoff_minutes: count("change_cutoff_minutes")?,
                    max_active_per_patient: limit,
                    requires_condition,
                },
            ))
        }
    };
}
