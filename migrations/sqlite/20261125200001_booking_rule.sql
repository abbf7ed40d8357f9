-- Booking rules an organisation sets for one of its services. A service
-- without a row follows carebook's defaults (28 days ahead, 30 minutes'
-- notice, 2 hours' cut-off, at most 2 future appointments, condition
-- reviews only for people with the condition on record).
create table booking_rule (
    organisation_id        text not null,
    service                text not null,
    horizon_days           integer not null,
    -- London local time 'HH:MM' at which same-day slots are released.
    same_day_release       text,
    minimum_notice_minutes integer not null,
    change_cutoff_minutes  integer not null,
    max_active_per_patient integer,
    -- SNOMED CT codes, space separated: a coded condition needed on record.
    condition_codes        text,
    condition_description  text,
    updated_at             text not null,
    updated_by_staff_id    text,
    constraint booking_rule_pk primary key (organisation_id, service),
    constraint booking_rule_organisation_fk foreign key (organisation_id) references organisation (organisation_id) on delete cascade,
    constraint booking_rule_staff_fk foreign key (updated_by_staff_id) references staff_member (staff_member_id) on delete set null,
    constraint booking_rule_horizon_check check (horizon_days between 1 and 366),
    constraint booking_rule_notice_check check (minimum_notice_minutes between 0 and 20160),
    constraint booking_rule_cutoff_check check (change_cutoff_minutes between 0 and 20160),
    constraint booking_rule_limit_check check (max_active_per_patient is null or max_active_per_patient between 1 and 20),
    constraint booking_rule_condition_check check ((condition_codes is null) = (condition_description is null))
);

-- The desk's "find a patient by name and date of birth" at one practice.
create index patient_practice_name_birth_idx on patient (registered_practice_id, lower(family_name), date_of_birth);
