-- The append-only audit trail: log-ins, failures with their reason,
-- log-outs, step-ups, access refusals and every staff view of a record.
-- Codes only: no names, NHS numbers or clinical values. There are no
-- foreign keys on purpose: the trail outlives what it talks about.
create table audit_event (
    audit_event_id integer not null constraint audit_event_pk primary key autoincrement,
    occurred_at    text not null,
    actor_kind     text not null,
    actor_id       text,
    action         text not null,
    target_kind    text,
    target_id      text,
    outcome        text not null,
    reason         text,
    constraint audit_event_actor_kind_check check (actor_kind in ('patient', 'staff', 'anonymous', 'system')),
    constraint audit_event_outcome_check check (outcome in ('success', 'failure', 'refused'))
);
create index audit_event_target_idx on audit_event (target_kind, target_id, occurred_at);
create index audit_event_actor_idx on audit_event (actor_id, occurred_at);

-- Append-only, enforced by the database rather than by good intentions.
create trigger audit_event_no_update before update on audit_event
begin
    select raise(abort, 'audit_event is append-only');
end;
create trigger audit_event_no_delete before delete on audit_event
begin
    select raise(abort, 'audit_event is append-only');
end;
