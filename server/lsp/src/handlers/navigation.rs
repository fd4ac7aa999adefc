//! Navigation requests: definition, references, prepareRename and rename,
//! over `ide::navigation`.

use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Location, PrepareRenameResponse, ReferenceParams,
    RenameParams, TextDocumentPositionParams, WorkspaceEdit,
};
use serde_json::Value;

use super::{Failure, Snapshot, file_position, params, result};
use crate::to_proto;

pub fn definition(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: GotoDefinitionParams = params(raw)?;
    let position = file_position(snapshot, &request.text_document_position_params)?;
    let targets = ide::navigation::definition(&snapshot.analysis, &position);
    let locations: Vec<Location> = targets
        .iter()
        .map(|target| {
            let place = ide::FileRange {
                file: target.file.clone(),
                range: target.focus_range,
            };
            to_proto::location(&snapshot.analysis, &place, snapshot.encoding)
        })
        .collect();
    result(GotoDefinitionResponse::Array(locations))
}

pub fn references(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: ReferenceParams = params(raw)?;
    let position = file_position(snapshot, &request.text_document_position)?;
    let places = ide::navigation::references(
        &snapshot.analysis,
        &position,
        request.context.include_declaration,
    );
    let locations: Vec<Location> = places
        .iter()
        .map(|place| to_proto::location(&snapshot.analysis, place, snapshot.encoding))
        .collect();
    result(locations)
}

pub fn prepare_rename(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: TextDocumentPositionParams = params(raw)?;
    let position = file_position(snapshot, &request)?;
    match ide::navigation::prepare_rename(&snapshot.analysis, &position) {
        Ok((place, placeholder)) => {
            let range = to_proto::location(&snapshot.analysis, &place, snapshot.encoding).range;
            result(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder })
        }
        Err(why) => Err(Failure::failed(why)),
    }
}

pub fn rename(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: RenameParams = params(raw)?;
    let position = file_position(snapshot, &request.text_document_position)?;
    match ide::navigation::rename(&snapshot.analysis, &position, &request.new_name) {
        Ok(change) => result(workspace_edit(snapshot, &change)),
        Err(why) => Err(Failure::failed(why)),
    }
}

/// A `SourceChange` as a `WorkspaceEdit` (`changes` by URI).
// `Uri` caches parts of itself in cells, which do not take part in its
// hash or equality.
#[allow(clippy::mutable_key_type)]
pub fn workspace_edit(snapshot: &Snapshot, change: &ide::SourceChange) -> WorkspaceEdit {
    let mut changes = std::collections::HashMap::new();
    for (file, edits) in &change.edits {
        let Some(view) = snapshot.analysis.file(file) else {
            continue;
        };
        let edits: Vec<lsp_types::TextEdit> = edits
            .iter()
            .map(|edit| lsp_types::TextEdit {
                range: to_proto::range(view.text, view.line_index, edit.range, snapshot.encoding),
                new_text: edit.new_text.clone(),
            })
            .collect();
        changes.insert(to_proto::uri(file), edits);
    }
    WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }
}
