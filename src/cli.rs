//! The command line: `serve`, `migrate`, `user create`, `workspace create`.

use std::io::BufRead;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::Db;
use crate::domain::{EmailAddress, NewPassword};
use crate::service::accounts::{self, AccountError, NewAccount};
use crate::service::workspaces;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "postern",
    version,
    about = "Self-hosted SMTP credential manager"
)]
pub struct Cli {
    /// A TOML file with settings (environment variables POSTERN_* override it).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the dashboard and API (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from the first line of stdin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Make the user a server administrator.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace owned by an existing user.
    Create {
        #[arg(long)]
        name: String,
        /// The owner's email address.
        #[arg(long)]
        owner: String,
    },
}

/// A failed command: `Usage` problems exit 2 with one line, like bad settings.
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::load(cli.config.as_deref())?;
    crate::telemetry::init(&config.log)?;
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = connect(&config)?;
            let applied = db.migrate()?;
            println!(
                "{} migration(s) applied to {}",
                applied.len(),
                config.database_url
            );
            Ok(())
        }
        Command::User(UserCommand::Create { email, name, admin }) => {
            let email = EmailAddress::parse(&email).map_err(|e| format!("--email: {e}"))?;
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(CliError("--name: must be 1 to 100 characters".into()));
            }
            let password = read_password()?;
            let db = connect(&config)?;
            db.migrate()?;
            let hash = crate::auth::password::hash(&password);
            let account = NewAccount {
                email: email.clone(),
                name,
                password_hash: hash,
                is_admin: admin,
            };
            match accounts::create_user(&db, account).await {
                Ok(user) => {
                    println!("created user {} <{}>", user.name, user.email);
                    Ok(())
                }
                Err(AccountError::EmailTaken) => Err(CliError(format!(
                    "--email: {} already has an account",
                    email.as_str()
                ))),
                Err(e) => Err(e.into()),
            }
        }
        Command::Workspace(WorkspaceCommand::Create { name, owner }) => {
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > workspaces::NAME_MAX {
                return Err(CliError("--name: must be 1 to 80 characters".into()));
            }
            let email = EmailAddress::parse(&owner).map_err(|e| format!("--owner: {e}"))?;
            let db = connect(&config)?;
            db.migrate()?;
            let user = accounts::find_by_email(&db, &email)
                .await?
                .ok_or_else(|| format!("--owner: no user with email {}", email.as_str()))?;
            let workspace = workspaces::create(&db, &user.id, &name).await?;
            println!(
                "created workspace {} (/w/{}), id {}",
                workspace.name, workspace.slug, workspace.id
            );
            Ok(())
        }
    }
}

async fn serve(config: Config) -> Result<(), CliError> {
    let addr = config.http_addr;
    let backend = config.database_url.backend_name();
    let public_url = config.public_url.clone();
    let app = Application::build(config).await?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    let smtp: Vec<String> = app.smtp_ports().iter().map(ToString::to_string).collect();
    let local = format!("http://{host}:{}/", app.http_port());
    let dashboard = match public_url {
        Some(public) => format!("{public}/ (listening on {local})"),
        None => local,
    };
    println!(
        "Postern is running ({backend}). Dashboard: {dashboard} SMTP submission: port {}",
        smtp.join(", ")
    );
    app.run_until_stopped().await?;
    println!("Postern stopped.");
    Ok(())
}

fn connect(config: &Config) -> Result<Db, CliError> {
    Db::connect(&config.database_url, 2).map_err(|e| {
        CliError(format!(
            "POSTERN_DATABASE_URL: cannot open {} ({e})",
            config.database_url
        ))
    })
}

fn read_password() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    let password = NewPassword::parse(password).map_err(|message| {
        let message = message.trim_end_matches('.');
        CliError(format!("password (stdin): {}", message.to_lowercase()))
    })?;
    Ok(password.into_string())
}
