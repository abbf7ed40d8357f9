//! Typed, layered configuration: built-in defaults, then an optional TOML
//! file, then `CAREBOOK_*` environment variables (`__` separates a section,
//! e.g. `CAREBOOK_DEMO__SEED`), then command-line flags. Secrets live in
//! [`Secret`], whose `Debug` never shows the value.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// Every key with its default. README's configuration reference mirrors it.
pub const DEFAULTS: &str = r#"
# Address to listen on.
listen = "127.0.0.1:3000"
# sqlite://PATH (embedded; created on first run, WAL mode) or postgres://...
database_url = "sqlite://data/carebook.db"
# Where the built site lives (pkg/carebook.<hash>.js, .wasm, .css and pkg/assets.txt naming them, favicon...).
site_root = "target/site"
# development | production. Production refuses the demonstration.
environment = "development"
# The address people use, e.g. https://carebook.example.org. When it starts
# with https, cookies are Secure and HSTS is sent.
public_url = ""
# pretty | json
log_format = "pretty"
# A tracing filter, e.g. "info" or "carebook_server=debug,info".
log_level = "info"
# Minutes of inactivity after which a session ends.
session_idle_minutes = 30
# Hours after log-in after which a session ends however busy it is.
session_absolute_hours = 12
# Log-in starts and callbacks allowed per client address per minute.
login_rate_limit_per_minute = 60
# Database connections in the pool. Measured on 2 cores with the rush
# benchmark: 8 booked 1.6 to 2.1 thousand requests a second where 16 and
# 32 booked 1.35 to 1.46 (more connections than the cores can serve only
# queue inside PostgreSQL); about four per core is a starting point.
database_pool_size = 8
# Requests worked on at once; the rest wait their turn, first come first
# served (the 8 am rush). 0 means twice database_pool_size. Health checks,
# metrics and static files never wait.
requests_in_flight = 0
# Seconds a request may wait for its turn before it is answered 503 with
# Retry-After.
request_queue_seconds = 20

[smtp]
# Where e-mail goes. Empty host: no e-mail worker runs (and `carebook demo`
# never sends any).
host = ""
port = 25
# none | starttls | tls
tls = "starttls"
username = ""
password = ""
from = "carebook <no-reply@carebook.example.org>"

[sms]
# A GOV.UK Notify-compatible text message service, e.g.
# https://api.notifications.service.gov.uk. Empty: no text messages are sent.
base_url = ""
# The service's API key, as Notify issues it: {key name}-{service id}-{secret}.
api_key = ""
# The template every text uses; its content must be exactly ((body)).
template_id = ""

[worker]
# Whether `carebook serve` delivers the outbox itself. `carebook worker`
# always does; turn this off where separate workers run.
enabled = true
# Seconds between looks at the outbox while nothing is due.
poll_interval_seconds = 5
# Messages claimed at a time.
batch_size = 20
# Seconds a claim lasts: the messages of a worker that dies go out after this.
lease_seconds = 120

