//! A [`Scope`] as a SQL condition. A list is never filtered by tenant in
//! Rust: this condition goes into the query.

use crate::domain::paths::{subtree_upper_bound, PathPattern};
use crate::domain::scope::Scope;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

/// A scope as a condition on a path column.
pub(crate) trait ScopeCondition {
    /// `column` names an agency in the scope. Subtrees become byte-wise range
    /// conditions (`path >= '/91/' AND path < '/910'`), which a btree index on
    /// the path serves on both databases; an empty scope matches nothing.
    fn condition(&self, column: impl ColumnTrait) -> Condition;
}

impl ScopeCondition for Scope {
    fn condition(&self, column: impl ColumnTrait) -> Condition {
        scope_on(self, &column_of(column))
    }
}

/// `column` names an agency matched by `pattern`.
pub(crate) fn pattern_expr(column: impl ColumnTrait, pattern: &PathPattern) -> SimpleExpr {
    pattern_on(&column_of(column), pattern)
}

/// `column`, named with its table.
fn column_of(column: impl ColumnTrait) -> SimpleExpr {
    Expr::col((column.entity_name(), column)).into()
}

/// The path `path` (any expression) names an agency in `scope`, as
/// [`ScopeCondition::condition`] does for a column.
pub(crate) fn scope_on(scope: &Scope, path: &SimpleExpr) -> Condition {
    scope
        .patterns()
        .iter()
        .fold(Condition::any(), |any, pattern| any.add(pattern_on(path, pattern)))
        .add_option(scope.is_empty().then(|| Expr::val(1).eq(0)))
}

/// The path `path` names an agency matched by `pattern`.
fn pattern_on(path: &SimpleExpr, pattern: &PathPattern) -> SimpleExpr {
    let path = || Expr::expr(path.clone());
    match pattern {
        PathPattern::Agency(agency) => path().eq(agency.as_str()),
        PathPattern::Subtree(prefix) => path().gte(prefix.as_str()).and(path().lt(subtree_upper_bound(prefix))),
    }
}
