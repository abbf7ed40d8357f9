//! Reading a FHIR R4 Bundle from a source.
//!
//! A typed subset of R4 of carebook's own, over `serde_json::Value`, rather
//! than a FHIR model crate: carebook reads a handful of elements from
//! thirteen resource types (the columns it searches on), keeps every
//! resource whole as received (so unknown elements and extensions are never
//! lost), and a generated model of all of R4 costs minutes of build on a
//! 2-core machine for code it would not use. The rules checked here are R4's
//! own (the minimum cardinalities of the elements carebook reads, the
//! formats of `id`, `dateTime` and `instant`) and carebook's (one Patient,
//! identified by NHS number and date of birth; attachments of the accepted
//! types and size).
//!
//! Every refusal names the FHIRPath of the element at fault and says how to
//! put it right, and never echoes a value from the bundle (an NHS number, a
//! name) back into logs.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::{whole_seconds, Category, Coding, PrivacyLabel};
use crate::domain::NhsNumber;

/// The NHS number's identifier system.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// The largest attachment carebook keeps (decoded), 5 MiB.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
/// The attachment types carebook keeps: letters as text, HTML or PDF.
pub const ATTACHMENT_TYPES: [&str; 3] = ["text/plain", "text/html", "application/pdf"];

/// The resource types a bundle may hold.
pub const ACCEPTED_TYPES: [&str; 14] = [
    "Patient",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "MedicationRequest",
    "Immunization",
    "Observation",
    "DiagnosticReport",
    "Encounter",
    "Procedure",
    "DocumentReference",
    "CarePlan",
    "List",
    // Bundles carry their own OperationOutcome sometimes; never stored.
    "Provenance",
];

/// The accepted types a patient can search for their own record: all but
/// Patient (for matching only), List (read for its warning codes) and
/// Provenance (never stored).
pub fn searchable_types() -> impl Iterator<Item = &'static str> {
    ACCEPTED_TYPES.into_iter().filter(|t| !matches!(*t, "Patient" | "List" | "Provenance"))
}

/// Why a bundle is refused, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirProblem {
    /// 400 for what is not a FHIR resource at all, 422 for a bundle that
    /// breaks a rule.
    pub status: u16,
    /// A stable code (the OperationOutcome's diagnostics, the ingest log).
    pub code: &'static str,
    /// FHIRPath of the element at fault.
    pub expression: String,
    /// What is wrong and how to fix it; names no value from the bundle.
    pub text: String,
}

impl FhirProblem {
    fn new(status: u16, code: &'static str, expression: impl Into<String>, text: impl Into<String>) -> Self {
        Self { status, code, expression: expression.into(), text: text.into() }
    }
    fn unprocessable(code: &'static str, expression: impl Into<String>, text: impl Into<String>) -> Self {
        Self::new(422, code, expression, text)
    }
    fn missing(expression: String, element: &str) -> Self {
        Self::unprocessable(
            "missing_element",
            expression,
            format!("{element} is required (FHIR R4 cardinality 1..). Add it and send the bundle again."),
        )
    }
}

/// The person a bundle is about, as the source identified them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientMatch {
    pub nhs_number: NhsNumber,
    pub birth_date: Date,
}

/// One clinical resource read from a bundle: the columns carebook keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedResource {
    pub resource_type: String,
    pub resource_id: String,
    pub category: Category,
    pub coding: Coding,
    pub effective_at: Option<OffsetDateTime>,
    pub status: Option<String>,
    pub intent: Option<String>,
    pub value_number: Option<f64>,
    pub value_unit: Option<String>,
    pub range_low: Option<f64>,
    pub range_high: Option<f64>,
    pub security_labels: Vec<String>,
    /// Labelled `NOPAT`, or restricted / very restricted confidentiality.
    pub withheld: bool,
    /// From `meta.security` sensitivity codes; `None` leaves it to the
    /// source's kind.
    pub privacy_label: Option<PrivacyLabel>,
    pub last_updated: Option<OffsetDateTime>,
    pub json: String,
}

/// A bundle read whole.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedBundle {
    pub patient: PatientMatch,
    pub resources: Vec<ParsedResource>,
}

