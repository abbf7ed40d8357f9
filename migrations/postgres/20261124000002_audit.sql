-- The append-only audit trail: log-ins, failures with their reason,
-- log-outs, step-ups, access refusals and every staff view of a record.
-- Codes only: no names, NHS numbers or clinical values. There are no
-- foreign keys on purpose: the trail outlives what it talks about.
create table audit_event (
    audit_event_id bigint generated always as identity,
    occurred_at    timestamptz not null,
    actor_kind     text not null,
    actor_id       uuid,
    action         text not null,
    target_kind    text,
    target_id      uuid,
    outcome        text not null,
    reason         text,
    constraint audit_event_pk primary key (audit_event_id),
    constraint audit_event_actor_kind_check check (actor_kind in ('patient', 'staff', 'anonymous', 'system')),
    constraint audit_event_outcome_check check (outcome in ('success', 'failure', 'refused'))
);
create index audit_event_target_idx on audit_event (target_kind, target_id, occurred_at);
create index audit_event_actor_idx on audit_event (actor_id, occurred_at);

-- Append-only, enforced by the database rather than by good intentions:
-- updates, deletes and truncation all raise.
create function audit_event_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_event is append-only';
end;
$$;
create trigger audit_event_no_change before update or delete on audit_event
    for each row execute function audit_event_append_only();
create trigger audit_event_no_truncate before truncate on audit_event
    for each statement execute function audit_event_append_only();
