//! Cross-crate test suites of flowctl live in `tests/tests/`: the
//! `fixtures/invalid` expectations and the tidy checks of the code base.
