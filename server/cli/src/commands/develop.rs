//! `flowctl develop` (the catalog running locally: `develop::run` with the
//! catalog's targets and the `--materialize` choices), and its two clients:
//! `flowctl materialize` (adds a materialization over HTTP) and `flowctl
//! ingest` (sends files in batches, one transaction each, with a retry-safe
//! request id and a progress line on standard error).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use develop::{DEFAULT_TARGET, Options, Request};
use materialize::Target;
use model::MaterializationTargetSpec;
use runtime::engine::{Lambdas, Plan};
use runtime::lambda::QuickJsConfig;
use serde_json::{Value, json};

use crate::args::{DevelopArgs, IngestArgs, MaterializeArgs};

pub fn run(args: &DevelopArgs) -> Result<ExitCode, String> {
    let build = super::build(&args.source)?;
    if let Some(exit) = super::refuse_errors(&build, &args.source, "nothing was run")? {
        return Ok(exit);
    }
    let catalog = &build.loaded.catalog;
    let plan = Plan::build(catalog, &build.loaded.schemas).map_err(|error| error.to_string())?;
    let database = build.cwd.join(&args.db);
    let mut targets =
        BTreeMap::from([(DEFAULT_TARGET.to_owned(), Target::Sqlite(database.clone()))]);
    for target in &catalog.targets {
        let resolved = match &target.spec {
            MaterializationTargetSpec::Postgres(location) => Target::Postgres(location.uri.clone()),
            MaterializationTargetSpec::Sqlite(location) => {
                Target::sqlite(&location.uri, &build.cwd)
            }
        };
        targets.insert(target.name.clone(), resolved);
    }
    let mut requests = Vec::new();
    for spec in &args.materialize {
        let Some((collection, rest)) = spec.split_once('=') else {
            return Err(format!(
                "--materialize \"{spec}\" is not COLLECTION=TARGET[:TABLE] (for example acme/orders=testDB:orders)"
            ));
        };
        let (target, table) = rest.split_once(':').unwrap_or((rest, collection));
        requests.push(Request {
            collection: collection.to_owned(),
            target: target.to_owned(),
            table: table.to_owned(),
            fields: None,
        });
    }
    if requests.is_empty() {
        requests = plan
            .collection_names()
            .map(|name| Request {
                collection: name.to_owned(),
                target: DEFAULT_TARGET.to_owned(),
                table: name.to_owned(),
                fields: None,
            })
            .collect();
    }
    let ip: IpAddr = args
        .listen
        .parse()
        .map_err(|_| format!("--listen \"{}\" is not an IP address", args.listen))?;
    let time_limit = args.lambda_timeout;
    let options = Options {
        plan: Arc::new(plan),
        lambdas: Box::new(move || {
            Lambdas::quickjs(QuickJsConfig {
                time_limit,
                ..QuickJsConfig::default()
            })
            .map_err(|error| error.to_string())
        }),
        database,
        targets,
        materialize: requests,
        listen: SocketAddr::new(ip, args.port),
        max_body: usize::try_from(args.max_body).unwrap_or(usize::MAX),
        log: Arc::new(|line: &str| crate::output::eprint_line(line)),
    };
    develop::run(options, None)?;
    Ok(ExitCode::SUCCESS)
}

