-- Who else may see a patient's record (issue 13): the patient's sharing
-- choices per privacy label (whether staff outside their own practice may
-- see items of that label), and the log of every staff view of a record,
-- which the patient reads.

create table record_sharing_choice (
    patient_id    text not null,
    privacy_label text not null,
    -- Staff outside the patient's own practice may see items of this label.
    shared        boolean not null,
    set_at        text not null,
    constraint record_sharing_choice_pk primary key (patient_id, privacy_label),
    constraint record_sharing_choice_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint record_sharing_choice_label_check check (privacy_label in (
        'general', 'mental_health', 'sexual_health', 'social_care'))
);

-- One staff view of a record: who, in what role, for which organisation,
-- when, which section, and whether it was emergency access (with its
-- written reason). Kept for the patient to read at /record/access-log.
create table record_access_log (
    record_access_log_id text not null,
    patient_id           text not null,
    staff_member_id      text not null,
    role                 text not null,
    organisation_id      text not null,
    accessed_at          text not null,
    section              text not null,
    emergency            boolean not null default false,
    reason               text,
    constraint record_access_log_pk primary key (record_access_log_id),
    constraint record_access_log_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint record_access_log_staff_fk foreign key (staff_member_id) references staff_member (staff_member_id),
    constraint record_access_log_organisation_fk foreign key (organisation_id) references organisation (organisation_id),
    constraint record_access_log_emergency_check check (emergency = false or length(reason) >= 10)
);
create index record_access_log_patient_idx on record_access_log (patient_id, accessed_at);