/// Read a bundle's bytes, or say exactly why not.
pub fn parse_bundle(body: &[u8]) -> Result<ParsedBundle, FhirProblem> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        FhirProblem::new(
            400,
            "malformed_json",
            "Bundle",
            format!(
                "The body is not JSON (line {}, column {}). Send a FHIR R4 Bundle as JSON (application/fhir+json).",
                e.line(),
                e.column()
            ),
        )
    })?;
    let Some(bundle) = value.as_object() else {
        return Err(FhirProblem::new(400, "not_a_bundle", "Bundle", "Send one FHIR R4 Bundle as a JSON object."));
    };
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(FhirProblem::unprocessable(
            "not_a_bundle",
            "resourceType",
            "The resource must be a Bundle (resourceType \"Bundle\").",
        ));
    }
    match bundle.get("type").and_then(Value::as_str) {
        Some("transaction" | "batch" | "collection") => {}
        Some(_) => {
            return Err(FhirProblem::unprocessable(
                "bundle_type",
                "Bundle.type",
                "Bundle.type must be transaction, batch or collection.",
            ))
        }
        None => return Err(FhirProblem::missing("Bundle.type".into(), "Bundle.type")),
    }
    let entries = match bundle.get("entry") {
        Some(Value::Array(entries)) if !entries.is_empty() => entries,
        Some(Value::Array(_)) | None => {
            return Err(FhirProblem::unprocessable(
                "no_patient",
                "Bundle.entry",
                "The bundle has no entries. Send the patient's Patient resource and their record.",
            ))
        }
        Some(_) => {
            return Err(FhirProblem::unprocessable("invalid_element", "Bundle.entry", "Bundle.entry must be a list."))
        }
    };

    let mut patient: Option<PatientMatch> = None;
    let mut resources = Vec::new();
    let mut seen_ids = std::collections::HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("Bundle.entry[{i}].resource");
        let Some(resource) = entry.get("resource").and_then(Value::as_object) else {
            return Err(FhirProblem::missing(at, "Bundle.entry.resource"));
        };
        let Some(kind) = resource.get("resourceType").and_then(Value::as_str) else {
            return Err(FhirProblem::missing(format!("{at}.resourceType"), "resourceType"));
        };
        if !ACCEPTED_TYPES.contains(&kind) {
            return Err(FhirProblem::unprocessable(
                "unsupported_resource_type",
                format!("{at}.resourceType"),
                format!(
                    "carebook does not take {} resources. It takes {}.",
                    safe_word(kind),
                    ACCEPTED_TYPES[..13].join(", ")
                ),
            ));
        }
        match kind {
            "Provenance" => continue,
            "Patient" => {
                let this = read_patient(resource, &at)?;
                match &patient {
                    Some(p) if *p != this => {
                        return Err(FhirProblem::unprocessable(
                            "more_than_one_patient",
                            at,
                            "A bundle is about one patient. Send each patient's record in a bundle of its own.",
                        ))
                    }
                    _ => patient = Some(this),
                }
            }
            _ => {
                let parsed = read_resource(kind, resource, entry, &at)?;
                if !seen_ids.insert((parsed.resource_type.clone(), parsed.resource_id.clone())) {
                    return Err(FhirProblem::unprocessable(
                        "duplicate_resource",
                        format!("{at}.id"),
                        "The same resource appears twice in the bundle. Send it once.",
                    ));
                }
                resources.push(parsed);
            }
        }
    }
    let Some(patient) = patient else {
        return Err(FhirProblem::unprocessable(
            "no_patient",
            "Bundle.entry",
            "The bundle has no Patient. Add the patient's Patient resource with their NHS number and date of birth.",
        ));
    };
    Ok(ParsedBundle { patient, resources })
}

/// A resource type as echoed in a message: only letters, at most 64.
fn safe_word(s: &str) -> String {
    let w: String = s.chars().filter(|c| c.is_ascii_alphabetic()).take(64).collect();
    if w.is_empty() {
        "these".into()
    } else {
        w
    }
}

