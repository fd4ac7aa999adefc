//! Editing help: completion and hover, over `ide::completion` and
//! `ide::hover`.

use ide::completion::CompletionKind;
use lsp_types::{
    CompletionItemKind, CompletionParams, CompletionResponse, Documentation, Hover, HoverContents,
    HoverParams, InsertTextFormat, MarkupContent, MarkupKind,
};
use serde_json::Value;

use super::{Failure, Snapshot, file_position, params, result};
use crate::to_proto;

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
