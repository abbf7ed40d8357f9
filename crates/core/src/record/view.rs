//! What a person sees of a record: sections newest first, where each item
//! came from, the same fact from two sources shown once naming both, and a
//! result outside its reference range said in plain English.
//!
//! One builder for every door (the page, JSON, the printable page).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::{AccessLevel, Category, Origin, RecordItem, SourceKind};

/// A source as a person reads it beside an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub record_source_id: Uuid,
    pub name: String,
    pub organisation_name: String,
    pub ods_code: String,
    pub kind: SourceKind,
}

/// Where one entry of an item came from and when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// `None` for the patient's own entries.
    pub source: Option<SourceInfo>,
    /// When the source last updated it (London date).
    pub recorded_on: Date,
}

/// Whether a numeric result lies outside its reference range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeFlag {
    Below,
    Above,
}

impl RangeFlag {
    /// The plain-English words on the page (hazard H-REC-2).
    pub fn words(self) -> &'static str {
        match self {
            RangeFlag::Below => "Below the usual range",
            RangeFlag::Above => "Above the usual range",
        }
    }
}

/// Is `value` outside [low, high]? A missing bound is no bound; no range,
/// no flag. The bounds are inclusive: a value on a bound is in range.
pub fn range_flag(value: Option<f64>, low: Option<f64>, high: Option<f64>) -> Option<RangeFlag> {
    let v = value?;
    if low.is_some_and(|l| v < l) {
        Some(RangeFlag::Below)
    } else if high.is_some_and(|h| v > h) {
        Some(RangeFlag::Above)
    } else {
        None
    }
}

/// One line of the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    /// The stored items it stands for (two or more when merged).
    pub record_item_ids: Vec<Uuid>,
    pub category: Category,
    pub resource_type: String,
    pub title: String,
    pub code_system: Option<String>,
    pub code: Option<String>,
    /// The clinically relevant date (London).
    pub date: Option<Date>,
    pub status: Option<String>,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub range_low: Option<f64>,
    pub range_high: Option<f64>,
    pub outside_range: Option<RangeFlag>,
    /// Every source that recorded it, and the patient if they added it.
    pub provenance: Vec<Provenance>,
    /// Entered by the patient ("added by you").
    pub added_by_patient: bool,
    /// Withheld from the patient: only ever in a clinician's view, marked.
    pub withheld: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub category: Category,
    pub heading: String,
    pub items: Vec<ItemView>,
}

/// A patient's record as shown to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    pub access_level: AccessLevel,
    /// Sections in a fixed order, each newest first; empty ones left out.
    pub sections: Vec<Section>,
    /// The sources with items, for the filter.
    pub sources: Vec<SourceInfo>,
    /// A source said some items are not shown (`confidential-items`), or
    /// the practice opened less than the whole record: "Some items are not
    /// shown here", never what.
    pub some_items_not_shown: bool,
}

/// The categories merged across sources: the same coded allergy, problem or
/// immunisation on the same date is one fact (README, "The patient's
/// record").
fn merges(category: Category) -> bool {
    matches!(category, Category::Allergy | Category::Problem | Category::Immunisation)
}

fn title(item: &RecordItem) -> String {
    item.coding.display.clone().or_else(|| item.coding.code.clone()).unwrap_or_else(|| match item.category {
        Category::Document => "Document".to_string(),
        Category::Encounter => "Visit".to_string(),
        _ => "Entry with no description".to_string(),
    })
}

/// Sections of items, each section newest first, merging the same fact from
/// several sources into one line naming every source. `items` is what the
/// store returned for the read path (already filtered); warnings are not
/// shown as items. Nothing is hidden or altered by the merge: each entry
/// stays stored as its source sent it, and the merged line lists each.
pub fn sections(items: &[RecordItem], sources: &HashMap<Uuid, SourceInfo>) -> Vec<Section> {
    let mut lines: Vec<ItemView> = Vec::new();
    let mut index: HashMap<(Category, String, String, Date), usize> = HashMap::new();
    let mut sorted: Vec<&RecordItem> = items.iter().filter(|i| i.category != Category::Warning).collect();
    // Newest first; undated last; then a stable order.
    sorted.sort_by(|a, b| b.effective_at.cmp(&a.effective_at).then_with(|| a.record_item_id.cmp(&b.record_item_id)));
    for item in sorted {
        let date = item.effective_at.map(|t| crate::london::to_local(t).date());
        let provenance = Provenance {
            source: match item.origin {
                Origin::Source(id) => sources.get(&id).cloned(),
                Origin::Patient => None,
            },
            recorded_on: crate::london::to_local(item.last_updated).date(),
        };
        let key = match (&item.coding.system, &item.coding.code, date) {
            (Some(system), Some(code), Some(date)) if merges(item.category) => {
                Some((item.category, system.clone(), code.clone(), date))
            }
            _ => None,
        };
        if let Some(at) = key.as_ref().and_then(|k| index.get(k)) {
            let line = &mut lines[*at];
            line.record_item_ids.push(item.record_item_id);
            line.provenance.push(provenance);
            line.added_by_patient |= item.origin == Origin::Patient;
            line.withheld |= item.withheld;
            continue;
        }
        if let Some(k) = key {
            index.insert(k, lines.len());
        }
        lines.push(ItemView {
            record_item_ids: vec![item.record_item_id],
            category: item.category,
            resource_type: item.resource_type.clone(),
            title: title(item),
            code_system: item.coding.system.clone(),
            code: item.coding.code.clone(),
            date,
            status: item.status.clone(),
            value: item.value_number,
            unit: item.value_unit.clone(),
            range_low: item.range_low,
            range_high: item.range_high,
            outside_range: range_flag(item.value_number, item.range_low, item.range_high),
            provenance: vec![provenance],
            added_by_patient: item.origin == Origin::Patient,
            withheld: item.withheld,
        });
    }
    Category::ALL
        .into_iter()
        .filter(|c| *c != Category::Warning)
        .filter_map(|category| {
            let items: Vec<ItemView> = lines.iter().filter(|l| l.category == category).cloned().collect();
            (!items.is_empty()).then(|| Section { category, heading: category.heading().to_string(), items })
        })
        .collect()
}