fn read_patient(resource: &serde_json::Map<String, Value>, at: &str) -> Result<PatientMatch, FhirProblem> {
    let identifiers = resource.get("identifier").and_then(Value::as_array).cloned().unwrap_or_default();
    let nhs = identifiers
        .iter()
        .enumerate()
        .find(|(_, id)| id.get("system").and_then(Value::as_str) == Some(NHS_NUMBER_SYSTEM));
    let nhs_number = match nhs {
        Some((j, id)) => {
            let value = id.get("value").and_then(Value::as_str).unwrap_or_default();
            NhsNumber::parse(value).map_err(|_| {
                FhirProblem::unprocessable(
                    "invalid_nhs_number",
                    format!("{at}.identifier[{j}].value"),
                    "The NHS number is not valid: it must be 10 digits whose last is the modulus 11 check digit.",
                )
            })?
        }
        None => {
            // An NHS number under another system is refused by name, so the
            // source can fix its system rather than wonder.
            if let Some((j, _)) = identifiers.iter().enumerate().find(|(_, id)| {
                id.get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit()))
            }) {
                return Err(FhirProblem::unprocessable(
                    "nhs_number_system",
                    format!("{at}.identifier[{j}].system"),
                    format!("An NHS number's identifier system must be {NHS_NUMBER_SYSTEM}."),
                ));
            }
            return Err(FhirProblem::unprocessable(
                "no_nhs_number",
                format!("{at}.identifier"),
                format!("The Patient needs an identifier with system {NHS_NUMBER_SYSTEM} and the NHS number."),
            ));
        }
    };
    let Some(birth) = resource.get("birthDate") else {
        return Err(FhirProblem::unprocessable(
            "no_birth_date",
            format!("{at}.birthDate"),
            "The Patient needs a birthDate (YYYY-MM-DD) to match them.",
        ));
    };
    let birth_date = birth
        .as_str()
        .and_then(|s| Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok())
        .ok_or_else(|| {
            FhirProblem::unprocessable(
                "invalid_birth_date",
                format!("{at}.birthDate"),
                "Patient.birthDate must be a full date, YYYY-MM-DD.",
            )
        })?;
    Ok(PatientMatch { nhs_number, birth_date })
}

/// What each accepted type must have (R4 minimum cardinality 1), among the
/// elements carebook reads; a `[x]` choice is any element starting so.
fn required(kind: &str) -> &'static [&'static str] {
    match kind {
        "Condition" => &["subject"],
        "AllergyIntolerance" => &["patient"],
        "MedicationStatement" => &["status", "medication[x]", "subject"],
        "MedicationRequest" => &["status", "intent", "medication[x]", "subject"],
        "Immunization" => &["status", "vaccineCode", "patient", "occurrence[x]"],
        "Observation" => &["status", "code"],
        "DiagnosticReport" => &["status", "code"],
        "Encounter" => &["status", "class"],
        "Procedure" => &["status", "subject"],
        "DocumentReference" => &["status", "content"],
        "CarePlan" => &["status", "intent", "subject"],
        "List" => &["status", "mode"],
        _ => &[],
    }
}

fn category(kind: &str) -> Category {
    match kind {
        "Condition" => Category::Problem,
        "AllergyIntolerance" => Category::Allergy,
        "MedicationStatement" | "MedicationRequest" => Category::Medicine,
        "Immunization" => Category::Immunisation,
        "Observation" | "DiagnosticReport" => Category::Result,
        "Encounter" => Category::Encounter,
        "Procedure" => Category::Procedure,
        "DocumentReference" => Category::Document,
        "CarePlan" => Category::CarePlan,
        _ => Category::Warning,
    }
}

