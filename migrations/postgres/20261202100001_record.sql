-- The patient's record (issue 13): the systems that send records (GP,
-- acute, community, mental-health and social-care sources), the short-lived
-- tokens they are given, the log of every bundle they sent, and the record
-- items themselves.
--
-- One table, record_item, holds every item whatever its kind: each FHIR
-- resource is kept as received (resource_json) beside the columns carebook
-- searches and filters on, so the read paths filter withheld items and
-- privacy labels in the query. The same table is where the repeat list
-- comes from (MedicationRequest, intent 'plan') and where patients' own
-- entries and home readings go (origin 'patient', no source).

-- A source system, registered with its organisation (ODS code through
-- organisation) and the public key it signs its client assertions with.
create table record_source (
    record_source_id uuid not null,
    organisation_id  uuid not null,
    kind             text not null,
    -- The OAuth 2.0 client id it authenticates as (RFC 7523 iss and sub).
    client_id        text not null,
    -- The RSA public key (PEM) that verifies its RS512 client assertions.
    public_key_pem   text not null,
    name             text not null,
    active           boolean not null default true,
    created_at       timestamptz not null,
    constraint record_source_pk primary key (record_source_id),
    constraint record_source_client_id_unique unique (client_id),
    constraint record_source_kind_check check (kind in (
        'gp_system', 'acute_trust', 'community_trust', 'mental_health_trust', 'social_care')),
    constraint record_source_organisation_fk foreign key (organisation_id) references organisation (organisation_id)
);

-- An access token issued to a source (client credentials), kept only as a
-- SHA-256 digest, scoped to that one source, short-lived.
create table record_source_token (
    token_digest     text not null,
    record_source_id uuid not null,
    issued_at        timestamptz not null,
    expires_at       timestamptz not null,
    constraint record_source_token_pk primary key (token_digest),
    constraint record_source_token_source_fk foreign key (record_source_id) references record_source (record_source_id) on delete cascade,
    constraint record_source_token_expiry_check check (expires_at > issued_at)
);

-- Every bundle a source sent, accepted or refused: what staff read to work
-- out why a record did not arrive. No clinical content, no NHS number.
create table record_ingest (
    record_ingest_id uuid not null,
    record_source_id uuid not null,
    received_at      timestamptz not null,
    outcome          text not null,
    -- The stable code of the refusal (or 'accepted').
    code             text not null,
    -- Where in the bundle the problem is (a FHIRPath), for refusals.
    expression       text,
    patient_id       uuid,
    resources        integer not null default 0,
    created          integer not null default 0,
    updated          integer not null default 0,
    -- Resources sent again with an older meta.lastUpdated: kept as they were.
    stale            integer not null default 0,
    constraint record_ingest_pk primary key (record_ingest_id),
    constraint record_ingest_source_fk foreign key (record_source_id) references record_source (record_source_id) on delete cascade,
    constraint record_ingest_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint record_ingest_outcome_check check (outcome in ('accepted', 'refused'))
);
create index record_ingest_source_idx on record_ingest (record_source_id, received_at);

-- One item of a patient's record: a FHIR resource from a source, or an
-- entry the patient made themselves.
create table record_item (
    record_item_id   uuid not null,
    patient_id       uuid not null,
    -- 'source': sent by record_source_id; 'patient': entered by the patient.
    origin           text not null,
    record_source_id uuid,
    resource_type    text not null,
    -- The source's own id for the resource (for the patient's entries, the
    -- item's id): the same source and id again updates, never duplicates.
    resource_id      text not null,
    -- The section it shows in.
    category         text not null,
    code_system      text,
    code             text,
    display          text,
    -- The clinically relevant date (onset, effective, occurrence, period
    -- start, authored, recorded), in UTC.
    effective_at     timestamptz,
    status           text,
    -- MedicationRequest.intent: 'plan' is a repeat authorisation.
    intent           text,
    -- A numeric result: value, UCUM unit, the reference range.
    value_number     double precision,
    value_unit       text,
    range_low        double precision,
    range_high       double precision,
    privacy_label    text not null default 'general',
    -- meta.security codes, space-separated (NOPAT, R, V, ...).
    security_labels  text not null default '',
    -- Never shown to the patient or anyone acting for them (NOPAT, or
    -- restricted / very restricted confidentiality).
    withheld         boolean not null default false,
    -- meta.lastUpdated (whole seconds, UTC), or when it arrived: an older
    -- one never overwrites a newer one.
    last_updated     timestamptz not null,
    received_at      timestamptz not null,
    -- The resource as received (jsonb here, JSON text on SQLite).
    resource_json    jsonb not null,
    constraint record_item_pk primary key (record_item_id),
    constraint record_item_source_resource_unique unique (record_source_id, resource_type, resource_id),
    constraint record_item_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint record_item_source_fk foreign key (record_source_id) references record_source (record_source_id),
    constraint record_item_origin_check check (
        (origin = 'source' and record_source_id is not null) or (origin = 'patient' and record_source_id is null)),
    constraint record_item_category_check check (category in (
        'problem', 'medicine', 'allergy', 'result', 'immunisation', 'document', 'encounter', 'procedure',
        'care_plan', 'warning')),
    constraint record_item_privacy_label_check check (privacy_label in (
        'general', 'mental_health', 'sexual_health', 'social_care'))
);
create index record_item_patient_idx on record_item (patient_id, category, effective_at);
create index record_item_patient_code_idx on record_item (patient_id, code_system, code);

-- How much of the record the practice opened to the patient online:
-- 'none', 'summary' (allergies, medicines and problems) or 'full'. No row
-- means the default (README, "The patient's record").
create table record_access_level (
    patient_id uuid not null,
    level      text not null,
    set_at     timestamptz not null,
    constraint record_access_level_pk primary key (patient_id),
    constraint record_access_level_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint record_access_level_check check (level in ('none', 'summary', 'full'))
);
