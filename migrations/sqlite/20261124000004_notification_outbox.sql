-- The transactional outbox: every change a person must hear about is
-- written here in the same transaction as the change itself. Workers claim
-- due rows, deliver them, and mark them sent; failures are retried with
-- back-off and parked after too many attempts, for an admin to replay.
-- Reminders are rows due in the future, withdrawn or re-timed when the
-- appointment changes.
create table notification_outbox (
    notification_id text not null,
    kind            text not null,
    patient_id      text not null,
    -- What it is about (an appointment id, a prescription request id...).
    subject_id      text,
    -- What the message needs (ids and the invitation sequence), as JSON.
    -- Never clinical values.
    payload         text not null,
    due_at          text not null,
    status          text not null default 'pending',
    attempts        integer not null default 0,
    last_error      text,
    claimed_by      text,
    claimed_until   text,
    created_at      text not null,
    sent_at         text,
    constraint notification_outbox_pk primary key (notification_id),
    constraint notification_outbox_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint notification_outbox_status_check check (status in ('pending', 'in_flight', 'sent', 'parked', 'withdrawn')),
    constraint notification_outbox_kind_check check (kind in (
        'appointment_booked', 'appointment_amended', 'appointment_cancelled_by_patient',
        'appointment_cancelled_by_practice', 'appointment_reminder', 'waitlist_offer',
        'prescription_status', 'reading_alert_acknowledged'))
);
create index notification_outbox_due_idx on notification_outbox (status, due_at);
create index notification_outbox_subject_idx on notification_outbox (subject_id, kind, status);
