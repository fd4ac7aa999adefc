//! Parsing `readDelay` durations (catalog.md §5.6) into whole seconds.
//!
//! The grammar is the Rust `humantime` crate's: one or more terms, each an
//! unsigned integer followed by a unit (`48h`, `1h 30m`, `2 hours`), with
//! optional spaces between terms and between a number and its unit. The total is
//! truncated to whole seconds. It lives here (instead of depending on
//! `humantime`) because the runtime needs only this one function; the checker
//! reports malformed values (C1c) before a catalog ever runs.

/// Nanoseconds per unit, for every unit spelling `humantime` accepts.
fn unit_nanos(unit: &str) -> Option<u128> {
    const SECOND: u128 = 1_000_000_000;
    Some(match unit {
        "nanos" | "nsec" | "ns" => 1,
        "usec" | "us" | "µs" => 1_000,
        "millis" | "msec" | "ms" => 1_000_000,
        "seconds" | "second" | "secs" | "sec" | "s" => SECOND,
        "minutes" | "minute" | "mins" | "min" | "m" => 60 * SECOND,
        "hours" | "hour" | "hrs" | "hr" | "h" => 3_600 * SECOND,
        "days" | "day" | "d" => 86_400 * SECOND,
        "weeks" | "week" | "w" => 7 * 86_400 * SECOND,
        "months" | "month" | "M" => 2_630_016 * SECOND,
        "years" | "year" | "y" => 31_557_600 * SECOND,
        _ => return None,
    })
}

/// Parses a duration such as `48h` or `1h 30m` into whole seconds.
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    let invalid =
        || format!("readDelay \"{text}\" is not a duration such as \"90s\", \"5m\" or \"48h\"");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(invalid());
        }
        let number: u128 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = rest[digits..].trim_start();
        let letters = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let nanos = unit_nanos(&rest[..letters]).ok_or_else(invalid)?;
        total = number
            .checked_mul(nanos)
            .and_then(|term| total.checked_add(term))
            .ok_or_else(invalid)?;
        rest = rest[letters..].trim_start();
    }
    u64::try_from(total / 1_000_000_000).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::parse_seconds;

    #[test]
    fn parses_humantime_durations() {
        assert_eq!(parse_seconds("48h"), Ok(172_800));
        assert_eq!(parse_seconds("90s"), Ok(90));
        assert_eq!(parse_seconds("1h 30m"), Ok(5_400));
        assert_eq!(parse_seconds("2 hours"), Ok(7_200));
        assert_eq!(parse_seconds("1500ms"), Ok(1));
        assert!(parse_seconds("").is_err());
        assert!(parse_seconds("soon").is_err());
        assert!(parse_seconds("5 parsecs").is_err());
        assert!(parse_seconds("h").is_err());
    }
}
