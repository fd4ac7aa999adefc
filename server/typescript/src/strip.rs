//! The type-blanking pass: TypeScript body in, JavaScript of identical layout out.
//!
//! The body is parsed with tree-sitter-typescript, wrapped as the body of an
//! `async function` (so top-level `return` and `await` parse), and every
//! TypeScript-only construct is overwritten with spaces (line breaks inside it are
//! kept). This is what swc's and ts-blank-space's "strip only" modes do.
//!
//! Two constructs have a runtime meaning and are transformed as `tsc` emits them
//! (runtime.md §8.3: type-correct code must build): `enum` and `const enum`
//! become `var E; (function (E) { E[E["A"] = 0] = "A"; … })(E || (E = {}));`
//! (members also bound by name for later initializers), and constructor
//! parameter properties (`constructor(private x: T)`) lose their modifier and
//! get `this.x = x;` after the constructor's `{` (after its `super(…)` call in a
//! derived class). These rewrites never add or remove a line break, so every
//! line keeps its number; only columns on the lines of an enum, and after the
//! `{` of such a constructor, move. Namespaces and `import x = …` are reported.
//!
//! Two small departures from pure blanking keep the output correct JavaScript while
//! preserving every byte position:
//! * a removed declaration (`type`, `interface`, `declare`, overload signatures,
//!   abstract or `declare` class members) leaves a `;` in its first byte, so the
//!   statement before it cannot run into the statement after it through ASI;
//! * an arrow function whose return type spans lines gets its `)` moved to the end
//!   of the blanked type, because JavaScript forbids a line break before `=>`.
//!
//! Syntax errors: unbalanced brackets and unterminated strings are found by a scan
//! over the tokens (it names the culprit precisely); anything else comes from
//! tree-sitter's ERROR and MISSING nodes. Positions are zero-based lines and UTF-16
//! columns inside the body. The pass is linear in the size of the body.

use text::{ColumnUnit, LineIndex};
use tree_sitter::{Node, Parser, TreeCursor};

/// The result of [`strip_types`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The body with TypeScript-only syntax blanked: same lines, and same byte
    /// length and bytes at every position outside the blanked constructs, except
    /// on the lines of an `enum` or of a constructor with parameter properties
    /// (see the module docs).
    pub javascript: String,
    /// Syntax errors, in source order. Empty when the body parsed cleanly.
    pub errors: Vec<SyntaxError>,
}

/// A syntax error inside a lambda body. Lines are zero-based within the body;
/// columns are zero-based UTF-16 code units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
}

/// What the body is wrapped in before parsing. Positions in the wrapped text are
/// shifted back by `PREFIX.len()` before they are reported.
const PREFIX: &str = "async function lambda() {\n";
const SUFFIX: &str = "\n}";

/// At most this many errors are reported for one body; the rest are usually echoes
/// of the first.
const MAX_ERRORS: usize = 10;

/// Bodies at least this long are stripped in two halves at once when a
/// split is found (see [`strip_in_halves`]): tree-sitter parsing a 1 MB body
/// is most of a build's critical path, and the other core is idle meanwhile.
const SPLIT_BYTES: usize = 256 * 1024;

/// Blanks the TypeScript-only syntax of a lambda body and reports its syntax errors.
pub fn strip_types(source: &str) -> Stripped {
    if source.len() >= SPLIT_BYTES
        && let Some(split) = split_point(source)
        && let Some(stripped) = strip_in_halves(source, split)
    {
        return stripped;
    }
    strip_whole(source).0
}

/// A line start near the middle of `source` whose previous line ends with
/// `;` (the candidate end of a statement), searching forward then back.
fn split_point(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let ends_statement = |newline: usize| {
        let line = &bytes[..newline];
        line.trim_ascii_end().last() == Some(&b';')
    };
    let middle = source.len() / 2;
    let forward = bytes[middle..]
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'\n')
        .map(|(at, _)| middle + at)
        .find(|&newline| ends_statement(newline));
    let found = forward.or_else(|| {
        (0..middle)
            .rev()
            .filter(|&at| bytes[at] == b'\n')
            .find(|&newline| ends_statement(newline))
    })?;
    let split = found + 1;
    (split < source.len()).then_some(split)
}

