-- A staff override of the booking rules is recorded with the appointment:
-- the reason the receptionist gave and who gave it (a member of staff; no
-- foreign key, as with booked_by_id). Both or neither: the booking service
-- writes them together.
alter table appointment add column override_reason text;
alter table appointment add column overridden_by text;

-- The slot the idempotency key was first sent for (see the PostgreSQL
-- migration of the same name for why).
alter table appointment add column idempotency_slot_id text;
update appointment set idempotency_slot_id = slot_id where idempotency_key is not null;

create index appointment_patient_live_idx on appointment (patient_id) where status in ('booked', 'arrived');
