//! The document's shape: which operation runs, the order fragments are
//! measured in (each after those it spreads, cycles refused), the variables
//! an operation requires.

use super::Refused;
use crate::error::ApiError;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Variables};
use async_graphql_value::ConstValue;
use std::collections::HashMap;

/// The fragments in an order where every fragment comes after those it
/// spreads; a fragment that spreads itself, directly or not, is refused.
pub(super) fn fragments_in_order(document: &ExecutableDocument) -> Result<Vec<&Name>, Refused> {
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
pub(crate) fn pick_operation<'a>(
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
pub(super) fn required_variables_given(operation: &OperationDefinition, variables: &Variables) -> Result<(), Refused> {
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
