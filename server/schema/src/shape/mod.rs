//! Shape inference (catalog.md §7): a static summary of the documents a
//! schema admits, location by location, used by the build-time checks (C8,
//! C10, C11, C23), canonical projections and the TypeScript generator.
//!
//! * [`Shape`], [`Types`], [`Reduction`]: the data (§7.1), here.
//! * `infer`: shape of a schema in a [`SchemaIndex`](crate::SchemaIndex).
//! * `ops`: intersection and union.
//! * `locate`: existence of a location (§7.2).
//! * `inspect`: the C8 inspections (§7.4).
//! * `keys`: key-like locations (C10, §7.5) and canonical projections (§7.6).

mod infer;
mod inspect;
mod keys;
mod locate;
mod ops;

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::reduce::Strategy;

pub use infer::{infer, infer_without_origins};
pub use inspect::{Inspection, inspect};
pub use keys::{Projection, canonical_projections, check_key_location, key_reduction_warning};
pub use locate::{Exists, Located};

/// A set of JSON types. `INTEGER` and `FRACTIONAL` are separate members;
/// `type: number` in a schema is both ([`Types::NUMBER`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Types(u8);

impl Types {
    pub const NONE: Types = Types(0);
    pub const NULL: Types = Types(1);
    pub const BOOLEAN: Types = Types(1 << 1);
    pub const INTEGER: Types = Types(1 << 2);
    /// Numbers with a fractional part ("number" in catalog.md §7.1).
    pub const FRACTIONAL: Types = Types(1 << 3);
    pub const STRING: Types = Types(1 << 4);
    pub const OBJECT: Types = Types(1 << 5);
    pub const ARRAY: Types = Types(1 << 6);
    /// `type: number`: integers and fractional numbers.
    pub const NUMBER: Types = Types(Self::INTEGER.0 | Self::FRACTIONAL.0);
    pub const ALL: Types = Types(0x7f);

    /// The types a schema `type` name stands for.
    pub fn from_name(name: &str) -> Option<Types> {
        Some(match name {
            "null" => Self::NULL,
            "boolean" => Self::BOOLEAN,
            "integer" => Self::INTEGER,
            "number" => Self::NUMBER,
            "string" => Self::STRING,
            "object" => Self::OBJECT,
            "array" => Self::ARRAY,
            _ => return None,
        })
    }

    /// The type of one JSON value (numbers without a fractional part are integers).
    pub fn of_value(value: &Value) -> Types {
        match value {
            Value::Null => Self::NULL,
            Value::Bool(_) => Self::BOOLEAN,
            Value::Number(n) if n.is_i64() || n.is_u64() => Self::INTEGER,
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 => Self::INTEGER,
                _ => Self::FRACTIONAL,
            },
            Value::String(_) => Self::STRING,
            Value::Array(_) => Self::ARRAY,
            Value::Object(_) => Self::OBJECT,
        }
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Whether every type of `other` is in `self`.
    pub fn contains(self, other: Types) -> bool {
        self.0 & other.0 == other.0
    }
    /// Whether `self` and `other` share a type.
    pub fn overlaps(self, other: Types) -> bool {
        self.0 & other.0 != 0
    }
    pub fn union(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }
    pub fn intersection(self, other: Types) -> Types {
        Types(self.0 & other.0)
    }
    pub fn difference(self, other: Types) -> Types {
        Types(self.0 & !other.0)
    }

    /// Type names in alphabetical order. Integers and fractional numbers
    /// together, or fractional numbers alone, are named `number`.
    pub fn names(self) -> Vec<&'static str> {
        let mut names = Vec::new();
        let number = if self.contains(Self::FRACTIONAL) {
            Some("number")
        } else if self.contains(Self::INTEGER) {
            Some("integer")
        } else {
            None
        };
        if self.contains(Self::ARRAY) {
            names.push("array");
        }
        if self.contains(Self::BOOLEAN) {
            names.push("boolean");
        }
        if number == Some("integer") {
            names.push("integer");
        }
        if self.contains(Self::NULL) {
            names.push("null");
        }
        if number == Some("number") {
            names.push("number");
        }
        if self.contains(Self::OBJECT) {
            names.push("object");
        }
        if self.contains(Self::STRING) {
            names.push("string");
        }
        names
    }
}

impl std::ops::BitOr for Types {
    type Output = Types;
    fn bitor(self, rhs: Types) -> Types {
        self.union(rhs)
    }
}

