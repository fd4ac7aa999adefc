//! Name rules shared by checks and editor features (catalog.md §5.2, §5.5, §5.6).

/// Collection and materialization target names: `^[\p{L}\p{N}\-_./]+$`.
pub fn is_valid_collection_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// Transform and partition field names: `^[\p{L}\p{N}\-_.]+$`.
pub fn is_valid_token_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Edit distance (Levenshtein, by characters), for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate nearest to `name` within distance ≤ min(4, len(candidate)).
pub fn suggest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 4.min(candidate.chars().count()))
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_collection_name("acme/orders.v1-x_y"));
        assert!(is_valid_collection_name("正岡/大介"));
        assert!(!is_valid_collection_name("acme orders"));
        assert!(!is_valid_collection_name(""));
        assert!(is_valid_token_name("fromOrders"));
        assert!(!is_valid_token_name("from/orders"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            suggest("wiki/edit", ["wiki/edits", "wiki/pages"]),
            Some("wiki/edits")
        );
        assert_eq!(suggest("zzzzzzzzzz", ["a/b"]), None);
    }
}
