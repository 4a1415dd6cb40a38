//! The `orgcms` command line: parse, then hand over to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::{Connection, PgConnection};

use orgcms::app::settings::{ExposeSecret, Settings};
use orgcms::app::{startup, telemetry};
use orgcms::{db, seed};

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
    /// Maintenance of the media library.
    Assets {
        #[command(subcommand)]
        command: AssetsCommand,
    },
    /// Prune revisions and purge the trash as the retention settings say (every node also does
    /// it periodically, ORGCMS_RETENTION_SWEEP_MS).
    RetentionSweep,
    /// Write all the content as one JSON document (see `orgcms::portability`): the organization,
    /// objectives, missions, news and assets; no accounts, keys, webhooks or audit log.
    Export {
        /// Write the document to this file (standard output when absent).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Include every revision of every item.
        #[arg(long)]
        revisions: bool,
        /// Include the stored original of every asset (base64).
        #[arg(long)]
        files: bool,
    },
    /// Load a document of `orgcms export` in one transaction: items that are absent are created,
    /// those that differ are written over, the same ones are left alone.
    Import {
        /// The document.
        file: std::path::PathBuf,
    },
    /// Create an account. The password is read from the terminal (without echo) or, when
    /// standard input is not a terminal, from its first line; never from an argument.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: orgcms::accounts::role::Role,
        #[arg(long, default_value = "Editor")]
        display_name: String,
    },
}

#[derive(Subcommand)]
enum AssetsCommand {
    /// Remove the stored files (and variants) that no asset has any more: those of deleted
    /// assets and of uploads whose row never committed.
    Gc {
        /// Keep files younger than this, whatever the rows say (an upload stores its file
        /// before its row commits).
        #[arg(long, value_name = "MINUTES", default_value_t = 60)]
        grace_minutes: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("orgcms: {error}");
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command) -> anyhow::Result<()> {
    if let Command::Openapi = command {
        print!("{}", startup::openapi_json()?);
        return Ok(());
    }
    let settings = Settings::from_env()?;
    match command {
        Command::Serve => serve(&settings),
        Command::Migrate => {
            let applied = migrate(&mut connect(&settings)?)?;
            eprintln!("orgcms: {} migration(s) applied", applied.len());
            Ok(())
        }
        Command::Seed { synthetic_news } => {
            let mut conn = connect(&settings)?;
            migrate(&mut conn)?;
            let report = seed::seed(&mut conn)?;
            eprintln!("orgcms: seed inserted {} row(s)", report.inserted);
            if let Some(count) = synthetic_news {
                let added = seed::synthetic::seed_synthetic_news(&mut conn, count)?;
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
            if let Some(weakness) = orgcms::accounts::auth::password::weakness(&password) {
                anyhow::bail!("the password {weakness}");
            }
            let hash = orgcms::accounts::auth::password::hash(&password)?;
            let mut conn = connect(&settings)?;
            migrate(&mut conn)?;
            let email = email.trim().to_lowercase();
            let user = orgcms::accounts::users::queries::insert(
                &mut conn,
                &email,
                &display_name,
                role,
                &hash,
            )?;
            eprintln!(
                "orgcms: created {} {} ({})",
                role.as_str(),
                user.email,
                user.id
            );
            Ok(())
        }
        Command::Assets {
            command: AssetsCommand::Gc { grace_minutes },
        } => collect_garbage(&settings, grace_minutes),
        Command::RetentionSweep => {
            let mut conn = connect(&settings)?;
            migrate(&mut conn)?;
            let swept = orgcms::content::retention::sweep(&mut conn, &settings.retention)?;
            eprintln!(
                "orgcms: retention sweep pruned {} revision(s), purged {} item(s) from the trash",
                swept.revisions_pruned, swept.items_purged
            );
            Ok(())
        }
        Command::Export {
            out,
            revisions,
            files,
        } => export(
            &settings,
            out,
            orgcms::portability::ExportOptions { revisions, files },
        ),
        Command::Import { file } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            // Checked before anything is written, migrations included.
            let prepared = orgcms::portability::import::prepare(&bytes, &settings.locales)?;
            migrate(&mut connect(&settings)?)?;
            let report = import(&settings, prepared)?;
            eprintln!("orgcms: import: {report}");
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}

fn pool(settings: &Settings) -> db::DbPool {
    db::build_pool(
        settings.database_url.expose_secret(),
        2,
        settings.db_timeout,
        settings.db_session,
    )
}

fn media_links(settings: &Settings) -> orgcms::media::links::MediaLinks {
    orgcms::media::links::MediaLinks::new(
        settings.public_urls.base(),
        settings.media.presets.clone(),
    )
}

#[actix_web::main]
async fn export(
    settings: &Settings,
    out: Option<std::path::PathBuf>,
    options: orgcms::portability::ExportOptions,
) -> anyhow::Result<()> {
    let storage = orgcms::media::storage::Storage::open(&settings.media.storage)?;
    let document =
        orgcms::portability::export(&pool(settings), &storage, &media_links(settings), options)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = orgcms::portability::format::to_bytes(&document)?;
    match out {
        Some(path) => std::fs::write(&path, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    }
    Ok(())
}

#[actix_web::main]
async fn import(
    settings: &Settings,
    prepared: orgcms::portability::import::Prepared,
) -> anyhow::Result<orgcms::portability::ImportReport> {
    let storage = orgcms::media::storage::Storage::open(&settings.media.storage)?;
    Ok(
        orgcms::portability::import(&pool(settings), &storage, &media_links(settings), prepared)
            .await?,
    )
}

#[actix_web::main]
async fn collect_garbage(settings: &Settings, grace_minutes: u32) -> anyhow::Result<()> {
    let storage = orgcms::media::storage::Storage::open(&settings.media.storage)?;
    let report = orgcms::resources::assets::gc::collect(
        &pool(settings),
        &storage,
        chrono::Duration::minutes(i64::from(grace_minutes)),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "orgcms: assets gc removed {} file(s), kept {}",
        report.removed, report.kept
    );
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        return Ok(rpassword::prompt_password("Password: ")?);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn connect(settings: &Settings) -> anyhow::Result<PgConnection> {
    Ok(PgConnection::establish(
        settings.database_url.expose_secret(),
    )?)
}

/// Applies pending migrations; their error is boxed, which `?` does not turn into anyhow's.
fn migrate(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    db::run_migrations(conn).map_err(anyhow::Error::from_boxed)
}

#[actix_web::main]
async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let app = startup::Application::build(settings)?;
    tracing::info!(address = %settings.bind, port = app.port(), "orgcms listening");
    Ok(app.run_until_signalled().await?)
}
