//! Tuning of the global allocator (mimalloc, declared in `main.rs`).
//!
//! mimalloc 3 keeps freed pages committed for a second (`purge_delay`
//! 1000 ms) before it gives them back to the system. A build frees a stage's
//! memory while the next stage allocates, so with that delay the freed pages
//! and the new ones are resident together: the 20 MB single-file catalog
//! peaked at about 309 MiB, against 272 MiB with mimalloc 2's 10 ms, which
//! costs no measurable time (issue #7's memory target). The option is set
//! before anything large is allocated.

use std::ffi::{c_int, c_long};

/// mimalloc's `mi_option_purge_delay` (the 16th entry of `mi_option_t` in
/// both mimalloc 2 and 3; `tests::the_option_is_purge_delay` checks it is
/// the one whose default is 1000).
const PURGE_DELAY: c_int = 15;

/// How long freed memory stays committed before it is returned, in ms.
const DELAY_MS: c_long = 10;

unsafe extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
    #[cfg(test)]
    fn mi_option_get(option: c_int) -> c_long;
}

/// Makes mimalloc return freed pages to the system after [`DELAY_MS`].
pub fn return_freed_memory_soon() {
    // SAFETY: `mi_option_set` takes any option number and value (options
    // are plain integers, read on each use); the symbol is in the linked
    // mimalloc library.
    unsafe { mi_option_set(PURGE_DELAY, DELAY_MS) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_is_purge_delay() {
        // SAFETY: see `return_freed_memory_soon`.
        let before = unsafe { mi_option_get(PURGE_DELAY) };
        // mimalloc 3's default purge delay; no other option defaults to it.
        assert!(before == 1000 || before == DELAY_MS, "{before}");
        return_freed_memory_soon();
        // SAFETY: as above.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, DELAY_MS);
    }
}