fn is_fhir_id(s: &str) -> bool {
    // R4 id: [A-Za-z0-9\-\.]{1,64}
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn read_resource(
    kind: &str,
    r: &serde_json::Map<String, Value>,
    entry: &Value,
    at: &str,
) -> Result<ParsedResource, FhirProblem> {
    // The source's id: the resource's own, or for a transaction entry
    // without one, its fullUrl (urn:uuid:...).
    let resource_id = match r.get("id") {
        Some(Value::String(id)) if is_fhir_id(id) => id.clone(),
        Some(_) => {
            return Err(FhirProblem::unprocessable(
                "invalid_id",
                format!("{at}.id"),
                "A resource id is 1 to 64 letters, digits, '-' and '.'.",
            ))
        }
        None => match entry.get("fullUrl").and_then(Value::as_str) {
            Some(url) if url.starts_with("urn:uuid:") && url.len() <= 100 => url.to_string(),
            _ => {
                return Err(FhirProblem::unprocessable(
                    "missing_id",
                    format!("{at}.id"),
                    "Each resource needs an id (or, in a transaction, a fullUrl urn:uuid:...), so that sending it again updates it.",
                ))
            }
        },
    };
    for element in required(kind) {
        let present = match element.strip_suffix("[x]") {
            Some(stem) => r.keys().any(|k| k.starts_with(stem) && k.len() > stem.len()),
            None => r.get(*element).is_some_and(|v| !v.is_null()),
        };
        if !present {
            return Err(FhirProblem::missing(format!("{at}.{element}"), &format!("{kind}.{element}")));
        }
    }
    for element in ["status", "intent"] {
        if let Some(v) = r.get(element) {
            if !v.is_string() {
                return Err(FhirProblem::unprocessable(
                    "invalid_element",
                    format!("{at}.{element}"),
                    format!("{kind}.{element} must be a code (a string)."),
                ));
            }
        }
    }

    // meta: lastUpdated and the security labels.
    let meta = r.get("meta");
    let last_updated = match meta.and_then(|m| m.get("lastUpdated")) {
        None => None,
        Some(v) => Some(
            v.as_str().and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok()).map(whole_seconds).ok_or_else(|| {
                FhirProblem::unprocessable(
                    "invalid_instant",
                    format!("{at}.meta.lastUpdated"),
                    "meta.lastUpdated must be an instant with a time zone, e.g. 2026-11-30T09:15:00Z.",
                )
            })?,
        ),
    };
    let mut security_labels = Vec::new();
    let mut withheld = false;
    let mut privacy_label = None;
    if let Some(security) = meta.and_then(|m| m.get("security")).and_then(Value::as_array) {
        for label in security {
            let Some(code) = label.get("code").and_then(Value::as_str) else { continue };
            let system = label.get("system").and_then(Value::as_str).unwrap_or("");
            security_labels.push(code.chars().filter(|c| !c.is_whitespace()).take(64).collect::<String>());
            // HL7 v3 ActCode NOPAT ("no disclosure to patient, family or
            // caregivers"), v3 Confidentiality R and V.
            let confidentiality = system.is_empty() || system.ends_with("v3-Confidentiality");
            if code == "NOPAT" || (confidentiality && (code == "R" || code == "V")) {
                withheld = true;
            }
            // HL7 v3 ActCode sensitivity codes give the privacy label.
            privacy_label = privacy_label.or(match code {
                "PSY" | "PSYTHPN" | "ETH" | "ETHUD" => Some(PrivacyLabel::MentalHealth),
                "STD" | "HIV" | "SEX" | "SDV" => Some(PrivacyLabel::SexualHealth),
                "SOC" => Some(PrivacyLabel::SocialCare),
                _ => None,
            });
        }
    }

    let coding = match kind {
        "Immunization" => concept(r.get("vaccineCode")),
        "MedicationStatement" | "MedicationRequest" => concept(r.get("medicationCodeableConcept")),
        "DocumentReference" => {
            // A letter is known by its own title, not its type's.
            let mut c = concept(r.get("type"));
            let title = r.get("description").and_then(Value::as_str).or_else(|| {
                at_path(r, "content")
                    .and_then(|c| c.get(0))
                    .and_then(|c| c.get("attachment"))
                    .and_then(|a| a.get("title"))
                    .and_then(Value::as_str)
            });
            if let Some(title) = title {
                c.display = Some(title.to_string());
            }
            c
        }
        "Encounter" => {
            let typed = concept(r.get("type").and_then(|t| t.get(0)));
            if typed.code.is_some() || typed.display.is_some() {
                typed
            } else {
                let class = r.get("class");
                Coding {
                    system: str_at(class, "system"),
                    code: str_at(class, "code"),
                    display: str_at(class, "display"),
                }
            }
        }
        "CarePlan" => {
            let title = r.get("title").and_then(Value::as_str).map(str::to_string);
            let mut c = concept(r.get("category").and_then(|t| t.get(0)));
            if title.is_some() {
                c.display = title;
            }
            c
        }
        "List" => list_warning(r).unwrap_or_else(|| concept(r.get("code"))),
        _ => concept(r.get("code")),
    };

    let date_elements: &[&str] = match kind {
        "Condition" => &["onsetDateTime", "onsetPeriod.start", "recordedDate"],
        "AllergyIntolerance" => &["onsetDateTime", "recordedDate"],
        "MedicationStatement" => &["effectiveDateTime", "effectivePeriod.start", "dateAsserted"],
        "MedicationRequest" => &["authoredOn"],
        "Immunization" => &["occurrenceDateTime"],
        "Observation" => &["effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"],
        "DiagnosticReport" => &["effectiveDateTime", "effectivePeriod.start", "issued"],
        "Encounter" => &["period.start"],
        "Procedure" => &["performedDateTime", "performedPeriod.start"],
        "DocumentReference" => &["date", "context.period.start"],
        "CarePlan" => &["period.start", "created"],
        "List" => &["date"],
        _ => &[],
    };
    let mut effective_at = None;
    for path in date_elements {
        let found = at_path(r, path);
        if let Some(value) = found {
            let text = value.as_str().unwrap_or("");
            effective_at = Some(date_time(text).ok_or_else(|| {
                FhirProblem::unprocessable(
                    "invalid_date",
                    format!("{at}.{path}"),
                    format!(
                        "{kind}.{path} must be a FHIR dateTime: YYYY, YYYY-MM, YYYY-MM-DD or a full time with a zone."
                    ),
                )
            })?);
            break;
        }
    }

    let status = match kind {
        "Condition" | "AllergyIntolerance" => {
            str_at(r.get("clinicalStatus").and_then(|c| c.get("coding")).and_then(|c| c.get(0)), "code")
        }
        _ => r.get("status").and_then(Value::as_str).map(str::to_string),
    };
    let intent =
        if kind == "MedicationRequest" { r.get("intent").and_then(Value::as_str).map(str::to_string) } else { None };

    let (mut value_number, mut value_unit, mut range_low, mut range_high) = (None, None, None, None);
    if kind == "Observation" {
        if let Some(q) = r.get("valueQuantity") {
            value_number = q.get("value").and_then(Value::as_f64);
            value_unit = str_at(Some(q), "unit").or_else(|| str_at(Some(q), "code"));
        }
        if let Some(range) = r.get("referenceRange").and_then(|x| x.get(0)) {
            range_low = range.get("low").and_then(|l| l.get("value")).and_then(Value::as_f64);
            range_high = range.get("high").and_then(|l| l.get("value")).and_then(Value::as_f64);
        }
    }

    if kind == "DocumentReference" {
        check_attachments(r, at)?;
    }

    Ok(ParsedResource {
        resource_type: kind.to_string(),
        resource_id,
        category: category(kind),
        coding,
        effective_at,
        status,
        intent,
        value_number,
        value_unit,
        range_low,
        range_high,
        security_labels,
        withheld,
        privacy_label,
        last_updated,
        json: Value::Object(r.clone()).to_string(),
    })
}

