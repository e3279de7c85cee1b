//! Canonical agency paths (`/91/899/30733/`) and the patterns casbin domains use.

/// A set of agencies named by a casbin domain: one agency (`/91/899/`) or an
/// agency with its whole subtree (`/91/*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathPattern {
    /// Exactly the agency with this path.
    Agency(String),
    /// Every agency whose path starts with this one (the agency itself included).
    Subtree(String),
}

impl PathPattern {
    /// Reads a casbin domain. A trailing `*` must follow a slash, so that `/91*`
    /// (which would also match `/911/`) is rejected.
    pub fn parse(domain: &str) -> Option<Self> {
        match domain.strip_suffix('*') {
            Some(prefix) if is_valid_path(prefix) => Some(Self::Subtree(prefix.to_owned())),
            Some(_) => None,
            None if is_valid_path(domain) => Some(Self::Agency(domain.to_owned())),
            None => None,
        }
    }

    /// The casbin domain that names the set: `/91/899/` or `/91/*`.
    pub(crate) fn domain(&self) -> String {
        match self {
            Self::Agency(path) => path.clone(),
            Self::Subtree(prefix) => format!("{prefix}*"),
        }
    }

    /// Whether the agency at `path` belongs to the set.
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Self::Agency(exact) => exact == path,
            Self::Subtree(prefix) => path.starts_with(prefix.as_str()),
        }
    }
}

/// Whether `path` is a canonical path: slash-separated non-empty segments of
/// ASCII letters, digits, dots and hyphens, with leading and trailing slashes.
pub(crate) fn is_valid_path(path: &str) -> bool {
    let Some(inner) = path.strip_prefix('/').and_then(|p| p.strip_suffix('/')) else {
        return false;
    };
    !inner.is_empty()
        && inner.split('/').all(|segment| {
            !segment.is_empty() && segment.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
}

/// The path of a child agency.
pub fn child_path(parent: &str, segment: &str) -> String {
    format!("{parent}{segment}/")
}

/// The exclusive upper bound of the paths below `prefix`, for a range scan:
/// every path starting with `/91/` sorts in `['/91/', '/910')` byte-wise,
/// because `0` is the byte after `/`.
pub(crate) fn subtree_upper_bound(prefix: &str) -> String {
    debug_assert!(prefix.ends_with('/'));
    let mut upper = prefix[..prefix.len() - 1].to_owned();
    upper.push('0');
    upper
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_after_a_slash_is_a_subtree() {
        assert_eq!(PathPattern::parse("/91/*"), Some(PathPattern::Subtree("/91/".into())));
        assert_eq!(PathPattern::parse("/91/899/"), Some(PathPattern::Agency("/91/899/".into())));
    }

    #[test]
    fn a_star_without_a_slash_is_rejected() {
        assert_eq!(PathPattern::parse("/91*"), None);
        assert_eq!(PathPattern::parse("91/"), None);
        assert_eq!(PathPattern::parse("/91//"), None);
        assert_eq!(PathPattern::parse("/9 1/"), None);
    }

    #[test]
    fn a_subtree_contains_itself_and_its_descendants_but_not_its_siblings() {
        let province = PathPattern::parse("/91/*").unwrap();
        assert!(province.contains("/91/"));
        assert!(province.contains("/91/899/30733/"));
        assert!(!province.contains("/911/"));
        assert!(!province.contains("/92/"));
    }

    #[test]
    fn an_agency_pattern_does_not_contain_its_children() {
        let district = PathPattern::parse("/91/899/").unwrap();
        assert!(district.contains("/91/899/"));
        assert!(!district.contains("/91/899/30733/"));
    }

    #[test]
    fn the_upper_bound_excludes_siblings_whose_code_extends_the_prefix() {
        let upper = subtree_upper_bound("/91/");
        assert_eq!(upper, "/910");
        for inside in ["/91/", "/91/899/", "/91/STP/", "/91/zzz/"] {
            assert!(inside >= "/91/" && inside < upper.as_str(), "{inside}");
        }
        for outside in ["/911/", "/910/", "/92/", "/9/"] {
            assert!(!(outside >= "/91/" && outside < upper.as_str()), "{outside}");
        }
    }

    #[test]
    fn child_paths_append_a_segment() {
        assert_eq!(child_path("/91/899/", "30733"), "/91/899/30733/");
    }
}