[oidc.patient]
# The patients' OpenID Provider (NHS login or compatible). An empty issuer
# turns patient log-in off, except in `carebook demo`, which points it at the
# built-in demonstration provider. See README, "Logging in".
issuer = ""
client_id = ""
# private_key_jwt (NHS login) or client_secret_basic.
client_auth = "private_key_jwt"
# For private_key_jwt: an RSA private key, as a PEM file (PKCS#1 or PKCS#8)
# or a JWKS file holding one private RSA key.
private_key_file = ""
# The key id (kid) the provider knows the key by.
key_id = ""
# For client_secret_basic.
client_secret = ""
# How the client assertion is signed: RS512 (NHS login) or RS256.
assertion_alg = "RS512"
scopes = ["openid", "profile", "email", "phone", "profile_extended", "gp_registration_details"]
# Vectors of trust asked for at log-in; the returned vot must be one of them.
vtr = ["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm", "P5.Cp.Cd", "P5.Cp.Ck", "P5.Cm"]
# Asked for when a partly verified patient proves who they are (step-up).
step_up_vtr = ["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]
# Seconds of clock difference tolerated between carebook and the provider.
clock_skew_seconds = 60
# The claim holding staff roles (staff provider only; unused for patients).
roles_claim = ""
role_field = "role"
organisation_field = "organisation_code"

[oidc.staff]
# The staff OpenID Provider (NHS CIS2 or compatible). Same keys as above.
issuer = ""
client_id = ""
client_auth = "private_key_jwt"
private_key_file = ""
key_id = ""
client_secret = ""
assertion_alg = "RS256"
scopes = ["openid", "profile", "email"]
vtr = []
step_up_vtr = []
clock_skew_seconds = 60
# The claim that carries the roles: a list of objects, each naming a role
# (receptionist, clinician, practice_admin, federation_admin) and the ODS
# code of the organisation it is held at.
roles_claim = "carebook_roles"
role_field = "role"
organisation_field = "organisation_code"

[demo_provider]
# Serve the built-in demonstration OpenID Provider at /demo-idp. Always on in
# `carebook demo`; refused when environment = "production".
enabled = false

[demo]
# The embedded database `carebook demo` rebuilds at every start.
database_url = "sqlite://data/demo.db"
# The synthetic population: same seed, same people.
seed = 20261124
patients = 600
"#;

#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A database URL may carry a password: show only its scheme.
        let scheme = self.0.split("://").next().filter(|s| s.len() < self.0.len()).unwrap_or("");
        if scheme.is_empty() {
            f.write_str("\"[redacted]\"")
        } else {
            write!(f, "\"{scheme}://[redacted]\"")
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    pub database_url: Secret,
    pub seed: u64,
    pub patients: usize,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: String,
    pub password: Secret,
    pub from: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    PrivateKeyJwt,
    ClientSecretBasic,
}

/// One OpenID Provider carebook logs people in with.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_auth: ClientAuth,
    pub private_key_file: PathBuf,
    pub key_id: String,
    pub client_secret: Secret,
    pub assertion_alg: String,
    pub scopes: Vec<String>,
    pub vtr: Vec<String>,
    pub step_up_vtr: Vec<String>,
    pub clock_skew_seconds: i64,
    pub roles_claim: String,
    pub role_field: String,
    pub organisation_field: String,
}

impl ProviderConfig {
    pub fn enabled(&self) -> bool {
        !self.issuer.is_empty()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    pub patient: ProviderConfig,
    pub staff: ProviderConfig,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoProviderConfig {
    pub enabled: bool,
}

/// The SMS gateway (GOV.UK Notify's API). Off while `base_url` is empty.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    pub base_url: String,
    pub api_key: Secret,
    pub template_id: String,
}

impl SmsConfig {
    pub fn enabled(&self) -> bool {
        !self.base_url.is_empty()
    }
}

/// The delivery loop, in `carebook serve` and `carebook worker`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    pub enabled: bool,
    pub poll_interval_seconds: u64,
    pub batch_size: u32,
    pub lease_seconds: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: Secret,
    pub site_root: PathBuf,
    pub environment: Environment,
    pub public_url: String,
    pub log_format: LogFormat,
    pub log_level: String,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub login_rate_limit_per_minute: u32,
    pub database_pool_size: u32,
    pub requests_in_flight: u32,
    pub request_queue_seconds: u64,
    pub oidc: OidcConfig,
    pub demo_provider: DemoProviderConfig,
    pub smtp: SmtpConfig,
    pub sms: SmsConfig,
    pub worker: WorkerConfig,
    pub demo: DemoConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the configuration file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the configuration file {path} is not valid TOML: {source}")]
    File { path: String, source: toml::de::Error },
    #[error("the configuration is not valid: {0}")]
    Invalid(toml::de::Error),
    #[error("{0}")]
    Usage(String),
}

/// Flags given on the command line; they win over everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub values: Vec<(String, String)>,
    /// `carebook import DIR --source CLIENT_ID`: the directory and source.
    pub import: Option<(PathBuf, String)>,
}

impl Config {
    /// Defaults only: what tests start from.
    pub fn defaults() -> Self {
        Self::from_table(defaults_table()).expect("built-in defaults are valid")
    }

