//! What a document will cost, worked out in one pass over its text before
//! async-graphql validates or runs it, so that no document can make the
//! server work, or hold memory, in proportion to anything but its own size.
//!
//! Fragments are summed once each, dependencies first (each fragment's
//! figures are computed once and reused at every spread), so a document of
//! fragments that each spread the next twice costs its length to measure,
//! not two to the power of its length. Measured for the operation to run:
//!
//! - **complexity**: every field that returns an object costs 1, scalars 0;
//!   a list multiplies the cost of its selection by what it can return — a
//!   connection by its `first` (20 when absent), a whole list by its bound
//!   ([`list_bound`], read off the data by `services::list_bounds`); a few
//!   fields that run a query of their own cost more ([`weight`]).
//! - **depth**: the deepest nesting of fields, fragments looked through
//!   (introspection's `ofType` chains excepted: they are counted exactly
//!   instead).
//! - **aliases**, and how many `trackDossier` fields the operation holds.
//! - **introspection**: the exact number of values `__schema` and `__type`
//!   will produce, counted over the schema itself.
//!
//! and for the whole document, which validation reads whole: the number of
//! selections once fragments are expanded, and their nesting.

use crate::error::ApiError;
use crate::services::list_bounds::{self, ListBounds};
use async_graphql::parser::types::Directive;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::parser::Positioned;
use async_graphql::registry::{MetaField, MetaInputValue, MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Pos, Variables};
use async_graphql_value::{ConstValue, Value};
use std::cell::Cell;
use std::collections::HashMap;

/// Deepest nesting of selections and fragments (async-graphql's own walks
/// recurse this deep, and no deeper).
pub const MAX_NESTING: u32 = 64;

/// The limits a document is held to before it is validated.
#[derive(Debug, Clone)]
pub struct Caps {
    pub selections: u64,
    pub depth: u32,
    pub aliases: u64,
    pub complexity: u64,
    pub introspection: u64,
    /// Whether `__schema` and `__type` may be asked at all.
    pub introspection_allowed: bool,
}

/// What the operation to run will cost, and the document's size.
#[derive(Debug, Clone)]
pub struct Cost {
    pub kind: OperationType,
    pub selections: u64,
    pub complexity: u64,
    pub introspection: u64,
    pub depth: u32,
    pub aliases: u64,
    pub tracked: u64,
}

/// The figures of one selection set (or fragment).
#[derive(Debug, Default, Clone, Copy)]
struct Summary {
    selections: u64,
    complexity: u64,
    introspection: u64,
    depth: u32,
    nesting: u32,
    aliases: u64,
    tracked: u64,
}

impl Summary {
    /// Adds what a fragment (spread or inline) holds, one level further in.
    fn include(&mut self, inner: &Summary) {
        self.selections = self.selections.saturating_add(inner.selections).saturating_add(1);
        self.complexity = self.complexity.saturating_add(inner.complexity);
        self.introspection = self.introspection.saturating_add(inner.introspection);
        self.depth = self.depth.max(inner.depth);
        self.nesting = self.nesting.max(inner.nesting + 1);
        self.aliases = self.aliases.saturating_add(inner.aliases);
        self.tracked = self.tracked.saturating_add(inner.tracked);
    }
}

/// Measures `document` for the operation `operation_name` would pick, and
/// refuses it when it exceeds `caps`: `LIMIT_EXCEEDED` with the figure and
/// the cap, `GRAPHQL_VALIDATION_FAILED` for a fragment that spreads itself,
/// `OPERATION_RESOLUTION_FAILURE` when no operation can be picked,
/// `BAD_USER_INPUT` for a required variable left out.
pub fn measure(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    registry: &Registry,
    bounds: &ListBounds,
    caps: &Caps,
) -> Result<Cost, Refused> {
    let order = fragments_in_order(document)?;
    let operation = pick_operation(document, operation_name)?;
    check_inputs(document, variables, registry)?;
    required_variables_given(operation, variables)?;
    let mut walker = Walker {
        document,
        registry,
        bounds,
        variables,
        operation,
        fragments: HashMap::with_capacity(order.len()),
        introspection_left: Cell::new(caps.introspection),
    };
    let over = |_: &Walker<'_>| {
        ApiError::limit(format!(
            "the document's introspection would produce more than {} values; at most {} are allowed",
            caps.introspection, caps.introspection
        ))
    };
    for name in order {
        let fragment = &document.fragments[name];
        let on = registry.types.get(fragment.node.type_condition.node.on.node.as_str());
        let summary = walker.selection_set(&fragment.node.selection_set.node, on).ok_or_else(|| over(&walker))?;
        walker.fragments.insert(name, summary);
    }
    let mut selections = 0u64;
    let mut chosen = None;
    for (_, definition) in document.operations.iter() {
        let root = registry.types.get(root_type(registry, definition.node.ty));
        let summary = walker.selection_set(&definition.node.selection_set.node, root).ok_or_else(|| over(&walker))?;
        if summary.nesting > MAX_NESTING {
            return Err(ApiError::limit(format!(
                "the document nests selections and fragments {} levels deep; at most {MAX_NESTING} are allowed",
                summary.nesting
            ))
            .into());
        }
        selections = selections.saturating_add(summary.selections);
        if std::ptr::eq(&definition.node, operation) {
            chosen = Some(summary);
        }
    }
    let summary = chosen.unwrap_or_default();
    let cost = Cost {
        kind: operation.ty,
        selections,
        complexity: summary.complexity,
        introspection: summary.introspection,
        depth: summary.depth,
        aliases: summary.aliases,
        tracked: summary.tracked,
    };
    cost.check(caps)?;
    Ok(cost)
}