/// The element at a dotted path (`effectivePeriod.start`).
fn at_path<'a>(r: &'a serde_json::Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut steps = path.split('.');
    let first = r.get(steps.next()?)?;
    steps.try_fold(first, |v, step| v.get(step))
}

fn str_at(v: Option<&Value>, key: &str) -> Option<String> {
    v.and_then(|v| v.get(key)).and_then(Value::as_str).map(str::to_string)
}

/// The first coding of a CodeableConcept, with its text when the coding has
/// no display.
fn concept(v: Option<&Value>) -> Coding {
    let first = v.and_then(|c| c.get("coding")).and_then(|c| c.get(0));
    Coding {
        system: str_at(first, "system"),
        code: str_at(first, "code"),
        display: str_at(first, "display").or_else(|| str_at(v, "text")),
    }
}

/// A GP Connect-style list warning (`confidential-items`,
/// `data-awaiting-filing`, ...) in a List's warning-code extension.
fn list_warning(r: &serde_json::Map<String, Value>) -> Option<Coding> {
    let extensions = r.get("extension")?.as_array()?;
    extensions.iter().find_map(|e| {
        let url = e.get("url")?.as_str()?;
        if !url.contains("WarningCode") {
            return None;
        }
        let code = e.get("valueCode").and_then(Value::as_str).map(str::to_string).or_else(|| {
            str_at(e.get("valueCodeableConcept").and_then(|c| c.get("coding")).and_then(|c| c.get(0)), "code")
        })?;
        Some(Coding {
            system: Some("https://fhir.nhs.uk/CodeSystem/List-Warning-Code".into()),
            code: Some(code),
            display: None,
        })
    })
}

