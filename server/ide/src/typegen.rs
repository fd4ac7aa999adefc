//! TypeScript declarations of a catalog's collections and registers
//! (runtime.md §8.2) as text: the one generator behind
//! `flowctl/lambdaDocument` (the declarations a lambda's parameters need)
//! and `flowctl typegen` (every collection's, one `.d.ts` file per type
//! name). The types themselves come from `typescript::types` (names and the
//! shape → type mapping, also used by the hover).
//!
//! Declarations are ambient namespaces, so the files are global scripts that
//! any number of them can be loaded together (namespaces merge):
//!
//! ```ts
//! declare namespace collections {
//!     /* title: description */
//!     type AcmeOrders = { … };
//! }
//! declare namespace registers {
//!     type AcmeTotals = number;
//! }
//! ```
//!
//! (Members of a `declare namespace` without `export` are exported.)

use std::collections::BTreeMap;

use load::Loaded;
use model::catalog::Collection;
use schema::Shape;

use crate::semantics;

/// Which generated module a type belongs to (runtime.md §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Module {
    /// `collections.X`: a collection's documents (or an alternate source
    /// schema's).
    Collections,
    /// `registers.X`: a derivation's register.
    Registers,
}

impl Module {
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Collections => "collections",
            Module::Registers => "registers",
        }
    }
}

/// One generated type.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    pub module: Module,
    pub name: String,
    pub shape: Shape,
}

impl Declaration {
    /// How TypeScript refers to it (`collections.AcmeOrders`).
    pub fn reference(&self) -> String {
        format!("{}.{}", self.module.as_str(), self.name)
    }

    /// `type Name = …;` with its doc comment, every line indented by
    /// `indent` spaces.
    pub fn render(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let comment = typescript::types::doc_comment(&self.shape)
            .map(|comment| format!("{pad}{comment}\n"))
            .unwrap_or_default();
        format!(
            "{comment}{pad}type {} = {};",
            self.name,
            typescript::types::render(&self.shape, indent)
        )
    }
}

/// The type of a collection's documents (`any` when its schema does not
/// resolve).
pub fn collection(loaded: &Loaded, collection: &Collection) -> Declaration {
    Declaration {
        module: Module::Collections,
        name: typescript::types::type_name(&collection.name),
        shape: semantics::collection_shape(loaded, collection).unwrap_or_else(Shape::anything),
    }
}

/// The type of a derivation's register.
pub fn register(loaded: &Loaded, derivation: &Collection) -> Declaration {
    Declaration {
        module: Module::Registers,
        name: typescript::types::type_name(&derivation.name),
        shape: semantics::register_shape(loaded, derivation),
    }
}

/// The type of what transform `transform` of `derivation` reads: its
/// alternate source schema's type when it has one (`source.schema`), else
/// the source collection's (`any` when the source is unknown).
pub fn source(loaded: &Loaded, derivation: &Collection, transform: &str) -> Option<Declaration> {
    let (_, _, spec) = derivation
        .transforms()
        .into_iter()
        .find(|(_, name, _)| *name == transform)?;
    let name = &spec.source.name;
    let alternate = derivation.source_schema_url(transform).cloned();
    Some(match alternate {
        Some(url) => Declaration {
            module: Module::Collections,
            name: typescript::types::alternate_type_name(name, url.as_str()),
            shape: schema::shape::infer(&loaded.schemas, &url).unwrap_or_else(Shape::anything),
        },
        None => match semantics::collection_named(loaded, name) {
            Some(source) => collection(loaded, source),
            None => Declaration {
                module: Module::Collections,
                name: typescript::types::type_name(name),
                shape: Shape::anything(),
            },
        },
    })
}

/// Declarations as ambient namespaces: `collections` first, then
/// `registers`, each type once (the first of a name wins), in the order
/// given.
pub fn render(declarations: &[Declaration]) -> String {
    let mut out = String::new();
    for module in [Module::Collections, Module::Registers] {
        let mut seen = std::collections::HashSet::new();
        let members: Vec<String> = declarations
            .iter()
            .filter(|declaration| declaration.module == module)
            .filter(|declaration| seen.insert(declaration.name.as_str()))
            .map(|declaration| declaration.render(4))
            .collect();
        if members.is_empty() {
            continue;
        }
        out.push_str(&format!("declare namespace {} {{\n", module.as_str()));
        for member in members {
            out.push_str(&member);
            out.push('\n');
        }
        out.push_str("}\n");
    }
    out
}

/// The first line of every generated file.
pub const HEADER: &str =
    "// Generated by flowctl from the catalog (runtime.md §8.2). Do not edit: regenerate instead.";

/// `flowctl typegen`'s files: one `<TypeName>.d.ts` per collection type
/// name, holding `collections.<TypeName>` and, for a derivation, its
/// `registers.<TypeName>` and the types of its transforms' alternate source
/// schemas. Collections whose names map to one type name share a file (and
/// the first one's type, as TypeScript would reject two). Sorted by file
/// name; the same catalog always gives the same bytes.
pub fn files(loaded: &Loaded) -> Vec<(String, String)> {
    let mut by_name: BTreeMap<String, Vec<Declaration>> = BTreeMap::new();
    for collection in &loaded.catalog.collections {
        let own = self::collection(loaded, collection);
        let declarations = by_name.entry(own.name.clone()).or_default();
        declarations.push(own);
        if collection.is_derived() {
            declarations.push(register(loaded, collection));
            for (_, transform, spec) in collection.transforms() {
                if spec.source.schema.is_some()
                    && let Some(alternate) = source(loaded, collection, transform)
                {
                    declarations.push(alternate);
                }
            }
        }
    }
    by_name
        .into_iter()
        .map(|(name, declarations)| {
            (
                format!("{name}.d.ts"),
                format!("{HEADER}\n{}", render(&declarations)),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
