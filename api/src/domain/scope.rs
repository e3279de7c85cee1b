//! The agencies a caller may act in: a union of agency and subtree
//! patterns, worked out from casbin's grants (`auth::authz`) and turned into
//! a SQL condition by `services::scope`.

use super::paths::PathPattern;

/// A set of agencies: the union of agency and subtree patterns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    patterns: Vec<PathPattern>,
}

impl Scope {
    /// The union of `patterns`, without the ones another pattern already covers.
    pub fn new(patterns: impl IntoIterator<Item = PathPattern>) -> Self {
        let all: Vec<PathPattern> = patterns.into_iter().collect();
        let mut kept: Vec<PathPattern> = Vec::new();
        for (index, pattern) in all.iter().enumerate() {
            let covered = all.iter().enumerate().any(|(other_index, other)| {
                other_index != index
                    && match (other, pattern) {
                        (PathPattern::Subtree(outer), PathPattern::Subtree(inner)) => {
                            inner.starts_with(outer.as_str()) && (inner != outer || other_index < index)
                        }
                        (PathPattern::Subtree(outer), PathPattern::Agency(path)) => path.starts_with(outer.as_str()),
                        (PathPattern::Agency(a), PathPattern::Agency(b)) => a == b && other_index < index,
                        (PathPattern::Agency(_), PathPattern::Subtree(_)) => false,
                    }
            });
            if !covered {
                kept.push(pattern.clone());
            }
        }
        Self { patterns: kept }
    }

    /// Nowhere: the caller may not do this anywhere.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether the agency at `path` is in the scope.
    pub fn contains(&self, path: &str) -> bool {
        self.patterns.iter().any(|pattern| pattern.contains(path))
    }

    /// Whether every agency `pattern` names is in the scope (a subtree is
    /// covered only by a subtree at or above it: agencies added to it later
    /// belong to it too).
    pub(crate) fn covers(&self, pattern: &PathPattern) -> bool {
        match pattern {
            PathPattern::Agency(path) => self.contains(path),
            PathPattern::Subtree(inner) => self.patterns.iter().any(|mine| match mine {
                PathPattern::Subtree(outer) => inner.starts_with(outer.as_str()),
                PathPattern::Agency(_) => false,
            }),
        }
    }

    /// The patterns of the scope.
    pub fn patterns(&self) -> &[PathPattern] {
        &self.patterns
    }

    /// The agencies both in the scope and matched by `pattern`.
    pub fn intersect(&self, pattern: &PathPattern) -> Self {
        let within = |inner: &str, outer: &str| inner.starts_with(outer);
        Self::new(self.patterns.iter().filter_map(|mine| match (mine, pattern) {
            (PathPattern::Agency(a), PathPattern::Agency(b)) => (a == b).then(|| mine.clone()),
            (PathPattern::Agency(a), PathPattern::Subtree(s)) | (PathPattern::Subtree(s), PathPattern::Agency(a)) => {
                within(a, s).then(|| PathPattern::Agency(a.clone()))
            }
            (PathPattern::Subtree(s), PathPattern::Subtree(t)) => {
                if within(t, s) {
                    Some(pattern.clone())
                } else {
                    within(s, t).then(|| mine.clone())
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(domains: &[&str]) -> Scope {
        Scope::new(domains.iter().map(|d| PathPattern::parse(d).unwrap()))
    }

    #[test]
    fn a_subtree_is_covered_only_by_a_subtree_at_or_above_it() {
        let commune_admin = scope(&["/91/899/30733/"]);
        let district_admin = scope(&["/91/899/*"]);
        let pattern = |d: &str| PathPattern::parse(d).unwrap();
        assert!(commune_admin.covers(&pattern("/91/899/30733/")));
        assert!(!commune_admin.covers(&pattern("/91/899/30733/*")));
        assert!(!commune_admin.covers(&pattern("/91/899/")));
        assert!(district_admin.covers(&pattern("/91/899/*")));
        assert!(district_admin.covers(&pattern("/91/899/30733/*")));
        assert!(district_admin.covers(&pattern("/91/899/")));
        assert!(!district_admin.covers(&pattern("/91/*")));
        assert!(!district_admin.covers(&pattern("/91/")));
        assert!(!district_admin.covers(&pattern("/91/8990/*")));
        assert_eq!(pattern("/91/*").domain(), "/91/*");
    }

    #[test]
    fn a_subtree_absorbs_the_agencies_and_subtrees_below_it() {
        let merged = scope(&["/91/899/30733/", "/91/*", "/91/899/*", "/92/"]);
        assert_eq!(merged.patterns(), &[PathPattern::Subtree("/91/".into()), PathPattern::Agency("/92/".into())]);
    }

    #[test]
    fn an_intersection_keeps_what_both_sides_cover() {
        let province = scope(&["/91/*"]);
        assert_eq!(province.intersect(&PathPattern::parse("/91/899/*").unwrap()), scope(&["/91/899/*"]));
        assert_eq!(province.intersect(&PathPattern::parse("/91/899/").unwrap()), scope(&["/91/899/"]));
        assert_eq!(province.intersect(&PathPattern::parse("/92/*").unwrap()), scope(&[]));
        let district = scope(&["/91/899/*"]);
        assert_eq!(district.intersect(&PathPattern::parse("/91/*").unwrap()), district);
        assert_eq!(district.intersect(&PathPattern::parse("/91/900/30766/").unwrap()), scope(&[]));
        let leader = scope(&["/91/899/"]);
        assert_eq!(leader.intersect(&PathPattern::parse("/91/899/*").unwrap()), leader);
        assert_eq!(leader.intersect(&PathPattern::parse("/91/899/30733/").unwrap()), scope(&[]));
    }

    #[test]
    fn duplicates_are_kept_once() {
        assert_eq!(scope(&["/91/", "/91/"]).patterns().len(), 1);
        assert_eq!(scope(&["/91/*", "/91/*"]).patterns().len(), 1);
    }

    #[test]
    fn an_agency_does_not_absorb_its_subtree() {
        assert_eq!(scope(&["/91/", "/91/899/*"]).patterns().len(), 2);
    }
}