impl std::ops::BitAnd for Types {
    type Output = Types;
    fn bitand(self, rhs: Types) -> Types {
        self.intersection(rhs)
    }
}

/// `integer, string`; `nothing` for the empty set.
impl std::fmt::Display for Types {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return f.write_str("nothing");
        }
        f.write_str(&self.names().join(", "))
    }
}

impl std::fmt::Debug for Types {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Types({self})")
    }
}

/// The `reduce` strategy of a location, as far as the shape knows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Reduction {
    #[default]
    Unset,
    Strategy(Strategy),
    /// Different strategies in different branches of a union.
    Multiple,
}

impl Reduction {
    pub fn is_unset(&self) -> bool {
        matches!(self, Reduction::Unset)
    }
    pub fn strategy(&self) -> Option<&Strategy> {
        match self {
            Reduction::Strategy(s) => Some(s),
            _ => None,
        }
    }
}

/// A `patternProperties` regular expression (ECMA-262 flavour, as the
/// validator understands it). An invalid expression matches nothing.
#[derive(Clone)]
pub struct Pattern {
    source: Box<str>,
    compiled: Option<Arc<jsonschema::Validator>>,
}

impl Pattern {
    pub fn new(source: &str) -> Pattern {
        let compiled = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft201909)
            .build(&serde_json::json!({ "pattern": source }))
            .ok()
            .map(Arc::new);
        Pattern {
            source: source.into(),
            compiled,
        }
    }
    pub fn as_str(&self) -> &str {
        &self.source
    }
    /// Whether the expression is found anywhere in `name` (unanchored).
    pub fn is_match(&self, name: &str) -> bool {
        self.compiled
            .as_ref()
            .is_some_and(|v| v.is_valid(&Value::String(name.to_string())))
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

/// Facts of one kind that most locations lack (string facts, array facts,
/// object facts, annotations): nothing is allocated until one is set.
/// Reads see the empty facts when there are none; a write through
/// `DerefMut` allocates them (inference drops empty ones when it is done).
#[derive(Clone, Default)]
pub struct Facts<T: Kind>(Option<Box<T>>);

/// A kind of [`Facts`]: its empty value (no fact known).
pub trait Kind: Default + 'static {
    /// The empty facts, shared.
    fn empty() -> &'static Self;
    fn is_empty(&self) -> bool;
}

impl<T: Kind> Facts<T> {
    /// Whether any fact of this kind is known (something is allocated).
    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// The facts, leaving none.
    pub fn take(&mut self) -> Facts<T> {
        Facts(self.0.take())
    }

    /// The facts, moved out (the empty ones when there are none).
    pub fn into_inner(self) -> T {
        self.0.map(|facts| *facts).unwrap_or_default()
    }

    /// Frees empty facts (a write may have allocated them).
    pub(crate) fn drop_if_empty(&mut self) {
        if self.0.as_deref().is_some_and(T::is_empty) {
            self.0 = None;
        }
    }

    /// Mutable facts when some are allocated (no allocation otherwise).
    pub(crate) fn get_mut(&mut self) -> Option<&mut T> {
        self.0.as_deref_mut()
    }
}

impl<T: Kind> std::ops::Deref for Facts<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match &self.0 {
            Some(facts) => facts,
            None => T::empty(),
        }
    }
}

impl<T: Kind> std::ops::DerefMut for Facts<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

impl<T: Kind + PartialEq> PartialEq for Facts<T> {
    fn eq(&self, other: &Facts<T>) -> bool {
        **self == **other
    }
}

impl<T: Kind + std::fmt::Debug> std::fmt::Debug for Facts<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// Annotations of a location: enum values, title and description.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Annotations {
    pub enum_values: Option<Vec<Value>>,
    pub title: Option<Box<str>>,
    pub description: Option<Box<str>>,
}

static NO_ANNOTATIONS: Annotations = Annotations {
    enum_values: None,
    title: None,
    description: None,
};

impl Kind for Annotations {
    fn empty() -> &'static Self {
        &NO_ANNOTATIONS
    }
    fn is_empty(&self) -> bool {
        self.enum_values.is_none() && self.title.is_none() && self.description.is_none()
    }
}

/// Facts about string values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StringShape {
    pub format: Option<Box<str>>,
    pub content_type: Option<Box<str>>,
    pub content_encoding: Option<Box<str>>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
}

static NO_STRING_FACTS: StringShape = StringShape {
    format: None,
    content_type: None,
    content_encoding: None,
    min_length: None,
    max_length: None,
};

