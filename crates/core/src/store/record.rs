//! The patient's record: the sources that send it, their tokens, the
//! ingest log and the record items.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::record::staff::AccessLogEntry;
use crate::record::{
    AccessLevel, IngestBatch, IngestCounts, IngestLogEntry, PrivacyLabel, RecordItem, RecordQuery, RecordSource,
    SourceToken,
};

#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Register a source. `Conflict::ClientIdTaken` when another source
    /// has its client id, `Conflict::UnknownReference` when the
    /// organisation does not exist.
    async fn insert_record_source(&self, source: &RecordSource) -> StoreResult<()>;

    async fn record_source(&self, record_source_id: Uuid) -> StoreResult<RecordSource>;

    async fn record_source_by_client_id(&self, client_id: &str) -> StoreResult<RecordSource>;

    /// Keep a token issued to a source (by its digest).
    async fn insert_source_token(&self, token: &SourceToken) -> StoreResult<()>;

    /// The source a token was issued to, while it lasts (`NotFound` once
    /// expired or for a token never issued).
    async fn source_for_token(&self, token_digest: &str, now: time::OffsetDateTime) -> StoreResult<RecordSource>;

    /// Store an accepted bundle in one transaction, all or nothing, with its
    /// line in the ingest log. The same source and resource id updates the
    /// stored item unless the stored one has a newer `last_updated` (or is
    /// another patient's); it never makes a second item.
    async fn ingest_record(&self, batch: &IngestBatch) -> StoreResult<IngestCounts>;

    /// Log a refused bundle (nothing else is stored).
    async fn log_refused_ingest(&self, entry: &IngestLogEntry) -> StoreResult<()>;

    /// A source's ingest log, newest first.
    async fn ingest_log(&self, record_source_id: Uuid, limit: u32) -> StoreResult<Vec<IngestLogEntry>>;

    /// A patient's items the query allows, filtered in the query itself
    /// (withheld, summary only, one source), newest first.
    async fn record_items(&self, query: &RecordQuery) -> StoreResult<Vec<RecordItem>>;

    /// Does the patient have a `confidential-items` warning from any source?
    async fn record_has_confidential_items(&self, patient_id: Uuid) -> StoreResult<bool>;

    /// The access level the practice set, `None` when it never chose.
    async fn record_access_level(&self, patient_id: Uuid) -> StoreResult<Option<AccessLevel>>;

    /// The patient's sharing choices as stored (labels never chosen are
    /// absent: the defaults apply).
    async fn sharing_choices(&self, patient_id: Uuid) -> StoreResult<Vec<(PrivacyLabel, bool)>>;

    async fn set_sharing_choice(
        &self,
        patient_id: Uuid,
        label: PrivacyLabel,
        shared: bool,
        at: time::OffsetDateTime,
    ) -> StoreResult<()>;

    /// Does the patient have a live or attended appointment at the
    /// organisation starting in [from, to)?
    async fn has_appointment_at(
        &self,
        patient_id: Uuid,
        organisation_id: Uuid,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Log one staff view of a record.
    async fn log_record_access(&self, entry: &AccessLogEntry) -> StoreResult<()>;

    /// The staff views of a patient's record, newest first.
    async fn record_access_log(&self, patient_id: Uuid, limit: u32) -> StoreResult<Vec<AccessLogEntry>>;

    async fn set_record_access_level(
        &self,
        patient_id: Uuid,
        level: AccessLevel,
        at: time::OffsetDateTime,
    ) -> StoreResult<()>;
}
