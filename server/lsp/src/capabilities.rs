//! What the client offers and what we answer in `initialize`: the position
//! encoding (UTF-8 when the client offers it, else UTF-16), related
//! information support, dynamic registration of file watchers, the
//! workspace folders, and the server's capabilities.

use std::path::PathBuf;

use lsp_types::{
    InitializeParams, InitializeResult, PositionEncodingKind, SaveOptions, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

use crate::from_proto::Encoding;
use crate::to_proto::DiagnosticSupport;

/// What was agreed with the client.
#[derive(Debug, Clone, Copy)]
pub struct Negotiated {
    pub encoding: Encoding,
    pub diagnostics: DiagnosticSupport,
    /// The client registers file watchers when asked.
    pub dynamic_watchers: bool,
}

pub fn negotiate(params: &InitializeParams) -> Negotiated {
    let capabilities = &params.capabilities;
    let utf8 = capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.as_ref())
        .is_some_and(|encodings| encodings.contains(&PositionEncodingKind::UTF8));
    let related_information = capabilities
        .text_document
        .as_ref()
        .and_then(|text| text.publish_diagnostics.as_ref())
        .and_then(|publish| publish.related_information)
        .unwrap_or(false);
    let dynamic_watchers = capabilities
        .workspace
        .as_ref()
        .and_then(|workspace| workspace.did_change_watched_files.as_ref())
        .and_then(|watched| watched.dynamic_registration)
        .unwrap_or(false);
    Negotiated {
        encoding: if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        },
        diagnostics: DiagnosticSupport {
            related_information,
        },
        dynamic_watchers,
    }
}

/// The folders to look for catalogs in: the workspace folders, else the
/// root URI, else the root path.
#[allow(deprecated)] // root_uri and root_path: older clients send only these.
pub fn workspace_folders(params: &InitializeParams) -> Vec<PathBuf> {
    let to_path = |uri: &lsp_types::Uri| {
        url::Url::parse(uri.as_str())
            .ok()
            .and_then(|url| url.to_file_path().ok())
    };
    if let Some(folders) = &params.workspace_folders
        && !folders.is_empty()
    {
        return folders
            .iter()
            .filter_map(|folder| to_path(&folder.uri))
            .collect();
    }
    if let Some(path) = params.root_uri.as_ref().and_then(to_path) {
        return vec![path];
    }
    params.root_path.iter().map(PathBuf::from).collect()
}

pub fn initialize_result(negotiated: &Negotiated) -> InitializeResult {
    let encoding = match negotiated.encoding {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
    };
    let mut capabilities = ServerCapabilities {
        position_encoding: Some(encoding),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                will_save: None,
                will_save_wait_until: None,
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
            },
        )),
        ..ServerCapabilities::default()
    };
    crate::handlers::advertise(&mut capabilities);
    InitializeResult {
        capabilities,
        server_info: Some(ServerInfo {
            name: "flowctl".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    }
}
