//! The hardening decision: what one Pod template contains and what the config wants in,
//! the changes to make out (the rules are in `docs/design.md`, "One Pod template").
//! Pure: no YAML, no I/O, nothing else of this crate, so every rule is tested here on
//! plain values.

mod access;
mod containers;
mod lifetime;
mod wanted;

pub use access::{ApiAccess, StatedBy, Statement, is_dns_label, is_dns_subdomain};
pub use containers::{ContainerFilter, Dropped, glob_match, is_container_glob};
pub use lifetime::{
    DEFAULT_EXPIRATION_SECONDS, EXTENDED_EXPIRATION_SECONDS, EXTENDED_TO_SECONDS, Lifetime,
    LifetimeBy, LifetimeStatement, LifetimeWhy, MAX_EXPIRATION_SECONDS, MIN_EXPIRATION_SECONDS,
    effective_lifetime, is_own_audience, is_valid_lifetime, token_of,
};
pub use wanted::{SERVICE_CA_CONFIG_MAP, TokenVolume, Wanted};

use k8s_openapi::api::core::v1::ProjectedVolumeSource;

/// What the decision needs to know about one Pod template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodTemplate {
    /// `automountServiceAccountToken` as written.
    pub automount: Automount,
    /// `automountServiceAccountToken` of its ServiceAccount, as the input (or the
    /// evidence) defines it; `Unset` when nothing does.
    pub account: Automount,
    /// `volumes`, in order.
    pub volumes: Vec<Volume>,
    /// `containers` then `initContainers`, in order.
    pub containers: Vec<Container>,
}

impl PodTemplate {
    /// Whether Kubernetes mounts the token into every container: the Pod's setting if
    /// set, else its ServiceAccount's, else on.
    pub fn automounts(&self) -> bool {
        match (self.automount, self.account) {
            (Automount::On, _) => true,
            (Automount::Off, _) => false,
            (Automount::Unset, account) => account != Automount::Off,
        }
    }

    /// How messages name container `index`: its name, or its place in the list when it
    /// has none (Knative allows unnamed containers).
    pub fn label(&self, index: usize) -> String {
        let Some(c) = self.containers.get(index) else {
            return format!("#{index}");
        };
        if !c.name.is_empty() {
            return c.name.clone();
        }
        let place = self
            .containers
            .iter()
            .take(index)
            .filter(|o| o.init == c.init)
            .count();
        let list = if c.init {
            "initContainers"
        } else {
            "containers"
        };
        format!("{list}[{place}]")
    }
}

/// `automountServiceAccountToken` as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Automount {
    /// Absent: Kubernetes mounts the token.
    #[default]
    Unset,
    /// `true` (or anything Kubernetes would not read as false).
    On,
    /// `false`.
    Off,
}

/// One entry of `volumes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    /// `name`.
    pub name: String,
    /// What kind of volume it is, as far as the decision cares.
    pub source: VolumeSource,
}

/// What kind of volume it is, as far as the decision cares.
#[derive(Debug, Clone, PartialEq)]
pub enum VolumeSource {
    /// A projected volume with a `serviceAccountToken` source, read into the typed source
    /// when it could be (`None`: an odd shape, which is always rewritten).
    Token(Option<ProjectedVolumeSource>),
    /// Anything else.
    Other,
}

/// One container or init container.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Container {
    /// `name`.
    pub name: String,
    /// Whether it is listed under `initContainers`.
    pub init: bool,
    /// `volumeMounts`, in order.
    pub mounts: Vec<Mount>,
}

/// One entry of `volumeMounts`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mount {
    /// `name`: the volume mounted.
    pub volume: String,
    /// `mountPath`.
    pub path: String,
    /// `readOnly: true`.
    pub read_only: bool,
}

