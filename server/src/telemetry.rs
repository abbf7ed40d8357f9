//! Structured logs through tracing. Fields never carry a patient's name,
//! NHS number or clinical value: request logs name the route template, not
//! the path, and never the query string.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{Config, LogFormat};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