fn check_attachments(r: &serde_json::Map<String, Value>, at: &str) -> Result<(), FhirProblem> {
    let Some(content) = r.get("content").and_then(Value::as_array).filter(|c| !c.is_empty()) else {
        return Err(FhirProblem::missing(format!("{at}.content"), "DocumentReference.content"));
    };
    for (k, c) in content.iter().enumerate() {
        let path = format!("{at}.content[{k}].attachment");
        let Some(attachment) = c.get("attachment") else {
            return Err(FhirProblem::missing(path, "DocumentReference.content.attachment"));
        };
        let size = attachment.get("size").and_then(Value::as_u64).unwrap_or(0) as usize;
        let data_len = attachment.get("data").and_then(Value::as_str).map_or(0, |d| d.len() / 4 * 3);
        if size > MAX_ATTACHMENT_BYTES || data_len > MAX_ATTACHMENT_BYTES {
            return Err(FhirProblem::unprocessable(
                "attachment_too_large",
                format!("{path}.data"),
                format!(
                    "An attachment may be at most {} MiB. Send a smaller document, or a link to it (attachment.url).",
                    MAX_ATTACHMENT_BYTES / 1024 / 1024
                ),
            ));
        }
        if let Some(kind) = attachment.get("contentType").and_then(Value::as_str) {
            let base = kind.split(';').next().unwrap_or("").trim();
            if !ATTACHMENT_TYPES.contains(&base) {
                return Err(FhirProblem::unprocessable(
                    "attachment_type",
                    format!("{path}.contentType"),
                    "A letter or document must be text/plain, text/html or application/pdf.",
                ));
            }
        }
    }
    Ok(())
}

