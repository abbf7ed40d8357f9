//! `carebook import DIR --source CLIENT_ID`: load a directory of FHIR R4
//! bundle files (`*.json`, in name order) as the registered source
//! `CLIENT_ID` would send them to `POST /fhir/r4`, through the same
//! `RecordService::ingest` and so the same rules: each file is accepted or
//! refused whole, refusals logged in the ingest log. Prints progress on
//! standard error and a summary (accepted, refused with each reason and the
//! FHIR path, resources per second); no patient detail is printed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use carebook_core::clock::SystemClock;

use crate::config::Config;
use crate::database::{open_store, services};

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub files: usize,
    pub accepted: usize,
    pub resources: u64,
    /// (file, code, FHIR path) of each refused file.
    pub refused: Vec<(String, String, String)>,
}

pub async fn run(config: &Config, dir: &Path, client_id: &str) -> Result<ImportSummary, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (store, _) =
        open_store(config.database_url.expose(), config.database_pool_size).await.map_err(|e| e.to_string())?;
    let services = services(store, Arc::new(SystemClock));
    let source = services
        .record
        .source_for_client(client_id)
        .await
        .map_err(|_| format!("no active record source has the client id {client_id:?}"))?;
    let started = std::time::Instant::now();
    let mut summary = ImportSummary { files: files.len(), ..Default::default() };
    let mut stderr = std::io::stderr();
    for (n, path) in files.iter().enumerate() {
        let name = path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        let body = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        match services.record.ingest(&source, &body).await {
            Ok(receipt) => {
                summary.accepted += 1;
                summary.resources += u64::from(receipt.resources);
            }
            Err(e) => match e.problem() {
                Some(p) => summary.refused.push((name, p.code.to_string(), p.expression)),
                None => return Err(format!("stopped at {name}: {e}")),
            },
        }
        if (n + 1) % 100 == 0 || n + 1 == files.len() {
            let done = n + 1;
            let width = 30;
            let filled = done * width / files.len().max(1);
            let _ = write!(
                stderr,
                "\r[{}{}] {done}/{} bundles, {} refused",
                "#".repeat(filled),
                " ".repeat(width - filled),
                files.len(),
                summary.refused.len()
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = writeln!(stderr);
    println!(
        "{} bundles: {} accepted ({} resources, {:.0} resources a second, {:.1} s), {} refused",
        summary.files,
        summary.accepted,
        summary.resources,
        summary.resources as f64 / seconds.max(0.001),
        seconds,
        summary.refused.len()
    );
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, code, path) in &summary.refused {
        println!("refused {file}: {code} at {path}");
        *by_code.entry(code).or_default() += 1;
    }
    for (code, count) in by_code {
        println!("  {code}: {count}");
    }
    Ok(summary)
}
