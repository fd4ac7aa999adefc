//! Reduction of two JSON documents of the same key (reductions.md §1–§4).
//!
//! [`reduce`] combines an earlier document (the LHS) with a later one (the RHS)
//! into one document that stands for "LHS, then RHS". The strategy used at
//! each location is the one annotated at the *RHS* location
//! ([`Annotations::strategy_at`], produced by validating the RHS; absent means
//! `lastWriteWins`). Annotations do not inherit: a location's children are
//! reduced only when the location's strategy descends into them (`merge`,
//! keyed `minimize`/`maximize` on equal keys, and `set` members), and each child
//! then uses its own annotation.
//!
//! Locations inside arrays are the RHS's: a positional merge reduces index `i`
//! with the annotation at `…/i`; keyed merges and array-form sets reduce two
//! items with equal keys with the annotation at the RHS item's index.
//!
//! Both values are taken by value so that the common cases (`lastWriteWins`,
//! merging objects, appending) move data instead of copying it. On error the
//! inputs are consumed; the error carries the two values at the failing
//! location. Recursion only follows annotated locations and is bounded by
//! [`MAX_DEPTH`], so deeply nested documents cannot overflow the stack.

use std::cmp::Ordering;
use std::fmt;

use schema::{Annotations, Strategy};
use serde_json::{Map, Number, Value};

use json::order::{compare, compare_by_key, integer_of};
use json::pointer::{push_index, push_token};

/// Whether the LHS is known to be the complete, root-most value (reductions.md §1).
/// Only `set` behaves differently: in `Full` mode it drops its `intersect` and
/// `remove` bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// *combine*: neither side is known to be the first document of the key
    /// (ingest, published documents, `verify`).
    Partial,
    /// *root*: the LHS is a register's current value or a stored row.
    Full,
}

/// How many nested reductions one call may perform before giving up with an
/// error (a guard against stack exhaustion on pathological recursive schemas).
pub const MAX_DEPTH: usize = 256;

/// Reduces `rhs` into `lhs` (reductions.md §4), with the strategies of
/// `rhs_annotations` (the annotations of validating `rhs`).
pub fn reduce(
    lhs: Value,
    rhs: Value,
    rhs_annotations: &Annotations,
    mode: Mode,
) -> Result<Value, ReduceError> {
    Reducer {
        annotations: rhs_annotations,
        mode,
        location: String::new(),
    }
    .reduce_at(lhs, rhs, 0)
}

/// Like [`reduce`], but with an optional LHS: with no LHS (the first document
/// of a key) the RHS is taken as it is and no strategy runs (reductions.md §1).
pub fn reduce_onto(
    lhs: Option<Value>,
    rhs: Value,
    rhs_annotations: &Annotations,
    mode: Mode,
) -> Result<Value, ReduceError> {
    match lhs {
        Some(lhs) => reduce(lhs, rhs, rhs_annotations, mode),
        None => Ok(rhs),
    }
}

/// A failed reduction: where, under which strategy, why, and the two values
/// found at that location. Displays as runtime.md §12 suggests:
/// `reducing {location}: {message}; left: {lhs}, right: {rhs}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReduceError(Box<ReduceErrorDetails>);

#[derive(Debug, Clone, PartialEq)]
struct ReduceErrorDetails {
    location: String,
    strategy: Strategy,
    message: String,
    lhs: Value,
    rhs: Value,
}

impl ReduceError {
    /// JSON Pointer of the failing location in the RHS document (`""` is the root).
    pub fn location(&self) -> &str {
        &self.0.location
    }
    /// The strategy annotated at the location.
    pub fn strategy(&self) -> &Strategy {
        &self.0.strategy
    }
    /// The strategy's complaint, e.g. `'sum' needs numbers at /x` (reductions.md §4).
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The LHS value at the location.
    pub fn lhs(&self) -> &Value {
        &self.0.lhs
    }
    /// The RHS value at the location.
    pub fn rhs(&self) -> &Value {
        &self.0.rhs
    }
}