/// [`strip_whole`] of `source`, computed as the strips of `source[..split]`
/// and `source[split..]` on two threads, when that is certainly the same:
/// both halves are clean (no syntax error of any kind, so every bracket,
/// string, template and comment of each closes inside it, and neither closes
/// the wrapper) and the first half's last statement ends with an explicit
/// `;` followed by nothing but white space. A statement list cut after a
/// complete statement that ends with `;` is the two lists one after the
/// other (nothing can continue a statement past its own `;` except `else` or
/// `while` after an `if`/`do`, and a half starting with either is not
/// clean), and the blanking of a statement looks only inside it. `None`
/// when the halves cannot tell (the caller strips the whole body).
fn strip_in_halves(source: &str, split: usize) -> Option<Stripped> {
    let (first, second) = source.split_at(split);
    let (first, second) = std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .spawn_scoped(scope, || strip_whole(second))
            .ok()?;
        let first = strip_whole(first);
        Some((first, other.join().ok()?))
    })?;
    let ((first, last_end), (second, _)) = (first, second);
    let ends_with_semicolon = last_end.is_some_and(|end| {
        end <= split
            && source.as_bytes()[..end].last() == Some(&b';')
            && source.as_bytes()[end..split].trim_ascii().is_empty()
    });
    if !(first.errors.is_empty() && second.errors.is_empty() && ends_with_semicolon) {
        return None;
    }
    let mut javascript = first.javascript;
    javascript.push_str(&second.javascript);
    Some(Stripped {
        javascript,
        errors: Vec::new(),
    })
}

/// [`strip_types`] with one parse of the whole body; with the stripped body,
/// where the body's last statement ends (a body offset) when that statement
/// is a clean one whose last token is `;`.
fn strip_whole(source: &str) -> (Stripped, Option<usize>) {
    let wrapped = format!("{PREFIX}{source}{SUFFIX}");
    let body = PREFIX.len()..PREFIX.len() + source.len();

    let mut parser = Parser::new();
    let language: tree_sitter::Language = tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into();
    let tree = match parser.set_language(&language) {
        Ok(()) => parser.parse(wrapped.as_bytes(), None),
        Err(_) => None,
    };
    let Some(tree) = tree else {
        // Only a tree-sitter ABI mismatch or cancellation gets here.
        let stripped = Stripped {
            javascript: source.to_owned(),
            errors: vec![SyntaxError {
                line: 0,
                column: 0,
                end_line: 0,
                end_column: 0,
                message: "the TypeScript parser is unavailable".to_owned(),
            }],
        };
        return (stripped, None);
    };

    let mut pass = Pass {
        source: wrapped.as_bytes(),
        output: wrapped.as_bytes().to_vec(),
        writes: Vec::new(),
        replacements: Vec::new(),
        errors: Vec::new(),
    };
    let root = tree.root_node();
    let mut brackets = Brackets {
        body: body.clone(),
        open: Vec::new(),
        problem: None,
    };
    pass.strip(root, &mut brackets);
    for (offset, byte) in std::mem::take(&mut pass.writes) {
        if let Some(slot) = pass.output.get_mut(offset) {
            *slot = byte;
        }
    }
    // The body's end moves with the rewrites inside it.
    let output_body = pass.apply_replacements(body.clone());

    let mut problems = std::mem::take(&mut pass.errors);
    let mut syntax = brackets.finish();
    if syntax.is_empty() && root.has_error() {
        syntax = tree_errors(root, wrapped.as_bytes());
    }
    if syntax.is_empty() {
        syntax = check_wrapper(root, wrapped.len());
    }
    problems.extend(syntax);
    problems.sort_by_key(|problem| problem.start);
    problems.truncate(MAX_ERRORS);
    let last_end = last_statement_end(root).and_then(|end| end.checked_sub(body.start));
    free_tree(tree, source.len());

    // The output only ever replaced whole characters with ASCII bytes (or wrote ASCII
    // bytes over ASCII bytes), so it is still UTF-8; the fallback never runs.
    let output = &pass.output[output_body];
    let javascript = match std::str::from_utf8(output) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(output).into_owned(),
    };

    let index = LineIndex::new(source);
    let to_body = |offset: usize| -> u32 {
        let clamped = offset.clamp(body.start, body.end) - body.start;
        u32::try_from(clamped).unwrap_or(u32::MAX)
    };
    let errors = problems
        .into_iter()
        .map(|problem| {
            let start = index.position(source, to_body(problem.start), ColumnUnit::Utf16);
            let end = index.position(
                source,
                to_body(problem.end.max(problem.start)),
                ColumnUnit::Utf16,
            );
            SyntaxError {
                line: start.line,
                column: start.character,
                end_line: end.line,
                end_column: end.character,
                message: problem.message,
            }
        })
        .collect();
    (Stripped { javascript, errors }, last_end)
}

