//! The global container filter: which containers keep the API access they have today.
//! It narrows and never grants; names are matched by globs (`*`, `?`).

/// Which containers keep the access they have today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerFilter {
    /// Names or globs that keep access.
    pub include: Vec<String>,
    /// Names or globs that lose access.
    pub exclude: Vec<String>,
    /// Whether init containers keep access.
    pub init_containers: bool,
}

/// Why the filter does not keep a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    /// It is an init container and `initContainers` is false.
    InitContainer,
    /// `exclude` has this glob, which matches it.
    Excluded(String),
    /// No glob of `include` matches it.
    NotIncluded,
}

impl ContainerFilter {
    /// Whether a container of this name (an init container when `init`) keeps access.
    pub fn keeps(&self, name: &str, init: bool) -> bool {
        self.why_dropped(name, init).is_none()
    }

    /// Why a container is not kept, or `None` when it is.
    pub fn why_dropped(&self, name: &str, init: bool) -> Option<Dropped> {
        if init && !self.init_containers {
            Some(Dropped::InitContainer)
        } else if let Some(g) = self.exclude.iter().find(|g| glob_match(g, name)) {
            Some(Dropped::Excluded(g.clone()))
        } else if !self.include.iter().any(|g| glob_match(g, name)) {
            Some(Dropped::NotIncluded)
        } else {
            None
        }
    }
}

/// Whether `glob` can match container names: lower-case letters, digits, `-`, and the
/// wildcards `*` and `?`.
pub fn is_container_glob(glob: &str) -> bool {
    !glob.is_empty()
        && glob.chars().all(|ch| {
            ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '-' | '*' | '?')
        })
}

/// Matches `name` against a glob where `*` is any run of characters and `?` any one.
/// Linear in practice: one backtrack point, as in the classic wildcard matcher.
pub fn glob_match(glob: &str, name: &str) -> bool {
    let (g, n) = (glob.as_bytes(), name.as_bytes());
    let (mut gi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match g.get(gi) {
            Some(b'*') => {
                star = Some((gi, ni));
                gi += 1;
            }
            Some(&c) if c == b'?' || Some(&c) == n.get(ni) => {
                gi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sg, sn)) => {
                    gi = sg + 1;
                    ni = sn + 1;
                    star = Some((sg, sn + 1));
                }
                None => return false,
            },
        }
    }
    g.get(gi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("linkerd-*", "linkerd-proxy"));
        assert!(!glob_match("linkerd-*", "app"));
        assert!(glob_match("a?c*", "abcdef"));
        assert!(glob_match("*-proxy", "linkerd-proxy"));
        assert!(!glob_match("", "x"));
        assert!(glob_match("**", ""));
        assert!(
            is_container_glob("linkerd-*") && !is_container_glob("App") && !is_container_glob("")
        );
    }

    #[test]
    fn reasons() {
        let f = ContainerFilter {
            include: vec!["a*".into()],
            exclude: vec!["ab".into()],
            init_containers: false,
        };
        assert_eq!(f.why_dropped("ax", true), Some(Dropped::InitContainer));
        assert_eq!(
            f.why_dropped("ab", false),
            Some(Dropped::Excluded("ab".into()))
        );
        assert_eq!(f.why_dropped("b", false), Some(Dropped::NotIncluded));
        assert!(f.keeps("ax", false));
    }
}