/// The changes to make to one Pod template. Container and mount indexes refer to the
/// [`PodTemplate`] the plan was made for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Set `automountServiceAccountToken: false` (it is not yet).
    pub disable_automount: bool,
    /// What happens to the token volume.
    pub volume: VolumeChange,
    /// What happens to mounts of the token volume, container by container.
    pub mounts: Vec<MountChange>,
    /// The containers that can reach the API afterwards.
    pub granted: Vec<usize>,
    /// The token volume's projected source afterwards, when a container mounts it.
    pub projected: Option<ProjectedVolumeSource>,
    /// Its token's lifetime, and why.
    pub lifetime: Option<Lifetime>,
    /// Things the user should know about, such as containers skipped.
    pub warnings: Vec<Warning>,
}

impl Plan {
    /// Whether the template is already as the config asks.
    pub fn is_empty(&self) -> bool {
        !self.disable_automount && self.volume == VolumeChange::Keep && self.mounts.is_empty()
    }
}

/// What happens to the token volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VolumeChange {
    /// Nothing: it is as wanted, or absent and not wanted.
    #[default]
    Keep,
    /// Append it to `volumes`.
    Add,
    /// Rewrite the volume at this index with the configured settings.
    Update(usize),
    /// Remove the volume at this index: no container wants it.
    Remove(usize),
}

/// A change to one container's mounts of the token volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MountChange {
    /// Index of the container.
    pub container: usize,
    /// The change.
    pub change: MountEdit,
}

/// A change to one container's mounts of the token volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountEdit {
    /// Append the mount to `volumeMounts`.
    Add,
    /// Rewrite the mount at this index (wrong path or not read-only).
    Update(usize),
    /// Remove the mount at this index.
    Remove(usize),
}

/// A Pod template the function must leave alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A volume of the configured name that is not a projected token volume.
    NotATokenVolume {
        /// The volume's name.
        name: String,
    },
    /// Two volumes of the configured name (Kubernetes rejects that too).
    DuplicateVolume {
        /// The volume's name.
        name: String,
    },
}

/// Something about one Pod template the user should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A statement names a container the Pod template does not have.
    UnknownContainer {
        /// Who named it.
        by: StatedBy,
        /// The name.
        name: String,
    },
    /// A container that should get the token already mounts another volume at the
    /// mount path; it keeps that and gets no second mount.
    ForeignMount {
        /// Index of the container.
        container: usize,
        /// The volume it mounts there.
        volume: String,
    },
    /// A container that should not get the token keeps API access through a token
    /// volume this function does not manage.
    KeepsAccess {
        /// Index of the container.
        container: usize,
        /// The volume.
        volume: String,
        /// Why it should not get the token.
        why: Why,
    },
    /// A container that can reach the API today does not keep that access.
    LosesAccess {
        /// Index of the container.
        container: usize,
        /// Why.
        why: Why,
    },
}

/// Why a container does not get the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// A statement says `none`.
    SaysNone(StatedBy),
    /// A statement names other containers.
    NotNamed(StatedBy),
    /// The global container filter drops it.
    Filter(Dropped),
}