/// Where the wrapper's last statement ends (an offset in the wrapped text),
/// if its last token is a `;` (not an automatic one).
fn last_statement_end(root: Node<'_>) -> Option<usize> {
    let block = root
        .named_child(0)
        .filter(|function| function.kind() == "function_declaration")?
        .child_by_field_name("body")?;
    let last = block.named_child(u32::try_from(block.named_child_count().checked_sub(1)?).ok()?)?;
    let mut leaf = last;
    while let Some(child) = leaf
        .child_count()
        .checked_sub(1)
        .and_then(|i| leaf.child(i))
    {
        leaf = child;
    }
    (leaf.kind() == ";"
        && !leaf.is_named()
        && !leaf.is_missing()
        && leaf.end_byte() == last.end_byte())
    .then_some(last.end_byte())
}

/// Bodies at least this long have their syntax tree freed on a thread of its
/// own: freeing a 1 MB body's tree is a twentieth of stripping it, and
/// nothing waits for it.
const FREE_APART_BYTES: usize = 256 * 1024;

/// Drops `tree`, on another thread when the body is large (and here when no
/// thread can be started).
fn free_tree(tree: tree_sitter::Tree, body_bytes: usize) {
    if body_bytes >= FREE_APART_BYTES {
        // On failure the closure, and the tree with it, is dropped here.
        let _ = std::thread::Builder::new().spawn(move || drop(tree));
    }
}

/// A problem found in the wrapped text, located by byte offsets into it.
struct Problem {
    start: usize,
    end: usize,
    message: String,
}

impl Problem {
    fn at(node: Node<'_>, message: String) -> Problem {
        Problem {
            start: node.start_byte(),
            end: node.end_byte(),
            message,
        }
    }
}

/// State of the blanking walk.
struct Pass<'a> {
    source: &'a [u8],
    output: Vec<u8>,
    /// Single bytes written after all blanking (`;` and moved `)`), so that a later
    /// blanking of an enclosing range cannot erase them.
    writes: Vec<(usize, u8)>,
    /// Ranges rewritten with other text (enums, parameter properties), applied
    /// last; never overlapping, and every line break of a range is kept.
    replacements: Vec<(usize, usize, String)>,
    /// Constructs that cannot be blanked.
    errors: Vec<Problem>,
}

