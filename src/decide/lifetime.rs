//! How long a token lives, and which projected source an existing token volume is
//! brought to (`docs/design.md`, "The token's lifetime"): never a longer-lived token than
//! before unless a statement about the workload says so, and never an audience or an
//! extra source lost.

use k8s_openapi::api::core::v1::{
    ProjectedVolumeSource, ServiceAccountTokenProjection, VolumeProjection,
};

/// The lifetime the API server extends to a year for tokens of its own audience, so that
/// legacy clients that never reload their token keep working (kubelet asks for exactly
/// this; the extension is the API server's `--service-account-extend-token-expiration`,
/// on by default).
pub const EXTENDED_EXPIRATION_SECONDS: i64 = 3607;

/// What the API server extends [`EXTENDED_EXPIRATION_SECONDS`] to: a year.
pub const EXTENDED_TO_SECONDS: i64 = 365 * 24 * 3600;

/// The lifetime of a projected token without `expirationSeconds` (the API's default).
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;

/// The shortest lifetime Kubernetes accepts.
pub const MIN_EXPIRATION_SECONDS: i64 = 600;

/// The longest lifetime Kubernetes accepts: 2^32.
pub const MAX_EXPIRATION_SECONDS: i64 = 1 << 32;

/// Whether `seconds` is a lifetime Kubernetes accepts.
pub fn is_valid_lifetime(seconds: i64) -> bool {
    (MIN_EXPIRATION_SECONDS..=MAX_EXPIRATION_SECONDS).contains(&seconds)
}

/// Whether a token of `audience` is one the API server issues for itself: no audience,
/// or an empty one. An explicit audience may be the API server's too, but only the
/// cluster knows (`--api-audiences`); it is taken as another audience, which keeps its
/// lifetime as written.
pub fn is_own_audience(audience: Option<&str>) -> bool {
    audience.is_none_or(str::is_empty)
}

/// How long a token projected with `expiration_seconds` (absent: the API's default) for
/// `audience` really lives, in seconds.
pub fn effective_lifetime(expiration_seconds: Option<i64>, audience: Option<&str>) -> i64 {
    match expiration_seconds {
        None => DEFAULT_EXPIRATION_SECONDS,
        Some(EXTENDED_EXPIRATION_SECONDS) if is_own_audience(audience) => EXTENDED_TO_SECONDS,
        Some(seconds) => seconds,
    }
}

/// The token a projected volume projects: its first `serviceAccountToken` source.
pub fn token_of(projected: &ProjectedVolumeSource) -> Option<&ServiceAccountTokenProjection> {
    projected
        .sources
        .iter()
        .flatten()
        .find_map(|s| s.service_account_token.as_ref())
}

/// Where a lifetime statement about one workload was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifetimeBy {
    /// The annotation on the Pod template.
    TemplateAnnotation,
    /// The annotation on the workload.
    WorkloadAnnotation,
    /// The config's `rules[i]`.
    Rule(usize),
}

/// A statement about one workload that sets its token's lifetime exactly, longer or
/// shorter than the config's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifetimeStatement {
    /// `expirationSeconds` to write.
    pub seconds: i64,
    /// Where it was said.
    pub by: LifetimeBy,
}

/// The lifetime a Pod template's token volume has after the decision, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetime {
    /// `expirationSeconds` as it is written (`None`: absent).
    pub written: Option<i64>,
    /// The token's audience as it is written.
    pub audience: Option<String>,
    /// How long the token really lives.
    pub effective: i64,
    /// Why this lifetime.
    pub why: LifetimeWhy,
}

/// Why a token volume has the lifetime it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifetimeWhy {
    /// The configured one: a new volume, one that already had it, or one that could not
    /// be read.
    Configured,
    /// The configured one, shorter than the volume's.
    Tightened {
        /// `expirationSeconds` the volume had.
        from: Option<i64>,
        /// How long its token lived.
        from_effective: i64,
    },
    /// The volume's own, since the configured one would not be shorter.
    Kept {
        /// The configured `expirationSeconds`.
        configured: i64,
        /// How long a token of the configured lifetime would live.
        configured_effective: i64,
    },
    /// A statement's.
    Stated(LifetimeBy),
}

impl Lifetime {
    fn new(written: Option<i64>, audience: Option<String>, why: LifetimeWhy) -> Self {
        Lifetime {
            effective: effective_lifetime(written, audience.as_deref()),
            written,
            audience,
            why,
        }
    }

    /// The lifetime of a new volume, `wanted` as the config has it, unless a statement
    /// sets it.
    pub fn of_new(wanted: &ProjectedVolumeSource, stated: Option<&LifetimeStatement>) -> Self {
        let token = token_of(wanted);
        let audience = token.and_then(|t| t.audience.clone());
        match stated {
            Some(s) => Lifetime::new(Some(s.seconds), audience, LifetimeWhy::Stated(s.by.clone())),
            None => Lifetime::new(
                token.and_then(|t| t.expiration_seconds),
                audience,
                LifetimeWhy::Configured,
            ),
        }
    }
}

