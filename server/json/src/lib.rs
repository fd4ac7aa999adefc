//! JSON utilities shared by every layer: RFC 6901 pointers ([`pointer`]),
//! the total order of JSON values and composite keys ([`order`], reductions.md
//! §3), and the bound on nesting ([`nesting`]).

pub mod nesting;
pub mod order;
pub mod pointer;
