-- How each patient wants to hear about each group of messages. No row
-- means the default: e-mail when there is an address, text message when
-- there is a mobile number.
create table contact_preference (
    patient_id    text not null,
    message_group text not null,
    by_email      integer not null,
    by_sms        integer not null,
    constraint contact_preference_pk primary key (patient_id, message_group),
    constraint contact_preference_patient_fk foreign key (patient_id) references patient (patient_id) on delete cascade,
    constraint contact_preference_group_check check (message_group in ('appointments', 'reminders', 'prescriptions', 'readings'))
);