/// A FHIR dateTime or instant ("2019", "2019-03", "2019-03-12",
/// "2019-03-12T09:30:00+00:00"): the first instant it names, whole seconds,
/// UTC. A date without a time is taken as midnight UTC.
pub fn date_time(s: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(whole_seconds(t));
    }
    let parts: Vec<&str> = s.split('-').collect();
    let number = |p: &str, len: usize| {
        if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse::<u16>().ok()
        } else {
            None
        }
    };
    let (year, month, day) = match parts.as_slice() {
        [y] => (number(y, 4)?, 1, 1),
        [y, m] => (number(y, 4)?, number(m, 2)?, 1),
        [y, m, d] => (number(y, 4)?, number(m, 2)?, number(d, 2)?),
        _ => return None,
    };
    let date = Date::from_calendar_date(year as i32, Month::try_from(month as u8).ok()?, day as u8).ok()?;
    Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(UtcOffset::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(entries: Vec<Value>) -> Vec<u8> {
        json!({"resourceType": "Bundle", "type": "collection", "entry": entries.into_iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()})
            .to_string()
            .into_bytes()
    }

    fn patient() -> Value {
        json!({"resourceType": "Patient", "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": "9990000018"}], "birthDate": "1970-01-01"})
    }

    fn problem(body: &[u8]) -> FhirProblem {
        parse_bundle(body).expect_err("refused")
    }

    #[test]
    fn a_bundle_with_a_patient_and_a_condition_is_read() {
        let condition = json!({"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p"},
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006", "display": "Diabetes mellitus type 2"}]},
            "onsetDateTime": "2019-03", "meta": {"lastUpdated": "2026-11-30T09:15:00.123Z"}, "unknownElement": 1});
        let parsed = parse_bundle(&bundle(vec![patient(), condition])).unwrap();
        assert_eq!(parsed.patient.nhs_number.as_str(), "9990000018");
        let c = &parsed.resources[0];
        assert_eq!(
            (c.category, c.status.as_deref(), c.coding.code.as_deref()),
            (Category::Problem, Some("active"), Some("44054006"))
        );
        assert_eq!(c.effective_at, Some(time::macros::datetime!(2019-03-01 00:00 UTC)));
        assert_eq!(c.last_updated, Some(time::macros::datetime!(2026-11-30 09:15 UTC)));
        let kept: Value = serde_json::from_str(&c.json).unwrap();
        assert_eq!(kept["unknownElement"], 1, "unknown elements are kept");
    }

    #[test]
    fn malformed_json_is_a_400_naming_the_bundle() {
        let p = problem(b"{not json");
        assert_eq!((p.status, p.code, p.expression.as_str()), (400, "malformed_json", "Bundle"));
    }

    #[test]
    fn an_unknown_resource_type_is_named_by_its_path() {
        let p = problem(&bundle(vec![patient(), json!({"resourceType": "Basic", "id": "b"})]));
        assert_eq!((p.status, p.code), (422, "unsupported_resource_type"));
        assert_eq!(p.expression, "Bundle.entry[1].resource.resourceType");
    }

    #[test]
    fn a_missing_required_element_is_named_by_its_path() {
        let p = problem(&bundle(vec![patient(), json!({"resourceType": "Observation", "id": "o", "code": {}})]));
        assert_eq!((p.code, p.expression.as_str()), ("missing_element", "Bundle.entry[1].resource.status"));
        let p = problem(&bundle(vec![
            patient(),
            json!({"resourceType": "MedicationRequest", "id": "m", "status": "active", "intent": "plan", "subject": {}}),
        ]));
        assert_eq!(p.expression, "Bundle.entry[1].resource.medication[x]");
    }

    #[test]
    fn the_nhs_number_needs_its_system_and_its_check_digit() {
        let mut wrong_system = patient();
        wrong_system["identifier"][0]["system"] = json!("urn:oid:2.16.840.1.113883.2.1.4.1");
        let p = problem(&bundle(vec![wrong_system]));
        assert_eq!(
            (p.code, p.expression.as_str()),
            ("nhs_number_system", "Bundle.entry[0].resource.identifier[0].system")
        );
        let mut bad_digit = patient();
        bad_digit["identifier"][0]["value"] = json!("9990000017");
        let p = problem(&bundle(vec![bad_digit]));
        assert_eq!(p.code, "invalid_nhs_number");
        assert!(!p.text.contains("9990000017"), "the value is never echoed");
    }

    #[test]
    fn a_bundle_without_a_patient_or_for_two_is_refused() {
        assert_eq!(
            problem(&bundle(vec![json!({"resourceType": "Condition", "id": "c", "subject": {}})])).code,
            "no_patient"
        );
        let mut other = patient();
        other["identifier"][0]["value"] = json!("9990000026");
        assert_eq!(problem(&bundle(vec![patient(), other])).code, "more_than_one_patient");
    }

    #[test]
    fn withheld_labels_are_read_from_meta_security() {
        for (system, code, withheld) in [
            ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "NOPAT", true),
            ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", true),
            ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "V", true),
            ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "N", false),
        ] {
            let c = json!({"resourceType": "Condition", "id": "c", "subject": {}, "meta": {"security": [{"system": system, "code": code}]}});
            let parsed = parse_bundle(&bundle(vec![patient(), c])).unwrap();
            assert_eq!(parsed.resources[0].withheld, withheld, "{code}");
        }
    }

    #[test]
    fn an_oversized_or_unexpected_attachment_is_refused() {
        let doc = |attachment: Value| json!({"resourceType": "DocumentReference", "id": "d", "status": "current", "content": [{"attachment": attachment}]});
        let big = problem(&bundle(vec![
            patient(),
            doc(json!({"contentType": "application/pdf", "size": MAX_ATTACHMENT_BYTES + 1})),
        ]));
        assert_eq!(
            (big.code, big.expression.as_str()),
            ("attachment_too_large", "Bundle.entry[1].resource.content[0].attachment.data")
        );
        let odd = problem(&bundle(vec![patient(), doc(json!({"contentType": "application/x-msdownload"}))]));
        assert_eq!(odd.code, "attachment_type");
        parse_bundle(&bundle(vec![patient(), doc(json!({"contentType": "text/plain", "data": "SGVsbG8="}))])).unwrap();
    }

    #[test]
    fn fhir_date_times_of_every_precision_are_read() {
        assert_eq!(date_time("2019"), Some(time::macros::datetime!(2019-01-01 00:00 UTC)));
        assert_eq!(date_time("2019-02-28"), Some(time::macros::datetime!(2019-02-28 00:00 UTC)));
        assert_eq!(date_time("2019-02-28T10:00:00+01:00"), Some(time::macros::datetime!(2019-02-28 09:00 UTC)));
        assert_eq!(date_time("2019-02-30"), None);
        assert_eq!(date_time("yesterday"), None);
    }

    #[test]
    fn a_confidential_items_warning_is_read_from_a_list() {
        let list = json!({"resourceType": "List", "id": "l", "status": "current", "mode": "snapshot",
            "extension": [{"url": "https://fhir.nhs.uk/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1", "valueCode": "confidential-items"}]});
        let parsed = parse_bundle(&bundle(vec![patient(), list])).unwrap();
        assert_eq!(
            (parsed.resources[0].category, parsed.resources[0].coding.code.as_deref()),
            (Category::Warning, Some("confidential-items"))
        );
    }
}