impl fmt::Display for ReduceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let details = &self.0;
        write!(
            f,
            "reducing {}: {}; left: {}, right: {}",
            describe_location(&details.location),
            details.message,
            details.lhs,
            details.rhs
        )
    }
}

impl std::error::Error for ReduceError {}

/// How a location is named in messages: its pointer, or "the document root".
fn describe_location(location: &str) -> &str {
    if location.is_empty() {
        "the document root"
    } else {
        location
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

const DEFAULT_STRATEGY: Strategy = Strategy::LastWriteWins;

/// The key of array-form sets without a `key`: the whole item (reductions.md §4.8).
static WHOLE_ITEM: [String; 1] = [String::new()];

/// One reduction in progress: the RHS annotations, the mode, and the RHS
/// location currently being reduced (pushed and popped while descending).
struct Reducer<'a> {
    annotations: &'a Annotations,
    mode: Mode,
    location: String,
}

impl<'a> Reducer<'a> {
    fn reduce_at(&mut self, lhs: Value, rhs: Value, depth: usize) -> Result<Value, ReduceError> {
        let annotations = self.annotations;
        let strategy = annotations
            .strategy_at(&self.location)
            .unwrap_or(&DEFAULT_STRATEGY);
        if depth > MAX_DEPTH {
            let message = format!(
                "reductions nest deeper than {MAX_DEPTH} levels at {}",
                self.at()
            );
            return Err(self.fail(strategy, message, lhs, rhs));
        }
        match strategy {
            Strategy::LastWriteWins => Ok(rhs),
            Strategy::FirstWriteWins => Ok(lhs),
            Strategy::Append => self.append(strategy, lhs, rhs),
            Strategy::Sum => self.sum(strategy, lhs, rhs),
            Strategy::Merge { key } => self.merge(strategy, key, lhs, rhs, depth),
            Strategy::Minimize { key } => {
                self.extremum(strategy, key, Ordering::Less, lhs, rhs, depth)
            }
            Strategy::Maximize { key } => {
                self.extremum(strategy, key, Ordering::Greater, lhs, rhs, depth)
            }
            Strategy::Set { key } => self.set(strategy, key, lhs, rhs, depth),
        }
    }

    /// The current location as it appears in messages.
    fn at(&self) -> &str {
        describe_location(&self.location)
    }

    fn fail(&self, strategy: &Strategy, message: String, lhs: Value, rhs: Value) -> ReduceError {
        ReduceError(Box::new(ReduceErrorDetails {
            location: self.location.clone(),
            strategy: strategy.clone(),
            message,
            lhs,
            rhs,
        }))
    }

    /// Reduces the child `name` of the current location.
    fn reduce_property(
        &mut self,
        name: &str,
        lhs: Value,
        rhs: Value,
        depth: usize,
    ) -> Result<Value, ReduceError> {
        let length = self.location.len();
        push_token(&mut self.location, name);
        let result = self.reduce_at(lhs, rhs, depth + 1);
        self.location.truncate(length);
        result
    }

    /// Reduces the child at `index` (an index into the RHS array) of the current location.
    fn reduce_item(
        &mut self,
        index: usize,
        lhs: Value,
        rhs: Value,
        depth: usize,
    ) -> Result<Value, ReduceError> {
        let length = self.location.len();
        push_index(&mut self.location, index);
        let result = self.reduce_at(lhs, rhs, depth + 1);
        self.location.truncate(length);
        result
    }

    // §4.3
    fn append(&self, strategy: &Strategy, lhs: Value, rhs: Value) -> Result<Value, ReduceError> {
        match (lhs, rhs) {
            (Value::Array(mut lhs), Value::Array(rhs)) => {
                lhs.extend(rhs);
                Ok(Value::Array(lhs))
            }
            (Value::Null, Value::Array(_)) => Ok(Value::Null),
            (lhs, rhs) => {
                let message = format!(
                    "'append' needs arrays at {}; found L={}, R={}",
                    self.at(),
                    type_name(&lhs),
                    type_name(&rhs)
                );
                Err(self.fail(strategy, message, lhs, rhs))
            }
        }
    }

    // §4.6
    fn sum(&self, strategy: &Strategy, lhs: Value, rhs: Value) -> Result<Value, ReduceError> {
        let (Value::Number(left), Value::Number(right)) = (&lhs, &rhs) else {
            let message = format!("'sum' needs numbers at {}", self.at());
            return Err(self.fail(strategy, message, lhs, rhs));
        };
        let total = match (integer_of(left), integer_of(right)) {
            // Both fit in i128 with room to spare: the sum is exact.
            (Some(left), Some(right)) => {
                let total = left + right;
                if let Ok(unsigned) = u64::try_from(total) {
                    Some(Number::from(unsigned))
                } else if let Ok(signed) = i64::try_from(total) {
                    Some(Number::from(signed))
                } else {
                    None
                }
            }
            _ => {
                let total = left.as_f64().unwrap_or(f64::NAN) + right.as_f64().unwrap_or(f64::NAN);
                // `from_f64` refuses non-finite results: that is the overflow.
                Number::from_f64(total)
            }
        };
        match total {
            Some(total) => Ok(Value::Number(total)),
            None => {
                let message = format!("'sum' overflowed at {}", self.at());
                Err(self.fail(strategy, message, lhs, rhs))
            }
        }
    }

    // §4.4. Also the "deep merge" of keyed minimize/maximize (with an empty key).
    fn merge(
        &mut self,
        strategy: &Strategy,
        key: &[String],
        lhs: Value,
        rhs: Value,
        depth: usize,
    ) -> Result<Value, ReduceError> {
        match (lhs, rhs) {
            (Value::Object(lhs), Value::Object(rhs)) => {
                self.merge_objects(lhs, rhs, depth).map(Value::Object)
            }
            (Value::Array(lhs), Value::Array(rhs)) if key.is_empty() => {
                self.merge_positionally(lhs, rhs, depth).map(Value::Array)
            }
            (Value::Array(lhs), Value::Array(rhs)) => {
                self.merge_join(lhs, rhs, key, depth).map(Value::Array)
            }
            (Value::Null, Value::Object(_) | Value::Array(_)) => Ok(Value::Null),
            (lhs, rhs) => {
                let message = format!(
                    "'merge' needs two objects or two arrays at {}; found L={}, R={}",
                    self.at(),
                    type_name(&lhs),
                    type_name(&rhs)
                );
                Err(self.fail(strategy, message, lhs, rhs))
            }
        }
    }

    /// Every property of either side; properties on both sides are reduced.
    /// Result order: the LHS's properties, then those only the RHS has.
    fn merge_objects(
        &mut self,
        mut lhs: Map<String, Value>,
        rhs: Map<String, Value>,
        depth: usize,
    ) -> Result<Map<String, Value>, ReduceError> {
        for (name, right) in rhs {
            match lhs.get_mut(&name) {
                Some(slot) => {
                    let left = std::mem::take(slot);
                    *slot = self.reduce_property(&name, left, right, depth)?;
                }
                None => {
                    lhs.insert(name, right);
                }
            }
        }
        Ok(lhs)
    }

    /// Index by index; the tail comes from the longer side.
    fn merge_positionally(
        &mut self,
        lhs: Vec<Value>,
        rhs: Vec<Value>,
        depth: usize,
    ) -> Result<Vec<Value>, ReduceError> {
        let mut merged = Vec::with_capacity(lhs.len().max(rhs.len()));
        let mut lhs = lhs.into_iter();
        let mut rhs = rhs.into_iter().enumerate();
        loop {
            match (lhs.next(), rhs.next()) {
                (Some(left), Some((index, right))) => {
                    merged.push(self.reduce_item(index, left, right, depth)?)
                }
                (Some(left), None) => merged.push(left),
                (None, Some((_, right))) => merged.push(right),
                (None, None) => return Ok(merged),
            }
        }
    }

    /// Merge-join of two arrays sorted by `key` (not verified, as in Flow):
    /// items of one side are copied, items with equal keys are reduced with
    /// the annotation at the RHS item's index.
    fn merge_join(
        &mut self,
        lhs: Vec<Value>,
        rhs: Vec<Value>,
        key: &[String],
        depth: usize,
    ) -> Result<Vec<Value>, ReduceError> {
        let mut merged = Vec::with_capacity(lhs.len().max(rhs.len()));
        let mut lhs = lhs.into_iter().peekable();
        let mut rhs = rhs.into_iter().enumerate().peekable();
        loop {
            let (Some(left), Some((_, right))) = (lhs.peek(), rhs.peek()) else {
                merged.extend(lhs);
                merged.extend(rhs.map(|(_, right)| right));
                return Ok(merged);
            };
            match compare_by_key(left, right, key) {
                Ordering::Less => merged.extend(lhs.next()),
                Ordering::Greater => merged.extend(rhs.next().map(|(_, right)| right)),
                Ordering::Equal => {
                    if let (Some(left), Some((index, right))) = (lhs.next(), rhs.next()) {
                        merged.push(self.reduce_item(index, left, right, depth)?);
                    }
                }
            }
        }
    }

    // §4.5. `keep_lhs_when` is the ordering of L against R for which L wins.
    fn extremum(
        &mut self,
        strategy: &Strategy,
        key: &[String],
        keep_lhs_when: Ordering,
        lhs: Value,
        rhs: Value,
        depth: usize,
    ) -> Result<Value, ReduceError> {
        let ordering = if key.is_empty() {
            compare(&lhs, &rhs)
        } else {
            compare_by_key(&lhs, &rhs, key)
        };
        if ordering == keep_lhs_when {
            Ok(lhs)
        } else if ordering == Ordering::Equal && !key.is_empty() {
            self.merge(strategy, &[], lhs, rhs, depth)
        } else {
            Ok(rhs)
        }
    }

    // §4.8
    fn set(
        &mut self,
        strategy: &Strategy,
        key: &[String],
        lhs: Value,
        rhs: Value,
        depth: usize,
    ) -> Result<Value, ReduceError> {
        let form = match (set_form(&lhs), set_form(&rhs)) {
            (Some(left), Some(right)) => match (left, right) {
                (SetForm::Empty, form) | (form, SetForm::Empty) => Some(form),
                (left, right) if left == right => Some(left),
                _ => None,
            },
            _ => None,
        };
        // `set_form` is `Some` only for objects, so both sides are objects here.
        let Some(form) = form else {
            let message = format!(
                "'set' needs objects with only 'add', 'intersect', 'remove', using one consistent form, at {}",
                self.at()
            );
            return Err(self.fail(strategy, message, lhs, rhs));
        };
        let key = if key.is_empty() { &WHOLE_ITEM[..] } else { key };
        match form {
            SetForm::Array => {
                let update = self.combine_updates(
                    SetUpdate::<Vec<Value>>::take(lhs),
                    SetUpdate::take(rhs),
                    key,
                    depth,
                )?;
                Ok(update.into_value())
            }
            SetForm::Object | SetForm::Empty => {
                let update = self.combine_updates(
                    SetUpdate::<Map<String, Value>>::take(lhs),
                    SetUpdate::take(rhs),
                    key,
                    depth,
                )?;
                Ok(update.into_value())
            }
        }
    }

    /// The table of reductions.md §4.8.
    fn combine_updates<M: SetMembers>(
        &mut self,
        lhs: SetUpdate<M>,
        rhs: SetUpdate<M>,
        key: &[String],
        depth: usize,
    ) -> Result<SetUpdate<M>, ReduceError> {
        let SetUpdate {
            add: left_add,
            intersect: left_intersect,
            remove: left_remove,
        } = lhs;
        let SetUpdate {
            add: right_add,
            intersect: right_intersect,
            remove: right_remove,
        } = rhs;

        let (kept_add, intersect, remove) = match right_intersect {
            Some(right_intersect) => {
                // add = (LA ∩ RI) ∪ RA
                let kept_add = left_add.map(|left| left.filter(&right_intersect, true, key));
                let intersect = match (left_intersect, left_remove) {
                    // LI ∩ RI, values reduced
                    (Some(left), _) => self.within("intersect", |this| {
                        left.intersect(right_intersect, key, this, depth)
                    })?,
                    // RI − LR
                    (None, Some(left_remove)) => right_intersect.filter(&left_remove, false, key),
                    (None, None) => right_intersect,
                };
                (kept_add, Some(intersect), None)
            }
            None => {
                // add = (LA − RR) ∪ RA
                let without = |members: M| match &right_remove {
                    Some(removed) => members.filter(removed, false, key),
                    None => members,
                };
                let kept_add = left_add.map(without);
                match left_intersect {
                    // intersect = LI − RR
                    Some(left) => (kept_add, Some(without(left)), None),
                    // remove = LR ∪ RR, values reduced
                    None => {
                        let remove =
                            self.union_terms("remove", left_remove, right_remove, key, depth)?;
                        (kept_add, None, remove)
                    }
                }
            }
        };
        let add = self.union_terms("add", kept_add, right_add, key, depth)?;
        Ok(match self.mode {
            Mode::Partial => SetUpdate {
                add,
                intersect,
                remove,
            },
            Mode::Full => SetUpdate {
                add,
                intersect: None,
                remove: None,
            },
        })
    }

    /// `left ∪ right` where either may be absent; members on both sides are
    /// reduced with the annotation at the RHS member's location under `term`.
    fn union_terms<M: SetMembers>(
        &mut self,
        term: &str,
        left: Option<M>,
        right: Option<M>,
        key: &[String],
        depth: usize,
    ) -> Result<Option<M>, ReduceError> {
        match (left, right) {
            (Some(left), Some(right)) => self
                .within(term, |this| left.union(right, key, this, depth))
                .map(Some),
            (left, None) => Ok(left),
            (None, right) => Ok(right),
        }
    }

    /// Runs `f` with `token` pushed onto the current location.
    fn within<T>(&mut self, token: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        let length = self.location.len();
        push_token(&mut self.location, token);
        let result = f(self);
        self.location.truncate(length);
        result
    }
}

/// Which member form the terms of one set update use (reductions.md §4.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetForm {
    /// No terms at all: compatible with either form.
    Empty,
    Object,
    Array,
}