impl Pass<'_> {
    /// Walks the whole tree once, iteratively (deeply nested input cannot overflow
    /// the stack), blanking what [`Pass::visit`] asks for and feeding every token to
    /// the bracket scan (one walk: on a large body, moving through the tree costs
    /// as much as parsing it).
    fn strip<'t>(&mut self, root: Node<'t>, brackets: &mut Brackets<'t>) {
        let mut cursor = root.walk();
        let mut depth = 0usize;
        // The depth of a node whose subtree `visit` is done with (its tokens
        // still go to the bracket scan).
        let mut visited_below: Option<usize> = None;
        loop {
            let node = cursor.node();
            if visited_below.is_none() && !self.visit(node) {
                visited_below = Some(depth);
            }
            // Nothing inside a string is code or a type.
            let descend =
                brackets.token(node) && (visited_below.is_none() || brackets.problem.is_none());
            if descend && cursor.goto_first_child() {
                depth += 1;
                continue;
            }
            // To the next node in document order outside this one.
            loop {
                if visited_below == Some(depth) {
                    visited_below = None;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
                if depth == 0 || !cursor.goto_parent() {
                    return;
                }
                depth -= 1;
            }
        }
    }

    /// Handles one node; returns whether its children still need visiting.
    fn visit(&mut self, node: Node<'_>) -> bool {
        match node.kind() {
            "type_annotation"
            | "type_predicate_annotation"
            | "asserts_annotation"
            | "type_parameters"
            | "type_arguments"
            | "implements_clause"
            | "accessibility_modifier"
            | "override_modifier" => {
                self.blank(node.start_byte(), node.end_byte());
                false
            }
            "type_alias_declaration"
            | "interface_declaration"
            | "ambient_declaration"
            | "function_signature"
            | "index_signature"
            | "method_signature"
            | "abstract_method_signature" => {
                self.remove_declaration(node);
                false
            }
            "non_null_expression" => {
                self.blank_token_children(node, &["!"]);
                true
            }
            "as_expression" | "satisfies_expression" => {
                let mut cursor = node.walk();
                let keyword = node
                    .children(&mut cursor)
                    .find(|child| matches!(child.kind(), "as" | "satisfies") && !child.is_named());
                if let Some(keyword) = keyword {
                    self.blank(keyword.start_byte(), node.end_byte());
                }
                true
            }
            "public_field_definition" => {
                if has_token_child(node, &["declare", "abstract"]) {
                    self.remove_declaration(node);
                    return false;
                }
                self.blank_token_children(node, &["readonly", "?", "!"]);
                true
            }
            "method_definition" => {
                self.blank_token_children(node, &["?"]);
                true
            }
            "abstract_class_declaration" => {
                self.blank_token_children(node, &["abstract"]);
                true
            }
            "variable_declarator" => {
                self.blank_token_children(node, &["!"]);
                true
            }
            "required_parameter" | "optional_parameter" => self.parameter(node),
            "arrow_function" => {
                self.arrow_return_type(node);
                true
            }
            "enum_declaration" => {
                self.enum_declaration(node);
                // Initializers may hold types to blank.
                true
            }
            "internal_module" | "module" => {
                self.errors.push(Problem::at(
                    node,
                    "TypeScript namespaces are not supported in lambdas (they cannot be stripped to JavaScript)".to_owned(),
                ));
                false
            }
            "import_alias" => {
                self.errors.push(Problem::at(
                    node,
                    "`import … =` aliases are not supported in lambdas".to_owned(),
                ));
                false
            }
            _ => true,
        }
    }

    /// `this: T` parameters disappear with their comma; `x?` loses its `?`;
    /// constructor parameter properties (`public x`) have a runtime meaning and are
    /// reported.
    fn parameter(&mut self, node: Node<'_>) -> bool {
        if node
            .child_by_field_name("pattern")
            .is_some_and(|pattern| pattern.kind() == "this")
        {
            let mut end = node.end_byte();
            if let Some(next) = node.next_sibling().filter(|next| next.kind() == ",") {
                end = next.end_byte();
            }
            self.blank(node.start_byte(), end);
            return false;
        }
        let mut cursor = node.walk();
        let property = node.children(&mut cursor).any(|child| {
            matches!(child.kind(), "accessibility_modifier" | "override_modifier")
                || (child.kind() == "readonly" && !child.is_named())
        });
        if property {
            self.parameter_property(node);
        }
        self.blank_token_children(node, &["?", "readonly"]);
        true
    }

    /// `constructor(public x)`: `this.x = x;` at the start of the constructor
    /// (after `super(…)` when there is one), as `tsc` emits it.
    fn parameter_property(&mut self, node: Node<'_>) {
        let name = node
            .child_by_field_name("pattern")
            .filter(|pattern| pattern.kind() == "identifier");
        let constructor = node
            .parent()
            .and_then(|parameters| parameters.parent())
            .filter(|method| method.kind() == "method_definition");
        let body = constructor.and_then(|method| method.child_by_field_name("body"));
        let (Some(name), Some(body)) = (name, body) else {
            self.errors.push(Problem::at(
                node,
                "a parameter property must be a plain name in a constructor".to_owned(),
            ));
            return;
        };
        let name = self.text(name);
        let mut at = body.start_byte() + 1;
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            let is_super = statement.kind() == "expression_statement"
                && statement
                    .named_child(0)
                    .filter(|call| call.kind() == "call_expression")
                    .and_then(|call| call.child_by_field_name("function"))
                    .is_some_and(|function| function.kind() == "super");
            if is_super {
                at = statement.end_byte();
                break;
            }
        }
        let text = format!(" this.{name} = {name};");
        match self
            .replacements
            .iter_mut()
            .find(|(start, end, _)| *start == at && *end == at)
        {
            Some((_, _, existing)) => existing.push_str(&text),
            None => self.replacements.push((at, at, text)),
        }
    }

    /// `[const] enum E { A, B = x }` as `tsc` emits it (see the module docs).
    fn enum_declaration(&mut self, node: Node<'_>) {
        let (Some(name), Some(body)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        let enum_name = self.text(name);
        let Some(open) = body.child(0).filter(|open| open.kind() == "{") else {
            return;
        };
        self.replace(
            node.start_byte(),
            open.end_byte(),
            format!("var {enum_name}; (function ({enum_name}) {{"),
        );
        let mut previous: Option<String> = None;
        let mut cursor = body.walk();
        let children: Vec<Node<'_>> = body.children(&mut cursor).collect();
        for child in children {
            match child.kind() {
                "," => self.blank(child.start_byte(), child.end_byte()),
                "}" => self.replace(
                    child.start_byte(),
                    child.end_byte(),
                    format!("}})({enum_name} || ({enum_name} = {{}}));"),
                ),
                "enum_assignment" | "property_identifier" | "string" | "number" => {
                    let (member, value) = if child.kind() == "enum_assignment" {
                        (
                            child.child_by_field_name("name"),
                            child.child_by_field_name("value"),
                        )
                    } else {
                        (Some(child), None)
                    };
                    let Some(member) = member else {
                        continue;
                    };
                    let key = match member.kind() {
                        "string" => self.text(member),
                        "property_identifier" | "number" => string_literal(&self.text(member)),
                        _ => {
                            self.errors.push(Problem::at(
                                member,
                                "computed enum member names are not supported".to_owned(),
                            ));
                            continue;
                        }
                    };
                    let slot = format!("{enum_name}[{key}]");
                    let binding = Some(self.text(member))
                        .filter(|text| {
                            member.kind() == "property_identifier"
                                && *text != enum_name
                                && !is_reserved_word(text)
                        })
                        .map(|text| format!(" const {text} = {slot};"))
                        .unwrap_or_default();
                    let reverse =
                        format!(" if (typeof {slot} !== \"string\") {enum_name}[{slot}] = {key};");
                    match value {
                        Some(value) => {
                            self.replace(
                                child.start_byte(),
                                value.start_byte(),
                                format!("{slot} = ("),
                            );
                            self.replace(
                                value.end_byte(),
                                child.end_byte(),
                                format!(");{reverse}{binding}"),
                            );
                        }
                        None => {
                            let value = match &previous {
                                Some(previous) => format!("{previous} + 1"),
                                None => "0".to_owned(),
                            };
                            self.replace(
                                child.start_byte(),
                                child.end_byte(),
                                format!("{slot} = {value};{reverse}{binding}"),
                            );
                        }
                    }
                    previous = Some(slot);
                }
                _ => {}
            }
        }
    }

    /// The source text of a node.
    fn text(&self, node: Node<'_>) -> String {
        String::from_utf8_lossy(&self.source[node.start_byte()..node.end_byte()]).into_owned()
    }

    /// Rewrites `start..end` as `text` followed by the range's own line breaks,
    /// so that no line moves.
    fn replace(&mut self, start: usize, end: usize, mut text: String) {
        let end = end.min(self.source.len()).max(start);
        for &byte in &self.source[start..end] {
            if byte == b'\n' {
                text.push('\n');
            }
        }
        self.replacements.push((start, end, text));
    }

    /// Applies the replacements inside `body` to the output; returns where the
    /// body now lies in it.
    fn apply_replacements(&mut self, body: std::ops::Range<usize>) -> std::ops::Range<usize> {
        if self.replacements.is_empty() {
            return body;
        }
        let mut replacements = std::mem::take(&mut self.replacements);
        replacements.retain(|(start, end, _)| *start >= body.start && *end <= body.end);
        replacements.sort_by_key(|(start, end, _)| (*start, *end));
        let mut output = Vec::with_capacity(self.output.len() + replacements.len() * 40);
        let mut at = 0;
        let mut body_end = body.end;
        for (start, end, text) in replacements {
            if start < at {
                continue;
            }
            output.extend_from_slice(&self.output[at..start]);
            output.extend_from_slice(text.as_bytes());
            body_end = body_end + text.len() - (end - start);
            at = end;
        }
        output.extend_from_slice(&self.output[at..]);
        self.output = output;
        body.start..body_end
    }

    /// JavaScript forbids a line break between an arrow function's `)` and `=>`;
    /// a multi-line return type would leave one, so the `)` moves to the last byte
    /// of the blanked type.
    fn arrow_return_type(&mut self, node: Node<'_>) {
        let Some(return_type) = node.child_by_field_name("return_type") else {
            return;
        };
        let Some(parameters) = node.child_by_field_name("parameters") else {
            return;
        };
        let spans_lines = self.source[return_type.start_byte()..return_type.end_byte()]
            .iter()
            .any(|&byte| byte == b'\n' || byte == b'\r');
        if !spans_lines
            || parameters.end_byte() == parameters.start_byte()
            || return_type.end_byte() == 0
        {
            return;
        }
        let close = parameters.end_byte() - 1;
        if self.source.get(close) != Some(&b')') {
            return;
        }
        self.blank(close, close + 1);
        self.writes.push((return_type.end_byte() - 1, b')'));
    }

    /// Blanks a whole declaration and leaves a `;` in its first byte (harmless as a
    /// statement or class member, and it stops ASI from joining its neighbours).
    fn remove_declaration(&mut self, node: Node<'_>) {
        self.blank(node.start_byte(), node.end_byte());
        if node.end_byte() > node.start_byte() {
            self.writes.push((node.start_byte(), b';'));
        }
    }

    /// Blanks the direct anonymous children of `node` whose kind is in `kinds`.
    fn blank_token_children(&mut self, node: Node<'_>, kinds: &[&str]) {
        let mut cursor = node.walk();
        let tokens: Vec<(usize, usize)> = node
            .children(&mut cursor)
            .filter(|child| !child.is_named() && kinds.contains(&child.kind()))
            .map(|child| (child.start_byte(), child.end_byte()))
            .collect();
        for (start, end) in tokens {
            self.blank(start, end);
        }
    }

    /// Overwrites `start..end` with spaces, keeping line breaks. Every byte of a
    /// multi-byte character becomes a space, so byte offsets never move.
    fn blank(&mut self, start: usize, end: usize) {
        let end = end.min(self.output.len());
        if let Some(bytes) = self.output.get_mut(start..end) {
            for byte in bytes {
                if *byte != b'\n' && *byte != b'\r' {
                    *byte = b' ';
                }
            }
        }
    }
}

