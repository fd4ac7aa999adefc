//! The QuickJS heap allocator: rquickjs's Rust allocator plus a byte limit that
//! remembers when it refused an allocation.
//!
//! Why not QuickJS's own `set_memory_limit`: when the limit is hit, QuickJS throws
//! an `InternalError: out of memory` if it can still allocate that error, and
//! otherwise throws `null`, which looks exactly like a lambda's `throw null`. A
//! refusal flag tells a memory bomb apart from a thrown value with certainty.

use std::{cell::Cell, rc::Rc};

use rquickjs::allocator::{Allocator, RustAllocator};

/// Heap accounting shared between the allocator (owned by the QuickJS runtime)
/// and the host.
#[derive(Debug)]
pub(super) struct MemoryState {
    used: Cell<usize>,
    limit: usize,
    refused: Cell<bool>,
}

impl MemoryState {
    pub(super) fn new(limit: usize) -> Rc<MemoryState> {
        Rc::new(MemoryState {
            used: Cell::new(0),
            limit,
            refused: Cell::new(false),
        })
    }

    /// Whether an allocation was refused since the last [`MemoryState::reset_refused`].
    pub(super) fn refused(&self) -> bool {
        self.refused.get()
    }

    pub(super) fn reset_refused(&self) {
        self.refused.set(false);
    }

    /// Accepts `more` bytes if they fit under the limit (0 means no limit).
    fn admit(&self, more: usize) -> bool {
        let fits = self.limit == 0
            || self
                .used
                .get()
                .checked_add(more)
                .is_some_and(|total| total <= self.limit);
        if !fits {
            self.refused.set(true);
        }
        fits
    }
}

/// The allocator handed to `Runtime::new_with_alloc`.
pub(super) struct LimitedAllocator {
    pub(super) state: Rc<MemoryState>,
}

// SAFETY: every pointer handed out comes from `RustAllocator`, and every pointer
// received is passed back to it unchanged; this type only adds bookkeeping.
unsafe impl Allocator for LimitedAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.state.admit(size) {
            return std::ptr::null_mut();
        }
        let pointer = RustAllocator.alloc(size);
        if !pointer.is_null() {
            // SAFETY: a non-null pointer just returned by `RustAllocator`.
            let usable = unsafe { RustAllocator::usable_size(pointer) };
            self.state.used.set(self.state.used.get() + usable);
        }
        pointer
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            self.state.refused.set(true);
            return std::ptr::null_mut();
        };
        if !self.state.admit(total) {
            return std::ptr::null_mut();
        }
        let pointer = RustAllocator.calloc(count, size);
        if !pointer.is_null() {
            // SAFETY: a non-null pointer just returned by `RustAllocator`.
            let usable = unsafe { RustAllocator::usable_size(pointer) };
            self.state.used.set(self.state.used.get() + usable);
        }
        pointer
    }

    unsafe fn dealloc(&mut self, pointer: *mut u8) {
        if pointer.is_null() {
            return;
        }
        // SAFETY: QuickJS only frees pointers this allocator returned.
        unsafe {
            let usable = RustAllocator::usable_size(pointer);
            self.state
                .used
                .set(self.state.used.get().saturating_sub(usable));
            RustAllocator.dealloc(pointer);
        }
    }

    unsafe fn realloc(&mut self, pointer: *mut u8, new_size: usize) -> *mut u8 {
        if pointer.is_null() {
            return self.alloc(new_size);
        }
        // SAFETY: QuickJS only reallocates pointers this allocator returned.
        unsafe {
            let old = RustAllocator::usable_size(pointer);
            if new_size > old && !self.state.admit(new_size - old) {
                return std::ptr::null_mut();
            }
            let moved = RustAllocator.realloc(pointer, new_size);
            if !moved.is_null() {
                let usable = RustAllocator::usable_size(moved);
                self.state
                    .used
                    .set(self.state.used.get().saturating_sub(old) + usable);
            }
            moved
        }
    }

    unsafe fn usable_size(pointer: *mut u8) -> usize {
        // SAFETY: forwarded unchanged.
        unsafe { RustAllocator::usable_size(pointer) }
    }
}
