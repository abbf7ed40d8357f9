//! The store as a whole: ping, migrations, and loading a population.

/// Implements `PopulationStore` for `$store`.
#[macro_export]
macro_rules! population_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::model::{Population, PopulationCounts};

        #[async_trait::async_trait]
        impl PopulationStore for $store {
            fn backend(&self) -> &'static str {
                BACKEND
            }

            #[tracing::instrument(skip_all, err)]
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("select 1").execute(&self.pool).await.map_err(map_err)?;
                Ok(())
            }

            #[tracing::instrument(skip_all, err)]
            async fn migrate(&self) -> StoreResult<()> {
                crate::MIGRATOR.run(&self.pool).await.map_err(StoreError::other)
            }

            async fn migration_status(&self) -> StoreResult<MigrationStatus> {
                let known = crate::MIGRATOR.iter().map(|m| m.version).collect();
                let applied = if !migrations_table_exists(&self.pool).await? {
                    Vec::new()
                } else {
                    sqlx::query_scalar("select version from _sqlx_migrations where success order by version")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?
                };
                Ok(MigrationStatus { known, applied })
            }

            #[tracing::instrument(skip_all, err)]
            async fn replace_population(&self, p: &Population) -> StoreResult<PopulationCounts> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                clear_population(&mut tx).await?;
                for a in &p.areas {
                    sqlx::query("insert into area (area_code, name) values ($1, $2)")
                        .bind(a.code.as_str())
                        .bind(&a.name)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                for f in &p.federations {
                    sqlx::query("insert into federation (federation_id, name, area_code) values ($1, $2, $3)")
                        .bind(id(f.federation_id))
                        .bind(&f.name)
                        .bind(f.area.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                for o in &p.organisations {
                    crate::directory::insert_organisation(&mut tx, o).await?;
                }
                for l in &p.locations {
                    sqlx::query(
                        "insert into location (location_id, organisation_id, name, address_line1, address_line2, town,
                             postcode)
                         values ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id(l.location_id))
                    .bind(id(l.organisation_id))
                    .bind(&l.name)
                    .bind(&l.address.line1)
                    .bind(&l.address.line2)
                    .bind(&l.address.town)
                    .bind(l.address.postcode.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                for s in &p.staff {
                    sqlx::query(
                        "insert into staff_member (staff_member_id, staff_uid, given_name, family_name, email,
                             clinical_role)
                         values ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id(s.staff_member_id))
                    .bind(&s.staff_uid)
                    .bind(&s.given_name)
                    .bind(&s.family_name)
                    .bind(s.email.as_str())
                    .bind(s.clinical_role.map(|r| r.as_str()))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                for a in &p.staff_assignments {
                    sqlx::query(
                        "insert into staff_assignment (staff_member_id, organisation_id, role) values ($1, $2, $3)",
                    )
                    .bind(id(a.staff_member_id))
                    .bind(id(a.organisation_id))
                    .bind(a.role.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                insert_patients(&mut tx, &p.patients).await?;
                insert_conditions(&mut tx, &p.conditions).await?;
                for x in &p.proxies {
                    sqlx::query(
                        "insert into proxy_access (proxy_access_id, proxy_patient_id, subject_patient_id, relationship,
                             scopes, valid_from, valid_until)
                         values ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id(x.proxy_access_id))
                    .bind(id(x.proxy_patient_id))
                    .bind(id(x.subject_patient_id))
                    .bind(x.relationship.as_str())
                    .bind(scopes_to_text(&x.scopes))
                    .bind(x.valid_from)
                    .bind(x.valid_until)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                announce_directory_change(&mut tx).await?;
                tx.commit().await.map_err(map_err)?;
                self.directory_changed();
                self.population_counts().await
            }

            async fn population_counts(&self) -> StoreResult<PopulationCounts> {
                let row = sqlx::query(
                    "select
                        (select count(*) from area) as areas,
                        (select count(*) from federation) as federations,
                        (select count(*) from organisation) as organisations,
                        (select count(*) from location) as locations,
                        (select count(*) from staff_member) as staff,
                        (select count(*) from staff_assignment) as staff_assignments,
                        (select count(*) from patient) as patients,
                        (select count(*) from patient_condition) as conditions,
                        (select count(*) from proxy_access) as proxies",
                )
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                let n = |c: &str| -> StoreResult<u64> { Ok(row.try_get::<i64, _>(c).map_err(map_err)? as u64) };
                Ok(PopulationCounts {
                    areas: n("areas")?,
                    federations: n("federations")?,
                    organisations: n("organisations")?,
                    locations: n("locations")?,
                    staff: n("staff")?,
                    staff_assignments: n("staff_assignments")?,
                    patients: n("patients")?,
                    conditions: n("conditions")?,
                    proxies: n("proxies")?,
                })
            }
        }
    };
}