/// `text` as a JavaScript string literal.
fn string_literal(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('"');
    for ch in text.chars() {
        match ch {
            '"' => literal.push_str("\\\""),
            '\\' => literal.push_str("\\\\"),
            _ => literal.push(ch),
        }
    }
    literal.push('"');
    literal
}

/// Words that cannot name a binding (`const`, a parameter) in strict code:
/// the one list for type stripping and the lambda host.
pub fn is_reserved_word(word: &str) -> bool {
    matches!(
        word,
        "break"
            | "case"
            | "catch"
            | "class"
            | "const"
            | "continue"
            | "debugger"
            | "default"
            | "delete"
            | "do"
            | "else"
            | "enum"
            | "export"
            | "extends"
            | "false"
            | "finally"
            | "for"
            | "function"
            | "if"
            | "import"
            | "in"
            | "instanceof"
            | "new"
            | "null"
            | "return"
            | "super"
            | "switch"
            | "this"
            | "throw"
            | "true"
            | "try"
            | "typeof"
            | "var"
            | "void"
            | "while"
            | "with"
            | "yield"
            | "let"
            | "static"
            | "implements"
            | "interface"
            | "package"
            | "private"
            | "protected"
            | "public"
            | "await"
            | "arguments"
            | "eval"
    )
}

