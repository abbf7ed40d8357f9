-- The channels a message has already gone out on ("email,sms"), when it
-- goes out on more than one: a retry, or a text message put off by the
-- quiet hours, never repeats a channel that succeeded.
alter table notification_outbox add column channels_sent text not null default '';
