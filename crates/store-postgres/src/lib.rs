//! The production store: PostgreSQL, for any number of server instances
//! and workers. Queries are checked when the tests run (the conformance
//! story exercises every one of them against a fresh schema), so a clean
//! checkout builds without a database.

mod rows;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use carebook_core::booking::rota::{PlannedSlot, RotaTemplate};
use carebook_core::booking::waitlist::{WaitlistEntry, OFFER_WINDOW};
use carebook_core::booking::{Appointment, AppointmentStatus, BookingRequest, Slot};
use carebook_core::domain::{NhsNumber, OdsCode};
use carebook_core::model::{
    Area, AuditEvent, Condition, Federation, Organisation, Patient, Population, PopulationCounts, ProxyAccess,
    StaffAssignment, StaffMember, StoredAuditEvent,
};
use carebook_core::notify::outbox::{appointment_payload, reminder_due_times, Notification, NotificationKind};
use carebook_core::store::{MigrationStatus, OrganisationSearch, Store, StoreError, StoreResult};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use rows::*;

/// Every migration in migrations/postgres, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub const DEFAULT_POOL_SIZE: u32 = 16;

    /// Connect to `url`, e.g. `postgres://carebook@db.example.org/carebook`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with_pool_size(url, Self::DEFAULT_POOL_SIZE).await
    }

    pub async fn connect_with_pool_size(url: &str, pool_size: u32) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::other)?;
        Self::connect_with_options(options, pool_size).await
    }

    /// For tests that pin every connection to a schema of their own.
    pub async fn connect_with_options(options: PgConnectOptions, pool_size: u32) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(StoreError::other)?;
        Ok(Self { pool })
    }

    /// The pool, for the session store that shares the database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn id(u: Uuid) -> Uuid {
    u
}

