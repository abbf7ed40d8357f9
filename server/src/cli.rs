//! `carebook [serve|worker|migrate|demo|config] [--config FILE] [--listen ADDR]
//! [--database-url URL] [--site-root DIR] [--log-format pretty|json]`

use std::path::PathBuf;

use crate::config::{ConfigError, Overrides};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    /// Deliver the outbox and nothing else.
    Worker,
    Migrate,
    Demo,
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Load a directory of FHIR bundles as a registered source.
    Import,
    Help,
}

pub const USAGE: &str = "\
carebook: patient portal and booking service

Usage: carebook [COMMAND] [OPTIONS]

Commands:
  serve     Serve carebook (the default)
  worker    Deliver the outbox (e-mail, text messages) and nothing else; stops on SIGTERM
  migrate   Apply database migrations and exit
  demo      Serve the demonstration: a fresh embedded database with synthetic people
  config    Print the effective configuration (secrets redacted) and exit
  import DIR --source CLIENT_ID
            Load every *.json FHIR R4 bundle in DIR as that registered record
            source would send it, with the same rules; print a summary
  help      Print this help

Options (each also CAREBOOK_<NAME> in the environment):
  --config FILE          TOML configuration file
  --listen ADDR          Address to listen on [default: 127.0.0.1:3000]
  --database-url URL     sqlite://PATH or postgres://... [default: sqlite://data/carebook.db]
  --site-root DIR        Built site (pkg/, favicon) [default: target/site]
  --log-format FORMAT    pretty or json [default: pretty]
";

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<(Command, Overrides), ConfigError> {
    let mut command = None;
    let mut overrides = Overrides::default();
    let mut import_dir = None;
    let mut import_source = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, ConfigError> {
            inline.clone().or_else(|| args.next()).ok_or_else(|| ConfigError::Usage(format!("{name} needs a value")))
        };
        match flag.as_str() {
            "--config" => overrides.config_file = Some(PathBuf::from(value("--config")?)),
            "--listen" => overrides.values.push(("listen".into(), value("--listen")?)),
            "--database-url" => overrides.values.push(("database_url".into(), value("--database-url")?)),
            "--site-root" => overrides.values.push(("site_root".into(), value("--site-root")?)),
            "--log-format" => overrides.values.push(("log_format".into(), value("--log-format")?)),
            "-h" | "--help" | "help" => command = Some(Command::Help),
            "import" if command.is_none() => {
                command = Some(Command::Import);
                import_dir = Some(PathBuf::from(value("import")?));
            }
            "--source" => import_source = Some(value("--source")?),
            "serve" | "worker" | "migrate" | "demo" | "config" if command.is_none() => {
                command = Some(match flag.as_str() {
                    "serve" => Command::Serve,
                    "worker" => Command::Worker,
                    "migrate" => Command::Migrate,
                    "demo" => Command::Demo,
                    _ => Command::Config,
                })
            }
            other => return Err(ConfigError::Usage(format!("unknown argument {other:?}; see carebook --help"))),
        }
    }
    if command == Some(Command::Import) {
        let source = import_source.ok_or_else(|| ConfigError::Usage("import needs --source CLIENT_ID".into()))?;
        overrides.import = import_dir.map(|dir| (dir, source));
    } else if import_source.is_some() {
        return Err(ConfigError::Usage("--source is for import; see carebook --help".into()));
    }
    Ok((command.unwrap_or(Command::Serve), overrides))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn no_command_means_serve() {
        assert_eq!(parse(args("")).unwrap().0, Command::Serve);
    }

    #[test]
    fn flags_become_overrides_in_either_spelling() {
        let (c, o) = parse(args("demo --listen 127.0.0.1:0 --database-url=sqlite://x.db")).unwrap();
        assert_eq!(c, Command::Demo);
        assert_eq!(
            o.values,
            vec![("listen".into(), "127.0.0.1:0".into()), ("database_url".into(), "sqlite://x.db".into())]
        );
    }

    #[test]
    fn worker_is_a_command_of_its_own() {
        let (c, o) = parse(args("worker --database-url postgres://db/carebook")).unwrap();
        assert_eq!(c, Command::Worker);
        assert_eq!(o.values, vec![("database_url".into(), "postgres://db/carebook".into())]);
        assert!(USAGE.contains("worker"));
    }

    #[test]
    fn import_takes_a_directory_and_a_source() {
        let (c, o) = parse(args("import bundles/ --source hospital-epr")).unwrap();
        assert_eq!(c, Command::Import);
        assert_eq!(o.import, Some((PathBuf::from("bundles/"), "hospital-epr".to_string())));
        assert!(parse(args("import bundles/")).is_err(), "the source is required");
        assert!(parse(args("serve --source x")).is_err());
    }

    #[test]
    fn an_unknown_argument_is_refused_with_a_pointer_to_help() {
        let err = parse(args("serve --colour")).unwrap_err().to_string();
        assert!(err.contains("--colour") && err.contains("--help"), "{err}");
    }
}
