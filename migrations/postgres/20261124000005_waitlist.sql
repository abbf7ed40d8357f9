-- The waitlist: a patient asks for an earlier appointment of a service
-- within a window. When a matching slot is freed, the first person waiting
-- gets it held for a limited time and is told; an unanswered offer passes
-- to the next. At most one active entry per patient and service.
create table waitlist_entry (
    waitlist_entry_id uuid not null,
    patient_id uuid not null,
    service           text not null,
    -- Where they may be seen: their practice and their federation's hub,
    -- as they were when they joined.
    practice_id uuid not null,
    hub_id            uuid,
    window_starts_at  timestamptz not null,
    window_ends_at    timestamptz not null,
    status            text not null default 'waiting',
    offered_slot_id   uuid,
    offer_expires_at  timestamptz,
    created_at        timestamptz not null,
    constraint waitlist_entry_pk primary key (waitlist_entry_id),
    constraint waitlist_entry_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint waitlist_entry_practice_fk foreign key (practice_id) references organisation (organisation_id),
    constraint waitlist_entry_hub_fk foreign key (hub_id) references organisation (organisation_id),
    constraint waitlist_entry_slot_fk foreign key (offered_slot_id) references slot (slot_id),
    constraint waitlist_entry_status_check check (status in ('waiting', 'offered', 'accepted', 'expired', 'withdrawn')),
    constraint waitlist_entry_window_check check (window_ends_at > window_starts_at),
    constraint waitlist_entry_offer_check check (status <> 'offered' or (offered_slot_id is not null and offer_expires_at is not null))
);
create unique index waitlist_entry_active_unique on waitlist_entry (patient_id, service) where status in ('waiting', 'offered');
create index waitlist_entry_queue_idx on waitlist_entry (service, status, created_at);
