//! Statements of which containers of a workload get API access: what they say
//! ([`ApiAccess`]), who said it ([`StatedBy`]), and the Kubernetes name rules they are
//! checked against.

/// Which containers of one workload get API access, as a statement about that workload
/// says: the annotation `harden-sa-token.dev/api-access`, a rule, or the RBAC evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiAccess {
    /// No container: automount off, no token volume.
    None,
    /// Every container and init container.
    All,
    /// Exactly these containers (or init containers), by name.
    Containers(Vec<String>),
}

impl ApiAccess {
    /// Whether the statement gives access to the container of this name.
    pub fn grants(&self, name: &str) -> bool {
        match self {
            ApiAccess::None => false,
            ApiAccess::All => true,
            ApiAccess::Containers(names) => names.iter().any(|n| n == name),
        }
    }

    /// The annotation form: `none`, `all`, or a comma list of container names. The
    /// error is the name that is not one.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "none" => Ok(ApiAccess::None),
            "all" => Ok(ApiAccess::All),
            list => {
                let names: Vec<String> = list.split(',').map(|n| n.trim().to_owned()).collect();
                match names.iter().find(|n| !is_dns_label(n)) {
                    Some(bad) => Err(bad.clone()),
                    None => Ok(ApiAccess::Containers(names)),
                }
            }
        }
    }
}

/// Where a statement was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatedBy {
    /// The annotation on the Pod template.
    TemplateAnnotation,
    /// The annotation on the workload.
    WorkloadAnnotation,
    /// The config's `rules[i]`.
    Rule(usize),
    /// `rbac: apply`: nothing in the input grants the ServiceAccount any right.
    NoRbacGrant {
        /// The ServiceAccount, as `namespace/name` or `name`.
        account: String,
    },
}

/// A statement about one workload that sets its access exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// What it says.
    pub access: ApiAccess,
    /// Where it was said.
    pub by: StatedBy,
}

/// A DNS-1123 label, as Kubernetes requires of container and volume names.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A DNS-1123 subdomain, as Kubernetes requires of ConfigMap names.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_values() {
        assert_eq!(ApiAccess::parse("none"), Ok(ApiAccess::None));
        assert_eq!(ApiAccess::parse(" all "), Ok(ApiAccess::All));
        assert_eq!(
            ApiAccess::parse("app, leader-elector"),
            Ok(ApiAccess::Containers(vec![
                "app".into(),
                "leader-elector".into()
            ]))
        );
        assert_eq!(ApiAccess::parse(""), Err(String::new()));
        assert_eq!(ApiAccess::parse("app,,web"), Err(String::new()));
        assert_eq!(ApiAccess::parse("App"), Err("App".into()));
    }

    #[test]
    fn names() {
        assert!(is_dns_label("kube-api-access"));
        assert!(!is_dns_label("-a") && !is_dns_label("A") && !is_dns_label(&"a".repeat(64)));
        assert!(is_dns_subdomain("kube-root-ca.crt"));
        assert!(!is_dns_subdomain("a..b"));
    }
}
