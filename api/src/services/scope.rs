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
        self.patterns()
            .iter()
            .fold(Condition::any(), |any, pattern| any.add(pattern_expr(column, pattern)))
            .add_option(self.is_empty().then(|| Expr::val(1).eq(0)))
    }
}

/// `column` names an agency matched by `pattern`.
pub(crate) fn pattern_expr(column: impl ColumnTrait, pattern: &PathPattern) -> SimpleExpr {
    match pattern {
        PathPattern::Agency(path) => column.eq(path.as_str()),
        PathPattern::Subtree(prefix) => column.gte(prefix.as_str()).and(column.lt(subtree_upper_bound(prefix))),
    }
}

/// The path `path` (any expression) names an agency in `scope`, as
/// [`ScopeCondition::condition`] does for a column.
pub(crate) fn scope_on(scope: &Scope, path: &SimpleExpr) -> Condition {
    let on = |pattern: &PathPattern| match pattern {
        PathPattern::Agency(agency) => Expr::expr(path.clone()).eq(agency.as_str()),
        PathPattern::Subtree(prefix) => {
            Expr::expr(path.clone()).gte(prefix.as_str()).and(Expr::expr(path.clone()).lt(subtree_upper_bound(prefix)))
        }
    };
    scope
        .patterns()
        .iter()
        .fold(Condition::any(), |any, pattern| any.add(on(pattern)))
        .add_option(scope.is_empty().then(|| Expr::val(1).eq(0)))
}
