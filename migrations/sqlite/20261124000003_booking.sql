-- The booking engine: rota templates (weekly sessions in London local
-- time), booking rules per organisation and service, slots, appointments.
--
-- The central invariant, "a slot never holds two live appointments", is
-- enforced here by a partial unique index, not only by checks in code.

create table rota_template (
    rota_template_id text not null,
    organisation_id  text not null,
    location_id      text not null,
    clinician_id     text not null,
    service          text not null,
    channel          text not null,
    bookable_by      text not null,
    effective_from   text not null,
    effective_until  text,
    constraint rota_template_pk primary key (rota_template_id),
    constraint rota_template_organisation_fk foreign key (organisation_id) references organisation (organisation_id),
    constraint rota_template_location_fk foreign key (location_id) references location (location_id),
    constraint rota_template_clinician_fk foreign key (clinician_id) references staff_member (staff_member_id),
    constraint rota_template_dates_check check (effective_until is null or effective_until >= effective_from)
);

-- One weekly session: weekday 1 (Monday) to 7 (Sunday), local times 'HH:MM'.
create table rota_session (
    rota_template_id text not null,
    weekday          integer not null,
    starts           text not null,
    ends             text not null,
    slot_minutes     integer not null,
    constraint rota_session_pk primary key (rota_template_id, weekday, starts),
    constraint rota_session_template_fk foreign key (rota_template_id) references rota_template (rota_template_id) on delete cascade,
    constraint rota_session_weekday_check check (weekday between 1 and 7),
    constraint rota_session_times_check check (ends > starts),
    constraint rota_session_length_check check (slot_minutes between 5 and 120)
);

create table rota_exception (
    rota_template_id text not null,
    exception_date   text not null,
    reason           text not null,
    constraint rota_exception_pk primary key (rota_template_id, exception_date),
    constraint rota_exception_template_fk foreign key (rota_template_id) references rota_template (rota_template_id) on delete cascade
);

create table slot (
    slot_id          text not null,
    organisation_id  text not null,
    location_id      text not null,
    clinician_id     text not null,
    service          text not null,
    channel          text not null,
    bookable_by      text not null,
    starts_at        text not null,
    ends_at          text not null,
    status           text not null default 'free',
    blocked_reason   text,
    held_for_patient_id text,
    held_until       text,
    -- Set when the slot came from a rota: regenerating never duplicates.
    rota_template_id text,
    constraint slot_pk primary key (slot_id),
    constraint slot_rota_start_unique unique (rota_template_id, starts_at),
    constraint slot_organisation_fk foreign key (organisation_id) references organisation (organisation_id),
    constraint slot_location_fk foreign key (location_id) references location (location_id),
    constraint slot_clinician_fk foreign key (clinician_id) references staff_member (staff_member_id),
    constraint slot_rota_fk foreign key (rota_template_id) references rota_template (rota_template_id),
    constraint slot_status_check check (status in ('free', 'held', 'booked', 'blocked')),
    constraint slot_blocked_reason_check check (status <> 'blocked' or blocked_reason is not null),
    constraint slot_times_check check (ends_at > starts_at)
);
create index slot_search_idx on slot (organisation_id, service, starts_at);
create index slot_clinician_day_idx on slot (clinician_id, starts_at);

create table appointment (
    appointment_id  text not null,
    slot_id         text not null,
    patient_id      text not null,
    status          text not null,
    note            text,
    booked_by_kind  text not null,
    booked_by_id    text,
    -- A retried request with the same key returns the first booking.
    idempotency_key text,
    -- Rises with every amendment: the calendar invitation's SEQUENCE.
    sequence        integer not null default 0,
    cancel_reason   text,
    created_at      text not null,
    updated_at      text not null,
    constraint appointment_pk primary key (appointment_id),
    constraint appointment_idempotency_key_unique unique (idempotency_key),
    constraint appointment_slot_fk foreign key (slot_id) references slot (slot_id),
    constraint appointment_patient_fk foreign key (patient_id) references patient (patient_id),
    constraint appointment_status_check check (status in (
        'booked', 'arrived', 'completed', 'did_not_attend', 'cancelled_by_patient', 'cancelled_by_practice', 'moved')),
    constraint appointment_note_length_check check (note is null or length(note) <= 500),
    constraint appointment_booked_by_check check (booked_by_kind in ('patient', 'staff'))
);
-- The invariant: at most one live appointment per slot.
create unique index appointment_live_slot_unique on appointment (slot_id) where status in ('booked', 'arrived');
create index appointment_patient_idx on appointment (patient_id, status);
