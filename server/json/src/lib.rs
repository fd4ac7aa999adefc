//! JSON utilities shared by every layer: RFC 6901 pointers ([`pointer`]) and
//! the total order of JSON values and composite keys ([`order`], reductions.md §3).

pub mod order;
pub mod pointer;