fn has_token_child(node: Node<'_>, kinds: &[&str]) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .any(|child| !child.is_named() && kinds.contains(&child.kind()))
}

/// Moves the cursor to the next node in document order that is not a descendant of
/// the current one; false at the end of the tree.
fn advance(cursor: &mut TreeCursor<'_>) -> bool {
    loop {
        if cursor.goto_next_sibling() {
            return true;
        }
        if !cursor.goto_parent() {
            return false;
        }
    }
}

/// Checks that brackets match and strings end, over the tokens inside the body,
/// fed in document order by [`Pass::strip`]'s walk. Finds at most one problem:
/// the first mismatch, or else the innermost opener that is never closed.
struct Brackets<'t> {
    body: std::ops::Range<usize>,
    open: Vec<Node<'t>>,
    /// The first mismatch; the scan stops there.
    problem: Option<Problem>,
}

impl<'t> Brackets<'t> {
    /// Looks at one node; returns false for a string (whose children are text).
    fn token(&mut self, node: Node<'t>) -> bool {
        let is_string = node.kind() == "string" && node.is_named();
        if self.problem.is_some() {
            return !is_string;
        }
        let inside = node.start_byte() >= self.body.start && node.end_byte() <= self.body.end;
        if is_string {
            if inside && !string_is_closed(node) {
                self.problem = Some(unterminated_string(node));
            }
            return false;
        }
        if node.child_count() == 0 && inside && !node.is_missing() && !node.is_named() {
            self.problem = self.leaf(node);
        }
        true
    }