/// Does any item say some items are not shown (a `confidential-items`
/// warning)?
pub fn confidential_items_warned(items: &[RecordItem]) -> bool {
    items.iter().any(|i| i.category == Category::Warning && i.coding.code.as_deref() == Some("confidential-items"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Coding, PrivacyLabel};
    use time::macros::datetime;

    const GP: Uuid = Uuid::from_u128(100);
    const HOSPITAL: Uuid = Uuid::from_u128(101);

    fn info(id: Uuid, kind: SourceKind) -> SourceInfo {
        SourceInfo {
            record_source_id: id,
            name: format!("source {id}"),
            organisation_name: "Org".into(),
            ods_code: "A1".into(),
            kind,
        }
    }

    fn item(n: u128, origin: Origin, category: Category, code: &str, at: time::OffsetDateTime) -> RecordItem {
        RecordItem {
            record_item_id: Uuid::from_u128(n),
            patient_id: Uuid::from_u128(1),
            origin,
            resource_type: "AllergyIntolerance".into(),
            resource_id: format!("r{n}"),
            category,
            coding: Coding {
                system: Some("http://snomed.info/sct".into()),
                code: Some(code.into()),
                display: Some("Penicillin allergy".into()),
            },
            effective_at: Some(at),
            status: Some("active".into()),
            intent: None,
            value_number: None,
            value_unit: None,
            range_low: None,
            range_high: None,
            privacy_label: PrivacyLabel::General,
            security_labels: vec![],
            withheld: false,
            last_updated: at,
            received_at: at,
            resource_json: "{}".into(),
        }
    }

    fn sources() -> HashMap<Uuid, SourceInfo> {
        [(GP, info(GP, SourceKind::GpSystem)), (HOSPITAL, info(HOSPITAL, SourceKind::AcuteTrust))].into_iter().collect()
    }

    #[test]
    fn the_same_coded_allergy_on_the_same_date_from_two_sources_shows_once_naming_both() {
        let at = datetime!(2024-05-01 10:00 UTC);
        let items = vec![
            item(1, Origin::Source(GP), Category::Allergy, "91936005", at),
            item(2, Origin::Source(HOSPITAL), Category::Allergy, "91936005", at + time::Duration::hours(3)),
        ];
        let s = sections(&items, &sources());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].items.len(), 1, "one line");
        let named: Vec<Option<Uuid>> =
            s[0].items[0].provenance.iter().map(|p| p.source.as_ref().map(|s| s.record_source_id)).collect();
        assert_eq!(named.len(), 2);
        assert!(named.contains(&Some(GP)) && named.contains(&Some(HOSPITAL)));
        assert_eq!(s[0].items[0].record_item_ids.len(), 2, "both entries kept");
    }

    #[test]
    fn a_different_date_or_code_or_kind_of_item_is_not_merged() {
        let at = datetime!(2024-05-01 10:00 UTC);
        let items = vec![
            item(1, Origin::Source(GP), Category::Allergy, "91936005", at),
            item(2, Origin::Source(HOSPITAL), Category::Allergy, "91936005", at + time::Duration::days(1)),
            item(3, Origin::Source(HOSPITAL), Category::Allergy, "300916003", at),
            item(4, Origin::Source(HOSPITAL), Category::Result, "91936005", at),
            item(5, Origin::Source(GP), Category::Result, "91936005", at),
        ];
        let s = sections(&items, &sources());
        let count: usize = s.iter().map(|s| s.items.len()).sum();
        assert_eq!(count, 5, "results are never merged: two measurements are two facts");
    }

    #[test]
    fn sections_are_newest_first() {
        let items = vec![
            item(1, Origin::Source(GP), Category::Problem, "1", datetime!(2020-01-01 0:00 UTC)),
            item(2, Origin::Source(GP), Category::Problem, "2", datetime!(2024-01-01 0:00 UTC)),
            item(3, Origin::Patient, Category::Problem, "3", datetime!(2022-01-01 0:00 UTC)),
        ];
        let s = sections(&items, &sources());
        let codes: Vec<_> = s[0].items.iter().map(|i| i.code.clone().unwrap()).collect();
        assert_eq!(codes, ["2", "3", "1"]);
        assert!(s[0].items[1].added_by_patient);
        assert_eq!(s[0].items[1].provenance[0].source, None);
    }

    #[test]
    fn a_result_outside_its_reference_range_says_so_and_one_on_a_bound_does_not() {
        assert_eq!(range_flag(Some(2.9), Some(3.5), Some(5.3)), Some(RangeFlag::Below));
        assert_eq!(range_flag(Some(5.4), Some(3.5), Some(5.3)), Some(RangeFlag::Above));
        assert_eq!(range_flag(Some(5.3), Some(3.5), Some(5.3)), None);
        assert_eq!(range_flag(Some(3.5), Some(3.5), None), None);
        assert_eq!(range_flag(Some(99.0), None, None), None);
        assert_eq!(range_flag(None, Some(1.0), Some(2.0)), None);
        assert_eq!(RangeFlag::Above.words(), "Above the usual range");
    }
}
