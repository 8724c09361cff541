//! `logwrangler lookup ...`: the six lookups of the summary table for a
//! person (a readable table) or a program (`--json`, the read API's item
//! shape), through the same code as the read API (`logwrangler-lookup`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use logwrangler_aws::secrets::{SecretsManager, load_pseudonymiser};
use logwrangler_lookup::api::participant_key;
use logwrangler_lookup::query::fetch_all;
use logwrangler_lookup::{DynamoQuery, Lookup, Window, html, render};

use crate::PseudonymiseArgs;

/// Options of `logwrangler lookup`.
#[derive(Args)]
pub struct LookupArgs {
    #[command(subcommand)]
    what: What,
    #[command(flatten)]
    options: LookupOptions,
}

/// What to look up.
#[derive(Subcommand)]
enum What {
    /// A conference's sessions, newest first.
    Conference {
        /// Conference name (as Pexip logs it, e.g. meet.alice).
        name: String,
    },
    /// One session: its summary and all its call legs.
    Session {
        /// Session id (from `lookup conference`).
        session_id: String,
        /// Also write the picture of the session (one self-contained HTML page) to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// The call legs of one call id.
    Call {
        /// Call id (Pexip `Call-id`).
        call_id: String,
    },
    /// A participant alias's recent calls, newest first (the alias is turned
    /// into its token first when pseudonymisation is on).
    Participant {
        /// Participant alias, e.g. sip:alice@example.com.
        alias: String,
    },
    /// Conference sessions active now.
    Active,
    /// An application's recent events, newest first.
    App {
        /// The events' source_application.
        source_application: String,
    },
}

/// Options every lookup takes.
#[derive(Args)]
struct LookupOptions {
    /// DynamoDB summary table.
    #[arg(long, env = "LOGWRANGLER_TABLE", global = true)]
    table: Option<String>,
    /// From this time: ISO 8601 (2026-11-24T06:00:00Z) or back from now (30m, 6h, 7d).
    #[arg(long, global = true)]
    since: Option<String>,
    /// Up to this time (inclusive), same forms as --since.
    #[arg(long, global = true)]
    until: Option<String>,
    /// At most this many items (default 50; a session's legs: all).
    #[arg(long, global = true)]
    limit: Option<usize>,
    /// Print NDJSON of the items, as the read API returns them.
    #[arg(long, global = true)]
    json: bool,
    #[command(flatten)]
    pseudonymise: PseudonymiseArgs,
}

/// Runs one lookup: exit 0 with the items, 1 when nothing was found.
pub fn run(args: LookupArgs) -> Result<ExitCode> {
    let options = args.options;
    let table = options.table.clone().context(
        "no table: pass --table NAME or set LOGWRANGLER_TABLE (`logwrangler local-resources` prints it for a local stack)",
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let aws = runtime.block_on(aws_config::load_defaults(
        aws_config::BehaviorVersion::latest(),
    ));
    let (lookup, html_file) = match args.what {
        What::Conference { name } => (Lookup::Conference(name), None),
        What::Session { session_id, html } => (Lookup::Session(session_id), html),
        What::Call { call_id } => (Lookup::Call(call_id), None),
        What::Participant { alias } => {
            // The table holds the alias's token when the pipeline pseudonymises.
            let pseudonymiser = match options.pseudonymise.pseudonymise_key_env {
                Some(_) => crate::load_pseudonymiser(&options.pseudonymise)?,
                None => runtime.block_on(load_pseudonymiser(
                    env_var,
                    &SecretsManager::from_sdk_config(&aws),
                ))?,
            };
            (
                Lookup::Participant(participant_key(&alias, pseudonymiser.as_deref())),
                None,
            )
        }
        What::Active => (Lookup::Active, None),
        What::App { source_application } => (Lookup::App(source_application), None),
    };
    let window = Window::parse(
        options.since.as_deref(),
        options.until.as_deref(),
        crate::now_ms(),
    )?;
    let limit = options
        .limit
        .or((!matches!(lookup, Lookup::Session(_))).then_some(50));
    let client = DynamoQuery::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let items = runtime.block_on(fetch_all(&client, &lookup, &window, limit))?;
    if items.is_empty() {
        eprintln!("logwrangler: nothing found ({})", describe(&lookup));
        return Ok(ExitCode::from(1));
    }
    print!("{}", render::output(&lookup, &items, options.json));
    if let Some(path) = html_file {
        std::fs::write(&path, html::session_page(&items))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "logwrangler: wrote the picture of the session to {}",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(lookup: &Lookup) -> String {
    match lookup {
        Lookup::Conference(name) => format!("no sessions of conference {name}"),
        Lookup::Session(id) => format!("no session {id}"),
        Lookup::Call(id) => format!("no call {id}"),
        Lookup::Participant(alias) => format!("no calls of {alias}"),
        Lookup::Active => "no conference is active".into(),
        Lookup::App(source) => format!("no events of {source}"),
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
