//! The patient's record: sources, their tokens, the ingest log, the items.

/// Implements `RecordStore` for `$store`.
#[macro_export]
macro_rules! record_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::record::{
            AccessLevel, Category, Coding, IngestBatch, IngestCounts, IngestLogEntry, IngestOutcome, Origin,
            PrivacyLabel, RecordItem, RecordQuery, RecordSource, SourceKind, SourceToken,
        };
        use carebook_core::record::staff::AccessLogEntry;
        use carebook_core::model::StaffRole;

        const SOURCE_COLUMNS: &str =
            "record_source_id, organisation_id, kind, client_id, public_key_pem, name, active, created_at";

        const INGEST_COLUMNS: &str = "record_ingest_id, record_source_id, received_at, outcome, code, expression, \
             patient_id, resources, created, updated, stale";

        const ITEM_COLUMNS: &str = "record_item_id, patient_id, origin, record_source_id, resource_type, resource_id, \
             category, code_system, code, display, effective_at, status, intent, value_number, value_unit, \
             range_low, range_high, privacy_label, security_labels, withheld, last_updated, received_at";

        fn corrupt(what: &str) -> StoreError {
            StoreError::Other(format!("stored value for {what} is not valid").into())
        }

        fn get<'r, T>(row: &'r DbRow, col: &str) -> StoreResult<T>
        where
            T: sqlx::Decode<'r, DbKind> + sqlx::Type<DbKind>,
        {
            row.try_get::<T, _>(col).map_err(map_err)
        }

        fn source_from_row(row: &DbRow) -> StoreResult<RecordSource> {
            Ok(RecordSource {
                record_source_id: row_uuid(row, "record_source_id")?,
                organisation_id: row_uuid(row, "organisation_id")?,
                kind: SourceKind::parse(&get::<String>(row, "kind")?).map_err(|_| corrupt("kind"))?,
                client_id: get(row, "client_id")?,
                public_key_pem: get(row, "public_key_pem")?,
                name: get(row, "name")?,
                active: get(row, "active")?,
                created_at: get(row, "created_at")?,
            })
        }

        fn ingest_from_row(row: &DbRow) -> StoreResult<IngestLogEntry> {
            let count = |col: &str| -> StoreResult<u32> { Ok(get::<i32>(row, col)?.max(0) as u32) };
            Ok(IngestLogEntry {
                record_ingest_id: row_uuid(row, "record_ingest_id")?,
                record_source_id: row_uuid(row, "record_source_id")?,
                received_at: get(row, "received_at")?,
                outcome: IngestOutcome::parse(&get::<String>(row, "outcome")?).map_err(|_| corrupt("outcome"))?,
                code: get(row, "code")?,
                expression: get(row, "expression")?,
                patient_id: opt_row_uuid(row, "patient_id")?,
                resources: count("resources")?,
                counts: IngestCounts { created: count("created")?, updated: count("updated")?, stale: count("stale")? },
            })
        }

        fn item_from_row(row: &DbRow) -> StoreResult<RecordItem> {
            let origin = match (get::<String>(row, "origin")?.as_str(), opt_row_uuid(row, "record_source_id")?) {
                ("source", Some(id)) => Origin::Source(id),
                ("patient", None) => Origin::Patient,
                _ => return Err(corrupt("origin")),
            };
            Ok(RecordItem {
                record_item_id: row_uuid(row, "record_item_id")?,
                patient_id: row_uuid(row, "patient_id")?,
                origin,
                resource_type: get(row, "resource_type")?,
                resource_id: get(row, "resource_id")?,
                category: Category::parse(&get::<String>(row, "category")?).map_err(|_| corrupt("category"))?,
                coding: Coding {
                    system: get(row, "code_system")?,
                    code: get(row, "code")?,
                    display: get(row, "display")?,
                },
                effective_at: get(row, "effective_at")?,
                status: get(row, "status")?,
                intent: get(row, "intent")?,
                value_number: get(row, "value_number")?,
                value_unit: get(row, "value_unit")?,
                range_low: get(row, "range_low")?,
                range_high: get(row, "range_high")?,
                privacy_label: PrivacyLabel::parse(&get::<String>(row, "privacy_label")?)
                    .map_err(|_| corrupt("privacy_label"))?,
                security_labels: get::<String>(row, "security_labels")?
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
                withheld: get(row, "withheld")?,
                last_updated: get(row, "last_updated")?,
                received_at: get(row, "received_at")?,
                resource_json: get(row, "resource_json")?,
            })
        }

        async fn log_ingest(conn: &mut Conn, e: &IngestLogEntry) -> StoreResult<()> {
            sqlx::query(&format!(
                "insert into record_ingest ({INGEST_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))
            .bind(id(e.record_ingest_id))
            .bind(id(e.record_source_id))
            .bind(utc(e.received_at))
            .bind(e.outcome.as_str())
            .bind(&e.code)
            .bind(&e.expression)
            .bind(e.patient_id.map(id))
            .bind(e.resources as i32)
            .bind(e.counts.created as i32)
            .bind(e.counts.updated as i32)
            .bind(e.counts.stale as i32)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        #[async_trait::async_trait]
        impl RecordStore for $store {
            #[tracing::instrument(skip_all, err)]
            async fn insert_record_source(&self, s: &RecordSource) -> StoreResult<()> {
                sqlx::query(&format!(
                    "insert into record_source ({SOURCE_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8)"
                ))
                .bind(id(s.record_source_id))
                .bind(id(s.organisation_id))
                .bind(s.kind.as_str())
                .bind(&s.client_id)
                .bind(&s.public_key_pem)
                .bind(&s.name)
                .bind(s.active)
                .bind(utc(s.created_at))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn record_source(&self, record_source_id: Uuid) -> StoreResult<RecordSource> {
                let row =
                    sqlx::query(&format!("select {SOURCE_COLUMNS} from record_source where record_source_id = $1"))
                        .bind(id(record_source_id))
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map_err)?;
                source_from_row(&row)
            }

            async fn record_source_by_client_id(&self, client_id: &str) -> StoreResult<RecordSource> {
                let row = sqlx::query(&format!("select {SOURCE_COLUMNS} from record_source where client_id = $1"))
                    .bind(client_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                source_from_row(&row)
            }

            async fn insert_source_token(&self, t: &SourceToken) -> StoreResult<()> {
                sqlx::query(
                    "insert into record_source_token (token_digest, record_source_id, issued_at, expires_at)
                     values ($1, $2, $3, $4)",
                )
                .bind(&t.token_digest)
                .bind(id(t.record_source_id))
                .bind(utc(t.issued_at))
                .bind(utc(t.expires_at))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn source_for_token(
                &self,
                token_digest: &str,
                now: time::OffsetDateTime,
            ) -> StoreResult<RecordSource> {
                let columns = SOURCE_COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ");
                let row = sqlx::query(&format!(
                    "select {columns} from record_source_token t
                     join record_source s on s.record_source_id = t.record_source_id
                     where t.token_digest = $1 and t.expires_at > $2"
                ))
                .bind(token_digest)
                .bind(utc(now))
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                source_from_row(&row)
            }

            /// One transaction: every item upserted, then the log line. The
            /// upsert's `where` keeps a newer stored item (and another
            /// patient's); `returning` tells a new row (our id) from an
            /// updated one (the stored id) from one left alone (no row).
            #[tracing::instrument(skip_all, fields(items = batch.items.len()), err)]
            async fn ingest_record(&self, batch: &IngestBatch) -> StoreResult<IngestCounts> {
                let mut tx = begin_write(&self.pool).await?;
                let mut counts = IngestCounts::default();
                let sql = format!(
                    "insert into record_item ({ITEM_COLUMNS}, resource_json)
                     values ($1, $2, 'source', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                             $18, $19, $20, $21, $22{JSON})
                     on conflict (record_source_id, resource_type, resource_id) do update set
                         category = excluded.category, code_system = excluded.code_system, code = excluded.code,
                         display = excluded.display, effective_at = excluded.effective_at, status = excluded.status,
                         intent = excluded.intent, value_number = excluded.value_number,
                         value_unit = excluded.value_unit, range_low = excluded.range_low,
                         range_high = excluded.range_high, privacy_label = excluded.privacy_label,
                         security_labels = excluded.security_labels, withheld = excluded.withheld,
                         last_updated = excluded.last_updated, received_at = excluded.received_at,
                         resource_json = excluded.resource_json
                     where record_item.last_updated <= excluded.last_updated
                       and record_item.patient_id = excluded.patient_id
                     returning record_item_id"
                );
                for item in &batch.items {
                    let Origin::Source(source_id) = item.origin else {
                        return Err(StoreError::Other("a source's bundle holds only the source's items".into()));
                    };
                    let row = sqlx::query(&sql)
                        .bind(id(item.record_item_id))
                        .bind(id(item.patient_id))
                        .bind(id(source_id))
                        .bind(&item.resource_type)
                        .bind(&item.resource_id)
                        .bind(item.category.as_str())
                        .bind(&item.coding.system)
                        .bind(&item.coding.code)
                        .bind(&item.coding.display)
                        .bind(item.effective_at.map(utc))
                        .bind(&item.status)
                        .bind(&item.intent)
                        .bind(item.value_number)
                        .bind(&item.value_unit)
                        .bind(item.range_low)
                        .bind(item.range_high)
                        .bind(item.privacy_label.as_str())
                        .bind(item.security_labels.join(" "))
                        .bind(item.withheld)
                        .bind(utc(item.last_updated))
                        .bind(utc(item.received_at))
                        .bind(&item.resource_json)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    match row {
                        None => counts.stale += 1,
                        Some(row) if row_uuid(&row, "record_item_id")? == item.record_item_id => counts.created += 1,
                        Some(_) => counts.updated += 1,
                    }
                }
                log_ingest(
                    &mut tx,
                    &IngestLogEntry {
                        record_ingest_id: batch.record_ingest_id,
                        record_source_id: batch.record_source_id,
                        received_at: batch.received_at,
                        outcome: IngestOutcome::Accepted,
                        code: "accepted".into(),
                        expression: None,
                        patient_id: Some(batch.patient_id),
                        resources: batch.items.len() as u32,
                        counts,
                    },
                )
                .await?;
                tx.commit().await.map_err(map_err)?;
                Ok(counts)
            }

            async fn log_refused_ingest(&self, entry: &IngestLogEntry) -> StoreResult<()> {
                let mut conn = self.pool.acquire().await.map_err(map_err)?;
                log_ingest(&mut conn, entry).await
            }

            async fn ingest_log(&self, record_source_id: Uuid, limit: u32) -> StoreResult<Vec<IngestLogEntry>> {
                let rows = sqlx::query(&format!(
                    "select {INGEST_COLUMNS} from record_ingest where record_source_id = $1
                     order by received_at desc, record_ingest_id limit $2"
                ))
                .bind(id(record_source_id))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(ingest_from_row).collect()
            }

            /// Withheld items and the summary record are filtered here, in
            /// the query; the summary's categories are
            /// `Category::in_summary`'s (a conformance scenario holds them
            /// together).
            async fn record_items(&self, q: &RecordQuery) -> StoreResult<Vec<RecordItem>> {
                let by_source = if q.record_source_id.is_some() { " and record_source_id = $8" } else { "" };
                let sql = format!(
                    "select {ITEM_COLUMNS}, {RECORD_JSON} from record_item
                     where patient_id = $1
                       and ($2 or not withheld)
                       and (not $3 or category in ('problem', 'medicine', 'allergy'))
                       and (privacy_label <> 'general' or $4)
                       and (privacy_label <> 'mental_health' or $5)
                       and (privacy_label <> 'sexual_health' or $6)
                       and (privacy_label <> 'social_care' or $7){by_source}
                     order by effective_at desc nulls last, record_item_id"
                );
                let mut query = sqlx::query(&sql)
                    .bind(id(q.patient_id))
                    .bind(q.include_withheld)
                    .bind(q.summary_only)
                    .bind(q.labels.general)
                    .bind(q.labels.mental_health)
                    .bind(q.labels.sexual_health)
                    .bind(q.labels.social_care);
                if let Some(source) = q.record_source_id {
                    query = query.bind(id(source));
                }
                let rows = query.fetch_all(&self.pool).await.map_err(map_err)?;
                rows.iter().map(item_from_row).collect()
            }

            async fn record_has_confidential_items(&self, patient_id: Uuid) -> StoreResult<bool> {
                let n: i64 = sqlx::query_scalar(
                    "select count(*) from record_item
                     where patient_id = $1 and category = 'warning' and code = 'confidential-items'",
                )
                .bind(id(patient_id))
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(n > 0)
            }

            async fn record_access_level(&self, patient_id: Uuid) -> StoreResult<Option<AccessLevel>> {
                let level: Option<String> =
                    sqlx::query_scalar("select level from record_access_level where patient_id = $1")
                        .bind(id(patient_id))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                level.map(|l| AccessLevel::parse(&l).map_err(|_| corrupt("level"))).transpose()
            }

            async fn sharing_choices(&self, patient_id: Uuid) -> StoreResult<Vec<(PrivacyLabel, bool)>> {
                let rows = sqlx::query("select privacy_label, shared from record_sharing_choice where patient_id = $1")
                    .bind(id(patient_id))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let label = PrivacyLabel::parse(&get::<String>(r, "privacy_label")?)
                            .map_err(|_| corrupt("privacy_label"))?;
                        Ok((label, get::<bool>(r, "shared")?))
                    })
                    .collect()
            }

            async fn set_sharing_choice(
                &self,
                patient_id: Uuid,
                label: PrivacyLabel,
                shared: bool,
                at: time::OffsetDateTime,
            ) -> StoreResult<()> {
                sqlx::query(
                    "insert into record_sharing_choice (patient_id, privacy_label, shared, set_at) values ($1, $2, $3, $4)
                     on conflict (patient_id, privacy_label) do update set shared = excluded.shared, set_at = excluded.set_at",
                )
                .bind(id(patient_id))
                .bind(label.as_str())
                .bind(shared)
                .bind(utc(at))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn has_appointment_at(
                &self,
                patient_id: Uuid,
                organisation_id: Uuid,
                from: time::OffsetDateTime,
                to: time::OffsetDateTime,
            ) -> StoreResult<bool> {
                let n: i64 = sqlx::query_scalar(
                    "select count(*) from appointment a join slot s on s.slot_id = a.slot_id
                     where a.patient_id = $1 and s.organisation_id = $2 and s.starts_at >= $3 and s.starts_at < $4
                       and a.status in ('booked', 'arrived', 'completed')",
                )
                .bind(id(patient_id))
                .bind(id(organisation_id))
                .bind(utc(from))
                .bind(utc(to))
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(n > 0)
            }

            #[tracing::instrument(skip_all, err)]
            async fn log_record_access(&self, e: &AccessLogEntry) -> StoreResult<()> {
                sqlx::query(
                    "insert into record_access_log (record_access_log_id, patient_id, staff_member_id, role,
                         organisation_id, accessed_at, section, emergency, reason)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id(e.record_access_log_id))
                .bind(id(e.patient_id))
                .bind(id(e.staff_member_id))
                .bind(e.role.as_str())
                .bind(id(e.organisation_id))
                .bind(utc(e.accessed_at))
                .bind(&e.section)
                .bind(e.emergency)
                .bind(&e.reason)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn record_access_log(&self, patient_id: Uuid, limit: u32) -> StoreResult<Vec<AccessLogEntry>> {
                let rows = sqlx::query(
                    "select record_access_log_id, patient_id, staff_member_id, role, organisation_id, accessed_at,
                            section, emergency, reason
                     from record_access_log where patient_id = $1
                     order by accessed_at desc, record_access_log_id limit $2",
                )
                .bind(id(patient_id))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(AccessLogEntry {
                            record_access_log_id: row_uuid(r, "record_access_log_id")?,
                            patient_id: row_uuid(r, "patient_id")?,
                            staff_member_id: row_uuid(r, "staff_member_id")?,
                            role: StaffRole::parse(&get::<String>(r, "role")?).ok_or_else(|| corrupt("role"))?,
                            organisation_id: row_uuid(r, "organisation_id")?,
                            accessed_at: get(r, "accessed_at")?,
                            section: get(r, "section")?,
                            emergency: get(r, "emergency")?,
                            reason: get(r, "reason")?,
                        })
                    })
                    .collect()
            }

            async fn set_record_access_level(
                &self,
                patient_id: Uuid,
                level: AccessLevel,
                at: time::OffsetDateTime,
            ) -> StoreResult<()> {
                sqlx::query(
                    "insert into record_access_level (patient_id, level, set_at) values ($1, $2, $3)
                     on conflict (patient_id) do update set level = excluded.level, set_at = excluded.set_at",
                )
                .bind(id(patient_id))
                .bind(level.as_str())
                .bind(utc(at))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }
        }
    };
}