impl Cost {
    fn check(&self, caps: &Caps) -> Result<(), Refused> {
        let refuse = |message: String| Err(ApiError::limit(message).into());
        if self.selections > caps.selections {
            return refuse(format!(
                "the document holds {} selections once its fragments are expanded; at most {} are allowed",
                self.selections, caps.selections
            ));
        }
        if self.depth > caps.depth {
            return refuse(format!(
                "the query is nested {} levels deep; at most {} are allowed",
                self.depth, caps.depth
            ));
        }
        if self.aliases > caps.aliases {
            return refuse(format!("the query uses {} aliases; at most {} are allowed", self.aliases, caps.aliases));
        }
        if self.complexity > caps.complexity {
            return refuse(format!(
                "the query's cost is {}; at most {} is allowed (an object costs 1, and a list multiplies its \
                 selection by its page size `first` or by how long it can be)",
                self.complexity, caps.complexity
            ));
        }
        if self.introspection > 0 && !caps.introspection_allowed {
            return Err(ApiError::ValidationFailed(
                "introspection (`__schema`, `__type`) is turned off on this server".into(),
            )
            .into());
        }
        if self.introspection > caps.introspection {
            return refuse(format!(
                "the query's introspection would produce {} values; at most {} are allowed",
                self.introspection, caps.introspection
            ));
        }
        if self.tracked > 1 {
            return refuse(format!(
                "the operation asks `trackDossier` {} times; one lookup per operation is allowed",
                self.tracked
            ));
        }
        Ok(())
    }
}

/// A refusal, with the places in the document it is about.
#[derive(Debug)]
pub struct Refused {
    pub error: ApiError,
    pub locations: Vec<Pos>,
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Self { error, locations: Vec::new() }
    }
}

impl ApiError {
    fn at(self, position: Pos) -> Refused {
        Refused { error: self, locations: vec![position] }
    }
}

/// The fragments in an order where every fragment comes after those it
/// spreads; a fragment that spreads itself, directly or not, is refused.
fn fragments_in_order(document: &ExecutableDocument) -> Result<Vec<&Name>, Refused> {
    let mut spreads: HashMap<&Name, Vec<&Name>> = HashMap::with_capacity(document.fragments.len());
    for (name, fragment) in &document.fragments {
        let mut found = Vec::new();
        spreads_in(&fragment.node.selection_set.node, &mut found);
        found.retain(|spread| document.fragments.contains_key(*spread));
        spreads.insert(name, found);
    }
    // Depth-first, without recursion (a chain of fragments may be as long as the document).
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: HashMap<&Name, Mark> = HashMap::with_capacity(spreads.len());
    let mut order = Vec::with_capacity(spreads.len());
    let mut names: Vec<&Name> = spreads.keys().copied().collect();
    names.sort();
    for start in names {
        if marks.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&Name, usize)> = vec![(start, 0)];
        marks.insert(start, Mark::Open);
        while let Some((name, next)) = stack.last_mut() {
            let children = &spreads[*name];
            if let Some(child) = children.get(*next) {
                *next += 1;
                match marks.get(child) {
                    Some(Mark::Done) => {}
                    Some(Mark::Open) => {
                        let mut cycle: Vec<&str> = stack.iter().map(|(n, _)| n.as_str()).collect();
                        let from = cycle.iter().position(|n| *n == child.as_str()).unwrap_or(0);
                        cycle.drain(..from);
                        cycle.push(child.as_str());
                        let position = document.fragments[*child].pos;
                        return Err(ApiError::ValidationFailed(format!(
                            "the fragment `{child}` spreads itself ({})",
                            cycle.join(" → ")
                        ))
                        .at(position));
                    }
                    None => {
                        marks.insert(child, Mark::Open);
                        stack.push((child, 0));
                    }
                }
            } else {
                marks.insert(name, Mark::Done);
                order.push(*name);
                stack.pop();
            }
        }
    }
    Ok(order)
}

