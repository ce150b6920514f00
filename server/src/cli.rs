//! The command line: `serve` (the default), `migrate`, and user administration for operators
//! (creating the first admin from a script, resetting a forgotten password).

use crate::config::Config;
use crate::start::{start, Background};
use crate::workers;
use app::domain::{account, password::check_password_policy, permissions::OrgRole};
use app::state::{AppState, SystemClock};
use app::store::{NewUser, Store, StoreError};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(name = "quell", version, about = "Quell: self-hosted incident management")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve Quell over HTTP (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input, or prompted for on a terminal.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "responder", value_parser = ["admin", "responder", "viewer"])]
        role: String,
    },
    /// Set a new password for a user, ending all of their sessions. The password is read from
    /// standard input, or prompted for on a terminal.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

pub type CliResult = Result<(), String>;

pub async fn run(cli: Cli, config: Config) -> CliResult {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let store = connect(&config).await?;
            println!("Migrations applied to {}.", describe(&config.database_url));
            store.close().await;
            Ok(())
        }
        Command::User(command) => {
            let store = connect(&config).await?;
            let result = user_command(&store, command).await;
            store.close().await;
            result
        }
    }
}

/// Connects and migrates.
async fn connect(config: &Config) -> Result<Store, String> {
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|err| format!("cannot open the database {}: {err}", describe(&config.database_url)))?;
    store.migrate().await.map_err(|err| format!("migrating the database failed: {err}"))?;
    Ok(store)
}

/// The database URL without any password in it, for messages.
fn describe(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => format!("{}://…{}", &url[..scheme_end], &url[at..]),
        _ => url.to_string(),
    }
}

async fn serve(config: Config) -> CliResult {
    let store = connect(&config).await?;
    let mut leptos_options = leptos::config::get_configuration(None)
        .map_err(|err| format!("reading the Leptos settings failed: {err}"))?
        .leptos_options;
    leptos_options.site_addr = config.site_addr;
    app::assets::use_build(&mut leptos_options);
    let state = AppState::new(leptos_options, store, Arc::new(SystemClock), config.settings());
    let setup_done = state.setup_completed().await.map_err(|err| format!("reading the database failed: {err}"))?;

    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|err| format!("cannot listen on {}: {err}", config.site_addr))?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    let url = config.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
    config.warn_about_exposure(address);
    tracing::info!(%address, database = %describe(&config.database_url), "Quell is listening");
    println!("Quell is running at {url}");
    if setup_done {
        println!("Sign in at {url}/login");
    } else {
        println!("First run: open {url}/setup to create the first administrator.");
    }

    let background = Background {
        smtp: config.smtp.clone(),
        on_call_poll: workers::ON_CALL_POLL,
        delivery_poll: crate::delivery::POLL,
    };
    let running = start(state, listener, background);
    let served = running.serve_until(shutdown_signal()).await;
    tracing::info!("Quell stopped");
    served.map_err(|err| format!("the server failed: {err}"))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM; requests in flight are allowed to finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Reads a new password: prompted twice on a terminal, otherwise one line of standard input.
fn read_new_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|err| err.to_string())?;
        let second = rpassword::prompt_password("Password again: ").map_err(|err| err.to_string())?;
        if first != second {
            return Err("the passwords don't match".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|err| err.to_string())?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

async fn user_command(store: &Store, command: UserCommand) -> CliResult {
    let now = chrono::Utc::now();
    match command {
        UserCommand::Create { email, name, role } => {
            let email = account::normalize_email(&email).map_err(|err| err.message)?;
            let display_name = account::normalize_display_name(&name).map_err(|err| err.message)?;
            let role: OrgRole = role.parse()?;
            let password = read_new_password()?;
            check_password_policy(&password, &email, "password").map_err(|err| format!("password: {}", err.message))?;
            let password_hash = app::auth::hash_password(password).await.map_err(|err| err.to_string())?;
            let new = NewUser { email, display_name, time_zone: "UTC".into(), role, password_hash };
            // The first account made here completes first-run setup, so /setup goes away.
            let created = if store.setup_completed().await.map_err(|err| err.to_string())? {
                store.create_user(&new, now).await
            } else if role == OrgRole::Admin {
                store.create_first_admin(&new, now).await
            } else {
                return Err("the first user must be an admin: use --role admin".into());
            };
            match created {
                Ok(user) => {
                    println!("Created {} <{}> as {}.", user.display_name, user.email, user.role);
                    Ok(())
                }
                Err(StoreError::Unique(_)) => Err(format!("a user with the email {} already exists", new.email)),
                Err(err) => Err(err.to_string()),
            }
        }
        UserCommand::ResetPassword { email } => {
            let email = account::normalize_email(&email).map_err(|err| err.message)?;
            let record = store
                .user_by_email(&email)
                .await
                .map_err(|err| err.to_string())?
                .ok_or_else(|| format!("there is no user with the email {email}"))?;
            let password = read_new_password()?;
            check_password_policy(&password, &email, "password").map_err(|err| format!("password: {}", err.message))?;
            let hash = app::auth::hash_password(password).await.map_err(|err| err.to_string())?;
            store.set_password(record.user.id, &hash, now).await.map_err(|err| err.to_string())?;
            println!("Password reset for {email}; their sessions have ended.");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_not_printed() {
        assert_eq!(describe("postgres://quell:secret@db:5432/quell"), "postgres://…@db:5432/quell");
        assert_eq!(describe("sqlite://data/quell.db"), "sqlite://data/quell.db");
    }

    #[test]
    fn no_subcommand_means_serve() {
        let cli = Cli::parse_from(["quell"]);
        assert!(cli.command.is_none());
        let cli = Cli::parse_from(["quell", "user", "create", "--email", "a@b.c", "--name", "A", "--role", "admin"]);
        assert!(matches!(cli.command, Some(Command::User(UserCommand::Create { .. }))));
    }
}