    /// Defaults, then the file (flag `--config` or `CAREBOOK_CONFIG`), then
    /// the environment, then flags.
    pub fn load(overrides: &Overrides, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let env: Vec<(String, String)> = env.into_iter().filter(|(k, _)| k.starts_with("CAREBOOK_")).collect();
        let mut table = defaults_table();
        let file = overrides
            .config_file
            .clone()
            .or_else(|| env.iter().find(|(k, _)| k == "CAREBOOK_CONFIG").map(|(_, v)| PathBuf::from(v)));
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path)
                .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
            let file_table: toml::Table = toml::from_str(&text)
                .map_err(|source| ConfigError::File { path: path.display().to_string(), source })?;
            merge(&mut table, file_table);
        }
        for (key, value) in env {
            let Some(name) = key.strip_prefix("CAREBOOK_") else {
                continue;
            };
            if name == "CONFIG" || name.starts_with("TEST_") {
                continue;
            }
            set(&mut table, &name.to_lowercase(), &value);
        }
        for (key, value) in &overrides.values {
            set(&mut table, key, value);
        }
        Self::from_table(table)
    }

    fn from_table(table: toml::Table) -> Result<Self, ConfigError> {
        let config: Config = toml::Value::Table(table).try_into().map_err(ConfigError::Invalid)?;
        Ok(config)
    }

    /// Served over HTTPS: Secure cookies and HSTS.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn defaults_table() -> toml::Table {
    toml::from_str(DEFAULTS).expect("DEFAULTS is valid TOML")
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Set `section__key` (or `key`) from a string, typed like the default it
/// replaces so that numbers stay numbers.
fn set(table: &mut toml::Table, path: &str, value: &str) {
    let mut parts: Vec<&str> = path.split("__").collect();
    let last = parts.pop().unwrap_or_default().to_string();
    let mut t = table;
    for p in parts {
        t = match t.entry(p.to_string()).or_insert_with(|| toml::Value::Table(Default::default())) {
            toml::Value::Table(inner) => inner,
            other => {
                *other = toml::Value::Table(Default::default());
                match other {
                    toml::Value::Table(inner) => inner,
                    _ => unreachable!(),
                }
            }
        };
    }
    let typed = match t.get(&last) {
        Some(toml::Value::Integer(_)) => value.parse::<i64>().map(toml::Value::Integer).ok(),
        Some(toml::Value::Boolean(_)) => value.parse::<bool>().map(toml::Value::Boolean).ok(),
        // Lists (scopes, vectors of trust) are written space- or comma-separated.
        Some(toml::Value::Array(_)) => Some(toml::Value::Array(
            value
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|v| !v.is_empty())
                .map(|v| toml::Value::String(v.to_string()))
                .collect(),
        )),
        _ => None,
    };
    t.insert(last, typed.unwrap_or_else(|| toml::Value::String(value.to_string())));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_defaults_listen_on_localhost_3000_with_sqlite() {
        let c = Config::defaults();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert!(c.database_url.expose().starts_with("sqlite://"));
        assert_eq!(c.environment, Environment::Development);
    }

    #[test]
    fn the_file_then_the_environment_then_flags_win_in_that_order() {
        let dir = std::env::temp_dir().join(format!("carebook-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("carebook.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:4000\"\nlog_level = \"debug\"\n[demo]\nseed = 7\n").unwrap();
        let overrides = Overrides { config_file: Some(file.clone()), values: vec![], import: None };

        let c = Config::load(&overrides, env(&[("CAREBOOK_LOG_LEVEL", "warn"), ("CAREBOOK_DEMO__PATIENTS", "301")]))
            .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:4000");
        assert_eq!(c.log_level, "warn");
        assert_eq!(c.demo.seed, 7);
        assert_eq!(c.demo.patients, 301);

        let overrides = Overrides {
            config_file: Some(file),
            values: vec![("listen".into(), "127.0.0.1:5000".into())],
            import: None,
        };
        let c = Config::load(&overrides, env(&[("CAREBOOK_LISTEN", "127.0.0.1:4500")])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:5000");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_unknown_key_or_a_bad_value_is_refused_with_its_name() {
        let err = Config::load(&Overrides::default(), env(&[("CAREBOOK_LISTEN", "not an address")])).unwrap_err();
        assert!(err.to_string().contains("listen"), "{err}");
        let err = Config::load(&Overrides::default(), env(&[("CAREBOOK_NO_SUCH_KEY", "1")])).unwrap_err();
        assert!(err.to_string().contains("no_such_key"), "{err}");
    }

    #[test]
    fn secrets_are_never_printed() {
        let c = Config::load(
            &Overrides::default(),
            env(&[("CAREBOOK_DATABASE_URL", "postgres://carebook:hunter2@db.example.org/carebook")]),
        )
        .unwrap();
        let printed = format!("{c:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("postgres://[redacted]"));
    }

    #[test]
    fn https_public_urls_switch_on_secure_cookies() {
        let c = Config::load(&Overrides::default(), env(&[("CAREBOOK_PUBLIC_URL", "https://carebook.example.org")]))
            .unwrap();
        assert!(c.https());
        assert!(!Config::defaults().https());
    }
}