    fn leaf(&mut self, node: Node<'t>) -> Option<Problem> {
        match node.kind() {
            "(" | "[" | "{" | "${" => self.open.push(node),
            "`" => {
                if self.open.last().is_some_and(|top| top.kind() == "`") {
                    self.open.pop();
                } else {
                    self.open.push(node);
                }
            }
            "\"" | "'" => return Some(unterminated_string(node)),
            closer @ (")" | "]" | "}") => {
                let expected = self.open.last().map(|top| closing(top.kind()));
                match expected {
                    Some(expected) if expected == closer => {
                        self.open.pop();
                    }
                    Some("`") => {
                        // A bracket inside a template's text is text; only `${`
                        // opens code, so this token cannot be here.
                        return Some(Problem::at(node, format!("unexpected \"{closer}\"")));
                    }
                    Some(expected) => {
                        return Some(Problem::at(
                            node,
                            format!("unexpected \"{closer}\", expected \"{expected}\""),
                        ));
                    }
                    None => {
                        let message = if closer == "}" {
                            "unexpected \"}\": there is no \"{\" for it to close in the lambda body"
                                .to_owned()
                        } else {
                            format!("unexpected \"{closer}\"")
                        };
                        return Some(Problem::at(node, message));
                    }
                }
            }
            _ => {}
        }
        None
    }

    /// The problem found, if any, once every token was seen.
    fn finish(self) -> Vec<Problem> {
        if let Some(problem) = self.problem {
            return vec![problem];
        }
        match self.open.last() {
            None => Vec::new(),
            Some(opener) if opener.kind() == "`" => vec![Problem {
                start: opener.start_byte(),
                end: opener.end_byte(),
                message: "unterminated template literal".to_owned(),
            }],
            Some(opener) => vec![Problem {
                start: opener.start_byte(),
                end: opener.end_byte(),
                message: format!(
                    "\"{}\" is never closed (expected \"{}\")",
                    opener.kind(),
                    closing(opener.kind())
                ),
            }],
        }
    }
}

