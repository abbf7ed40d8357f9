-- The demonstration's outbox: in `carebook demo` nothing leaves the
-- machine; each message is composed as it would be sent and kept here for
-- the outbox viewer. Synthetic people only; emptied by every reset.
create table demo_sent_message (
    demo_sent_message_id bigint generated always as identity primary key,
    notification_id      uuid not null,
    kind                 text not null,
    channel              text not null,
    -- "Name <address>" or "Name, phone number".
    recipient            text not null,
    subject              text,
    body                 text not null,
    -- The RFC 5545 invitation attached to an appointment e-mail.
    invitation           text,
    sent_at              timestamptz not null,
    constraint demo_sent_message_channel_check check (channel in ('email', 'sms'))
);
create index demo_sent_message_sent_idx on demo_sent_message (sent_at);