/// The names of the fragments a selection set spreads, at any depth.
fn spreads_in<'a>(set: &'a SelectionSet, found: &mut Vec<&'a Name>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => spreads_in(&field.node.selection_set.node, found),
            Selection::InlineFragment(fragment) => spreads_in(&fragment.node.selection_set.node, found),
            Selection::FragmentSpread(spread) => found.push(&spread.node.fragment_name.node),
        }
    }
}

/// The operation that will run, as async-graphql picks it.
pub fn pick_operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<&'a OperationDefinition, ApiError> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Ok(&operation.node),
        (DocumentOperations::Single(_), Some(name)) => {
            Err(ApiError::OperationResolution(format!("the document has no operation named `{name}`")))
        }
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get(name)
            .map(|operation| &operation.node)
            .ok_or_else(|| ApiError::OperationResolution(format!("the document has no operation named `{name}`"))),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            Ok(&operations.values().next().expect("one operation").node)
        }
        (DocumentOperations::Multiple(operations), None) => {
            let mut names: Vec<&str> = operations.keys().map(Name::as_str).collect();
            names.sort_unstable();
            Err(ApiError::OperationResolution(format!(
                "the document holds several operations ({}): name the one to run in `operationName`",
                names.join(", ")
            )))
        }
    }
}

/// Every variable declared non-null without a default must be given (and not null).
fn required_variables_given(operation: &OperationDefinition, variables: &Variables) -> Result<(), Refused> {
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        let given = variables.get(&definition.name.node).is_some_and(|value| !matches!(value, ConstValue::Null));
        if !definition.var_type.node.nullable && definition.default_value.is_none() && !given {
            return Err(ApiError::BadUserInput(format!(
                "the variable `${}` of type `{}` is required",
                definition.name.node, definition.var_type.node
            ))
            .at(definition.name.pos));
        }
    }
    Ok(())
}

fn root_type(registry: &Registry, kind: OperationType) -> &str {
    match kind {
        OperationType::Query => &registry.query_type,
        OperationType::Mutation => registry.mutation_type.as_deref().unwrap_or_default(),
        OperationType::Subscription => registry.subscription_type.as_deref().unwrap_or_default(),
    }
}

struct Walker<'a> {
    document: &'a ExecutableDocument,
    registry: &'a Registry,
    bounds: &'a ListBounds,
    variables: &'a Variables,
    operation: &'a OperationDefinition,
    fragments: HashMap<&'a Name, Summary>,
    /// Introspection values the document may still produce; counting stops when none are left.
    introspection_left: Cell<u64>,
}

