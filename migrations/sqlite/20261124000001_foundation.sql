-- carebook foundation schema (SQLite).
--
-- The directory (areas, federations, organisations, locations), the people
-- (staff, patients), their coded conditions and proxy access. Booking,
-- notifications, the aggregated record, prescriptions and readings add their
-- own migrations on top of these keys; a landed migration is never edited.
--
-- Conventions: singular table names, <table>_id keys (UUIDs as hyphenated
-- text here, native uuid on PostgreSQL), named constraints so that a refused
-- change can be reported precisely, dates as ISO-8601 text, instants as
-- RFC 3339 text in UTC.

create table area (
    area_code text not null,
    name      text not null,
    constraint area_pk primary key (area_code)
);

-- A group of practices sharing an extended-hours hub.
create table federation (
    federation_id text not null,
    name          text not null,
    area_code     text not null,
    constraint federation_pk primary key (federation_id),
    constraint federation_name_unique unique (name),
    constraint federation_area_fk foreign key (area_code) references area (area_code)
);

-- Practices, hubs, pharmacies and the providers that feed the record.
create table organisation (
    organisation_id text not null,
    ods_code        text not null,
    name            text not null,
    kind            text not null,
    area_code       text not null,
    federation_id   text,
    address_line1   text not null,
    address_line2   text,
    town            text not null,
    postcode        text not null,
    phone           text,
    email           text,
    constraint organisation_pk primary key (organisation_id),
    constraint organisation_ods_code_unique unique (ods_code),
    constraint organisation_kind_check check (kind in (
        'gp_practice', 'hub', 'pharmacy', 'acute_trust', 'community_trust',
        'mental_health_trust', 'social_care')),
    -- Only practices and hubs take part in federated booking.
    constraint organisation_federation_kind_check check (
        federation_id is null or kind in ('gp_practice', 'hub')),
    constraint organisation_area_fk foreign key (area_code) references area (area_code),
    constraint organisation_federation_fk foreign key (federation_id) references federation (federation_id)
);
create index organisation_federation_idx on organisation (federation_id);
create index organisation_kind_name_idx on organisation (kind, name);

-- A site where appointments happen.
create table location (
    location_id     text not null,
    organisation_id text not null,
    name            text not null,
    address_line1   text not null,
    address_line2   text,
    town            text not null,
    postcode        text not null,
    constraint location_pk primary key (location_id),
    constraint location_organisation_fk foreign key (organisation_id) references organisation (organisation_id)
);
create index location_organisation_idx on location (organisation_id);

create table staff_member (
    staff_member_id text not null,
    -- The subject the staff identity provider knows this person by.
    staff_uid       text not null,
    given_name      text not null,
    family_name     text not null,
    email           text not null,
    clinical_role   text,
    constraint staff_member_pk primary key (staff_member_id),
    constraint staff_member_uid_unique unique (staff_uid),
    constraint staff_member_clinical_role_check check (clinical_role is null or clinical_role in (
        'gp', 'nurse', 'healthcare_assistant', 'pharmacist', 'phlebotomist'))
);

-- A role held at one organisation.
create table staff_assignment (
    staff_member_id text not null,
    organisation_id text not null,
    role            text not null,
    constraint staff_assignment_pk primary key (staff_member_id, organisation_id, role),
    constraint staff_assignment_role_check check (role in (
        'receptionist', 'clinician', 'practice_admin', 'federation_admin')),
    constraint staff_assignment_staff_fk foreign key (staff_member_id) references staff_member (staff_member_id) on delete cascade,
    constraint staff_assignment_organisation_fk foreign key (organisation_id) references organisation (organisation_id)
);
create index staff_assignment_organisation_idx on staff_assignment (organisation_id);

-- A registered patient. The NHS number ties their data together across
-- every source; it is unique here.
create table patient (
    patient_id             text not null,
    nhs_number             text not null,
    given_name             text not null,
    family_name            text not null,
    date_of_birth          text not null,
    sex                    text not null,
    email                  text,
    phone                  text,
    address_line1          text not null,
    address_line2          text,
    town                   text not null,
    postcode               text not null,
    registered_practice_id text not null,
    nominated_pharmacy_id  text,
    constraint patient_pk primary key (patient_id),
    constraint patient_nhs_number_unique unique (nhs_number),
    constraint patient_nhs_number_format_check check (length(nhs_number) = 10 and nhs_number not glob '*[^0-9]*'),
    constraint patient_sex_check check (sex in ('female', 'male', 'other', 'unknown')),
    constraint patient_practice_fk foreign key (registered_practice_id) references organisation (organisation_id),
    constraint patient_pharmacy_fk foreign key (nominated_pharmacy_id) references organisation (organisation_id)
);
create index patient_practice_idx on patient (registered_practice_id);
create index patient_name_dob_idx on patient (family_name, date_of_birth);

-- A SNOMED CT coded problem, with the organisation that recorded it.
create table patient_condition (
    patient_condition_id        text not null,
    patient_id                  text not null,
    snomed_code                 text not null,
    display                     text not null,
    clinical_status             text not null,
    onset_date                  text,
    recorded_by_organisation_id text not null,
    constraint patient_condition_pk primary key (patient_condition_id),
    constraint patient_condition_status_check check (clinical_status in ('active', 'resolved')),
    constraint patient_condition_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint patient_condition_organisation_fk foreign key (recorded_by_organisation_id) references organisation (organisation_id)
);
create index patient_condition_patient_idx on patient_condition (patient_id);
create index patient_condition_code_idx on patient_condition (snomed_code);

-- One person acting for another (parent, carer, attorney) with scoped rights.
create table proxy_access (
    proxy_access_id    text not null,
    proxy_patient_id   text not null,
    subject_patient_id text not null,
    relationship       text not null,
    -- Comma-separated scopes: appointments, prescriptions, record, readings.
    scopes             text not null,
    valid_from         text not null,
    valid_until        text,
    constraint proxy_access_pk primary key (proxy_access_id),
    constraint proxy_access_pair_unique unique (proxy_patient_id, subject_patient_id),
    constraint proxy_access_not_self_check check (proxy_patient_id <> subject_patient_id),
    constraint proxy_access_relationship_check check (relationship in (
        'parent_or_guardian', 'carer', 'lasting_power_of_attorney')),
    constraint proxy_access_proxy_fk foreign key (proxy_patient_id) references patient (patient_id) on delete cascade,
    constraint proxy_access_subject_fk foreign key (subject_patient_id) references patient (patient_id) on delete cascade
);
create index proxy_access_subject_idx on proxy_access (subject_patient_id);
