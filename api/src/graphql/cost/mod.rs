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
//!   fields that run a query of their own cost more ([`weight`]). Chains of
//!   `Agency.children` are the exception: an object `k` levels down such a
//!   chain is counted by the most descendants `k` levels below one agency,
//!   not by the most children to the power `k` (a province of a hundred
//!   communes without children of their own is a tree of a hundred, not of
//!   ten thousand).
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
use crate::services::list_bounds::{ListBounds, TREE_LEVELS};
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Pos, Variables};
use async_graphql_value::{ConstValue, Value};
use std::cell::Cell;
use std::collections::HashMap;

/// Deepest nesting of selections and fragments (async-graphql's own walks
/// recurse this deep, and no deeper).
pub(crate) const MAX_NESTING: u32 = 64;

/// The limits a document is held to before it is validated.
#[derive(Debug, Clone)]
pub(crate) struct Caps {
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
pub(crate) struct Cost {
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
    /// On an agency: the cost of each of its descendants `k + 1` levels
    /// down through `children`, to be multiplied by how many there can be
    /// when the chain ends ([`Summary::complexity_in`]).
    tree: [u64; TREE_LEVELS],
    introspection: u64,
    depth: u32,
    nesting: u32,
    aliases: u64,
    tracked: u64,
}

impl Summary {
    /// The whole cost on one object, the chains of `children` below it
    /// counted by the most descendants an agency has at each level.
    fn complexity_in(&self, bounds: &ListBounds) -> u64 {
        self.tree.iter().enumerate().fold(self.complexity, |total, (level, cost)| {
            total.saturating_add(bounds.descendants(level + 1).saturating_mul(*cost))
        })
    }

    /// Adds `child`, the selection of `children` on this agency, one level down.
    fn add_children(&mut self, child: &Summary, bounds: &ListBounds) {
        self.tree[0] = self.tree[0].saturating_add(1).saturating_add(child.complexity);
        for level in 1..TREE_LEVELS {
            self.tree[level] = self.tree[level].saturating_add(child.tree[level - 1]);
        }
        // Deeper than the levels counted: each of the deepest level's
        // descendants has at most the most children of one agency.
        let deepest = child.tree[TREE_LEVELS - 1].saturating_mul(bounds.children());
        self.tree[TREE_LEVELS - 1] = self.tree[TREE_LEVELS - 1].saturating_add(deepest);
    }

    /// Adds what a fragment (spread or inline) holds, one level further in.
    fn include(&mut self, inner: &Summary) {
        self.selections = self.selections.saturating_add(inner.selections).saturating_add(1);
        self.complexity = self.complexity.saturating_add(inner.complexity);
        for (level, cost) in self.tree.iter_mut().zip(inner.tree) {
            *level = level.saturating_add(cost);
        }
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
pub(crate) fn measure(
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
        complexity: summary.complexity_in(bounds),
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
pub(crate) struct Refused {
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
            summary.complexity = summary.complexity.saturating_add(child.complexity_in(self.bounds));
            return Some(());
        };
        if parent_name == "Agency" && name == "children" {
            summary.add_children(&child, self.bounds);
            return Some(());
        }
        let child_complexity = child.complexity_in(self.bounds);
        let mut own = weight(parent_name, name).unwrap_or(u64::from(child_type.is_some_and(MetaType::is_composite)));
        if at_root && name == "dossiers" && self.drills_down(field) {
            // A report figure's dossiers: a statement over the whole period, as a report.
            own = own.saturating_add(REPORT_CELL_WEIGHT);
        }
        let cost = if definition.args.contains_key("first") {
            // A connection: one object, its selection produced once per item of the page.
            let page = match self.argument(field, "first") {
                Some(ConstValue::Number(n)) => n.as_u64().unwrap_or(0).min(crate::graphql::context::MAX_PAGE),
                _ => crate::graphql::context::DEFAULT_PAGE,
            };
            own.saturating_add(page.saturating_mul(child_complexity))
        } else if MetaTypeName::create(&definition.ty).is_list() {
            // A whole list: each item an object with its selection.
            let bound = list_bound(self.bounds, parent_name, &definition.name).unwrap_or(UNNAMED_LIST);
            bound.saturating_mul(own.saturating_add(child_complexity))
        } else {
            own.saturating_add(child_complexity)
        };
        summary.complexity = summary.complexity.saturating_add(cost);
        Some(())
    }

    /// Whether a list's filter names a report cell.
    fn drills_down(&self, field: &Field) -> bool {
        let Some(ConstValue::Object(filter)) = self.argument(field, "filter") else {
            // A filter in a variable that is not an object: refused later, when read.
            return false;
        };
        filter.get("reportCell").is_some_and(|cell| *cell != ConstValue::Null)
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

mod bounds;
mod document;
mod inputs;
mod introspection;
#[cfg(test)]
mod tests;

pub(crate) use bounds::{list_bound, UNNAMED_LIST};
use bounds::{weight, REPORT_CELL_WEIGHT};
pub(crate) use document::pick_operation;
use document::{fragments_in_order, required_variables_given};
use inputs::check_inputs;