/// The form of a set update, or `None` if it is not a well-formed update: not an
/// object, another property, both `intersect` and `remove`, a term that is
/// neither an object nor an array, or terms of both forms.
fn set_form(update: &Value) -> Option<SetForm> {
    let terms = update.as_object()?;
    if terms.contains_key("intersect") && terms.contains_key("remove") {
        return None;
    }
    let mut form = SetForm::Empty;
    for (name, members) in terms {
        if !matches!(name.as_str(), "add" | "intersect" | "remove") {
            return None;
        }
        let this = match members {
            Value::Object(_) => SetForm::Object,
            Value::Array(_) => SetForm::Array,
            _ => return None,
        };
        if form != SetForm::Empty && form != this {
            return None;
        }
        form = this;
    }
    Some(form)
}

/// One set update split into its terms.
struct SetUpdate<M> {
    add: Option<M>,
    intersect: Option<M>,
    remove: Option<M>,
}

impl<M: SetMembers> SetUpdate<M> {
    /// Splits an update already checked by [`set_form`].
    fn take(update: Value) -> Self {
        let Value::Object(mut terms) = update else {
            return SetUpdate {
                add: None,
                intersect: None,
                remove: None,
            };
        };
        let mut term = |name: &str| terms.remove(name).map(M::from_value);
        SetUpdate {
            add: term("add"),
            intersect: term("intersect"),
            remove: term("remove"),
        }
    }

