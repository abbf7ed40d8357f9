//! The directory: areas, federations, organisations, locations and staff.

/// Implements `DirectoryStore` for `$store`, with `insert_organisation`,
/// which loading a population shares.
#[macro_export]
macro_rules! directory_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::domain::OdsCode;
        use carebook_core::model::{Area, Federation, Location, Organisation, StaffAssignment, StaffMember};

        #[async_trait::async_trait]
        impl DirectoryStore for $store {
            fn directory_generation(&self) -> u64 {
                self.directory_generation.load(std::sync::atomic::Ordering::Acquire)
            }

            async fn list_areas(&self) -> StoreResult<Vec<Area>> {
                let rows = sqlx::query("select area_code, name from area order by name")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(area_from_row).collect()
            }

            async fn list_federations(&self) -> StoreResult<Vec<Federation>> {
                let rows = sqlx::query("select federation_id, name, area_code from federation order by name")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(federation_from_row).collect()
            }

            #[tracing::instrument(skip_all, err)]
            async fn insert_organisation(&self, organisation: &Organisation) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                insert_organisation(&mut tx, organisation).await?;
                announce_directory_change(&mut tx).await?;
                tx.commit().await.map_err(map_err)?;
                self.directory_changed();
                Ok(())
            }

            async fn search_organisations(&self, search: &OrganisationSearch) -> StoreResult<Vec<Organisation>> {
                let pattern = search.text.as_deref().map(|t| format!("%{}%", escape_like(&t.to_lowercase())));
                // $1 kinds, $2 area, $3 federation, $4 the pattern: the
                // filter is the dialect's (arrays and ilike on PostgreSQL).
                let rows = sqlx::query(&format!(
                    "select {ORGANISATION_COLUMNS} from organisation
                     where {ORGANISATION_FILTER}
                     order by name, ods_code
                     limit $5"
                ))
                .bind(organisation_kinds(&search.kinds))
                .bind(search.area.map(|a| a.as_str()))
                .bind(search.federation_id.map(id))
                .bind(pattern)
                .bind(i64::from(search.limit.max(1)))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(organisation_from_row).collect()
            }

            async fn organisation_by_ods(&self, ods_code: &OdsCode) -> StoreResult<Organisation> {
                let row = sqlx::query(&format!("select {ORGANISATION_COLUMNS} from organisation where ods_code = $1"))
                    .bind(ods_code.as_str())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                organisation_from_row(&row)
            }

            async fn organisation_by_id(&self, organisation_id: Uuid) -> StoreResult<Organisation> {
                let row =
                    sqlx::query(&format!("select {ORGANISATION_COLUMNS} from organisation where organisation_id = $1"))
                        .bind(id(organisation_id))
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map_err)?;
                organisation_from_row(&row)
            }

            async fn location(&self, location_id: Uuid) -> StoreResult<Location> {
                let row = sqlx::query(
                    "select location_id, organisation_id, name, address_line1, address_line2, town, postcode
                     from location where location_id = $1",
                )
                .bind(id(location_id))
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                location_from_row(&row)
            }

            async fn locations_for(&self, organisation_id: Uuid) -> StoreResult<Vec<Location>> {
                let rows = sqlx::query(
                    "select location_id, organisation_id, name, address_line1, address_line2, town, postcode
                     from location where organisation_id = $1 order by name, location_id",
                )
                .bind(id(organisation_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(location_from_row).collect()
            }

            async fn staff_by_uid(&self, staff_uid: &str) -> StoreResult<(StaffMember, Vec<StaffAssignment>)> {
                let row = sqlx::query(
                    "select staff_member_id, staff_uid, given_name, family_name, email, clinical_role
                     from staff_member where staff_uid = $1",
                )
                .bind(staff_uid)
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                let member = staff_from_row(&row)?;
                let rows = sqlx::query(
                    "select staff_member_id, organisation_id, role from staff_assignment
                     where staff_member_id = $1 order by organisation_id, role",
                )
                .bind(id(member.staff_member_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                let assignments = rows.iter().map(assignment_from_row).collect::<StoreResult<_>>()?;
                Ok((member, assignments))
            }

            async fn staff_member(&self, staff_member_id: Uuid) -> StoreResult<StaffMember> {
                let row = sqlx::query(
                    "select staff_member_id, staff_uid, given_name, family_name, email, clinical_role
                     from staff_member where staff_member_id = $1",
                )
                .bind(id(staff_member_id))
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                staff_from_row(&row)
            }

            async fn clinicians_at(&self, organisation_id: Uuid) -> StoreResult<Vec<StaffMember>> {
                let rows = sqlx::query(
                    "select m.staff_member_id, m.staff_uid, m.given_name, m.family_name, m.email, m.clinical_role
                     from staff_member m
                     where m.clinical_role is not null
                       and exists (select 1 from staff_assignment a
                                   where a.staff_member_id = m.staff_member_id and a.organisation_id = $1)
                     order by m.family_name, m.given_name, m.staff_member_id",
                )
                .bind(id(organisation_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(staff_from_row).collect()
            }
        }

        /// One organisation, inside the caller's transaction.
        pub(crate) async fn insert_organisation(tx: &mut Conn, o: &Organisation) -> StoreResult<()> {
            sqlx::query(
                "insert into organisation (organisation_id, ods_code, name, kind, area_code, federation_id,
                     address_line1, address_line2, town, postcode, phone, email)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id(o.organisation_id))
            .bind(o.ods_code.as_str())
            .bind(&o.name)
            .bind(o.kind.as_str())
            .bind(o.area.as_str())
            .bind(o.federation_id.map(id))
            .bind(&o.address.line1)
            .bind(&o.address.line2)
            .bind(&o.address.town)
            .bind(o.address.postcode.as_str())
            .bind(o.phone.as_ref().map(|p| p.as_e164()))
            .bind(o.email.as_ref().map(|e| e.as_str()))
            .execute(tx)
            .await
            .map_err(map_err)?;
            Ok(())
        }
    };
}