impl Walker<'_> {
    /// The figures of a selection set on `ty` (`None`: a type the schema
    /// lacks, which validation will refuse); `None` when the introspection
    /// budget ran out.
    fn selection_set(&self, set: &SelectionSet, ty: Option<&MetaType>) -> Option<Summary> {
        let mut summary = Summary::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => self.field(&field.node, ty, &mut summary)?,
                Selection::FragmentSpread(spread) => {
                    let inner = self.fragments.get(&spread.node.fragment_name.node).copied().unwrap_or_default();
                    summary.include(&inner);
                    summary.selections = summary.selections.saturating_add(spread.node.directives.len() as u64);
                }
                Selection::InlineFragment(fragment) => {
                    let on = match &fragment.node.type_condition {
                        Some(condition) => self.registry.types.get(condition.node.on.node.as_str()),
                        None => ty,
                    };
                    let inner = self.selection_set(&fragment.node.selection_set.node, on)?;
                    summary.include(&inner);
                    summary.selections = summary.selections.saturating_add(fragment.node.directives.len() as u64);
                }
            }
        }
        Some(summary)
    }

    fn field(&self, field: &Field, parent: Option<&MetaType>, summary: &mut Summary) -> Option<()> {
        let name = field.name.node.as_str();
        let definition = parent.and_then(|parent| parent.field_by_name(name));
        let child_type = definition.and_then(|d| self.registry.types.get(MetaTypeName::concrete_typename(&d.ty)));
        let child = self.selection_set(&field.selection_set.node, child_type)?;
        summary.selections = summary.selections.saturating_add(1 + field.directives.len() as u64 + child.selections);
        summary.aliases = summary.aliases.saturating_add(u64::from(field.alias.is_some()) + child.aliases);
        summary.nesting = summary.nesting.max(child.nesting + 1);
        let parent_name = parent.map(MetaType::name).unwrap_or_default();
        let at_root = parent_name == self.registry.query_type;
        if at_root && (name == "__schema" || name == "__type") {
            let values = self.introspection(field)?;
            summary.introspection = summary.introspection.saturating_add(values);
            summary.depth = summary.depth.max(1);
            return Some(());
        }
        if at_root && name == "trackDossier" {
            summary.tracked += 1;
        }
        summary.depth = summary.depth.max(child.depth + 1);
        summary.introspection = summary.introspection.saturating_add(child.introspection);
        let Some(definition) = definition else {
            summary.complexity = summary.complexity.saturating_add(child.complexity);
            return Some(());
        };
        let own = weight(parent_name, name).unwrap_or(u64::from(child_type.is_some_and(MetaType::is_composite)));
        let cost = if definition.args.contains_key("first") {
            // A connection: one object, its selection produced once per item of the page.
            let page = match self.argument(field, "first") {
                Some(ConstValue::Number(n)) => n.as_u64().unwrap_or(0).min(crate::graphql::context::MAX_PAGE),
                _ => crate::graphql::context::DEFAULT_PAGE,
            };
            own.saturating_add(page.saturating_mul(child.complexity))
        } else if MetaTypeName::create(&definition.ty).is_list() {
            // A whole list: each item an object with its selection.
            let bound = list_bound(self.bounds, parent_name, &definition.name).unwrap_or(UNNAMED_LIST);
            bound.saturating_mul(own.saturating_add(child.complexity))
        } else {
            own.saturating_add(child.complexity)
        };
        summary.complexity = summary.complexity.saturating_add(cost);
        Some(())
    }

    /// The value of a field's argument, its variable looked up.
    fn argument(&self, field: &Field, name: &str) -> Option<ConstValue> {
        match &field.get_argument(name)?.node {
            Value::Variable(variable) => self.variable(variable),
            value => value.clone().into_const(),
        }
    }

    fn variable(&self, name: &Name) -> Option<ConstValue> {
        self.variables.get(name).cloned().or_else(|| {
            self.operation
                .variable_definitions
                .iter()
                .find(|d| d.node.name.node == *name)
                .and_then(|d| d.node.default_value.as_ref().map(|v| v.node.clone()))
        })
    }
}

/// The cost of a field beyond the 1 of an object, for fields that run a
/// statement of their own over many rows.
fn weight(parent: &str, field: &str) -> Option<u64> {
    match (parent, field) {
        ("Query", "dossierReport" | "serviceIndex") => Some(50),
        ("Query", "catalogStats") => Some(10),
        ("DossierConnection", "totalCount") => Some(10),
        _ => None,
    }
}

/// How many items a list field that is not paged can hold. Every list field
/// of the schema is named here (a unit test checks it); a list nobody named
/// counts as [`UNNAMED_LIST`].
pub fn list_bound(bounds: &ListBounds, parent: &str, field: &str) -> Option<u64> {
    Some(match (parent, field) {
        // A page's items are counted by the connection's `first`.
        (connection, "edges" | "nodes") if connection.ends_with("Connection") => 1,
        ("Agency", "children") => bounds.children(),
        ("DossierReport", "rows") => (bounds.children() + 1)
            .max(list_bounds::REPORT_MONTHS)
            .max(bounds.procedure_versions())
            .max(bounds.fields()),
        ("CatalogStats", "byTier" | "byOnlineMode") => 3,
        ("CatalogStats", "byField") => bounds.fields(),
        ("Procedure", "steps") => bounds.steps(),
        ("Procedure", "requiredDocuments") => bounds.required_documents(),
        ("Awaiting", "documents") | ("DossierEvent", "missingDocuments") => bounds.required_documents(),
        ("Dossier", "documents") => list_bounds::DOCUMENTS_PER_DOSSIER,
        ("TrackedDossier", "steps") => list_bounds::TRACKED_STEPS,
        ("Viewer" | "User", "roles") => bounds.roles(),
        ("WorkingCalendar", "days") => 366,
        _ => return None,
    })
}

