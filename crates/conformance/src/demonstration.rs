//! The demonstration mode: messages kept instead of sent.

use std::sync::Arc;

use carebook_core::store::Store;

use crate::fixtures::outbox::busy_outbox;
use crate::fixtures::population::small_population;

scenarios! {
    demonstration;

    pub async fn the_demonstration_keeps_what_it_would_have_sent_until_a_reset(store: Arc<dyn Store>) {
        use carebook_core::notify::demonstration::SentMessage;
        use carebook_core::notify::outbox::NotificationKind;
        use carebook_core::notify::preferences::DeliveryChannel;
        use time::macros::datetime;
        busy_outbox(&store).await;
        let n = store
            .claim_notifications("w", datetime!(2027-01-03 20:30 UTC), time::Duration::minutes(5), 1)
            .await
            .unwrap()
            .remove(0);
        let email = SentMessage {
            notification_id: n.notification_id,
            kind: NotificationKind::AppointmentBooked,
            channel: DeliveryChannel::Email,
            recipient: "Ada Example <ada@example.org>".into(),
            subject: Some("Your appointment is booked".into()),
            body: "Your appointment is booked.\n\nWhen: Monday 4 January 2027 at 8:30am\n".into(),
            invitation: Some("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".into()),
            sent_at: datetime!(2027-01-03 20:30:01 UTC),
        };
        let text = SentMessage {
            channel: DeliveryChannel::Sms,
            recipient: "Ada Example, 07700 900123".into(),
            subject: None,
            body: "carebook: your appointment is booked.".into(),
            invitation: None,
            sent_at: datetime!(2027-01-03 20:30:02 UTC),
            ..email.clone()
        };
        store.record_demo_message(&email).await.unwrap();
        store.record_demo_message(&text).await.unwrap();

        assert_eq!(store.demo_messages(10).await.unwrap(), vec![text.clone(), email.clone()], "newest first");
        assert_eq!(store.demo_messages(1).await.unwrap(), vec![text]);
        store.replace_population(&small_population()).await.unwrap();
        assert!(store.demo_messages(10).await.unwrap().is_empty(), "a reset empties it");
    }
}
