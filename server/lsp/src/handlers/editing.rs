//! Editing help: completion, hover and code actions, over
//! `ide::completion`, `ide::hover` and `ide::code_actions` (with "accept
//! actual" of a test failure from `testing`).

use ide::completion::CompletionKind;
use lsp_types::{
    CodeActionKind, CodeActionOrCommand, CodeActionParams, CompletionItemKind, CompletionParams,
    CompletionResponse, Documentation, Hover, HoverContents, HoverParams, InsertTextFormat,
    MarkupContent, MarkupKind,
};
use serde_json::Value;

use super::navigation::workspace_edit;
use super::{Failure, Snapshot, file_position, params, result};
use crate::{from_proto, to_proto};

fn completion_kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Property => CompletionItemKind::PROPERTY,
        CompletionKind::Collection => CompletionItemKind::CLASS,
        CompletionKind::Value => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Pointer => CompletionItemKind::FIELD,
        CompletionKind::File => CompletionItemKind::FILE,
        CompletionKind::Reference => CompletionItemKind::REFERENCE,
        CompletionKind::Snippet => CompletionItemKind::SNIPPET,
    }
}

pub fn completion(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: CompletionParams = params(raw)?;
    let position = file_position(snapshot, &request.text_document_position)?;
    let Some(view) = snapshot.analysis.file(&position.file) else {
        return result(CompletionResponse::Array(Vec::new()));
    };
    let items: Vec<lsp_types::CompletionItem> =
        ide::completion::completions(&snapshot.analysis, &position)
            .into_iter()
            .filter(|item| !item.is_snippet || snapshot.snippets)
            .map(|item| {
                let range = to_proto::range(
                    view.text,
                    view.line_index,
                    item.edit.range,
                    snapshot.encoding,
                );
                lsp_types::CompletionItem {
                    label: item.label,
                    kind: Some(completion_kind(item.kind)),
                    detail: item.detail,
                    documentation: item.documentation.map(|value| {
                        Documentation::MarkupContent(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value,
                        })
                    }),
                    sort_text: item.sort_text,
                    filter_text: item.filter_text,
                    insert_text_format: Some(if item.is_snippet {
                        InsertTextFormat::SNIPPET
                    } else {
                        InsertTextFormat::PLAIN_TEXT
                    }),
                    text_edit: Some(lsp_types::CompletionTextEdit::Edit(lsp_types::TextEdit {
                        range,
                        new_text: item.edit.new_text,
                    })),
                    ..lsp_types::CompletionItem::default()
                }
            })
            .collect();
    result(CompletionResponse::List(lsp_types::CompletionList {
        is_incomplete: false,
        items,
    }))
}

pub fn hover(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: HoverParams = params(raw)?;
    let position = file_position(snapshot, &request.text_document_position_params)?;
    let Some(view) = snapshot.analysis.file(&position.file) else {
        return result(Value::Null);
    };
    match ide::hover::hover(&snapshot.analysis, &position) {
        Some(found) => result(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: found.markdown,
            }),
            range: Some(to_proto::range(
                view.text,
                view.line_index,
                found.range,
                snapshot.encoding,
            )),
        }),
        None => result(Value::Null),
    }
}

pub fn code_actions(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: CodeActionParams = params(raw)?;
    let file = from_proto::url(&request.text_document.uri).map_err(Failure::invalid_params)?;
    let Some(view) = snapshot.analysis.file(&file) else {
        return result(Vec::<CodeActionOrCommand>::new());
    };
    let start = from_proto::offset(
        view.text,
        view.line_index,
        request.range.start,
        snapshot.encoding,
    );
    let end = from_proto::offset(
        view.text,
        view.line_index,
        request.range.end,
        snapshot.encoding,
    );
    let range = ide::FileRange {
        file: file.clone(),
        range: text::TextRange::new(start, end.max(start)),
    };
    let mut actions: Vec<CodeActionOrCommand> =
        ide::code_actions::code_actions(&snapshot.analysis, &range)
            .into_iter()
            .map(|action| {
                // The client's own diagnostics this action fixes.
                let fixes: Vec<lsp_types::Diagnostic> = request
                    .context
                    .diagnostics
                    .iter()
                    .filter(|diagnostic| {
                        let code = match &diagnostic.code {
                            Some(lsp_types::NumberOrString::String(code)) => Some(code.as_str()),
                            _ => None,
                        };
                        action.code.is_some()
                            && code == action.code
                            && action.diagnostic_range.is_none_or(|at| {
                                to_proto::range(view.text, view.line_index, at, snapshot.encoding)
                                    == diagnostic.range
                            })
                    })
                    .cloned()
                    .collect();
                CodeActionOrCommand::CodeAction(lsp_types::CodeAction {
                    title: action.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: (!fixes.is_empty()).then_some(fixes),
                    edit: Some(workspace_edit(snapshot, &action.change)),
                    command: None,
                    is_preferred: Some(action.is_preferred),
                    disabled: None,
                    data: None,
                })
            })
            .collect();
    actions.extend(super::testing::accept_actual_actions(
        snapshot,
        &file,
        &request.context.diagnostics,
    ));
    result(actions)
}

/// `flowctl/lambdaDocument`: the lambda at a position as a TypeScript
/// document (`ide::lambda_document`), positions in the negotiated encoding.
pub fn lambda_document(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: lsp_types::TextDocumentPositionParams = params(raw)?;
    let position = file_position(snapshot, &request)?;
    let Some(document) = ide::lambda_document::lambda_document(&snapshot.analysis, &position)
    else {
        return result(Value::Null);
    };
    let Some(view) = snapshot.analysis.file(&document.file) else {
        return result(Value::Null);
    };
    let lines = document
        .lines
        .iter()
        .map(|map| {
            let at = to_proto::position(view.text, view.line_index, map.offset, snapshot.encoding);
            crate::lsp_ext::LambdaLine {
                generated_line: map.generated_line,
                line: at.line,
                character: at.character,
            }
        })
        .collect();
    result(crate::lsp_ext::LambdaDocument {
        text: document.text,
        range: to_proto::range(view.text, view.line_index, document.range, snapshot.encoding),
        lines,
    })
}