    fn into_value(self) -> Value {
        let mut terms = Map::new();
        for (name, members) in [
            ("add", self.add),
            ("intersect", self.intersect),
            ("remove", self.remove),
        ] {
            if let Some(members) = members {
                terms.insert(name.to_owned(), members.into_value());
            }
        }
        Value::Object(terms)
    }
}

/// The members of one set term: an object (identity = property name) or an
/// array sorted by the strategy's key (identity = composite key).
trait SetMembers: Sized {
    /// Converts a term already checked to have this form.
    fn from_value(value: Value) -> Self;
    fn into_value(self) -> Value;
    /// `self ∩ other` (keep == true) or `self − other` (keep == false), with `self`'s values.
    fn filter(self, other: &Self, keep: bool, key: &[String]) -> Self;
    /// `self ∪ other`, reducing the values of members on both sides.
    fn union(
        self,
        other: Self,
        key: &[String],
        reducer: &mut Reducer<'_>,
        depth: usize,
    ) -> Result<Self, ReduceError>;
    /// `self ∩ other`, reducing the values of the kept members.
    fn intersect(
        self,
        other: Self,
        key: &[String],
        reducer: &mut Reducer<'_>,
        depth: usize,
    ) -> Result<Self, ReduceError>;
}

impl SetMembers for Map<String, Value> {
    fn from_value(value: Value) -> Self {
        match value {
            Value::Object(members) => members,
            _ => Map::new(), // unreachable: checked by `set_form`
        }
    }