fn closing(opener: &str) -> &'static str {
    match opener {
        "(" => ")",
        "[" => "]",
        "`" => "`",
        _ => "}",
    }
}

/// A string node is closed when it starts and ends with the same, real, quote token.
fn string_is_closed(node: Node<'_>) -> bool {
    let count = node.child_count();
    let (Some(first), Some(last)) = (
        node.child(0),
        count.checked_sub(1).and_then(|i| node.child(i)),
    ) else {
        return false;
    };
    count >= 2
        && !first.is_named()
        && first.kind() == last.kind()
        && !last.is_missing()
        && last.start_byte() > first.start_byte()
}

fn unterminated_string(node: Node<'_>) -> Problem {
    Problem {
        start: node.start_byte(),
        end: node.end_byte().max(node.start_byte() + 1),
        message: "unterminated string".to_owned(),
    }
}

/// Errors from tree-sitter's recovery: the outermost ERROR nodes and the MISSING
/// tokens outside them.
fn tree_errors(root: Node<'_>, source: &[u8]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let mut descend = node.has_error();
        if node.is_missing() {
            let expected = if node.is_named() {
                node.kind().replace('_', " ")
            } else {
                format!("\"{}\"", node.kind())
            };
            problems.push(Problem::at(node, format!("expected {expected}")));
            descend = false;
        } else if node.is_error() {
            problems.push(error_node_problem(node, source));
            descend = false;
        }
        if problems.len() >= MAX_ERRORS {
            break;
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        if !advance(&mut cursor) {
            break;
        }
    }
    problems
}

/// Describes an ERROR node by one of its tokens: its only token; or, when it spans
/// lines, the first token of its last line (recovery tends to swallow the valid
/// tokens before the offending one, which sits on the line where parsing broke);
/// otherwise its first token.
fn error_node_problem(node: Node<'_>, source: &[u8]) -> Problem {
    // A cursor made at `node` never leaves its subtree.
    let mut leaves = Vec::new();
    let mut cursor = node.walk();
    loop {
        let current = cursor.node();
        if current.child_count() == 0 && current.end_byte() > current.start_byte() {
            leaves.push(current);
        }
        if cursor.goto_first_child() {
            continue;
        }
        if !advance(&mut cursor) {
            break;
        }
    }
    let chosen = match leaves.as_slice() {
        [] => None,
        [only] => Some(*only),
        [first, ..] => {
            let last_row = node.end_position().row;
            if node.start_position().row != last_row {
                leaves
                    .iter()
                    .find(|leaf| leaf.start_position().row == last_row)
                    .copied()
                    .or(Some(*first))
            } else {
                Some(*first)
            }
        }
    };
    match chosen {
        Some(token) => {
            let text = String::from_utf8_lossy(&source[token.start_byte()..token.end_byte()]);
            let text: String = text.chars().take(40).collect();
            Problem {
                start: token.start_byte(),
                end: node.end_byte(),
                message: format!("unexpected \"{text}\""),
            }
        }
        None => Problem::at(node, "syntax error".to_owned()),
    }
}

/// The wrapped text must be exactly one function whose body runs to the wrapper's
/// closing brace; anything else means the body closed it early.
fn check_wrapper(root: Node<'_>, wrapped_len: usize) -> Vec<Problem> {
    let function = root.named_child(0);
    let body_end = function
        .filter(|function| function.kind() == "function_declaration")
        .and_then(|function| function.child_by_field_name("body"))
        .map(|body| body.end_byte());
    if root.named_child_count() == 1 && body_end == Some(wrapped_len) {
        return Vec::new();
    }
    let at = body_end.map_or(0, |end| end.saturating_sub(1));
    vec![Problem {
        start: at,
        end: at + 1,
        message: "unexpected \"}\": it closes the lambda body early".to_owned(),
    }]
}

#[cfg(test)]
mod tests;