/// The lifetime for an existing token (`expirationSeconds` `had`, `audience` kept) when
/// the config asks for `configured`: a statement's; else the configured one when it is
/// really shorter; else the token's own, as written.
pub fn choose(
    had: Option<i64>,
    audience: Option<&str>,
    configured: i64,
    stated: Option<&LifetimeStatement>,
) -> Lifetime {
    let audience_owned = audience.map(str::to_owned);
    if let Some(s) = stated {
        return Lifetime::new(
            Some(s.seconds),
            audience_owned,
            LifetimeWhy::Stated(s.by.clone()),
        );
    }
    let before = effective_lifetime(had, audience);
    let after = effective_lifetime(Some(configured), audience);
    if had == Some(configured) {
        Lifetime::new(had, audience_owned, LifetimeWhy::Configured)
    } else if after < before {
        Lifetime::new(
            Some(configured),
            audience_owned,
            LifetimeWhy::Tightened {
                from: had,
                from_effective: before,
            },
        )
    } else {
        Lifetime::new(
            had,
            audience_owned,
            LifetimeWhy::Kept {
                configured,
                configured_effective: after,
            },
        )
    }
}

/// The projected source an existing token volume (`existing`) is brought to, and its
/// token's lifetime: `wanted`'s sources and mode, with the existing token's audience
/// and the lifetime [`choose`] picks, then every source of `existing` that `wanted` does
/// not provide, in order (OpenShift's `service-ca.crt`, a second token for another
/// audience, a Secret).
pub fn target(
    existing: &ProjectedVolumeSource,
    wanted: &ProjectedVolumeSource,
    stated: Option<&LifetimeStatement>,
) -> (ProjectedVolumeSource, Lifetime) {
    let had = token_of(existing);
    let configured = token_of(wanted)
        .and_then(|t| t.expiration_seconds)
        .unwrap_or(EXTENDED_EXPIRATION_SECONDS);
    let lifetime = match had {
        Some(token) => choose(
            token.expiration_seconds,
            token.audience.as_deref(),
            configured,
            stated,
        ),
        // Not a token volume after all; the decision never asks for one.
        None => Lifetime::of_new(wanted, stated),
    };
    let wanted_sources = wanted.sources.as_deref().unwrap_or_default();
    let mut sources: Vec<VolumeProjection> = wanted_sources
        .iter()
        .map(|s| match &s.service_account_token {
            Some(token) => VolumeProjection {
                service_account_token: Some(ServiceAccountTokenProjection {
                    audience: lifetime.audience.clone(),
                    expiration_seconds: lifetime.written,
                    path: token.path.clone(),
                }),
                ..s.clone()
            },
            None => s.clone(),
        })
        .collect();
    let first_token = existing
        .sources
        .iter()
        .flatten()
        .position(|s| s.service_account_token.is_some());
    for (i, source) in existing.sources.iter().flatten().enumerate() {
        if Some(i) != first_token && !provided(source, wanted_sources) {
            sources.push(source.clone());
        }
    }
    let projected = ProjectedVolumeSource {
        default_mode: wanted.default_mode,
        sources: Some(sources),
    };
    (projected, lifetime)
}

/// Whether `source`, of an existing token volume, is one of those the function manages
/// (the CA, the namespace file: those `wanted` has, or has left out on purpose) or
/// projects a file one of `wanted`'s sources projects (Kubernetes rejects two sources
/// of one path).
fn provided(source: &VolumeProjection, wanted: &[VolumeProjection]) -> bool {
    let ours = paths(source);
    let theirs: Vec<&str> = wanted.iter().flat_map(paths).collect();
    let same_config_map = source.config_map.as_ref().is_some_and(|c| {
        wanted
            .iter()
            .filter_map(|w| w.config_map.as_ref())
            .any(|w| w.name == c.name)
    });
    same_config_map
        || ours.iter().any(|p| theirs.contains(p))
        || ours.contains(&CA_PATH)
        || ours.contains(&NAMESPACE_PATH)
}

/// The file of the cluster CA in a token volume.
const CA_PATH: &str = "ca.crt";
/// The file of the namespace in a token volume.
const NAMESPACE_PATH: &str = "namespace";

