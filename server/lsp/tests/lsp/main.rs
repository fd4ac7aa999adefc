//! The language server end to end through an in-process client
//! (`support::TestServer`): one test binary, a module per area.

mod features;
mod lifecycle;
mod runtime;
mod support;
mod tests_in_editor;
