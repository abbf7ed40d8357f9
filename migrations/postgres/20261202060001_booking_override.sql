-- A staff override of the booking rules is recorded with the appointment:
-- the reason the receptionist gave and who gave it (a member of staff; no
-- foreign key, as with booked_by_id, so that the trail survives a
-- demonstration reset of the staff list). Both or neither: the booking
-- service writes them together (SQLite cannot add a check to an existing
-- table, and the two stores keep the same named constraints).
alter table appointment add column override_reason text;
alter table appointment add column overridden_by uuid;

-- The slot the idempotency key was first sent for. A key sent again for
-- another slot is a different request under a used key and is refused
-- (IETF draft "The Idempotency-Key HTTP Header Field"); the appointment's
-- own slot_id cannot tell, because moving the appointment changes it.
alter table appointment add column idempotency_slot_id uuid;
update appointment set idempotency_slot_id = slot_id where idempotency_key is not null;

-- The per-patient limit is counted inside the booking transaction: the
-- patient's live appointments, by patient.
create index appointment_patient_live_idx on appointment (patient_id) where status in ('booked', 'arrived');
