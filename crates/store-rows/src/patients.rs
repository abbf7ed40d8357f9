//! Patients, their conditions and proxies.

/// Implements `PatientStore` for `$store`, with `insert_patient`, which
/// loading a population shares.
#[macro_export]
macro_rules! patients_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::domain::NhsNumber;
        use carebook_core::model::{Condition, Patient, ProxyAccess};

        #[async_trait::async_trait]
        impl PatientStore for $store {
            #[tracing::instrument(skip_all, err)]
            async fn insert_patient(&self, patient: &Patient) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                insert_patient(&mut tx, patient).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn patient_by_id(&self, patient_id: Uuid) -> StoreResult<Patient> {
                let row = sqlx::query(&format!("select {PATIENT_COLUMNS} from patient where patient_id = $1"))
                    .bind(id(patient_id))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                patient_from_row(&row)
            }

            async fn patient_by_nhs_number(&self, nhs_number: &NhsNumber) -> StoreResult<Patient> {
                let row = sqlx::query(&format!("select {PATIENT_COLUMNS} from patient where nhs_number = $1"))
                    .bind(nhs_number.as_str())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                patient_from_row(&row)
            }

            async fn find_patients(&self, search: &PatientSearch) -> StoreResult<Vec<Patient>> {
                let family = search.family_name.trim().to_lowercase();
                let given = search.given_name.as_deref().map(|g| g.trim().to_lowercase()).filter(|g| !g.is_empty());
                let mut found = Vec::new();
                for practice_id in &search.practice_ids {
                    let rows = sqlx::query(&format!(
                        "select {PATIENT_COLUMNS} from patient
                         where registered_practice_id = $1 and lower(family_name) = $2 and date_of_birth = $3"
                    ))
                    .bind(id(*practice_id))
                    .bind(&family)
                    .bind(search.date_of_birth)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    for row in &rows {
                        let p = patient_from_row(row)?;
                        if given.as_deref().is_none_or(|g| p.given_name.to_lowercase().starts_with(g)) {
                            found.push(p);
                        }
                    }
                }
                found.sort_by(|a, b| {
                    (&a.family_name, &a.given_name, a.patient_id).cmp(&(&b.family_name, &b.given_name, b.patient_id))
                });
                found.truncate(search.limit as usize);
                Ok(found)
            }

            async fn conditions_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Condition>> {
                let rows = sqlx::query(
                    "select patient_condition_id, patient_id, snomed_code, display, clinical_status, onset_date,
                            recorded_by_organisation_id
                     from patient_condition where patient_id = $1 order by onset_date, display",
                )
                .bind(id(patient_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(condition_from_row).collect()
            }

            async fn proxy_access_held_by(&self, proxy_patient_id: Uuid) -> StoreResult<Vec<ProxyAccess>> {
                let rows = sqlx::query(
                    "select proxy_access_id, proxy_patient_id, subject_patient_id, relationship, scopes, valid_from,
                            valid_until
                     from proxy_access where proxy_patient_id = $1 order by valid_from, proxy_access_id",
                )
                .bind(id(proxy_patient_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(proxy_from_row).collect()
            }
        }

        /// One patient, inside the caller's transaction.
        pub(crate) async fn insert_patient(tx: &mut Conn, p: &Patient) -> StoreResult<()> {
            sqlx::query(
                "insert into patient (patient_id, nhs_number, given_name, family_name, date_of_birth, sex, email,
                     phone, address_line1, address_line2, town, postcode, registered_practice_id,
                     nominated_pharmacy_id)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(id(p.patient_id))
            .bind(p.nhs_number.as_str())
            .bind(&p.given_name)
            .bind(&p.family_name)
            .bind(p.date_of_birth)
            .bind(p.sex.as_str())
            .bind(p.email.as_ref().map(|e| e.as_str()))
            .bind(p.phone.as_ref().map(|e| e.as_e164()))
            .bind(&p.address.line1)
            .bind(&p.address.line2)
            .bind(&p.address.town)
            .bind(p.address.postcode.as_str())
            .bind(id(p.registered_practice_id))
            .bind(p.nominated_pharmacy_id.map(id))
            .execute(tx)
            .await
            .map_err(map_err)?;
            Ok(())
        }
    };
}