/// The files a source projects, as far as it names them.
fn paths(source: &VolumeProjection) -> Vec<&str> {
    let mut out = Vec::new();
    if let Some(t) = &source.service_account_token {
        out.push(t.path.as_str());
    }
    if let Some(c) = &source.config_map {
        out.extend(c.items.iter().flatten().map(|i| i.path.as_str()));
    }
    if let Some(s) = &source.secret {
        out.extend(s.items.iter().flatten().map(|i| i.path.as_str()));
    }
    if let Some(d) = &source.downward_api {
        out.extend(d.items.iter().flatten().map(|i| i.path.as_str()));
    }
    if let Some(b) = &source.cluster_trust_bundle {
        out.push(b.path.as_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ConfigMapProjection, KeyToPath};

    const YEAR: i64 = EXTENDED_TO_SECONDS;

    #[test]
    fn effective_lifetimes() {
        let table: &[(Option<i64>, Option<&str>, i64)] = &[
            (None, None, 3600),
            (None, Some("vault"), 3600),
            (Some(3607), None, YEAR),
            (Some(3607), Some(""), YEAR),
            (Some(3607), Some("vault"), 3607),
            (Some(3608), None, 3608),
            (Some(1800), None, 1800),
            (Some(86400), Some("vault"), 86400),
        ];
        for &(seconds, audience, want) in table {
            assert_eq!(
                effective_lifetime(seconds, audience),
                want,
                "{seconds:?} {audience:?}"
            );
        }
        assert_eq!(YEAR, 31_536_000);
        assert!(is_valid_lifetime(600) && is_valid_lifetime(1 << 32));
        assert!(!is_valid_lifetime(599) && !is_valid_lifetime((1 << 32) + 1));
    }

    fn stated(seconds: i64) -> LifetimeStatement {
        LifetimeStatement {
            seconds,
            by: LifetimeBy::Rule(0),
        }
    }

    #[test]
    fn the_configured_lifetime_only_ever_shortens() {
        // Strimzi's volume: no expirationSeconds is 3600 s; 3607 would be a year.
        let l = choose(None, None, 3607, None);
        assert_eq!((l.written, l.effective), (None, 3600));
        assert_eq!(
            l.why,
            LifetimeWhy::Kept {
                configured: 3607,
                configured_effective: YEAR
            }
        );
        assert_eq!(choose(Some(1800), None, 3607, None).written, Some(1800));
        assert_eq!(choose(Some(86400), None, 3607, None).written, Some(86400));
        // With another audience 3607 is 3607 s, shorter than a day.
        let l = choose(Some(86400), Some("vault"), 3607, None);
        assert_eq!((l.written, l.effective), (Some(3607), 3607));
        // A year tightened to a day, and to 600 s.
        let l = choose(Some(3607), None, 86400, None);
        assert_eq!(
            l.why,
            LifetimeWhy::Tightened {
                from: Some(3607),
                from_effective: YEAR
            }
        );
        assert_eq!(choose(None, None, 600, None).written, Some(600));
        // No shorter is no change: 3600 written for an absent one would mean the same.
        assert_eq!(choose(None, None, 3600, None).written, None);
        assert_eq!(
            choose(Some(3607), None, 3607, None).why,
            LifetimeWhy::Configured
        );
    }

    #[test]
    fn a_statement_sets_the_lifetime_either_way() {
        let l = choose(Some(1800), None, 3607, Some(&stated(7200)));
        assert_eq!((l.written, l.effective), (Some(7200), 7200));
        assert_eq!(l.why, LifetimeWhy::Stated(LifetimeBy::Rule(0)));
        assert_eq!(
            choose(None, None, 3607, Some(&stated(3607))).effective,
            YEAR
        );
    }

    fn token(seconds: Option<i64>, audience: Option<&str>) -> VolumeProjection {
        VolumeProjection {
            service_account_token: Some(ServiceAccountTokenProjection {
                audience: audience.map(str::to_owned),
                expiration_seconds: seconds,
                path: "token".into(),
            }),
            ..Default::default()
        }
    }

    fn config_map(name: &str, key: &str) -> VolumeProjection {
        VolumeProjection {
            config_map: Some(ConfigMapProjection {
                name: name.into(),
                items: Some(vec![KeyToPath {
                    key: key.into(),
                    path: key.into(),
                    mode: None,
                }]),
                optional: None,
            }),
            ..Default::default()
        }
    }

    fn projected(sources: Vec<VolumeProjection>) -> ProjectedVolumeSource {
        ProjectedVolumeSource {
            default_mode: Some(420),
            sources: Some(sources),
        }
    }

    #[test]
    fn audiences_and_extra_sources_stay_and_the_target_is_a_fixed_point() {
        let wanted = projected(vec![
            token(Some(3607), None),
            config_map("kube-root-ca.crt", "ca.crt"),
        ]);
        let existing = projected(vec![
            token(None, Some("vault")),
            config_map("my-ca", "ca.crt"),
            config_map("openshift-service-ca.crt", "service-ca.crt"),
            VolumeProjection {
                service_account_token: Some(ServiceAccountTokenProjection {
                    audience: Some("sts.amazonaws.com".into()),
                    expiration_seconds: Some(86400),
                    path: "aws-token".into(),
                }),
                ..Default::default()
            },
        ]);
        let (target, lifetime) = target(&existing, &wanted, None);
        assert_eq!(lifetime.written, None);
        let sources = target.sources.clone().unwrap();
        assert_eq!(sources.len(), 4);
        assert_eq!(sources[0], token(None, Some("vault")));
        assert_eq!(sources[1], config_map("kube-root-ca.crt", "ca.crt"));
        assert_eq!(
            sources[2],
            config_map("openshift-service-ca.crt", "service-ca.crt")
        );
        assert_eq!(
            sources[3].service_account_token.as_ref().unwrap().path,
            "aws-token"
        );
        let (again, _) = super::target(&target, &wanted, None);
        assert_eq!(again, target);
    }
}
