//! Cutting long texts (rendered documents and values) to a readable length
//! for error messages.

/// `text` cut to at most `max` bytes (on a character boundary), with `…`
/// appended when something was cut.
pub(crate) fn shorten(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