/// Decides what to change in `pod` so that it is as `wanted`. With a `statement` about
/// the workload, the statement says who gets access; without one, today's access
/// narrowed by the global container filter does. A `lifetime` statement sets the
/// token's lifetime; without one, an existing token's lifetime only ever shortens.
pub fn decide(
    pod: &PodTemplate,
    wanted: &Wanted,
    statement: Option<&Statement>,
    lifetime: Option<&LifetimeStatement>,
) -> Result<Plan, Conflict> {
    let mut plan = Plan::default();
    let named: Vec<(usize, &Volume)> = pod
        .volumes
        .iter()
        .enumerate()
        .filter(|(_, v)| v.name == wanted.volume_name)
        .collect();
    let ours = match named.as_slice() {
        [] => None,
        [(i, v)] => match &v.source {
            VolumeSource::Token(source) => Some((*i, source)),
            VolumeSource::Other => {
                return Err(Conflict::NotATokenVolume {
                    name: v.name.clone(),
                });
            }
        },
        _ => {
            return Err(Conflict::DuplicateVolume {
                name: wanted.volume_name.clone(),
            });
        }
    };

    // Who can reach the API today (§4.1).
    let token_volumes: Vec<&str> = pod
        .volumes
        .iter()
        .filter(|v| matches!(v.source, VolumeSource::Token(_)))
        .map(|v| v.name.as_str())
        .collect();
    let automounts = pod.automounts();
    let today = |c: &Container| {
        automounts
            || c.mounts
                .iter()
                .any(|m| m.path == wanted.mount_path && token_volumes.contains(&m.volume.as_str()))
    };

    if let Some(Statement {
        access: ApiAccess::Containers(names),
        by,
    }) = statement
    {
        for name in names
            .iter()
            .filter(|n| !pod.containers.iter().any(|c| &c.name == *n))
        {
            plan.warnings.push(Warning::UnknownContainer {
                by: by.clone(),
                name: name.clone(),
            });
        }
    }

    for (ci, c) in pod.containers.iter().enumerate() {
        let had = today(c);
        // Who is wanted (§4.2): a statement says it exactly; the filter only narrows.
        let mut want = match statement {
            Some(s) => s.access.grants(&c.name),
            None => had && wanted.filter.keeps(&c.name, c.init),
        };
        // Only a container that is not wanted needs the reason, for a warning.
        let why_not = || match statement {
            Some(Statement {
                access: ApiAccess::None,
                by,
            }) => Why::SaysNone(by.clone()),
            Some(Statement { by, .. }) => Why::NotNamed(by.clone()),
            None => Why::Filter(
                wanted
                    .filter
                    .why_dropped(&c.name, c.init)
                    .unwrap_or(Dropped::NotIncluded),
            ),
        };
        let foreign = c
            .mounts
            .iter()
            .find(|m| m.path == wanted.mount_path && m.volume != wanted.volume_name);
        match (want, foreign) {
            (true, Some(m)) => {
                plan.warnings.push(Warning::ForeignMount {
                    container: ci,
                    volume: m.volume.clone(),
                });
                want = false;
            }
            (false, Some(m)) if had && token_volumes.contains(&m.volume.as_str()) => {
                plan.warnings.push(Warning::KeepsAccess {
                    container: ci,
                    volume: m.volume.clone(),
                    why: why_not(),
                });
            }
            (false, _) if had => plan.warnings.push(Warning::LosesAccess {
                container: ci,
                why: why_not(),
            }),
            _ => {}
        }
        let mut own = c
            .mounts
            .iter()
            .enumerate()
            .filter(|(_, m)| m.volume == wanted.volume_name);
        if want {
            plan.granted.push(ci);
            match own.next() {
                None => plan.mounts.push(MountChange {
                    container: ci,
                    change: MountEdit::Add,
                }),
                Some((mi, m)) if m.path != wanted.mount_path || !m.read_only => {
                    plan.mounts.push(MountChange {
                        container: ci,
                        change: MountEdit::Update(mi),
                    })
                }
                Some(_) => {}
            }
        }
        for (mi, _) in own {
            plan.mounts.push(MountChange {
                container: ci,
                change: MountEdit::Remove(mi),
            });
        }
    }

    // The volume (§4.3), with a lifetime never longer than before (§10) unless stated.
    let target = match ours {
        _ if plan.granted.is_empty() => None,
        Some((_, Some(existing))) => Some(lifetime::target(existing, &wanted.projected, lifetime)),
        // New, or of a shape that could not be read: as the config has it.
        Some((_, None)) | None => {
            let lifetime = Lifetime::of_new(&wanted.projected, lifetime);
            Some((wanted.with_lifetime(lifetime.written), lifetime))
        }
    };
    plan.volume = match (ours, &target) {
        (None, None) => VolumeChange::Keep,
        (None, Some(_)) => VolumeChange::Add,
        (Some((i, _)), None) => VolumeChange::Remove(i),
        (Some((_, Some(source))), Some((projected, _))) if source == projected => {
            VolumeChange::Keep
        }
        (Some((i, _)), Some(_)) => VolumeChange::Update(i),
    };
    if let Some((projected, lifetime)) = target {
        plan.projected = Some(projected);
        plan.lifetime = Some(lifetime);
    }
    plan.disable_automount = pod.automount != Automount::Off;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config's defaults, as the tests change them.
    #[derive(Clone)]
    struct Settings {
        volume_name: String,
        mount_path: String,
        expiration_seconds: i64,
        containers: ContainerFilter,
    }

    impl Default for Settings {
        fn default() -> Self {
            Settings {
                volume_name: "kube-api-access".into(),
                mount_path: PATH.into(),
                expiration_seconds: 3607,
                containers: ContainerFilter {
                    include: vec!["*".into()],
                    exclude: vec![],
                    init_containers: true,
                },
            }
        }
    }

    impl Settings {
        fn wanted(&self) -> Wanted {
            let token = TokenVolume {
                expiration_seconds: self.expiration_seconds,
                audience: None,
                ca_config_map: "kube-root-ca.crt".into(),
                default_mode: 420,
                namespace_file: true,
                service_ca: false,
            };
            Wanted::new(
                &self.volume_name,
                &self.mount_path,
                &token,
                self.containers.clone(),
            )
        }

        fn projected(&self) -> ProjectedVolumeSource {
            self.wanted().projected
        }
    }

    const PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

    fn container(name: &str, init: bool, mounts: &[(&str, &str, bool)]) -> Container {
        Container {
            name: name.into(),
            init,
            mounts: mounts
                .iter()
                .map(|(v, p, ro)| Mount {
                    volume: (*v).into(),
                    path: (*p).into(),
                    read_only: *ro,
                })
                .collect(),
        }
    }

    fn token_volume(settings: &Settings) -> Volume {
        Volume {
            name: settings.volume_name.clone(),
            source: VolumeSource::Token(Some(settings.projected())),
        }
    }

    fn pod(automount: Automount, containers: Vec<Container>) -> PodTemplate {
        PodTemplate {
            automount,
            account: Automount::Unset,
            volumes: vec![],
            containers,
        }
    }

    #[test]
    fn default_mounts_into_every_container_and_init_container() {
        let s = Settings::default();
        let p = pod(
            Automount::Unset,
            vec![container("app", false, &[]), container("init", true, &[])],
        );
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert!(plan.disable_automount);
        assert_eq!(plan.volume, VolumeChange::Add);
        assert_eq!(plan.granted, vec![0, 1]);
        assert_eq!(plan.mounts.len(), 2);
        assert!(plan.mounts.iter().all(|m| m.change == MountEdit::Add));
    }

    #[test]
    fn hardened_template_needs_nothing() {
        let s = Settings::default();
        let mut p = pod(
            Automount::Off,
            vec![
                container("app", false, &[("kube-api-access", PATH, true)]),
                container("sidecar", false, &[("data", "/data", false)]),
            ],
        );
        p.volumes.push(token_volume(&s));
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert!(plan.is_empty(), "{plan:?}");
        assert_eq!(plan.granted, vec![0]);
    }

    #[test]
    fn opted_out_template_only_stays_opted_out() {
        let p = pod(Automount::Off, vec![container("app", false, &[])]);
        assert!(
            decide(&p, &Settings::default().wanted(), None, None)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn automount_true_is_turned_off() {
        let p = pod(Automount::On, vec![container("app", false, &[])]);
        let plan = decide(&p, &Settings::default().wanted(), None, None).unwrap();
        assert!(plan.disable_automount);
    }

    #[test]
    fn filter_narrows_and_removes_mounts_it_no_longer_wants() {
        let s = Settings {
            containers: ContainerFilter {
                include: vec!["*".into()],
                exclude: vec!["linkerd-*".into()],
                init_containers: false,
            },
            ..Settings::default()
        };
        let mut p = pod(
            Automount::Off,
            vec![
                container("app", false, &[("kube-api-access", PATH, true)]),
                container("linkerd-proxy", false, &[("kube-api-access", PATH, true)]),
                container(
                    "init",
                    true,
                    &[("x", "/x", false), ("kube-api-access", PATH, true)],
                ),
            ],
        );
        p.volumes.push(token_volume(&s));
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert_eq!(plan.granted, vec![0]);
        assert_eq!(
            plan.mounts,
            vec![
                MountChange {
                    container: 1,
                    change: MountEdit::Remove(0)
                },
                MountChange {
                    container: 2,
                    change: MountEdit::Remove(1)
                },
            ]
        );
        assert_eq!(plan.volume, VolumeChange::Keep);
    }

    #[test]
    fn filter_never_grants_what_was_not_there() {
        let mut s = Settings::default();
        s.containers.include = vec!["sidecar".into()];
        let p = pod(
            Automount::Off,
            vec![
                container("app", false, &[]),
                container("sidecar", false, &[]),
            ],
        );
        assert!(decide(&p, &s.wanted(), None, None).unwrap().is_empty());
    }

    #[test]
    fn volume_goes_when_nobody_wants_it() {
        let mut s = Settings::default();
        s.containers.include = vec![];
        let mut p = pod(
            Automount::Off,
            vec![container("app", false, &[("kube-api-access", PATH, true)])],
        );
        p.volumes.push(Volume {
            name: "data".into(),
            source: VolumeSource::Other,
        });
        p.volumes.push(token_volume(&s));
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert_eq!(plan.volume, VolumeChange::Remove(1));
        assert_eq!(
            plan.mounts,
            vec![MountChange {
                container: 0,
                change: MountEdit::Remove(0)
            }]
        );
    }

    #[test]
    fn volume_settings_converge_to_the_config() {
        let s = Settings::default();
        let mut p = pod(
            Automount::Off,
            vec![container("app", false, &[("kube-api-access", PATH, true)])],
        );
        let mut old = s.clone();
        old.expiration_seconds = 7200;
        old.volume_name = s.volume_name.clone();
        p.volumes.push(token_volume(&old));
        // 3607 is a year: longer than 7200 s, so the volume's lifetime stays.
        assert_eq!(
            decide(&p, &s.wanted(), None, None).unwrap().volume,
            VolumeChange::Keep
        );
        let mut short = s.clone();
        short.expiration_seconds = 3600;
        let plan = decide(&p, &short.wanted(), None, None).unwrap();
        assert_eq!(plan.volume, VolumeChange::Update(0));
        assert_eq!(plan.lifetime.map(|l| l.written), Some(Some(3600)));
        p.volumes[0].source = VolumeSource::Token(None);
        assert_eq!(
            decide(&p, &s.wanted(), None, None).unwrap().volume,
            VolumeChange::Update(0)
        );
    }

    #[test]
    fn mount_that_is_not_read_only_or_elsewhere_is_rewritten_and_duplicates_removed() {
        let s = Settings::default();
        let p = pod(
            Automount::Unset,
            vec![container(
                "app",
                false,
                &[
                    ("kube-api-access", PATH, false),
                    ("kube-api-access", "/other", true),
                ],
            )],
        );
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert_eq!(
            plan.mounts,
            vec![
                MountChange {
                    container: 0,
                    change: MountEdit::Update(0)
                },
                MountChange {
                    container: 0,
                    change: MountEdit::Remove(1)
                },
            ]
        );
    }

    #[test]
    fn foreign_mount_at_the_token_path_is_kept_with_a_warning() {
        let s = Settings::default();
        let p = pod(
            Automount::Unset,
            vec![
                container("app", false, &[("my-token", PATH, true)]),
                container("b", false, &[]),
            ],
        );
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert_eq!(plan.granted, vec![1]);
        assert_eq!(
            plan.mounts,
            vec![MountChange {
                container: 1,
                change: MountEdit::Add
            }]
        );
        assert_eq!(
            plan.warnings,
            vec![Warning::ForeignMount {
                container: 0,
                volume: "my-token".into()
            }]
        );
    }

    #[test]
    fn volume_of_our_name_that_is_not_a_token_is_a_conflict() {
        let s = Settings::default();
        let mut p = pod(Automount::Unset, vec![container("app", false, &[])]);
        p.volumes.push(Volume {
            name: "kube-api-access".into(),
            source: VolumeSource::Other,
        });
        assert_eq!(
            decide(&p, &s.wanted(), None, None),
            Err(Conflict::NotATokenVolume {
                name: "kube-api-access".into()
            })
        );
        p.volumes.push(token_volume(&s));
        p.volumes.remove(0);
        p.volumes.push(token_volume(&s));
        assert!(matches!(
            decide(&p, &s.wanted(), None, None),
            Err(Conflict::DuplicateVolume { .. })
        ));
    }

    #[test]
    fn second_decision_on_the_result_is_empty() {
        // Apply a plan by hand and decide again: the decision is a fixed point.
        let s = Settings::default();
        let p = pod(
            Automount::On,
            vec![
                container("app", false, &[("data", "/data", false)]),
                container("i", true, &[]),
            ],
        );
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        let mut after = p.clone();
        after.automount = Automount::Off;
        after.volumes.push(token_volume(&s));
        for m in &plan.mounts {
            assert_eq!(m.change, MountEdit::Add);
            after.containers[m.container].mounts.push(Mount {
                volume: s.volume_name.clone(),
                path: s.mount_path.clone(),
                read_only: true,
            });
        }
        assert!(decide(&after, &s.wanted(), None, None).unwrap().is_empty());
    }

    fn stated(access: ApiAccess) -> Statement {
        Statement {
            access,
            by: StatedBy::Rule(0),
        }
    }

    #[test]
    fn a_statement_may_grant_access_the_filter_never_could() {
        let mut s = Settings::default();
        s.containers.exclude = vec!["manager".into()];
        let p = pod(
            Automount::Off,
            vec![
                container("manager", false, &[]),
                container("metrics", false, &[]),
            ],
        );
        let statement = stated(ApiAccess::Containers(vec!["manager".into()]));
        let plan = decide(&p, &s.wanted(), Some(&statement), None).unwrap();
        assert_eq!(plan.granted, vec![0]);
        assert_eq!(plan.volume, VolumeChange::Add);
        assert!(!plan.disable_automount);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }

    #[test]
    fn none_disables_automount_and_removes_the_volume_and_mounts() {
        let s = Settings::default();
        let mut p = pod(
            Automount::Unset,
            vec![container(
                "pause",
                false,
                &[("kube-api-access", PATH, true)],
            )],
        );
        p.volumes.push(token_volume(&s));
        let plan = decide(&p, &s.wanted(), Some(&stated(ApiAccess::None)), None).unwrap();
        assert!(plan.disable_automount);
        assert_eq!(plan.volume, VolumeChange::Remove(0));
        assert_eq!(
            plan.mounts,
            vec![MountChange {
                container: 0,
                change: MountEdit::Remove(0)
            }]
        );
        assert_eq!(
            plan.warnings,
            vec![Warning::LosesAccess {
                container: 0,
                why: Why::SaysNone(StatedBy::Rule(0))
            }]
        );
    }

    #[test]
    fn all_includes_init_containers_whatever_the_filter_says() {
        let mut s = Settings::default();
        s.containers.init_containers = false;
        let p = pod(
            Automount::Off,
            vec![container("app", false, &[]), container("init", true, &[])],
        );
        let plan = decide(&p, &s.wanted(), Some(&stated(ApiAccess::All)), None).unwrap();
        assert_eq!(plan.granted, vec![0, 1]);
    }

    #[test]
    fn names_the_template_lacks_and_containers_that_lose_access_are_warnings() {
        let s = Settings::default();
        let p = pod(
            Automount::Unset,
            vec![container("app", false, &[]), container("proxy", false, &[])],
        );
        let statement = stated(ApiAccess::Containers(vec!["app".into(), "ap".into()]));
        let plan = decide(&p, &s.wanted(), Some(&statement), None).unwrap();
        assert_eq!(plan.granted, vec![0]);
        assert_eq!(
            plan.warnings,
            vec![
                Warning::UnknownContainer {
                    by: StatedBy::Rule(0),
                    name: "ap".into()
                },
                Warning::LosesAccess {
                    container: 1,
                    why: Why::NotNamed(StatedBy::Rule(0))
                },
            ]
        );
    }

    #[test]
    fn a_token_volume_this_function_does_not_manage_is_reported_not_removed() {
        let mut s = Settings::default();
        s.containers.exclude = vec!["app".into()];
        let mut p = pod(
            Automount::Off,
            vec![container("app", false, &[("my-token", PATH, true)])],
        );
        p.volumes.push(Volume {
            name: "my-token".into(),
            source: VolumeSource::Token(None),
        });
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert!(plan.is_empty());
        assert_eq!(
            plan.warnings,
            vec![Warning::KeepsAccess {
                container: 0,
                volume: "my-token".into(),
                why: Why::Filter(Dropped::Excluded("app".into()))
            }]
        );
    }

    #[test]
    fn a_service_account_that_opted_out_gives_no_container_a_token() {
        let s = Settings::default();
        let mut p = pod(Automount::Unset, vec![container("app", false, &[])]);
        p.account = Automount::Off;
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert!(plan.granted.is_empty() && plan.warnings.is_empty());
        assert_eq!(plan.volume, VolumeChange::Keep);
        assert!(plan.disable_automount && plan.mounts.is_empty());
        // The Pod's own setting wins over its ServiceAccount's.
        p.automount = Automount::On;
        assert_eq!(
            decide(&p, &s.wanted(), None, None).unwrap().granted,
            vec![0]
        );
        // A statement may grant it.
        p.automount = Automount::Unset;
        let plan = decide(&p, &s.wanted(), Some(&stated(ApiAccess::All)), None).unwrap();
        assert_eq!(plan.granted, vec![0]);
    }

    #[test]
    fn an_existing_token_keeps_its_lifetime_unless_a_statement_lengthens_it() {
        let s = Settings::default();
        let mut p = pod(
            Automount::Off,
            vec![container("app", false, &[("kube-api-access", PATH, true)])],
        );
        let mut projected = s.projected();
        if let Some(token) = projected
            .sources
            .as_mut()
            .and_then(|s| s.first_mut())
            .and_then(|s| s.service_account_token.as_mut())
        {
            token.expiration_seconds = None;
        }
        p.volumes.push(Volume {
            name: "kube-api-access".into(),
            source: VolumeSource::Token(Some(projected)),
        });
        let plan = decide(&p, &s.wanted(), None, None).unwrap();
        assert!(plan.is_empty());
        let lifetime = plan.lifetime.unwrap();
        assert_eq!((lifetime.written, lifetime.effective), (None, 3600));
        let longer = LifetimeStatement {
            seconds: 7200,
            by: LifetimeBy::WorkloadAnnotation,
        };
        let plan = decide(&p, &s.wanted(), None, Some(&longer)).unwrap();
        assert_eq!(plan.volume, VolumeChange::Update(0));
        assert_eq!(plan.lifetime.unwrap().effective, 7200);
    }

    #[test]
    fn unnamed_containers_are_labelled_by_place() {
        let p = pod(
            Automount::Unset,
            vec![
                container("", false, &[]),
                container("init", true, &[]),
                container("", true, &[]),
            ],
        );
        assert_eq!(p.label(0), "containers[0]");
        assert_eq!(p.label(1), "init");
        assert_eq!(p.label(2), "initContainers[1]");
    }
}
