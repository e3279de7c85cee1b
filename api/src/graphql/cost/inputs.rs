//! The document's values and directives, looked at before anything reads them.

use super::Refused;
use crate::error::ApiError;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::parser::Positioned;
use async_graphql::registry::Registry;
use async_graphql::{Name, Pos, Variables};
use async_graphql_value::{ConstValue, Value};

type Arguments = [(Positioned<Name>, Positioned<Value>)];
/// What `check_inputs` asks of each place that has directives and arguments.
type Check<'a> = dyn Fn(&[Positioned<Directive>], &Arguments) -> Result<(), Refused> + 'a;

/// Looks at every directive and argument of the document: text PostgreSQL
/// cannot store (the NUL character) in a value or a variable is
/// `BAD_USER_INPUT`, on both databases alike, before anything reads it; a
/// directive the schema does not know is `GRAPHQL_VALIDATION_FAILED`.
pub(super) fn check_inputs(
    document: &ExecutableDocument,
    variables: &Variables,
    registry: &Registry,
) -> Result<(), Refused> {
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

/// Whether a value (a variable's, or a default) holds the NUL character.
fn const_has_nul(value: &ConstValue) -> bool {
    match value {
        ConstValue::String(text) => text.contains('\0'),
        ConstValue::List(items) => items.iter().any(const_has_nul),
        ConstValue::Object(fields) => fields.iter().any(|(key, value)| key.contains('\0') || const_has_nul(value)),
        _ => false,
    }
}
/// Whether a document's value holds the NUL character.
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(fields) => fields.values().any(has_nul),
        _ => false,
    }
}
