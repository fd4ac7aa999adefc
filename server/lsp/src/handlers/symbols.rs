//! Symbols and ranges: documentSymbol, workspace/symbol, foldingRange and
//! selectionRange, over `ide::symbols` and `ide::ranges`.

use ide::symbols::{Symbol, SymbolKind};
use lsp_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, FoldingRange, FoldingRangeKind,
    FoldingRangeParams, SelectionRange, SelectionRangeParams, SymbolInformation,
    WorkspaceSymbolParams, WorkspaceSymbolResponse,
};
use serde_json::Value;

use super::{Failure, Snapshot, params, result};
use crate::{from_proto, to_proto};

/// At most this many workspace symbols are answered.
const WORKSPACE_SYMBOLS: usize = 500;

fn kind(kind: SymbolKind) -> lsp_types::SymbolKind {
    match kind {
        SymbolKind::Collection => lsp_types::SymbolKind::STRUCT,
        SymbolKind::Derivation => lsp_types::SymbolKind::CLASS,
        SymbolKind::Transform => lsp_types::SymbolKind::METHOD,
        SymbolKind::Register => lsp_types::SymbolKind::FIELD,
        SymbolKind::Test => lsp_types::SymbolKind::FUNCTION,
        SymbolKind::TestStep => lsp_types::SymbolKind::EVENT,
        SymbolKind::Import => lsp_types::SymbolKind::MODULE,
        SymbolKind::MaterializationTarget => lsp_types::SymbolKind::INTERFACE,
        SymbolKind::Schema => lsp_types::SymbolKind::OBJECT,
        SymbolKind::Other => lsp_types::SymbolKind::KEY,
    }
}

fn document_symbol(
    view: &ide::host::FileView<'_>,
    symbol: &Symbol,
    encoding: from_proto::Encoding,
) -> DocumentSymbol {
    let range = to_proto::range(view.text, view.line_index, symbol.full_range, encoding);
    let mut selection_range =
        to_proto::range(view.text, view.line_index, symbol.focus_range, encoding);
    // The protocol requires the selection inside the range.
    if selection_range.start < range.start || selection_range.end > range.end {
        selection_range = range;
    }
    #[allow(deprecated)] // `deprecated` is a required field of the type.
    DocumentSymbol {
        name: symbol.name.clone(),
        detail: symbol.detail.clone(),
        kind: kind(symbol.kind),
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children: Some(
            symbol
                .children
                .iter()
                .map(|child| document_symbol(view, child, encoding))
                .collect(),
        ),
    }
}

pub fn document_symbols(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: DocumentSymbolParams = params(raw)?;
    let file = from_proto::url(&request.text_document.uri).map_err(Failure::invalid_params)?;
    let Some(view) = snapshot.analysis.file(&file) else {
        return result(DocumentSymbolResponse::Nested(Vec::new()));
    };
    let symbols = ide::symbols::document_symbols(&snapshot.analysis, &file);
    result(DocumentSymbolResponse::Nested(
        symbols
            .iter()
            .map(|symbol| document_symbol(&view, symbol, snapshot.encoding))
            .collect(),
    ))
}

pub fn workspace_symbols(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: WorkspaceSymbolParams = params(raw)?;
    let found =
        ide::symbols::workspace_symbols(&snapshot.analysis, &request.query, WORKSPACE_SYMBOLS);
    #[allow(deprecated)] // `deprecated` is a required field of the type.
    let symbols: Vec<SymbolInformation> = found
        .iter()
        .map(|(file, symbol)| SymbolInformation {
            name: symbol.name.clone(),
            kind: kind(symbol.kind),
            tags: None,
            deprecated: None,
            location: to_proto::location(
                &snapshot.analysis,
                &ide::FileRange {
                    file: file.clone(),
                    range: symbol.focus_range,
                },
                snapshot.encoding,
            ),
            container_name: symbol.detail.clone(),
        })
        .collect();
    result(WorkspaceSymbolResponse::Flat(symbols))
}

pub fn folding_ranges(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: FoldingRangeParams = params(raw)?;
    let file = from_proto::url(&request.text_document.uri).map_err(Failure::invalid_params)?;
    let Some(view) = snapshot.analysis.file(&file) else {
        return result(Vec::<FoldingRange>::new());
    };
    let folds: Vec<FoldingRange> = ide::ranges::folding_ranges(&snapshot.analysis, &file)
        .iter()
        .filter_map(|fold| {
            let start = view.line_index.line_of(fold.range.start);
            let mut end = view.line_index.line_of(fold.range.end);
            // A range ending at the start of a line ends on the line before.
            if end > start && view.line_index.line_start(end) == fold.range.end {
                end -= 1;
            }
            (end > start).then_some(FoldingRange {
                start_line: start,
                start_character: None,
                end_line: end,
                end_character: None,
                kind: Some(match fold.kind {
                    ide::ranges::FoldKind::Comment => FoldingRangeKind::Comment,
                    ide::ranges::FoldKind::Region => FoldingRangeKind::Region,
                }),
                collapsed_text: None,
            })
        })
        .collect();
    result(folds)
}

pub fn selection_ranges(snapshot: &Snapshot, raw: Value) -> Result<Value, Failure> {
    let request: SelectionRangeParams = params(raw)?;
    let file = from_proto::url(&request.text_document.uri).map_err(Failure::invalid_params)?;
    let Some(view) = snapshot.analysis.file(&file) else {
        return result(Vec::<SelectionRange>::new());
    };
    let offsets: Vec<u32> = request
        .positions
        .iter()
        .map(|position| {
            from_proto::offset(view.text, view.line_index, *position, snapshot.encoding)
        })
        .collect();
    let chains = ide::ranges::selection_ranges(&snapshot.analysis, &file, &offsets);
    let ranges: Vec<SelectionRange> = chains
        .iter()
        .zip(&offsets)
        .map(|(chain, offset)| {
            // Outermost first, each the parent of the next.
            let mut built: Option<SelectionRange> = None;
            for range in chain.iter().rev() {
                built = Some(SelectionRange {
                    range: to_proto::range(view.text, view.line_index, *range, snapshot.encoding),
                    parent: built.map(Box::new),
                });
            }
            built.unwrap_or_else(|| {
                let at = to_proto::position(view.text, view.line_index, *offset, snapshot.encoding);
                SelectionRange {
                    range: lsp_types::Range::new(at, at),
                    parent: None,
                }
            })
        })
        .collect();
    result(ranges)
}
