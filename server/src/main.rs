//! config -> tracing -> store -> services -> web. Nothing clever here.

use std::process::ExitCode;

use carebook_server::cli::{self, Command};
use carebook_server::config::Config;
use carebook_server::startup::{open_store, Application, Mode};
use carebook_server::telemetry;

// At least four runtime threads whatever the core count: Leptos's streamed
// server rendering can stall a response when a resource's future has no
// free thread to resume on (leptos-rs/leptos#4647, seen here on 2 cores).
#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() -> ExitCode {
    // Before anything binds a port: a SIGTERM from then on stops gracefully.
    carebook_server::shutdown::listen_for_stop();
    let (command, overrides) = match cli::parse(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("carebook: {e}");
            return ExitCode::from(2);
        }
    };
    if command == Command::Help {
        print!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(&overrides, std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("carebook: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    let result = match command {
        Command::Config => {
            println!("{config:#?}");
            Ok(())
        }
        Command::Migrate => match open_store(config.database_url.expose(), 2).await {
            Ok((store, _)) => {
                tracing::info!(store = store.backend(), "migrations applied");
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        },
        Command::Worker => carebook_server::notify::delivery::run_worker(config).await,
        Command::Serve | Command::Demo => {
            let mode = if command == Command::Demo { Mode::Demo } else { Mode::Serve };
            match Application::build(config, mode).await {
                Ok(app) => app.run_until_stopped().await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        }
        Command::Import => match &overrides.import {
            Some((dir, source)) => match carebook_server::import::run(&config, dir, source).await {
                Ok(summary) if summary.refused.is_empty() => Ok(()),
                Ok(summary) => Err(format!("{} of {} bundles refused", summary.refused.len(), summary.files)),
                Err(e) => Err(e),
            },
            None => Err("import needs a directory and --source CLIENT_ID".into()),
        },
        Command::Help => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "carebook stopped");
            eprintln!("carebook: {e}");
            ExitCode::FAILURE
        }
    }
}