/// POSTs `body` to `url`: the answer's JSON, or the error to print.
fn post(url: &str, content_type: &str, body: &str) -> Result<Value, String> {
    let answer = ureq::post(url)
        .set("Content-Type", content_type)
        .send_string(body);
    let text = match answer {
        Ok(response) => response
            .into_string()
            .map_err(|error| format!("{url}: {error}"))?,
        Err(ureq::Error::Status(_, response)) => {
            let text = response.into_string().unwrap_or_default();
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|value| {
                    value
                        .get("error")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or(text);
            return Err(message);
        }
        Err(error) => {
            return Err(format!(
                "cannot reach flowctl develop at {url}: {error} (is `flowctl develop` running? see --url)"
            ));
        }
    };
    serde_json::from_str(&text).map_err(|_| format!("{url}: the answer is not JSON: {text}"))
}

pub fn materialize(args: &MaterializeArgs) -> Result<ExitCode, String> {
    let table = args
        .table_name
        .clone()
        .unwrap_or_else(|| args.collection.clone());
    let body = json!({
        "collection": args.collection,
        "target": args.target,
        "table": table,
        "fields": (!args.fields.is_empty()).then_some(&args.fields),
    });
    let url = format!("{}/materializations", args.url.trim_end_matches('/'));
    match post(&url, "application/json", &body.to_string()) {
        Ok(answer) => {
            crate::output::print_line(&format!(
                "materializing \"{}\" into table \"{table}\" of target \"{}\" ({} row(s) backfilled)",
                args.collection,
                args.target,
                answer.get("keys").and_then(Value::as_u64).unwrap_or(0)
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            crate::output::eprint_line(&format!("error: {error}"));
            Ok(ExitCode::from(1))
        }
    }
}

/// One request of a file: its body, how many documents (rows) it holds, and
/// the 1-based line of the file where it starts (CSV).
struct Chunk {
    body: String,
    documents: usize,
    line: usize,
}

/// Splits CSV/TSV text into chunks of at most `batch` records, each with the
/// header row; a quoted cell may span lines.
fn csv_chunks(text: &str, batch: usize) -> Vec<Chunk> {
    let mut records: Vec<(usize, &str)> = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut line = 1;
    let mut quotes = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            '"' => quotes += 1,
            '\n' => {
                line += 1;
                if quotes.is_multiple_of(2) {
                    records.push((start_line, &text[start..=at]));
                    start = at + 1;
                    start_line = line;
                    quotes = 0;
                }
            }
            _ => {}
        }
    }
    if start < text.len() {
        records.push((start_line, &text[start..]));
    }
    records.retain(|(_, record)| !record.trim().is_empty());
    let Some(((_, header), rows)) = records.split_first() else {
        return Vec::new();
    };
    let header = if header.ends_with('\n') {
        header.to_string()
    } else {
        format!("{header}\n")
    };
    if rows.is_empty() {
        return vec![Chunk {
            body: header,
            documents: 0,
            line: 1,
        }];
    }
    rows.chunks(batch.max(1))
        .map(|rows| {
            let mut body = header.clone();
            for (_, row) in rows {
                body.push_str(row);
                if !row.ends_with('\n') {
                    body.push('\n');
                }
            }
            Chunk {
                body,
                documents: rows.len(),
                line: rows[0].0,
            }
        })
        .collect()
}

pub fn ingest(args: &IngestArgs) -> Result<ExitCode, String> {
    let base = args.url.trim_end_matches('/');
    let session = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    let session = format!("{session:x}-{}", std::process::id());
    let progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut total = 0;
    let mut transactions = 0;
    for (number, file) in args.files.iter().enumerate() {
        let path = Path::new(file);
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {file}: {error}"))?;
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (url, content_type, chunks) = match extension.as_str() {
            "csv" | "tsv" => (
                format!("{base}/ingest/{}?format={extension}", args.collection),
                if extension == "csv" {
                    "text/csv"
                } else {
                    "text/tab-separated-values"
                },
                csv_chunks(&text, args.batch),
            ),
            "json" | "jsonl" | "ndjson" => {
                let documents = super::parse_documents(&text, file, &extension)?;
                let chunks = documents
                    .chunks(args.batch.max(1))
                    .map(|chunk| Chunk {
                        body: json!({ args.collection.as_str(): chunk }).to_string(),
                        documents: chunk.len(),
                        line: 0,
                    })
                    .collect();
                (format!("{base}/ingest?"), "application/json", chunks)
            }
            _ => {
                return Err(format!(
                    "{file}: unknown format (use a .json array, .jsonl, .csv or .tsv file)"
                ));
            }
        };
        let documents: usize = chunks.iter().map(|chunk| chunk.documents).sum();
        let mut sent = 0;
        for (index, chunk) in chunks.iter().enumerate() {
            let separator = if url.ends_with('?') { "" } else { "&" };
            let request = format!("{url}{separator}request={session}-{number}-{index}");
            // The request id makes a retry after a lost answer safe.
            let answer = post(&request, content_type, &chunk.body)
                .or_else(|_| post(&request, content_type, &chunk.body));
            if let Err(error) = answer {
                if progress {
                    eprintln!();
                }
                let at = if chunk.line > 0 {
                    format!(
                        " (the request of the rows from line {}; its line numbers count from its header)",
                        chunk.line
                    )
                } else {
                    format!(" (documents {} to {})", sent, sent + chunk.documents)
                };
                crate::output::eprint_line(&format!("error: {file}{at}: {error}"));
                crate::output::eprint_line(&format!(
                    "{total} document(s) were ingested before the error, in {transactions} transaction(s)"
                ));
                return Ok(ExitCode::from(1));
            }
            sent += chunk.documents;
            total += chunk.documents;
            transactions += 1;
            if progress && chunks.len() > 1 {
                eprint!(
                    "\r{file}: {sent}/{documents} document(s) [{:>3}%]",
                    sent * 100 / documents.max(1)
                );
            }
        }
        if progress && chunks.len() > 1 {
            eprintln!();
        }
    }
    crate::output::eprint_line(&format!(
        "ingested {total} document(s) into \"{}\" in {transactions} transaction(s), {:.1} s",
        args.collection,
        started.elapsed().as_secs_f64()
    ));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::csv_chunks;

    #[test]
    fn csv_chunks_repeat_the_header_and_keep_quoted_line_breaks() {
        let text = "a,b\n1,\"x\ny\"\n2,z\n\n3,w";
        let chunks = csv_chunks(text, 2);
        let bodies: Vec<&str> = chunks.iter().map(|chunk| chunk.body.as_str()).collect();
        assert_eq!(bodies, ["a,b\n1,\"x\ny\"\n2,z\n", "a,b\n3,w\n"]);
        assert_eq!(chunks[0].line, 2);
        assert_eq!(chunks[1].line, 6);
        assert_eq!(chunks.iter().map(|c| c.documents).sum::<usize>(), 3);
    }
}
