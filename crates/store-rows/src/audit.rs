//! The audit trail.

/// Implements `AuditStore` for `$store`.
#[macro_export]
macro_rules! audit_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::model::{AuditEvent, StoredAuditEvent};

        #[async_trait::async_trait]
        impl AuditStore for $store {
            #[tracing::instrument(skip_all, fields(action = %event.action, outcome = event.outcome.as_str()), err)]
            async fn append_audit(&self, event: &AuditEvent) -> StoreResult<i64> {
                sqlx::query_scalar(
                    "insert into audit_event (occurred_at, actor_kind, actor_id, action, target_kind, target_id,
                         outcome, reason)
                     values ($1, $2, $3, $4, $5, $6, $7, $8)
                     returning audit_event_id",
                )
                .bind(event.occurred_at)
                .bind(&event.actor_kind)
                .bind(event.actor_id.map(id))
                .bind(&event.action)
                .bind(&event.target_kind)
                .bind(event.target_id.map(id))
                .bind(event.outcome.as_str())
                .bind(&event.reason)
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)
            }

            async fn audit_for_target(
                &self,
                target_kind: &str,
                target_id: Uuid,
                limit: u32,
            ) -> StoreResult<Vec<StoredAuditEvent>> {
                let rows = sqlx::query(
                    "select audit_event_id, occurred_at, actor_kind, actor_id, action, target_kind, target_id,
                            outcome, reason
                     from audit_event where target_kind = $1 and target_id = $2
                     order by occurred_at desc, audit_event_id desc
                     limit $3",
                )
                .bind(target_kind)
                .bind(id(target_id))
                .bind(i64::from(limit.max(1)))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(audit_from_row).collect()
            }
        }
    };
}