/// A refused constraint becomes `Conflict` naming the rule; anything else
/// stays opaque.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db)
            if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() =>
        {
            // PostgreSQL names the constraint that refused the change.
            StoreError::Conflict(db.constraint().unwrap_or("constraint").to_string())
        }
        _ => StoreError::other(e),
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    #[tracing::instrument(skip_all, err)]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("select 1").execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err)]
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(StoreError::other)
    }

    async fn migration_status(&self) -> StoreResult<MigrationStatus> {
        let known = MIGRATOR.iter().map(|m| m.version).collect();
        // to_regclass follows search_path, as the migrator does.
        let exists: bool = sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        let applied = if !exists {
            Vec::new()
        } else {
            sqlx::query_scalar("select version from _sqlx_migrations where success order by version")
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?
        };
        Ok(MigrationStatus { known, applied })
    }

    #[tracing::instrument(skip_all, err)]
    async fn replace_population(&self, p: &Population) -> StoreResult<PopulationCounts> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        // TRUNCATE is transactional in PostgreSQL: a failure below rolls it
        // back with everything else.
        sqlx::query(
            "truncate demo_sent_message, booking_rule, contact_preference, waitlist_entry, notification_outbox, appointment, slot, rota_exception, rota_session, rota_template, proxy_access, patient_condition,
                 patient, staff_assignment, staff_member, location, organisation, federation, area",
        )
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for a in &p.areas {
            sqlx::query("insert into area (area_code, name) values ($1, $2)")
                .bind(a.code.as_str())
                .bind(&a.name)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        for f in &p.federations {
            sqlx::query("insert into federation (federation_id, name, area_code) values ($1, $2, $3)")
                .bind(id(f.federation_id))
                .bind(&f.name)
                .bind(f.area.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        for o in &p.organisations {
            insert_organisation(&mut tx, o).await?;
        }
        for l in &p.locations {
            sqlx::query(
                "insert into location (location_id, organisation_id, name, address_line1, address_line2, town, postcode)
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id(l.location_id))
            .bind(id(l.organisation_id))
            .bind(&l.name)
            .bind(&l.address.line1)
            .bind(&l.address.line2)
            .bind(&l.address.town)
            .bind(l.address.postcode.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        for s in &p.staff {
            sqlx::query(
                "insert into staff_member (staff_member_id, staff_uid, given_name, family_name, email, clinical_role)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id(s.staff_member_id))
            .bind(&s.staff_uid)
            .bind(&s.given_name)
            .bind(&s.family_name)
            .bind(s.email.as_str())
            .bind(s.clinical_role.map(|r| r.as_str()))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        for a in &p.staff_assignments {
            sqlx::query("insert into staff_assignment (staff_member_id, organisation_id, role) values ($1, $2, $3)")
                .bind(id(a.staff_member_id))
                .bind(id(a.organisation_id))
                .bind(a.role.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        insert_patients(&mut tx, &p.patients).await?;
        insert_conditions(&mut tx, &p.conditions).await?;
        for x in &p.proxies {
            sqlx::query(
                "insert into proxy_access (proxy_access_id, proxy_patient_id, subject_patient_id, relationship,
                     scopes, valid_from, valid_until)
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id(x.proxy_access_id))
            .bind(id(x.proxy_patient_id))
            .bind(id(x.subject_patient_id))
            .bind(x.relationship.as_str())
            .bind(scopes_to_text(&x.scopes))
            .bind(x.valid_from)
            .bind(x.valid_until)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        self.population_counts().await
    }

    async fn population_counts(&self) -> StoreResult<PopulationCounts> {
        let row = sqlx::query(
            "select
                (select count(*) from area) as areas,
                (select count(*) from federation) as federations,
                (select count(*) from organisation) as organisations,
                (select count(*) from location) as locations,
                (select count(*) from staff_member) as staff,
                (select count(*) from staff_assignment) as staff_assignments,
                (select count(*) from patient) as patients,
                (select count(*) from patient_condition) as conditions,
                (select count(*) from proxy_access) as proxies",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        let n = |c: &str| -> StoreResult<u64> { Ok(row.try_get::<i64, _>(c).map_err(map_err)? as u64) };
        Ok(PopulationCounts {
            areas: n("areas")?,
            federations: n("federations")?,
            organisations: n("organisations")?,
            locations: n("locations")?,
            staff: n("staff")?,
            staff_assignments: n("staff_assignments")?,
            patients: n("patients")?,
            conditions: n("conditions")?,
            proxies: n("proxies")?,
        })
    }

    async fn list_areas(&self) -> StoreResult<Vec<Area>> {
        let rows = sqlx::query("select area_code, name from area order by name")
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(area_from_row).collect()
    }

    async fn list_federations(&self) -> StoreResult<Vec<Federation>> {
        let rows = sqlx::query("select federation_id, name, area_code from federation order by name")
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(federation_from_row).collect()
    }

    #[tracing::instrument(skip_all, err)]
    async fn insert_organisation(&self, organisation: &Organisation) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        insert_organisation(&mut tx, organisation).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn search_organisations(&self, search: &OrganisationSearch) -> StoreResult<Vec<Organisation>> {
        let kinds: Vec<String> = search.kinds.iter().map(|k| k.as_str().to_string()).collect();
        let pattern = search.text.as_deref().map(|t| format!("%{}%", escape_like(&t.to_lowercase())));
        let rows = sqlx::query(&format!(
            "select {ORGANISATION_COLUMNS} from organisation
             where (cardinality($1::text[]) = 0 or kind = any($1))
               and ($2::text is null or area_code = $2)
               and ($3::uuid is null or federation_id = $3)
               and ($4::text is null
                    or name ilike $4
                    or town ilike $4
                    or postcode ilike $4
                    or replace(postcode, ' ', '') ilike replace($4, ' ', '')
                    or ods_code ilike $4)
             order by name, ods_code
             limit $5"
        ))
        .bind(kinds)
        .bind(search.area.map(|a| a.as_str()))
        .bind(search.federation_id)
        .bind(pattern)
        .bind(i64::from(search.limit.max(1)))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(organisation_from_row).collect()
    }

    async fn organisation_by_ods(&self, ods_code: &OdsCode) -> StoreResult<Organisation> {
        let row = sqlx::query(&format!("select {ORGANISATION_COLUMNS} from organisation where ods_code = $1"))
            .bind(ods_code.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        organisation_from_row(&row)
    }

    async fn organisation_by_id(&self, organisation_id: Uuid) -> StoreResult<Organisation> {
        let row = sqlx::query(&format!("select {ORGANISATION_COLUMNS} from organisation where organisation_id = $1"))
            .bind(id(organisation_id))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        organisation_from_row(&row)
    }

    #[tracing::instrument(skip_all, err)]
    async fn insert_patient(&self, patient: &Patient) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        insert_patient(&mut tx, patient).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn patient_by_id(&self, patient_id: Uuid) -> StoreResult<Patient> {
        let row = sqlx::query(&format!("select {PATIENT_COLUMNS} from patient where patient_id = $1"))
            .bind(id(patient_id))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        patient_from_row(&row)
    }

    async fn patient_by_nhs_number(&self, nhs_number: &NhsNumber) -> StoreResult<Patient> {
        let row = sqlx::query(&format!("select {PATIENT_COLUMNS} from patient where nhs_number = $1"))
            .bind(nhs_number.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        patient_from_row(&row)
    }

    async fn conditions_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Condition>> {
        let rows = sqlx::query(
            "select patient_condition_id, patient_id, snomed_code, display, clinical_status, onset_date,
                    recorded_by_organisation_id
             from patient_condition where patient_id = $1 order by onset_date, display",
        )
        .bind(id(patient_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(condition_from_row).collect()
    }

    async fn staff_by_uid(&self, staff_uid: &str) -> StoreResult<(StaffMember, Vec<StaffAssignment>)> {
        let row = sqlx::query(
            "select staff_member_id, staff_uid, given_name, family_name, email, clinical_role
             from staff_member where staff_uid = $1",
        )
        .bind(staff_uid)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        let member = staff_from_row(&row)?;
        let rows = sqlx::query(
            "select staff_member_id, organisation_id, role from staff_assignment
             where staff_member_id = $1 order by organisation_id, role",
        )
        .bind(id(member.staff_member_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let assignments = rows.iter().map(assignment_from_row).collect::<StoreResult<_>>()?;
        Ok((member, assignments))
    }

    async fn proxy_access_held_by(&self, proxy_patient_id: Uuid) -> StoreResult<Vec<ProxyAccess>> {
        let rows = sqlx::query(
            "select proxy_access_id, proxy_patient_id, subject_patient_id, relationship, scopes, valid_from, valid_until
             from proxy_access where proxy_patient_id = $1 order by valid_from, proxy_access_id",
        )
        .bind(id(proxy_patient_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(proxy_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(action = %event.action, outcome = event.outcome.as_str()), err)]
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<i64> {
        sqlx::query_scalar(
            "insert into audit_event (occurred_at, actor_kind, actor_id, action, target_kind, target_id, outcome, reason)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             returning audit_event_id",
        )
        .bind(event.occurred_at)
        .bind(&event.actor_kind)
        .bind(event.actor_id)
        .bind(&event.action)
        .bind(&event.target_kind)
        .bind(event.target_id)
        .bind(event.outcome.as_str())
        .bind(&event.reason)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn audit_for_target(
        &self,
        target_kind: &str,
        target_id: Uuid,
        limit: u32,
    ) -> StoreResult<Vec<StoredAuditEvent>> {
        let rows = sqlx::query(
            "select audit_event_id, occurred_at, actor_kind, actor_id, action, target_kind, target_id, outcome, reason
             from audit_event where target_kind = $1 and target_id = $2
             order by occurred_at desc, audit_event_id desc
             limit $3",
        )
        .bind(target_kind)
        .bind(id(target_id))
        .bind(i64::from(limit.max(1)))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(audit_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(rota_template_id = %template.rota_template_id), err)]
    async fn save_rota_template(&self, template: &RotaTemplate) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(
            "insert into rota_template (rota_template_id, organisation_id, location_id, clinician_id, service, channel,
                 bookable_by, effective_from, effective_until)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             on conflict (rota_template_id) do update set
                 organisation_id = excluded.organisation_id, location_id = excluded.location_id,
                 clinician_id = excluded.clinician_id, service = excluded.service, channel = excluded.channel,
                 bookable_by = excluded.bookable_by, effective_from = excluded.effective_from,
                 effective_until = excluded.effective_until",
        )
        .bind(id(template.rota_template_id))
        .bind(id(template.organisation_id))
        .bind(id(template.location_id))
        .bind(id(template.clinician_id))
        .bind(template.service.as_str())
        .bind(template.channel.as_str())
        .bind(template.bookable_by.as_str())
        .bind(template.effective_from)
        .bind(template.effective_until)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for table in ["rota_session", "rota_exception"] {
            sqlx::query(&format!("delete from {table} where rota_template_id = $1"))
                .bind(id(template.rota_template_id))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        for session in &template.sessions {
            sqlx::query(
                "insert into rota_session (rota_template_id, weekday, starts, ends, slot_minutes)
                 values ($1, $2, $3, $4, $5)",
            )
            .bind(id(template.rota_template_id))
            .bind(i16::from(session.weekday.number_from_monday()))
            .bind(hhmm(session.starts))
            .bind(hhmm(session.ends))
            .bind(session.slot_minutes as i16)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        for exception in &template.exceptions {
            sqlx::query("insert into rota_exception (rota_template_id, exception_date, reason) values ($1, $2, $3)")
                .bind(id(template.rota_template_id))
                .bind(exception.date)
                .bind(&exception.reason)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn rota_template(&self, rota_template_id: Uuid) -> StoreResult<RotaTemplate> {
        let row = sqlx::query(
            "select rota_template_id, organisation_id, location_id, clinician_id, service, channel, bookable_by,
                    effective_from, effective_until
             from rota_template where rota_template_id = $1",
        )
        .bind(id(rota_template_id))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        let sessions = sqlx::query(
            "select weekday, starts, ends, slot_minutes from rota_session where rota_template_id = $1
             order by weekday, starts",
        )
        .bind(id(rota_template_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let exceptions = sqlx::query(
            "select exception_date, reason from rota_exception where rota_template_id = $1 order by exception_date",
        )
        .bind(id(rota_template_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rota_template_from_rows(&row, &sessions, &exceptions)
    }

    #[tracing::instrument(skip_all, fields(planned = slots.len()), err)]
    async fn add_planned_slots(&self, slots: &[PlannedSlot]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let mut added = 0;
        for s in slots {
            let done = sqlx::query(
                "insert into slot (slot_id, organisation_id, location_id, clinician_id, service, channel, bookable_by,
                     starts_at, ends_at, status, rota_template_id)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'free', $10)
                 on conflict (rota_template_id, starts_at) do nothing",
            )
            .bind(id(Uuid::new_v4()))
            .bind(id(s.organisation_id))
            .bind(id(s.location_id))
            .bind(id(s.clinician_id))
            .bind(s.service.as_str())
            .bind(s.channel.as_str())
            .bind(s.bookable_by.as_str())
            .bind(utc(s.starts_at))
            .bind(utc(s.ends_at))
            .bind(id(s.rota_template_id))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            added += done.rows_affected();
        }
        tx.commit().await.map_err(map_err)?;
        Ok(added)
    }

    async fn appointments_between(
        &self,
        organisation_id: Uuid,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> StoreResult<Vec<Appointment>> {
        let rows = sqlx::query(&format!(
            "select {APPOINTMENT_COLUMNS} from appointment
             where status in ('booked', 'arrived', 'completed', 'did_not_attend')
               and slot_id in (select slot_id from slot where organisation_id = $1 and starts_at >= $2 and starts_at < $3)"
        ))
        .bind(id(organisation_id))
        .bind(utc(from))
        .bind(utc(to))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(appointment_from_row).collect()
    }

    async fn staff_member(&self, staff_member_id: Uuid) -> StoreResult<StaffMember> {
        let row = sqlx::query(
            "select staff_member_id, staff_uid, given_name, family_name, email, clinical_role
             from staff_member where staff_member_id = $1",
        )
        .bind(id(staff_member_id))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        staff_from_row(&row)
    }

    async fn slots_between(
        &self,
        organisation_id: Uuid,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> StoreResult<Vec<Slot>> {
        let rows = sqlx::query(&format!(
            "select {SLOT_COLUMNS} from slot where organisation_id = $1 and starts_at >= $2 and starts_at < $3
             order by starts_at, slot_id"
        ))
        .bind(id(organisation_id))
        .bind(utc(from))
        .bind(utc(to))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(slot_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(slot_id = %request.slot_id), err)]
    async fn book(&self, request: &BookingRequest) -> StoreResult<Appointment> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        if let Some(first) = booked_with_key(&mut tx, request).await? {
            return Ok(first);
        }
        let claimed = sqlx::query(
            "update slot set status = 'booked', held_for_patient_id = null, held_until = null
             where slot_id = $1
               and (status = 'free' or (status = 'held' and (held_for_patient_id = $2 or held_until <= $3)))",
        )
        .bind(id(request.slot_id))
        .bind(id(request.patient_id))
        .bind(utc(request.at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if claimed.rows_affected() == 0 {
            // Unlike SQLite, PostgreSQL does not serialise writers: a retry
            // that raced the first request waited here on the slot's row
            // lock until the first committed, and this new statement sees
            // that commit (read committed). The retry gets the first
            // appointment, as it would have had it come a moment later.
            if let Some(first) = booked_with_key(&mut tx, request).await? {
                return Ok(first);
            }
            let exists = sqlx::query("select 1 from slot where slot_id = $1")
                .bind(id(request.slot_id))
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            return Err(if exists.is_some() {
                StoreError::Conflict("slot_taken".into())
            } else {
                StoreError::NotFound
            });
        }
        let inserted = sqlx::query(
            "insert into appointment (appointment_id, slot_id, patient_id, status, note, booked_by_kind, booked_by_id,
                 idempotency_key, sequence, created_at, updated_at)
             values ($1, $2, $3, 'booked', $4, $5, $6, $7, 0, $8, $8)",
        )
        .bind(id(request.appointment_id))
        .bind(id(request.slot_id))
        .bind(id(request.patient_id))
        .bind(&request.note)
        .bind(&request.booked_by_kind)
        .bind(request.booked_by_id.map(id))
        .bind(&request.idempotency_key)
        .bind(utc(request.at))
        .execute(&mut *tx)
        .await;
        match inserted.map_err(map_err) {
            Ok(_) => {}
            // A retry aimed at another slot raced the first request: the
            // key's unique constraint waited for the first to commit. This
            // transaction is spent; the first appointment is read afresh.
            Err(StoreError::Conflict(c)) if c == "appointment_idempotency_key_unique" => {
                tx.rollback().await.map_err(map_err)?;
                let mut conn = self.pool.acquire().await.map_err(map_err)?;
                return booked_with_key(&mut conn, request).await?.ok_or(StoreError::Conflict(c));
            }
            // A concurrent booking won the race for the slot.
            Err(StoreError::Conflict(_)) => return Err(StoreError::Conflict("slot_taken".into())),
            Err(other) => return Err(other),
        }
        // The messages go in the same transaction as the booking.
        let payload = appointment_payload(request.appointment_id, 0);
        enqueue(
            &mut tx,
            NotificationKind::AppointmentBooked,
            request.patient_id,
            request.appointment_id,
            &payload,
            request.at,
            request.at,
        )
        .await?;
        schedule_reminders(&mut tx, request.appointment_id, request.patient_id, request.slot_id, &payload, request.at)
            .await?;
        sqlx::query(
            "update waitlist_entry set status = 'accepted'
             where patient_id = $1 and offered_slot_id = $2 and status = 'offered'",
        )
        .bind(id(request.patient_id))
        .bind(id(request.slot_id))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let row = sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where appointment_id = $1"))
            .bind(id(request.appointment_id))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let appointment = appointment_from_row(&row)?;
        tx.commit().await.map_err(map_err)?;
        Ok(appointment)
    }

    async fn appointment(&self, appointment_id: Uuid) -> StoreResult<Appointment> {
        let row = sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where appointment_id = $1"))
            .bind(id(appointment_id))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        appointment_from_row(&row)
    }

    async fn slot(&self, slot_id: Uuid) -> StoreResult<Slot> {
        let row = sqlx::query(&format!("select {SLOT_COLUMNS} from slot where slot_id = $1"))
            .bind(id(slot_id))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        slot_from_row(&row)
    }

    async fn appointments_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Appointment>> {
        let columns = APPOINTMENT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
        let rows = sqlx::query(&format!(
            "select {columns} from appointment a join slot s on s.slot_id = a.slot_id
             where a.patient_id = $1 order by s.starts_at, a.appointment_id"
        ))
        .bind(id(patient_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(appointment_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(appointment_id = %appointment_id), err)]
    async fn amend(
        &self,
        appointment_id: Uuid,
        new_slot_id: Uuid,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        // The row lock serialises a concurrent amend and cancel.
        let current = sqlx::query("select slot_id, status from appointment where appointment_id = $1 for update")
            .bind(id(appointment_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?;
        let status: String = current.try_get("status").map_err(map_err)?;
        if status != "booked" {
            return Err(StoreError::Conflict("appointment_changed".into()));
        }
        let old_slot = row_uuid(&current, "slot_id")?;
        if old_slot == new_slot_id {
            return Err(StoreError::Conflict("slot_taken".into()));
        }
        let claimed = sqlx::query("update slot set status = 'booked' where slot_id = $1 and status = 'free'")
            .bind(id(new_slot_id))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if claimed.rows_affected() == 0 {
            let exists = sqlx::query("select 1 from slot where slot_id = $1")
                .bind(id(new_slot_id))
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            return Err(if exists.is_some() {
                StoreError::Conflict("slot_taken".into())
            } else {
                StoreError::NotFound
            });
        }
        sqlx::query("update slot set status = 'free' where slot_id = $1")
            .bind(id(old_slot))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let moved = sqlx::query(
            "update appointment set slot_id = $1, sequence = sequence + 1, updated_at = $2
             where appointment_id = $3 and status = 'booked'",
        )
        .bind(id(new_slot_id))
        .bind(utc(at))
        .bind(id(appointment_id))
        .execute(&mut *tx)
        .await
        .map_err(|e| match map_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict("slot_taken".into()),
            other => other,
        })?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::Conflict("appointment_changed".into()));
        }
        let row = sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where appointment_id = $1"))
            .bind(id(appointment_id))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let appointment = appointment_from_row(&row)?;
        let payload = appointment_payload(appointment_id, appointment.sequence);
        withdraw_reminders(&mut tx, appointment_id).await?;
        enqueue(
            &mut tx,
            NotificationKind::AppointmentAmended,
            appointment.patient_id,
            appointment_id,
            &payload,
            at,
            at,
        )
        .await?;
        schedule_reminders(&mut tx, appointment_id, appointment.patient_id, new_slot_id, &payload, at).await?;
        offer_freed_slot(&mut tx, old_slot, at).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(appointment)
    }

    #[tracing::instrument(skip_all, fields(appointment_id = %appointment_id), err)]
    async fn cancel(
        &self,
        appointment_id: Uuid,
        status: AppointmentStatus,
        reason: &str,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment> {
        if !matches!(status, AppointmentStatus::CancelledByPatient | AppointmentStatus::CancelledByPractice) {
            return Err(StoreError::Conflict("not_a_cancellation".into()));
        }
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        // The slot is read by the same statement that cancels, so a move
        // that committed first is seen and its new slot is the one freed.
        let cancelled = sqlx::query(
            "update appointment set status = $1, cancel_reason = $2, sequence = sequence + 1, updated_at = $3
             where appointment_id = $4 and status = 'booked'
             returning slot_id",
        )
        .bind(status.as_str())
        .bind(reason)
        .bind(utc(at))
        .bind(id(appointment_id))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(row) = cancelled else {
            let exists = sqlx::query("select 1 from appointment where appointment_id = $1")
                .bind(id(appointment_id))
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            return Err(if exists.is_some() {
                StoreError::Conflict("appointment_changed".into())
            } else {
                StoreError::NotFound
            });
        };
        let slot_id = row_uuid(&row, "slot_id")?;
        sqlx::query("update slot set status = 'free' where slot_id = $1")
            .bind(id(slot_id))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        offer_freed_slot(&mut tx, slot_id, at).await?;
        let row = sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where appointment_id = $1"))
            .bind(id(appointment_id))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let appointment = appointment_from_row(&row)?;
        let kind = if status == AppointmentStatus::CancelledByPatient {
            NotificationKind::AppointmentCancelledByPatient
        } else {
            NotificationKind::AppointmentCancelledByPractice
        };
        withdraw_reminders(&mut tx, appointment_id).await?;
        let payload = appointment_payload(appointment_id, appointment.sequence);
        enqueue(&mut tx, kind, appointment.patient_id, appointment_id, &payload, at, at).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(appointment)
    }

    async fn claim_notifications(
        &self,
        worker: &str,
        now: time::OffsetDateTime,
        lease: time::Duration,
        limit: u32,
    ) -> StoreResult<Vec<Notification>> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let rows = sqlx::query(&format!(
            "update notification_outbox set status = 'in_flight', claimed_by = $1, claimed_until = $2
             where notification_id in (
                 select notification_id from notification_outbox
                 where (status = 'pending' and due_at <= $3) or (status = 'in_flight' and claimed_until < $3)
                 order by due_at, notification_id
                 limit $4 for update skip locked)
             returning {NOTIFICATION_COLUMNS}"
        ))
        .bind(worker)
        .bind(utc(now + lease))
        .bind(utc(now))
        .bind(i64::from(limit.max(1)))
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let mut claimed = rows.iter().map(notification_from_row).collect::<StoreResult<Vec<_>>>()?;
        claimed.sort_by_key(|n| (n.due_at, n.notification_id));
        Ok(claimed)
    }

    async fn complete_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        at: time::OffsetDateTime,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "update notification_outbox set status = 'sent', sent_at = $1, attempts = attempts + 1,
                 claimed_by = null, claimed_until = null
             where notification_id = $2 and status = 'in_flight' and claimed_by = $3",
        )
        .bind(utc(at))
        .bind(id(notification_id))
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("not_claimed_by_worker".into()))
        }
    }

    async fn fail_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<time::OffsetDateTime>,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "update notification_outbox
             set status = $1, due_at = coalesce($2, due_at), attempts = attempts + 1, last_error = $3,
                 claimed_by = null, claimed_until = null
             where notification_id = $4 and status = 'in_flight' and claimed_by = $5",
        )
        .bind(if retry_at.is_some() { "pending" } else { "parked" })
        .bind(retry_at.map(utc))
        .bind(error.chars().take(500).collect::<String>())
        .bind(id(notification_id))
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("not_claimed_by_worker".into()))
        }
    }

    async fn replay_notification(&self, notification_id: Uuid, now: time::OffsetDateTime) -> StoreResult<()> {
        let done = sqlx::query(
            "update notification_outbox set status = 'pending', due_at = $1 where notification_id = $2 and status = 'parked'",
        )
        .bind(utc(now))
        .bind(id(notification_id))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn notifications_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "select {NOTIFICATION_COLUMNS} from notification_outbox where patient_id = $1
             order by due_at, created_at, kind"
        ))
        .bind(id(patient_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(notification_from_row).collect()
    }

    async fn defer_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        until: time::OffsetDateTime,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "update notification_outbox set status = 'pending', due_at = $1, claimed_by = null, claimed_until = null
             where notification_id = $2 and status = 'in_flight' and claimed_by = $3",
        )
        .bind(utc(until))
        .bind(id(notification_id))
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("not_claimed_by_worker".into()))
        }
    }

    async fn record_channel_sent(
        &self,
        notification_id: Uuid,
        channel: carebook_core::notify::preferences::DeliveryChannel,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let current: String =
            sqlx::query_scalar("select channels_sent from notification_outbox where notification_id = $1 for update")
                .bind(id(notification_id))
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        let mut channels = carebook_core::notify::outbox::channels_from_text(&current);
        if !channels.contains(&channel) {
            channels.push(channel);
        }
        sqlx::query("update notification_outbox set channels_sent = $1 where notification_id = $2")
            .bind(carebook_core::notify::outbox::channels_to_text(&channels))
            .bind(id(notification_id))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn parked_notifications(&self, limit: u32) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "select {NOTIFICATION_COLUMNS} from notification_outbox where status = 'parked'
             order by created_at desc, notification_id limit $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(notification_from_row).collect()
    }

    async fn outbox_stats(&self, now: time::OffsetDateTime) -> StoreResult<carebook_core::notify::outbox::OutboxStats> {
        let rows = sqlx::query(
            "select case when status = 'pending' and due_at > $1 then 'later' else status end as bucket,
                    count(*) as n, coalesce(sum(attempts), 0)::bigint as attempts
             from notification_outbox group by bucket",
        )
        .bind(utc(now))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut stats = carebook_core::notify::outbox::OutboxStats::default();
        let mut attempts: i64 = 0;
        for row in &rows {
            let bucket: String = row.try_get("bucket").map_err(map_err)?;
            let n = u64::try_from(row.try_get::<i64, _>("n").map_err(map_err)?).unwrap_or(0);
            attempts += row.try_get::<i64, _>("attempts").map_err(map_err)?;
            match bucket.as_str() {
                "pending" => stats.pending_due = n,
                "later" => stats.pending_later = n,
                "in_flight" => stats.in_flight = n,
                "sent" => stats.sent = n,
                "parked" => stats.parked = n,
                _ => stats.withdrawn = n,
            }
        }
        // A sent message's last attempt succeeded; every other one failed.
        stats.failed_attempts = u64::try_from(attempts).unwrap_or(0).saturating_sub(stats.sent);
        stats.oldest_due_at = sqlx::query_scalar(
            "select min(due_at) from notification_outbox
             where (status = 'pending' and due_at <= $1) or status = 'in_flight'",
        )
        .bind(utc(now))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(stats)
    }

    async fn record_demo_message(&self, m: &carebook_core::notify::demonstration::SentMessage) -> StoreResult<()> {
        sqlx::query(
            "insert into demo_sent_message (notification_id, kind, channel, recipient, subject, body, invitation, sent_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id(m.notification_id))
        .bind(m.kind.as_str())
        .bind(m.channel.as_str())
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(&m.invitation)
        .bind(utc(m.sent_at))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn demo_messages(&self, limit: u32) -> StoreResult<Vec<carebook_core::notify::demonstration::SentMessage>> {
        let rows = sqlx::query(&format!(
            "select {DEMO_MESSAGE_COLUMNS} from demo_sent_message order by sent_at desc, demo_sent_message_id desc limit $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(demo_message_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(slot_id = %slot_id), err)]
    async fn hold(
        &self,
        slot_id: Uuid,
        patient_id: Uuid,
        until: time::OffsetDateTime,
        now: time::OffsetDateTime,
    ) -> StoreResult<Slot> {
        let row = sqlx::query(&format!(
            "update slot set status = 'held', held_for_patient_id = $1, held_until = $2
             where slot_id = $3 and (status = 'free' or (status = 'held' and held_until <= $4))
             returning {SLOT_COLUMNS}"
        ))
        .bind(id(patient_id))
        .bind(utc(until))
        .bind(id(slot_id))
        .bind(utc(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        match row {
            Some(row) => slot_from_row(&row),
            None => {
                self.slot(slot_id).await?;
                Err(StoreError::Conflict("slot_taken".into()))
            }
        }
    }

    #[tracing::instrument(skip_all, fields(slot_id = %slot_id), err)]
    async fn block_slot(&self, slot_id: Uuid, reason: &str, now: time::OffsetDateTime) -> StoreResult<Slot> {
        let row = sqlx::query(&format!(
            "update slot set status = 'blocked', blocked_reason = $1, held_for_patient_id = null, held_until = null
             where slot_id = $2 and (status = 'free' or (status = 'held' and held_until <= $3))
             returning {SLOT_COLUMNS}"
        ))
        .bind(reason)
        .bind(id(slot_id))
        .bind(utc(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        match row {
            Some(row) => slot_from_row(&row),
            None => {
                self.slot(slot_id).await?;
                Err(StoreError::Conflict("slot_not_free".into()))
            }
        }
    }

    #[tracing::instrument(skip_all, fields(slot_id = %slot_id), err)]
    async fn unblock_slot(&self, slot_id: Uuid) -> StoreResult<Slot> {
        let row = sqlx::query(&format!(
            "update slot set status = 'free', blocked_reason = null where slot_id = $1 and status = 'blocked'
             returning {SLOT_COLUMNS}"
        ))
        .bind(id(slot_id))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        match row {
            Some(row) => slot_from_row(&row),
            None => {
                self.slot(slot_id).await?;
                Err(StoreError::Conflict("slot_not_blocked".into()))
            }
        }
    }

    #[tracing::instrument(skip_all, fields(appointment_id = %appointment_id), err)]
    async fn record_attendance(
        &self,
        appointment_id: Uuid,
        status: AppointmentStatus,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment> {
        let from: &[&str] = match status {
            AppointmentStatus::Arrived | AppointmentStatus::DidNotAttend => &["booked"],
            AppointmentStatus::Completed => &["booked", "arrived"],
            _ => return Err(StoreError::Conflict("not_an_attendance".into())),
        };
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let done = sqlx::query(
            "update appointment set status = $1, updated_at = $2
             where appointment_id = $3 and (status = $4 or status = $5)",
        )
        .bind(status.as_str())
        .bind(utc(at))
        .bind(id(appointment_id))
        .bind(from[0])
        .bind(from.get(1).copied().unwrap_or(from[0]))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let row = sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where appointment_id = $1"))
            .bind(id(appointment_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("appointment_changed".into()));
        }
        let appointment = appointment_from_row(&row)?;
        tx.commit().await.map_err(map_err)?;
        Ok(appointment)
    }

    #[tracing::instrument(skip_all, err)]
    async fn join_waitlist(&self, e: &WaitlistEntry) -> StoreResult<()> {
        sqlx::query(
            "insert into waitlist_entry (waitlist_entry_id, patient_id, service, practice_id, hub_id, window_starts_at,
                 window_ends_at, status, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8)",
        )
        .bind(id(e.waitlist_entry_id))
        .bind(id(e.patient_id))
        .bind(e.service.as_str())
        .bind(id(e.practice_id))
        .bind(e.hub_id.map(id))
        .bind(utc(e.window_starts_at))
        .bind(utc(e.window_ends_at))
        .bind(utc(e.created_at))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn waitlist_entry(&self, waitlist_entry_id: Uuid) -> StoreResult<WaitlistEntry> {
        let row = sqlx::query(&format!("select {WAITLIST_COLUMNS} from waitlist_entry where waitlist_entry_id = $1"))
            .bind(id(waitlist_entry_id))
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        waitlist_from_row(&row)
    }

    #[tracing::instrument(skip_all, err)]
    async fn expire_waitlist_offers(&self, now: time::OffsetDateTime) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let lapsed = sqlx::query(
            "update waitlist_entry set status = 'expired'
             where status = 'offered' and offer_expires_at <= $1
             returning patient_id, offered_slot_id",
        )
        .bind(utc(now))
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        for row in &lapsed {
            let patient_id = row_uuid(row, "patient_id")?;
            let slot_id = row_uuid(row, "offered_slot_id")?;
            let released = sqlx::query(
                "update slot set status = 'free', held_for_patient_id = null, held_until = null
                 where slot_id = $1 and status = 'held' and held_for_patient_id = $2",
            )
            .bind(id(slot_id))
            .bind(id(patient_id))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            if released.rows_affected() == 1 {
                offer_freed_slot(&mut tx, slot_id, now).await?;
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(lapsed.len() as u64)
    }

    async fn location(&self, location_id: Uuid) -> StoreResult<carebook_core::model::Location> {
        let row = sqlx::query(
            "select location_id, organisation_id, name, address_line1, address_line2, town, postcode
             from location where location_id = $1",
        )
        .bind(id(location_id))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        location_from_row(&row)
    }

    async fn contact_preferences(
        &self,
        patient_id: Uuid,
    ) -> StoreResult<Vec<carebook_core::notify::preferences::ContactPreference>> {
        use carebook_core::notify::preferences::{ContactPreference, MessageGroup};
        let rows = sqlx::query(
            "select message_group, by_email, by_sms from contact_preference where patient_id = $1 order by message_group",
        )
        .bind(id(patient_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let group: String = r.try_get("message_group").map_err(map_err)?;
                Ok(ContactPreference {
                    group: MessageGroup::parse(&group)
                        .ok_or_else(|| StoreError::Other("stored value for message_group is not valid".into()))?,
                    by_email: r.try_get("by_email").map_err(map_err)?,
                    by_sms: r.try_get("by_sms").map_err(map_err)?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, err)]
    async fn booking_rules(
        &self,
        organisation_id: Uuid,
    ) -> StoreResult<Vec<(carebook_core::booking::ServiceKind, carebook_core::booking::rules::BookingRules)>> {
        let rows = sqlx::query(&format!(
            "select {BOOKING_RULE_COLUMNS} from booking_rule where organisation_id = $1 order by service"
        ))
        .bind(id(organisation_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(booking_rule_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(organisation_id = %organisation_id, service = service.as_str()), err)]
    async fn set_booking_rules(
        &self,
        organisation_id: Uuid,
        service: carebook_core::booking::ServiceKind,
        rules: Option<&carebook_core::booking::rules::BookingRules>,
        by: Option<Uuid>,
        at: time::OffsetDateTime,
    ) -> StoreResult<()> {
        let Some(r) = rules else {
            sqlx::query("delete from booking_rule where organisation_id = $1 and service = $2")
                .bind(id(organisation_id))
                .bind(service.as_str())
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
            return Ok(());
        };
        let number = |n: u32| i32::try_from(n).map_err(|_| StoreError::Conflict("booking_rule_range".into()));
        sqlx::query(
            "insert into booking_rule (organisation_id, service, horizon_days, same_day_release, minimum_notice_minutes,
                 change_cutoff_minutes, max_active_per_patient, condition_codes, condition_description, updated_at,
                 updated_by_staff_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             on conflict (organisation_id, service) do update set
                 horizon_days = excluded.horizon_days, same_day_release = excluded.same_day_release,
                 minimum_notice_minutes = excluded.minimum_notice_minutes,
                 change_cutoff_minutes = excluded.change_cutoff_minutes,
                 max_active_per_patient = excluded.max_active_per_patient,
                 condition_codes = excluded.condition_codes, condition_description = excluded.condition_description,
                 updated_at = excluded.updated_at, updated_by_staff_id = excluded.updated_by_staff_id",
        )
        .bind(id(organisation_id))
        .bind(service.as_str())
        .bind(i32::from(r.horizon_days))
        .bind(r.same_day_release.map(hhmm))
        .bind(number(r.minimum_notice_minutes)?)
        .bind(number(r.change_cutoff_minutes)?)
        .bind(r.max_active_per_patient.map(number).transpose()?)
        .bind(r.requires_condition.as_ref().map(|c| c.snomed_codes.join(" ")))
        .bind(r.requires_condition.as_ref().map(|c| c.description.clone()))
        .bind(utc(at))
        .bind(by.map(id))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn rota_templates_for(&self, organisation_id: Uuid) -> StoreResult<Vec<RotaTemplate>> {
        let ids = sqlx::query(
            "select rota_template_id from rota_template where organisation_id = $1 order by service, effective_from, rota_template_id",
        )
        .bind(id(organisation_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut out = Vec::with_capacity(ids.len());
        for row in &ids {
            out.push(self.rota_template(row_uuid(row, "rota_template_id")?).await?);
        }
        Ok(out)
    }

    async fn locations_for(&self, organisation_id: Uuid) -> StoreResult<Vec<carebook_core::model::Location>> {
        let rows = sqlx::query(
            "select location_id, organisation_id, name, address_line1, address_line2, town, postcode
             from location where organisation_id = $1 order by name, location_id",
        )
        .bind(id(organisation_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(location_from_row).collect()
    }

    async fn clinicians_at(&self, organisation_id: Uuid) -> StoreResult<Vec<StaffMember>> {
        let rows = sqlx::query(
            "select m.staff_member_id, m.staff_uid, m.given_name, m.family_name, m.email, m.clinical_role
             from staff_member m
             where m.clinical_role is not null
               and exists (select 1 from staff_assignment a
                           where a.staff_member_id = m.staff_member_id and a.organisation_id = $1)
             order by m.family_name, m.given_name, m.staff_member_id",
        )
        .bind(id(organisation_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(staff_from_row).collect()
    }

    async fn find_patients(&self, search: &carebook_core::store::PatientSearch) -> StoreResult<Vec<Patient>> {
        let family = search.family_name.trim().to_lowercase();
        let given = search.given_name.as_deref().map(|g| g.trim().to_lowercase()).filter(|g| !g.is_empty());
        let mut found = Vec::new();
        for practice_id in &search.practice_ids {
            let rows = sqlx::query(&format!(
                "select {PATIENT_COLUMNS} from patient
                 where registered_practice_id = $1 and lower(family_name) = $2 and date_of_birth = $3"
            ))
            .bind(id(*practice_id))
            .bind(&family)
            .bind(search.date_of_birth)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
            for row in &rows {
                let p = patient_from_row(row)?;
                if given.as_deref().is_none_or(|g| p.given_name.to_lowercase().starts_with(g)) {
                    found.push(p);
                }
            }
        }
        found.sort_by(|a, b| {
            (&a.family_name, &a.given_name, a.patient_id).cmp(&(&b.family_name, &b.given_name, b.patient_id))
        });
        found.truncate(search.limit as usize);
        Ok(found)
    }

    async fn waitlist_for_organisation(&self, organisation_id: Uuid) -> StoreResult<Vec<WaitlistEntry>> {
        let rows = sqlx::query(&format!(
            "select {WAITLIST_COLUMNS} from waitlist_entry
             where (practice_id = $1 or hub_id = $1) and status in ('waiting', 'offered')
             order by created_at, waitlist_entry_id"
        ))
        .bind(id(organisation_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(waitlist_from_row).collect()
    }

    async fn set_contact_preference(
        &self,
        patient_id: Uuid,
        preference: carebook_core::notify::preferences::ContactPreference,
    ) -> StoreResult<()> {
        sqlx::query(
            "insert into contact_preference (patient_id, message_group, by_email, by_sms) values ($1, $2, $3, $4)
             on conflict (patient_id, message_group) do update set by_email = excluded.by_email, by_sms = excluded.by_sms",
        )
        .bind(id(patient_id))
        .bind(preference.group.as_str())
        .bind(preference.by_email)
        .bind(preference.by_sms)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

/// A slot just freed goes to the first person waiting for it: held for
/// them, their entry marked offered, and a message queued, all in the
/// caller's transaction.
///
/// Two slots freed at once must not both go to the same person: the
/// entry is locked, and a concurrent offer skips to the next one waiting.
async fn offer_freed_slot(tx: &mut sqlx::PgConnection, slot_id: Uuid, now: time::OffsetDateTime) -> StoreResult<()> {
    let first = sqlx::query(
        "select w.waitlist_entry_id, w.patient_id from waitlist_entry w join slot s on s.slot_id = $1
         where s.status = 'free' and w.status = 'waiting' and w.service = s.service
           and s.starts_at >= w.window_starts_at and s.starts_at < w.window_ends_at and s.starts_at > $2
           and ((s.bookable_by = 'own_practice' and s.organisation_id = w.practice_id)
                or (s.bookable_by = 'federation' and (s.organisation_id = w.practice_id or s.organisation_id = w.hub_id)))
         order by w.created_at, w.waitlist_entry_id
         limit 1
         for update of w skip locked",
    )
    .bind(id(slot_id))
    .bind(utc(now))
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    let Some(row) = first else { return Ok(()) };
    let entry_id = row_uuid(&row, "waitlist_entry_id")?;
    let patient_id = row_uuid(&row, "patient_id")?;
    let until = now + OFFER_WINDOW;
    sqlx::query(
        "update slot set status = 'held', held_for_patient_id = $1, held_until = $2 where slot_id = $3 and status = 'free'",
    )
    .bind(id(patient_id))
    .bind(utc(until))
    .bind(id(slot_id))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    sqlx::query(
        "update waitlist_entry set status = 'offered', offered_slot_id = $1, offer_expires_at = $2
         where waitlist_entry_id = $3",
    )
    .bind(id(slot_id))
    .bind(utc(until))
    .bind(id(entry_id))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    let payload = format!("{{\"waitlist_entry_id\":\"{entry_id}\",\"slot_id\":\"{slot_id}\"}}");
    enqueue(tx, NotificationKind::WaitlistOffer, patient_id, entry_id, &payload, now, now).await
}

/// The appointment already booked with the request's idempotency key, if
/// any. `Conflict("idempotency_key_reused")` when it belongs to someone
/// else: a key never hands one person's booking to another.
async fn booked_with_key(conn: &mut sqlx::PgConnection, request: &BookingRequest) -> StoreResult<Option<Appointment>> {
    let Some(key) = &request.idempotency_key else { return Ok(None) };
    let existing = sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where idempotency_key = $1"))
        .bind(key)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
    let Some(row) = existing else { return Ok(None) };
    let first = appointment_from_row(&row)?;
    if first.patient_id != request.patient_id {
        return Err(StoreError::Conflict("idempotency_key_reused".into()));
    }
    Ok(Some(first))
}

/// One outbox row, inside the caller's transaction.
async fn enqueue(
    tx: &mut sqlx::PgConnection,
    kind: NotificationKind,
    patient_id: Uuid,
    subject_id: Uuid,
    payload: &str,
    due_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "insert into notification_outbox (notification_id, kind, patient_id, subject_id, payload, due_at, status, created_at)
         values ($1, $2, $3, $4, $5::jsonb, $6, 'pending', $7)",
    )
    .bind(id(Uuid::new_v4()))
    .bind(kind.as_str())
    .bind(id(patient_id))
    .bind(id(subject_id))
    .bind(payload)
    .bind(utc(due_at))
    .bind(utc(now))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Reminders before the slot's start, where their time has not passed.
async fn schedule_reminders(
    tx: &mut sqlx::PgConnection,
    appointment_id: Uuid,
    patient_id: Uuid,
    slot_id: Uuid,
    payload: &str,
    now: time::OffsetDateTime,
) -> StoreResult<()> {
    let starts_at: time::OffsetDateTime = sqlx::query_scalar("select starts_at from slot where slot_id = $1")
        .bind(id(slot_id))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
    for due in reminder_due_times(starts_at) {
        if due > now {
            enqueue(tx, NotificationKind::AppointmentReminder, patient_id, appointment_id, payload, due, now).await?;
        }
    }
    Ok(())
}

async fn withdraw_reminders(tx: &mut sqlx::PgConnection, appointment_id: Uuid) -> StoreResult<()> {
    sqlx::query(
        "update notification_outbox set status = 'withdrawn'
         where subject_id = $1 and kind = 'appointment_reminder' and status in ('pending', 'in_flight')",
    )
    .bind(id(appointment_id))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

fn utc(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.to_offset(time::UtcOffset::UTC)
}

fn hhmm(t: time::Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

async fn insert_organisation(tx: &mut sqlx::PgConnection, o: &Organisation) -> StoreResult<()> {
    sqlx::query(
        "insert into organisation (organisation_id, ods_code, name, kind, area_code, federation_id,
             address_line1, address_line2, town, postcode, phone, email)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id(o.organisation_id))
    .bind(o.ods_code.as_str())
    .bind(&o.name)
    .bind(o.kind.as_str())
    .bind(o.area.as_str())
    .bind(o.federation_id.map(id))
    .bind(&o.address.line1)
    .bind(&o.address.line2)
    .bind(&o.address.town)
    .bind(o.address.postcode.as_str())
    .bind(o.phone.as_ref().map(|p| p.as_e164()))
    .bind(o.email.as_ref().map(|e| e.as_str()))
    .execute(tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

async fn insert_patient(tx: &mut sqlx::PgConnection, p: &Patient) -> StoreResult<()> {
    sqlx::query(
        "insert into patient (patient_id, nhs_number, given_name, family_name, date_of_birth, sex, email, phone,
             address_line1, address_line2, town, postcode, registered_practice_id, nominated_pharmacy_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id(p.patient_id))
    .bind(p.nhs_number.as_str())
    .bind(&p.given_name)
    .bind(&p.family_name)
    .bind(p.date_of_birth)
    .bind(p.sex.as_str())
    .bind(p.email.as_ref().map(|e| e.as_str()))
    .bind(p.phone.as_ref().map(|e| e.as_e164()))
    .bind(&p.address.line1)
    .bind(&p.address.line2)
    .bind(&p.address.town)
    .bind(p.address.postcode.as_str())
    .bind(id(p.registered_practice_id))
    .bind(p.nominated_pharmacy_id.map(id))
    .execute(tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Many patients in one statement: the demonstration loads hundreds.
async fn insert_patients(tx: &mut sqlx::PgConnection, patients: &[Patient]) -> StoreResult<()> {
    for chunk in patients.chunks(1000) {
        let col = |f: &dyn Fn(&Patient) -> Option<String>| chunk.iter().map(f).collect::<Vec<_>>();
        sqlx::query(
            "insert into patient (patient_id, nhs_number, given_name, family_name, date_of_birth, sex, email, phone,
                 address_line1, address_line2, town, postcode, registered_practice_id, nominated_pharmacy_id)
             select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[],
                 $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::uuid[], $14::uuid[])",
        )
        .bind(chunk.iter().map(|p| p.patient_id).collect::<Vec<_>>())
        .bind(col(&|p| Some(p.nhs_number.as_str().to_string())))
        .bind(col(&|p| Some(p.given_name.clone())))
        .bind(col(&|p| Some(p.family_name.clone())))
        .bind(chunk.iter().map(|p| p.date_of_birth).collect::<Vec<_>>())
        .bind(col(&|p| Some(p.sex.as_str().to_string())))
        .bind(col(&|p| p.email.as_ref().map(|e| e.as_str().to_string())))
        .bind(col(&|p| p.phone.as_ref().map(|e| e.as_e164().to_string())))
        .bind(col(&|p| Some(p.address.line1.clone())))
        .bind(col(&|p| p.address.line2.clone()))
        .bind(col(&|p| Some(p.address.town.clone())))
        .bind(col(&|p| Some(p.address.postcode.as_str().to_string())))
        .bind(chunk.iter().map(|p| p.registered_practice_id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|p| p.nominated_pharmacy_id).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

async fn insert_conditions(tx: &mut sqlx::PgConnection, conditions: &[Condition]) -> StoreResult<()> {
    for chunk in conditions.chunks(1000) {
        sqlx::query(
            "insert into patient_condition (patient_condition_id, patient_id, snomed_code, display,
                 clinical_status, onset_date, recorded_by_organisation_id)
             select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::date[], $7::uuid[])",
        )
        .bind(chunk.iter().map(|c| c.condition_id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.patient_id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.code.code.clone()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.code.display.clone()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.clinical_status.as_str().to_string()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.onset_date).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.recorded_by_organisation_id).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
