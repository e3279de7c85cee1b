//! Introspection counted exactly: the values `__schema` and `__type` will
//! produce, walked over the schema's registry, fragments expanded, until the
//! budget runs out.

use super::{Walker, MAX_NESTING};
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::{MetaField, MetaInputValue, MetaType};
use async_graphql_value::ConstValue;

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
    pub(super) fn introspection(&self, field: &Field) -> Option<u64> {
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