    fn into_value(self) -> Value {
        Value::Object(self)
    }

    fn filter(mut self, other: &Self, keep: bool, _key: &[String]) -> Self {
        self.retain(|name, _| other.contains_key(name) == keep);
        self
    }

    fn union(
        self,
        other: Self,
        _key: &[String],
        reducer: &mut Reducer<'_>,
        depth: usize,
    ) -> Result<Self, ReduceError> {
        reducer.merge_objects(self, other, depth)
    }

    fn intersect(
        self,
        mut other: Self,
        _key: &[String],
        reducer: &mut Reducer<'_>,
        depth: usize,
    ) -> Result<Self, ReduceError> {
        let mut kept = Map::new();
        for (name, left) in self {
            if let Some(right) = other.remove(&name) {
                let reduced = reducer.reduce_property(&name, left, right, depth)?;
                kept.insert(name, reduced);
            }
        }
        Ok(kept)
    }
}

impl SetMembers for Vec<Value> {
    fn from_value(value: Value) -> Self {
        match value {
            Value::Array(members) => members,
            _ => Vec::new(), // unreachable: checked by `set_form`
        }
    }

    fn into_value(self) -> Value {
        Value::Array(self)
    }

    fn filter(self, other: &Self, keep: bool, key: &[String]) -> Self {
        let mut others = other.iter().peekable();
        self.into_iter()
            .filter(|member| {
                // Both sides are sorted by key: skip the smaller members of `other`.
                while others
                    .next_if(|o| compare_by_key(o, member, key) == Ordering::Less)
                    .is_some()
                {}
                let present = others
                    .peek()
                    .is_some_and(|o| compare_by_key(o, member, key) == Ordering::Equal);
                present == keep
            })
            .collect()
    }

    fn union(
        self,
        other: Self,
        key: &[String],
        reducer: &mut Reducer<'_>,
        depth: usize,
    ) -> Result<Self, ReduceError> {
        reducer.merge_join(self, other, key, depth)
    }

    fn intersect(
        self,
        other: Self,
        key: &[String],
        reducer: &mut Reducer<'_>,
        depth: usize,
    ) -> Result<Self, ReduceError> {
        let mut kept = Vec::new();
        let mut left = self.into_iter().peekable();
        let mut right = other.into_iter().enumerate().peekable();
        while let (Some(l), Some((_, r))) = (left.peek(), right.peek()) {
            match compare_by_key(l, r, key) {
                Ordering::Less => {
                    left.next();
                }
                Ordering::Greater => {
                    right.next();
                }
                Ordering::Equal => {
                    if let (Some(l), Some((index, r))) = (left.next(), right.next()) {
                        kept.push(reducer.reduce_item(index, l, r, depth)?);
                    }
                }
            }
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests;
