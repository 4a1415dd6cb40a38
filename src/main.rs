//! The `orgcms` command line: parse, then hand over to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::{Connection, PgConnection};

use orgcms::config::{ExposeSecret, Settings};
use orgcms::{db, seed, startup, telemetry};

#[derive(Parser)]
#[command(name = "orgcms", version, about = "Headless JSON content API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the API on ORGCMS_BIND.
    Serve,
    /// Apply pending migrations.
    Migrate,
    /// Apply pending migrations and load the seed content (idempotent).
    Seed {
        /// Also add this many generated news items for benchmarks (idempotent too).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..=1_000_000))]
        synthetic_news: Option<i32>,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Create an account. The password is read from the terminal (without echo) or, when
    /// standard input is not a terminal, from its first line; never from an argument.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "editor"])]
        role: String,
        #[arg(long, default_value = "Editor")]
        display_name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("orgcms: {message}");
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command) -> Result<(), String> {
    if let Command::Openapi = command {
        print!("{}", startup::openapi_json().map_err(|e| e.to_string())?);
        return Ok(());
    }
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    match command {
        Command::Serve => serve(&settings),
        Command::Migrate => {
            let applied =
                db::run_migrations(&mut connect(&settings)?).map_err(|e| e.to_string())?;
            eprintln!("orgcms: {} migration(s) applied", applied.len());
            Ok(())
        }
        Command::Seed { synthetic_news } => {
            let mut conn = connect(&settings)?;
            db::run_migrations(&mut conn).map_err(|e| e.to_string())?;
            let report = seed::seed(&mut conn).map_err(|e| e.to_string())?;
            eprintln!("orgcms: seed inserted {} row(s)", report.inserted);
            if let Some(count) = synthetic_news {
                let added = seed::synthetic::seed_synthetic_news(&mut conn, count)
                    .map_err(|e| e.to_string())?;
                eprintln!("orgcms: {added} synthetic news item(s) added");
            }
            Ok(())
        }
        Command::CreateUser {
            email,
            role,
            display_name,
        } => {
            let password = read_password()?;
            if let Some(weakness) = orgcms::auth::password::weakness(&password) {
                return Err(format!("the password {weakness}"));
            }
            let hash = orgcms::auth::password::hash(&password).map_err(|e| e.to_string())?;
            let mut conn = connect(&settings)?;
            db::run_migrations(&mut conn).map_err(|e| e.to_string())?;
            let email = email.trim().to_lowercase();
            let user =
                orgcms::users::queries::insert(&mut conn, &email, &display_name, &role, &hash)
                    .map_err(|e| e.to_string())?;
            eprintln!("orgcms: created {role} {} ({})", user.email, user.id);
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}

fn read_password() -> Result<String, String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password: ").map_err(|e| e.to_string());
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn connect(settings: &Settings) -> Result<PgConnection, String> {
    PgConnection::establish(settings.database_url.expose_secret()).map_err(|e| e.to_string())
}

#[actix_web::main]
async fn serve(settings: &Settings) -> Result<(), String> {
    let app = startup::Application::build(settings).map_err(|e| e.to_string())?;
    tracing::info!(address = %settings.bind, port = app.port(), "orgcms listening");
    app.run_until_signalled().await.map_err(|e| e.to_string())
}
