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
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    distance_within(&a, &b, a.len().max(b.len())).unwrap_or(usize::MAX)
}

/// The edit distance of `a` and `b` if it is at most `limit`, else `None`.
/// Only the diagonal band of width `2 * limit + 1` is computed (cells outside
/// it exceed `limit`), and the computation stops as soon as a whole row does:
/// O(min(|a|, |b|) · limit) time, and O(1) when the lengths differ by more
/// than `limit`.
pub fn distance_within(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let over = limit.saturating_add(1);
    // previous[j] = distance(a[..i], b[..j]); cells outside the band hold `over`.
    let mut previous: Vec<usize> = (0..=b.len()).map(|j| j.min(over)).collect();
    let mut current = vec![over; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let row = i + 1;
        let from = row.saturating_sub(limit).max(1);
        let to = row.saturating_add(limit).min(b.len());
        current[0] = row.min(over);
        if from > 1 {
            current[from - 1] = over;
        }
        let mut row_min = current[0];
        for j in from..=to {
            let substitution = previous[j - 1] + usize::from(*ca != b[j - 1]);
            let cell = substitution
                .min(previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(over);
            current[j] = cell;
            row_min = row_min.min(cell);
        }
        if to < b.len() {
            current[to + 1] = over;
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= limit).then_some(distance)
}

/// The candidate nearest to `name` within distance ≤ min(4, len(candidate));
/// ties go to the smallest candidate. Each candidate costs O(len · 4) at most,
/// and nothing when its length alone rules it out.
pub fn suggest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    const MAX_DISTANCE: usize = 4;
    let name: Vec<char> = name.chars().collect();
    let mut best: Option<(usize, &'c str)> = None;
    let mut chars = Vec::new();
    for candidate in candidates {
        // A byte length is at least the character length, at most 4 times it.
        if candidate.len() + MAX_DISTANCE < name.len()
            || candidate.len() > 4 * (name.len() + MAX_DISTANCE)
        {
            continue;
        }
        chars.clear();
        chars.extend(candidate.chars());
        let limit = MAX_DISTANCE
            .min(chars.len())
            .min(best.map_or(usize::MAX, |b| b.0));
        let Some(distance) = distance_within(&name, &chars, limit) else {
            continue;
        };
        if best.is_none_or(|b| (distance, candidate) < b) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
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
        // Ties go to the smallest name; a candidate is never farther than its length.
        assert_eq!(suggest("ab", ["ax", "aa"]), Some("aa"));
        assert_eq!(suggest("abcd", ["x"]), None);
    }

    /// The banded distance agrees with the full one wherever it answers.
    #[test]
    fn banded_distance_matches_the_full_one() {
        fn full(a: &[char], b: &[char]) -> usize {
            let mut previous: Vec<usize> = (0..=b.len()).collect();
            for (i, ca) in a.iter().enumerate() {
                let mut current = vec![i + 1; b.len() + 1];
                for (j, cb) in b.iter().enumerate() {
                    current[j + 1] = (previous[j] + usize::from(ca != cb))
                        .min(previous[j + 1] + 1)
                        .min(current[j] + 1);
                }
                previous = current;
            }
            previous[b.len()]
        }
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "wiki/edits",
            "wiki/edit",
            "wiki/pages",
            "kitten",
            "sitting",
            "acme/orders",
            "acme/order",
            "émigré/ü",
            "xyzzy",
            "aaaaaaaa",
        ];
        for a in words {
            for b in words {
                let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let expected = full(&ac, &bc);
                assert_eq!(edit_distance(a, b), expected, "{a} / {b}");
                for limit in 0..6 {
                    let got = distance_within(&ac, &bc, limit);
                    assert_eq!(
                        got,
                        (expected <= limit).then_some(expected),
                        "{a} / {b} / {limit}"
                    );
                }
            }
        }
    }

    /// A huge name against many candidates costs nothing per candidate.
    #[test]
    fn suggestions_for_a_huge_name_are_cheap() {
        let huge = "a".repeat(100_000);
        let candidates: Vec<String> = (0..10_000).map(|i| format!("acme/c{i}")).collect();
        assert_eq!(suggest(&huge, candidates.iter().map(String::as_str)), None);
        let near = format!("{huge}b");
        assert_eq!(suggest(&near, [huge.as_str()]), Some(huge.as_str()));
    }
}