/// The bound of a list field [`list_bound`] does not name.
pub const UNNAMED_LIST: u64 = 100;

/// An introspection object: what `__schema`, `__type` and their fields return.
#[derive(Clone, Copy)]
enum Meta<'a> {
    Schema,
    /// A type by its reference, wrappers included (`[Agency!]!`).
    Type(&'a str),
    Field(&'a MetaField),
    InputValue(&'a MetaInputValue),
    EnumValue,
    Directive(&'a async_graphql::registry::MetaDirective),
}

/// What an introspection field holds for one object.
enum Produces<'a> {
    Leaf(u64),
    One(Meta<'a>),
    Many(Vec<Meta<'a>>),
}

impl<'a> Walker<'a> {
    /// The exact number of values an introspection root field produces.
    fn introspection(&self, field: &Field) -> Option<u64> {
        let start = match field.name.node.as_str() {
            "__schema" => Some(Meta::Schema),
            _ => match self.argument(field, "name") {
                Some(ConstValue::String(name)) => {
                    self.registry.types.get_key_value(name.as_str()).map(|(name, _)| Meta::Type(name.as_str()))
                }
                _ => None,
            },
        };
        let before = self.introspection_left.get();
        self.spend(1)?;
        if let Some(start) = start {
            self.count(&field.selection_set.node, start, 0)?;
        }
        Some(before - self.introspection_left.get())
    }

    fn spend(&self, values: u64) -> Option<()> {
        let left = self.introspection_left.get().checked_sub(values)?;
        self.introspection_left.set(left);
        Some(())
    }

    /// Counts the values `set` produces on `object`, fragments expanded.
    fn count(&self, set: &SelectionSet, object: Meta<'a>, nesting: u32) -> Option<()> {
        if nesting > MAX_NESTING {
            return None;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    self.spend(1)?;
                    match self.produces(object, &field.node) {
                        Produces::Leaf(values) => self.spend(values.saturating_sub(1))?,
                        Produces::One(inner) => self.count(&field.node.selection_set.node, inner, nesting + 1)?,
                        Produces::Many(items) => {
                            for inner in items {
                                self.spend(1)?;
                                self.count(&field.node.selection_set.node, inner, nesting + 1)?;
                            }
                        }
                    }
                }
                Selection::FragmentSpread(spread) => {
                    self.spend(1)?;
                    if let Some(fragment) = self.document.fragments.get(&spread.node.fragment_name.node) {
                        if self.applies(&fragment.node.type_condition.node.on.node, object) {
                            self.count(&fragment.node.selection_set.node, object, nesting + 1)?;
                        }
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.spend(1)?;
                    let applies =
                        fragment.node.type_condition.as_ref().is_none_or(|c| self.applies(&c.node.on.node, object));
                    if applies {
                        self.count(&fragment.node.selection_set.node, object, nesting + 1)?;
                    }
                }
            }
        }
        Some(())
    }

    fn applies(&self, on: &str, object: Meta<'_>) -> bool {
        let name = match object {
            Meta::Schema => "__Schema",
            Meta::Type(_) => "__Type",
            Meta::Field(_) => "__Field",
            Meta::InputValue(_) => "__InputValue",
            Meta::EnumValue => "__EnumValue",
            Meta::Directive(_) => "__Directive",
        };
        on == name
    }

    fn produces(&self, object: Meta<'a>, field: &Field) -> Produces<'a> {
        let registry = self.registry;
        let name = field.name.node.as_str();
        match object {
            Meta::Schema => match name {
                "types" => Produces::Many(registry.types.keys().map(|name| Meta::Type(name.as_str())).collect()),
                "queryType" => Produces::One(Meta::Type(&registry.query_type)),
                "mutationType" => {
                    registry.mutation_type.as_deref().map_or(Produces::Leaf(1), |t| Produces::One(Meta::Type(t)))
                }
                "subscriptionType" => {
                    registry.subscription_type.as_deref().map_or(Produces::Leaf(1), |t| Produces::One(Meta::Type(t)))
                }
                "directives" => Produces::Many(registry.directives.values().map(Meta::Directive).collect()),
                _ => Produces::Leaf(1),
            },
            Meta::Type(reference) => {
                let wrapped = reference
                    .strip_suffix('!')
                    .or_else(|| reference.strip_prefix('[').and_then(|r| r.strip_suffix(']')));
                if let Some(inner) = wrapped {
                    return match name {
                        "ofType" => Produces::One(Meta::Type(inner)),
                        _ => Produces::Leaf(1),
                    };
                }
                let ty = registry.types.get(reference);
                match (name, ty) {
                    ("fields", Some(MetaType::Object { fields, .. } | MetaType::Interface { fields, .. })) => {
                        Produces::Many(fields.values().map(Meta::Field).collect())
                    }
                    ("interfaces", Some(MetaType::Object { .. })) => Produces::Many(
                        registry
                            .implements
                            .get(reference)
                            .map(|names| names.iter().map(|n| Meta::Type(n.as_str())).collect())
                            .unwrap_or_default(),
                    ),
                    (
                        "possibleTypes",
                        Some(MetaType::Interface { possible_types, .. } | MetaType::Union { possible_types, .. }),
                    ) => Produces::Many(possible_types.iter().map(|n| Meta::Type(n.as_str())).collect()),
                    ("enumValues", Some(MetaType::Enum { enum_values, .. })) => {
                        Produces::Many(enum_values.values().map(|_| Meta::EnumValue).collect())
                    }
                    ("inputFields", Some(MetaType::InputObject { input_fields, .. })) => {
                        Produces::Many(input_fields.values().map(Meta::InputValue).collect())
                    }
                    _ => Produces::Leaf(1),
                }
            }
            Meta::Field(meta) => match name {
                "args" => Produces::Many(meta.args.values().map(Meta::InputValue).collect()),
                "type" => Produces::One(Meta::Type(&meta.ty)),
                _ => Produces::Leaf(1),
            },
            Meta::InputValue(meta) => match name {
                "type" => Produces::One(Meta::Type(&meta.ty)),
                _ => Produces::Leaf(1),
            },
            Meta::EnumValue => Produces::Leaf(1),
            Meta::Directive(meta) => match name {
                "args" => Produces::Many(meta.args.values().map(Meta::InputValue).collect()),
                "locations" => Produces::Leaf(meta.locations.len().max(1) as u64),
                _ => Produces::Leaf(1),
            },
        }
    }
}

type Arguments = [(Positioned<Name>, Positioned<Value>)];
/// What `check_inputs` asks of each place that has directives and arguments.
type Check<'a> = dyn Fn(&[Positioned<Directive>], &Arguments) -> Result<(), Refused> + 'a;

/// Looks at every directive and argument of the document: text PostgreSQL
/// cannot store (the NUL character) in a value or a variable is
/// `BAD_USER_INPUT`, on both databases alike, before anything reads it; a
/// directive the schema does not know is `GRAPHQL_VALIDATION_FAILED`.
fn check_inputs(document: &ExecutableDocument, variables: &Variables, registry: &Registry) -> Result<(), Refused> {
    fn const_has_nul(value: &ConstValue) -> bool {
        match value {
            ConstValue::String(text) => text.contains('\0'),
            ConstValue::List(items) => items.iter().any(const_has_nul),
            ConstValue::Object(fields) => fields.iter().any(|(key, value)| key.contains('\0') || const_has_nul(value)),
            _ => false,
        }
    }
    fn has_nul(value: &Value) -> bool {
        match value {
            Value::String(text) => text.contains('\0'),
            Value::List(items) => items.iter().any(has_nul),
            Value::Object(fields) => fields.values().any(has_nul),
            _ => false,
        }
    }
    let nul = |position: Option<Pos>| Refused {
        error: ApiError::BadUserInput(
            "a string holds the NUL character (U+0000), which cannot be stored: remove it".into(),
        ),
        locations: position.into_iter().collect(),
    };
    let arguments = |arguments: &Arguments| match arguments.iter().find(|(_, value)| has_nul(&value.node)) {
        Some((_, value)) => Err(nul(Some(value.pos))),
        None => Ok(()),
    };
    let directives = |directives: &[Positioned<Directive>]| {
        for directive in directives {
            let name = &directive.node.name.node;
            if !registry.directives.contains_key(name.as_str()) {
                return Err(
                    ApiError::ValidationFailed(format!("the schema has no directive `@{name}`")).at(directive.pos)
                );
            }
            arguments(&directive.node.arguments)?;
        }
        Ok(())
    };
    fn walk(set: &SelectionSet, check: &Check<'_>) -> Result<(), Refused> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    check(&field.node.directives, &field.node.arguments)?;
                    walk(&field.node.selection_set.node, check)?;
                }
                Selection::InlineFragment(fragment) => {
                    check(&fragment.node.directives, &[])?;
                    walk(&fragment.node.selection_set.node, check)?;
                }
                Selection::FragmentSpread(spread) => check(&spread.node.directives, &[])?,
            }
        }
        Ok(())
    }
    if variables.iter().any(|(name, value)| name.contains('\0') || const_has_nul(value)) {
        return Err(nul(None));
    }
    let check = |on: &[Positioned<Directive>], with: &Arguments| {
        directives(on)?;
        arguments(with)
    };
    for (_, operation) in document.operations.iter() {
        directives(&operation.node.directives)?;
        for definition in &operation.node.variable_definitions {
            if definition.node.default_value.as_ref().is_some_and(|value| const_has_nul(&value.node)) {
                return Err(nul(Some(definition.pos)));
            }
        }
        walk(&operation.node.selection_set.node, &check)?;
    }
    for fragment in document.fragments.values() {
        directives(&fragment.node.directives)?;
        walk(&fragment.node.selection_set.node, &check)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
    use async_graphql::parser::types::ExecutableDocument;
    use async_graphql::SchemaEnv;
    use std::sync::{Arc, OnceLock};

    /// The schema's registry, caught by an extension on a first request.
    async fn schema_env() -> SchemaEnv {
        static ENV: OnceLock<SchemaEnv> = OnceLock::new();
        if let Some(env) = ENV.get() {
            return env.clone();
        }
        struct Catch;
        impl ExtensionFactory for Catch {
            fn create(&self) -> Arc<dyn Extension> {
                Arc::new(Catch)
            }
        }
        #[async_graphql::async_trait::async_trait]
        impl Extension for Catch {
            async fn parse_query(
                &self,
                ctx: &ExtensionContext<'_>,
                query: &str,
                variables: &Variables,
                next: NextParseQuery<'_>,
            ) -> async_graphql::ServerResult<ExecutableDocument> {
                let _ = ENV.set(ctx.schema_env.clone());
                next.run(ctx, query, variables).await
            }
        }
        let schema = async_graphql::Schema::build(
            crate::graphql::query::Query,
            crate::graphql::mutation::Mutation,
            crate::graphql::subscription::SubscriptionRoot,
        )
        .extension(Catch)
        .finish();
        schema.execute("{ __typename }").await;
        ENV.get().expect("the schema was caught").clone()
    }

    fn caps() -> Caps {
        Caps {
            selections: u64::MAX,
            depth: u32::MAX,
            aliases: u64::MAX,
            complexity: u64::MAX,
            introspection: 1_000_000,
            introspection_allowed: true,
        }
    }

    async fn cost_of(query: &str, variables: serde_json::Value) -> Cost {
        let env = schema_env().await;
        let document = async_graphql::parser::parse_query(query).expect("the test query parses");
        let variables = Variables::from_json(variables);
        measure(&document, None, &variables, &env.registry, &ListBounds::default(), &caps())
            .unwrap_or_else(|refused| panic!("{query}: {:?}", refused.error))
    }

    #[tokio::test]
    async fn an_object_costs_one_and_lists_multiply_by_their_page_or_their_bound() {
        // The default bounds: 100 children, 20 steps.
        for (query, variables, expected) in [
            (r#"{ agency(code: "91") { code name } }"#, serde_json::json!({}), 1),
            (r#"{ agency(code: "91") { parent { code } } }"#, serde_json::json!({}), 2),
            (r#"{ agency(code: "91") { children { code } } }"#, serde_json::json!({}), 1 + 100),
            (
                r#"{ agency(code: "91") { children { children { code } } } }"#,
                serde_json::json!({}),
                1 + 100 * (1 + 100),
            ),
            ("{ procedures { edges { node { code } } } }", serde_json::json!({}), 1 + 20 * 2),
            ("{ procedures(first: 5) { edges { node { steps { name } } } } }", serde_json::json!({}), 1 + 5 * (2 + 20)),
            (
                "query($n: Int) { procedures(first: $n) { edges { node { code } } } }",
                serde_json::json!({ "n": 7 }),
                1 + 7 * 2,
            ),
            (
                "query($n: Int = 3) { procedures(first: $n) { edges { node { code } } } }",
                serde_json::json!({}),
                1 + 3 * 2,
            ),
            ("{ procedures(first: 1000) { edges { node { code } } } }", serde_json::json!({}), 1 + 100 * 2),
            (
                r#"{ dossierReport(agencyCode: "91", from: "2026-01-01", to: "2026-01-31") { total { received } } }"#,
                serde_json::json!({}),
                51,
            ),
            ("{ __typename }", serde_json::json!({}), 0),
        ] {
            assert_eq!(cost_of(query, variables).await.complexity, expected, "{query}");
        }
    }

    #[tokio::test]
    async fn fragments_count_once_each_however_often_they_are_spread() {
        // 2^60 fields once expanded: measured in an instant, figures saturating.
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..60 {
            query.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
        }
        query.push_str("fragment F60 on Query { a: agency(code: \"91\") { code } }\n");
        let started = std::time::Instant::now();
        let cost = cost_of(&query, serde_json::json!({})).await;
        assert!(started.elapsed() < std::time::Duration::from_millis(100), "{:?}", started.elapsed());
        assert_eq!(cost.complexity, 1 << 60);
        assert_eq!(cost.aliases, 1 << 60);
        assert!(cost.selections > 1 << 60);
        assert_eq!(cost.depth, 2);
    }

    #[tokio::test]
    async fn a_chain_of_fifty_thousand_fragments_is_measured_without_recursing_through_it() {
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..50_000 {
            query.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
        }
        query.push_str("fragment F50000 on Query { __typename }\n");
        let env = schema_env().await;
        let document = async_graphql::parser::parse_query(&query).unwrap();
        let refused = measure(&document, None, &Variables::default(), &env.registry, &ListBounds::default(), &caps())
            .expect_err("nested too deep");
        assert!(matches!(refused.error, ApiError::LimitExceeded { .. }), "{:?}", refused.error);
    }

    #[tokio::test]
    async fn a_cycle_of_fragments_is_named() {
        let env = schema_env().await;
        let document =
            async_graphql::parser::parse_query("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
                .unwrap();
        let refused = measure(&document, None, &Variables::default(), &env.registry, &ListBounds::default(), &caps())
            .expect_err("a cycle");
        match refused.error {
            ApiError::ValidationFailed(message) => assert!(message.contains("A → B → A"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn introspection_is_counted_as_the_values_it_produces() {
        let env = schema_env().await;
        let schema = async_graphql::Schema::build(
            crate::graphql::query::Query,
            crate::graphql::mutation::Mutation,
            crate::graphql::subscription::SubscriptionRoot,
        )
        .finish();
        for query in [
            "{ __schema { types { name fields { name type { name kind ofType { name } } } } } }",
            "{ __type(name: \"Dossier\") { name fields { name args { name } } interfaces { name } } }",
            "{ __schema { directives { name locations args { name } } queryType { name } } }",
            "{ __type(name: \"Nope\") { name } }",
        ] {
            let response = schema.execute(query).await;
            assert!(response.errors.is_empty(), "{query}: {:?}", response.errors);
            fn values(value: &async_graphql::Value) -> u64 {
                match value {
                    async_graphql::Value::Object(fields) => fields.values().map(|v| 1 + values(v)).sum(),
                    async_graphql::Value::List(items) => items
                        .iter()
                        .map(|item| values(item) + u64::from(matches!(item, async_graphql::Value::Object(_))))
                        .sum(),
                    _ => 0,
                }
            }
            let produced = values(&response.data);
            let cost = cost_of(query, serde_json::json!({})).await;
            // Counted over the registry, which holds a few types and fields
            // introspection hides: never fewer, and at most a twentieth more.
            assert!(cost.introspection >= produced, "{query}: counted {} < produced {produced}", cost.introspection);
            let most = produced + produced / 20 + 8;
            assert!(cost.introspection <= most, "{query}: counted {} > {most}", cost.introspection);
        }
        let _ = env;
    }

    #[tokio::test]
    async fn every_list_field_of_the_schema_has_a_bound() {
        let sdl = crate::graphql::sdl();
        let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
        let bounds = ListBounds::default();
        let mut unnamed = Vec::new();
        for definition in &document.definitions {
            let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = definition else { continue };
            let name = ty.node.name.node.as_str();
            let fields = match &ty.node.kind {
                async_graphql::parser::types::TypeKind::Object(object) => &object.fields,
                async_graphql::parser::types::TypeKind::Interface(interface) => &interface.fields,
                _ => continue,
            };
            for field in fields {
                let field = &field.node;
                let is_list = field.ty.node.to_string().starts_with('[');
                let paged = field.arguments.iter().any(|a| a.node.name.node == "first");
                if is_list && !paged && list_bound(&bounds, name, &field.name.node).is_none() {
                    unnamed.push(format!("{name}.{}", field.name.node));
                }
            }
        }
        assert!(unnamed.is_empty(), "list fields without a bound in `list_bound`: {unnamed:?}");
    }
}
