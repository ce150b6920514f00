//! Configuration from environment variables (documented in README.md). Parsing takes a lookup
//! function instead of reading the process environment, so it can be tested.

use std::net::SocketAddr;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/quell.db";
pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `sqlite://…` (default `sqlite://data/quell.db`) or `postgres://…`.
    pub database_url: String,
    /// The address people use to reach Quell, without a trailing slash.
    pub public_url: Option<String>,
    pub site_addr: SocketAddr,
    /// A tracing filter such as `info` or `info,server=debug`.
    pub log_filter: String,
    pub log_format: LogFormat,
    pub trust_proxy_headers: bool,
    pub session_idle_minutes: i64,
    pub session_lifetime_hours: i64,
    /// Where email goes out; `None` when `QUELL_SMTP_HOST` is not set (emails then fail with a
    /// reason in the delivery log).
    pub smtp: Option<crate::delivery::SmtpSettings>,
    /// Addresses, ranges and host names outbound requests may reach beyond the public internet
    /// (`QUELL_OUTBOUND_ALLOW`).
    pub outbound: app::state::outbound::OutboundPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn error(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, message: message.into() }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let scheme_ok = ["sqlite:", "postgres://", "postgresql://"].iter().any(|p| database_url.starts_with(p));
        if !scheme_ok {
            return Err(error("DATABASE_URL", "must start with sqlite:// or postgres://"));
        }

        let public_url = match get("QUELL_PUBLIC_URL") {
            None => None,
            Some(url) => {
                let url = url.trim_end_matches('/').to_string();
                let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
                match host {
                    Some(host) if !host.is_empty() && !host.contains('/') => Some(url),
                    _ => {
                        return Err(error(
                            "QUELL_PUBLIC_URL",
                            "must be an http:// or https:// address with no path, like https://quell.example.com",
                        ))
                    }
                }
            }
        };

        let site_addr_text = get("LEPTOS_SITE_ADDR").unwrap_or_else(|| DEFAULT_SITE_ADDR.to_string());
        let site_addr = site_addr_text
            .parse()
            .map_err(|_| error("LEPTOS_SITE_ADDR", format!("{site_addr_text:?} is not an address like 127.0.0.1:3000")))?;

        let log_filter = get("QUELL_LOG").or_else(|| get("RUST_LOG")).unwrap_or_else(|| "info".to_string());
        let log_format = match get("QUELL_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(error("QUELL_LOG_FORMAT", format!("{other:?} is neither text nor json"))),
        };

        let trust_proxy_headers = match get("QUELL_TRUST_PROXY_HEADERS").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => return Err(error("QUELL_TRUST_PROXY_HEADERS", format!("{other:?} is neither true nor false"))),
        };

        let positive = |name: &'static str, default: i64| -> Result<i64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(text) => match text.parse::<i64>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(error(name, format!("{text:?} is not a positive whole number"))),
                },
            }
        };
        let session_idle_minutes = positive("QUELL_SESSION_IDLE_MINUTES", 12 * 60)?;
        let session_lifetime_hours = positive("QUELL_SESSION_LIFETIME_HOURS", 7 * 24)?;

        let smtp = match get("QUELL_SMTP_HOST") {
            None => None,
            Some(host) => {
                use crate::delivery::{SmtpSecurity, SmtpSettings};
                let security = match get("QUELL_SMTP_TLS").as_deref() {
                    None | Some("starttls") => SmtpSecurity::StartTls,
                    Some("tls") => SmtpSecurity::Tls,
                    Some("none") => SmtpSecurity::None,
                    Some(other) => return Err(error("QUELL_SMTP_TLS", format!("{other:?} is not starttls, tls or none"))),
                };
                let default_port = match security {
                    SmtpSecurity::Tls => 465,
                    SmtpSecurity::StartTls => 587,
                    SmtpSecurity::None => 25,
                };
                let port = match get("QUELL_SMTP_PORT") {
                    None => default_port,
                    Some(text) => text.parse::<u16>().map_err(|_| error("QUELL_SMTP_PORT", format!("{text:?} is not a port number")))?,
                };
                let from = get("QUELL_SMTP_FROM").ok_or_else(|| error("QUELL_SMTP_FROM", "is needed with QUELL_SMTP_HOST, like Quell <quell@example.com>"))?;
                Some(SmtpSettings { host, port, security, username: get("QUELL_SMTP_USERNAME"), password: get("QUELL_SMTP_PASSWORD"), from })
            }
        };

        let outbound = app::state::outbound::OutboundPolicy::parse(&get("QUELL_OUTBOUND_ALLOW").unwrap_or_default())
            .map_err(|message| error("QUELL_OUTBOUND_ALLOW", message))?;

        Ok(Config {
            outbound,
            smtp,
            database_url,
            public_url,
            site_addr,
            log_filter,
            log_format,
            trust_proxy_headers,
            session_idle_minutes,
            session_lifetime_hours,
        })
    }

    /// Logs what start-up should warn about: without `QUELL_PUBLIC_URL`, links in notifications
    /// use the listen address, which people elsewhere can't follow when it is not loopback; and
    /// sessions travel unencrypted when Quell serves plain HTTP beyond this machine and no https
    /// address or trusted proxy says otherwise.
    pub fn warn_about_exposure(&self, address: SocketAddr) {
        if address.ip().is_loopback() {
            return;
        }
        if self.public_url.is_none() {
            tracing::warn!(%address, "QUELL_PUBLIC_URL is not set: links in notifications start with http://{address}; set it to the address people use");
        }
        let https = self.public_url.as_deref().is_some_and(|url| url.starts_with("https://"));
        if !https && !self.trust_proxy_headers {
            tracing::warn!(%address, "serving plain HTTP beyond this machine: sessions travel unencrypted; put Quell behind HTTPS and set QUELL_PUBLIC_URL=https://…");
        }
    }

    /// The settings the application reads at request time.
    pub fn settings(&self) -> app::state::Settings {
        app::state::Settings {
            public_url: self.public_url.clone(),
            base_url: self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.site_addr)),
            secure_cookies: self.public_url.as_deref().is_some_and(|url| url.starts_with("https://")),
            trust_proxy_headers: self.trust_proxy_headers,
            session_absolute_lifetime: chrono::Duration::hours(self.session_lifetime_hours),
            session_idle_timeout: chrono::Duration::minutes(self.session_idle_minutes),
            outbound: self.outbound.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn the_outbound_allow_list_is_read_and_checked() {
        assert_eq!(parse(&[]).unwrap().outbound, Default::default());
        let config = parse(&[("QUELL_OUTBOUND_ALLOW", "10.0.0.0/8, chat.internal")]).unwrap();
        assert!(config.outbound.allows_host("chat.internal"));
        assert_eq!(config.outbound.refusal("10.1.1.1".parse().unwrap()), None);
        assert_eq!(parse(&[("QUELL_OUTBOUND_ALLOW", "10.0.0.0/40")]).unwrap_err().variable, "QUELL_OUTBOUND_ALLOW");
    }

    #[test]
    fn smtp_settings_are_read_with_their_defaults() {
        use crate::delivery::SmtpSecurity;
        assert_eq!(parse(&[]).unwrap().smtp, None);
        let smtp = parse(&[("QUELL_SMTP_HOST", "mail.example.com"), ("QUELL_SMTP_FROM", "Quell <q@example.com>")]).unwrap().smtp.unwrap();
        assert_eq!((smtp.port, smtp.security), (587, SmtpSecurity::StartTls));
        let tls = parse(&[("QUELL_SMTP_HOST", "m"), ("QUELL_SMTP_FROM", "q@example.com"), ("QUELL_SMTP_TLS", "tls")]).unwrap().smtp.unwrap();
        assert_eq!(tls.port, 465);
        assert_eq!(parse(&[("QUELL_SMTP_HOST", "m")]).unwrap_err().variable, "QUELL_SMTP_FROM");
        assert_eq!(parse(&[("QUELL_SMTP_HOST", "m"), ("QUELL_SMTP_FROM", "q@e.com"), ("QUELL_SMTP_TLS", "ssl")]).unwrap_err().variable, "QUELL_SMTP_TLS");
    }

    #[test]
    fn nothing_set_means_sqlite_in_data_on_port_3000() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://data/quell.db");
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.public_url, None);
        assert_eq!(config.log_format, LogFormat::Text);
        assert!(!config.settings().secure_cookies);
        assert_eq!(config.settings().session_absolute_lifetime, chrono::Duration::days(7));
    }

    #[test]
    fn a_postgres_url_selects_postgres() {
        let config = parse(&[("DATABASE_URL", "postgres://quell@db/quell")]).unwrap();
        assert_eq!(config.database_url, "postgres://quell@db/quell");
    }

    #[test]
    fn an_unknown_database_scheme_is_refused_by_name() {
        let err = parse(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.variable, "DATABASE_URL");
    }

    #[test]
    fn an_https_public_url_makes_cookies_secure() {
        let config = parse(&[("QUELL_PUBLIC_URL", "https://quell.example.com/")]).unwrap();
        assert_eq!(config.public_url.as_deref(), Some("https://quell.example.com"));
        assert!(config.settings().secure_cookies);
    }

    #[test]
    fn a_public_url_without_scheme_or_with_a_path_is_refused() {
        for bad in ["quell.example.com", "https://", "https://quell.example.com/app", "ftp://x"] {
            assert_eq!(parse(&[("QUELL_PUBLIC_URL", bad)]).unwrap_err().variable, "QUELL_PUBLIC_URL", "{bad}");
        }
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(parse(&[("LEPTOS_SITE_ADDR", "localhost")]).unwrap_err().variable, "LEPTOS_SITE_ADDR");
        assert_eq!(parse(&[("QUELL_LOG_FORMAT", "xml")]).unwrap_err().variable, "QUELL_LOG_FORMAT");
        assert_eq!(parse(&[("QUELL_TRUST_PROXY_HEADERS", "yes")]).unwrap_err().variable, "QUELL_TRUST_PROXY_HEADERS");
        assert_eq!(parse(&[("QUELL_SESSION_IDLE_MINUTES", "0")]).unwrap_err().variable, "QUELL_SESSION_IDLE_MINUTES");
    }

    #[test]
    fn log_settings_are_read() {
        let config = parse(&[("QUELL_LOG", "debug"), ("QUELL_LOG_FORMAT", "json")]).unwrap();
        assert_eq!(config.log_filter, "debug");
        assert_eq!(config.log_format, LogFormat::Json);
    }
}