impl Kind for StringShape {
    fn empty() -> &'static Self {
        &NO_STRING_FACTS
    }
    fn is_empty(&self) -> bool {
        *self == NO_STRING_FACTS
    }
}

/// Facts about array values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArrayShape {
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    /// Shapes of the leading items (`items` in list form).
    pub tuple: Vec<Shape>,
    /// Shape of every other item (`items` as a schema, or `additionalItems`).
    pub additional: Option<Box<Shape>>,
}

static NO_ARRAY_FACTS: ArrayShape = ArrayShape {
    min_items: None,
    max_items: None,
    tuple: Vec::new(),
    additional: None,
};

impl Kind for ArrayShape {
    fn empty() -> &'static Self {
        &NO_ARRAY_FACTS
    }
    fn is_empty(&self) -> bool {
        self.min_items.is_none()
            && self.max_items.is_none()
            && self.tuple.is_empty()
            && self.additional.is_none()
    }
}

/// Facts about object values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectShape {
    pub properties: Vec<Property>,
    pub patterns: Vec<PatternProperty>,
    pub additional: Option<Box<Shape>>,
}

static NO_OBJECT_FACTS: ObjectShape = ObjectShape {
    properties: Vec::new(),
    patterns: Vec::new(),
    additional: None,
};

impl Kind for ObjectShape {
    fn empty() -> &'static Self {
        &NO_OBJECT_FACTS
    }
    fn is_empty(&self) -> bool {
        self.properties.is_empty() && self.patterns.is_empty() && self.additional.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: Box<str>,
    pub is_required: bool,
    pub shape: Shape,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatternProperty {
    pub pattern: Pattern,
    pub shape: Shape,
}

/// Where a shape was declared: schema document URL and the pointer of the
/// sub-schema inside it. A build reports C8 problems at this sub-schema's key.
/// The URL is shared by every shape one inference finds in its document.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    document: Arc<Url>,
    pointer: Box<str>,
}

impl Origin {
    pub fn new(document: Arc<Url>, pointer: &str) -> Origin {
        Origin {
            document,
            pointer: pointer.into(),
        }
    }
    /// The URL of the schema document.
    pub fn document(&self) -> &Url {
        &self.document
    }
    /// The pointer of the sub-schema inside it.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }
}

/// The inferred shape of one location (catalog.md §7.1). Small: the facts
/// most locations lack are allocated only when present ([`Facts`]), so a
/// scalar location is a few words (`layout_is_small` pins its size).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub types: Types,
    pub reduction: Reduction,
    /// The first sub-schema that described this location (`None` from
    /// [`infer_without_origins`]).
    pub origin: Option<Box<Origin>>,
    /// Enum values, title and description (see the accessors).
    pub annotations: Facts<Annotations>,
    pub string: Facts<StringShape>,
    pub array: Facts<ArrayShape>,
    pub object: Facts<ObjectShape>,
}

static ANYTHING: Shape = Shape::anything();
static NEVER: Shape = Shape::never();

impl Shape {
    /// The shape of the schema `true`: any value.
    pub const fn anything() -> Shape {
        Shape {
            types: Types::ALL,
            reduction: Reduction::Unset,
            origin: None,
            annotations: Facts(None),
            string: Facts(None),
            array: Facts(None),
            object: Facts(None),
        }
    }

    /// The shape of the schema `false`: no value.
    pub const fn never() -> Shape {
        Shape {
            types: Types::NONE,
            reduction: Reduction::Unset,
            origin: None,
            annotations: Facts(None),
            string: Facts(None),
            array: Facts(None),
            object: Facts(None),
        }
    }

    /// The enum (or `const`) values the location is limited to, if any.
    pub fn enum_values(&self) -> Option<&[Value]> {
        self.annotations.enum_values.as_deref()
    }

    pub fn title(&self) -> Option<&str> {
        self.annotations.title.as_deref()
    }

    pub fn description(&self) -> Option<&str> {
        self.annotations.description.as_deref()
    }

    /// The named property `name`, if the shape declares it.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.object.properties.iter().find(|p| *p.name == *name)
    }

    /// Whether `null` is a possible value.
    pub fn is_nullable(&self) -> bool {
        self.types.overlaps(Types::NULL)
    }

    pub(crate) fn anything_ref() -> &'static Shape {
        &ANYTHING
    }

    pub(crate) fn never_ref() -> &'static Shape {
        &NEVER
    }
}

#[cfg(test)]
mod tests;
