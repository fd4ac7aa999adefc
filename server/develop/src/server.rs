//! The HTTP API of `flowctl develop` (axum on a small tokio runtime):
//!
//! - `POST /ingest`: runtime.md §11.1 JSON, `{"collection": [documents…], …}`,
//!   one transaction across the named collections.
//! - `POST /ingest/<collection>`: CSV or TSV (runtime.md §11.2), by
//!   `Content-Type` (`text/csv`, `text/tab-separated-values`) or `?format=csv|tsv`;
//!   JSON lines with `application/x-ndjson` or `?format=jsonl`.
//! - `POST /materializations`: `{"collection", "target", "table", "fields"}`
//!   adds a materialization, backfilled (`flowctl materialize`).
//!
//! `?request=ID` makes an ingest idempotent: a repeated id is answered
//! without applying it again. Bodies are parsed on the runtime's threads; one
//! pipeline thread applies the transactions one at a time, in arrival order,
//! so concurrent requests are serialized and none is lost. A body over the
//! limit is refused (413) before it is read. Answers are JSON: the
//! transaction's outcome, or `{"error": …}` with 400 (the request is wrong:
//! nothing was written), 413, or 500.

use std::sync::Arc;
use std::sync::mpsc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use runtime::engine::Plan;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::pipeline::{Outcome, Request};

/// Work for the pipeline thread.
pub enum Job {
    Ingest {
        request: Option<String>,
        batches: Vec<(String, Vec<Value>)>,
        reply: oneshot::Sender<Result<Outcome, String>>,
    },
    Materialize {
        request: Request,
        reply: oneshot::Sender<Result<usize, String>>,
    },
}

#[derive(Clone)]
struct Shared {
    plan: Arc<Plan>,
    jobs: mpsc::Sender<Job>,
    max_body: usize,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": message.into() }).to_string(),
    )
        .into_response()
}

fn ok(value: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// The routes, answering through `jobs`.
pub fn router(plan: Arc<Plan>, jobs: mpsc::Sender<Job>, max_body: usize) -> Router {
    Router::new()
        .route("/ingest", post(ingest_json))
        .route("/ingest/{*collection}", post(ingest_collection))
        .route("/materializations", post(materialize))
        .with_state(Shared {
            plan,
            jobs,
            max_body,
        })
}

/// Reads the whole body, refusing one over the limit before reading it when
/// its length is announced.
async fn read_body(shared: &Shared, headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Response> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than {} bytes (flowctl develop --max-body); split it into several requests",
                shared.max_body
            ),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > shared.max_body as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, shared.max_body)
        .await
        .map(|bytes| bytes.to_vec())
        .map_err(|_| too_large())
}

async fn run_ingest(
    shared: &Shared,
    request: Option<String>,
    batches: Vec<(String, Vec<Value>)>,
) -> Response {
    let (reply, answer) = oneshot::channel();
    if shared
        .jobs
        .send(Job::Ingest {
            request,
            batches,
            reply,
        })
        .is_err()
    {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "flowctl develop is stopping",
        );
    }
    match answer.await {
        Ok(Ok(outcome)) => ok(outcome.to_json()),
        Ok(Err(message)) => error(StatusCode::BAD_REQUEST, message),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "flowctl develop is stopping",
        ),
    }
}

/// `POST /ingest`.
async fn ingest_json(
    Extract(shared): Extract<Shared>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match read_body(&shared, &headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let batches = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => {
            let mut batches = Vec::with_capacity(map.len());
            for (collection, documents) in map {
                match documents {
                    Value::Array(documents) => batches.push((collection, documents)),
                    other => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            format!(
                                "\"{collection}\": expected an array of documents, found {}",
                                runtime::shorten::shorten(other.to_string(), 80)
                            ),
                        );
                    }
                }
            }
            batches
        }
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "expected a JSON object mapping collection names to arrays of documents",
            );
        }
        Err(parse) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("the body is not JSON: {parse}"),
            );
        }
    };
    run_ingest(&shared, request_id(&query), batches).await
}

fn request_id(query: &[(String, String)]) -> Option<String> {
    query
        .iter()
        .find(|(name, _)| name == "request")
        .map(|(_, value)| value.clone())
}

/// `POST /ingest/<collection>`: CSV, TSV or JSON lines.
async fn ingest_collection(
    Extract(shared): Extract<Shared>,
    Path(collection): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let format = query
        .iter()
        .find(|(name, _)| name == "format")
        .map(|(_, value)| value.to_ascii_lowercase())
        .or_else(|| {
            let content_type = headers
                .get(header::CONTENT_TYPE)?
                .to_str()
                .ok()?
                .to_ascii_lowercase();
            let media = content_type.split(';').next()?.trim().to_owned();
            Some(
                match media.as_str() {
                    "text/csv" => "csv",
                    "text/tab-separated-values" => "tsv",
                    "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
                        "jsonl"
                    }
                    _ => return None,
                }
                .to_owned(),
            )
        });
    let Some(format) = format else {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "say the body's format: Content-Type text/csv, text/tab-separated-values or application/x-ndjson, or ?format=csv|tsv|jsonl",
        );
    };
    let bytes = match read_body(&shared, &headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return error(StatusCode::BAD_REQUEST, "the body is not UTF-8 text");
    };
    let documents = match format.as_str() {
        "csv" | "tsv" => {
            let delimiter = if format == "csv" { ',' } else { '\t' };
            match runtime::csv::documents(&shared.plan, &collection, &text, delimiter) {
                Ok(documents) => documents,
                Err(problem) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!("{format} for \"{collection}\": {problem}"),
                    );
                }
            }
        }
        "jsonl" | "ndjson" => {
            let mut documents = Vec::new();
            for (index, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str(line) {
                    Ok(document) => documents.push(document),
                    Err(parse) => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            format!("line {}: not a JSON document: {parse}", index + 1),
                        );
                    }
                }
            }
            documents
        }
        other => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("unknown format \"{other}\" (csv, tsv or jsonl)"),
            );
        }
    };
    run_ingest(&shared, request_id(&query), vec![(collection, documents)]).await
}

/// `POST /materializations`.
async fn materialize(Extract(shared): Extract<Shared>, headers: HeaderMap, body: Body) -> Response {
    let bytes = match read_body(&shared, &headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&bytes) else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected {\"collection\": …, \"target\": …, \"table\": …, \"fields\": [...]}",
        );
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let Some(collection) = text("collection") else {
        return error(StatusCode::BAD_REQUEST, "\"collection\" is required");
    };
    let fields = match body.get("fields") {
        None | Some(Value::Null) => None,
        Some(Value::Array(fields)) => Some(
            fields
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "\"fields\" must be a list of names",
            );
        }
    };
    let request = Request {
        table: text("table").unwrap_or_else(|| collection.clone()),
        target: text("target").unwrap_or_else(|| crate::DEFAULT_TARGET.to_owned()),
        collection,
        fields,
    };
    let (reply, answer) = oneshot::channel();
    if shared
        .jobs
        .send(Job::Materialize { request, reply })
        .is_err()
    {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "flowctl develop is stopping",
        );
    }
    match answer.await {
        Ok(Ok(keys)) => ok(json!({ "keys": keys })),
        Ok(Err(message)) => error(StatusCode::BAD_REQUEST, message),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "flowctl develop is stopping",
        ),
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
