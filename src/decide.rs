//! The hardening decision: what one Pod template contains and the config in, the
//! changes to make out. Pure: no YAML, no I/O, so every rule of SPEC §4 is tested here
//! on plain values.

use k8s_openapi::api::core::v1::ProjectedVolumeSource;

use crate::config::{Settings, is_dns_label};

/// What the decision needs to know about one Pod template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodTemplate {
    /// `automountServiceAccountToken` as written.
    pub automount: Automount,
    /// `volumes`, in order.
    pub volumes: Vec<Volume>,
    /// `containers` then `initContainers`, in order.
    pub containers: Vec<Container>,
}

impl PodTemplate {
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
    /// Things the user should know about, such as containers skipped.
    pub warnings: Vec<String>,
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// A volume of the configured name that is not a projected token volume.
    #[error(
        "volume {name:?} is not a projected service-account token volume; rename it or set volumeName to another name"
    )]
    NotATokenVolume {
        /// The volume's name.
        name: String,
    },
    /// Two volumes of the configured name (Kubernetes rejects that too).
    #[error("volume {name:?} is listed more than once")]
    DuplicateVolume {
        /// The volume's name.
        name: String,
    },
}

/// Which containers of one workload get API access, as a statement about that
/// workload says (SPEC §4.2): the annotation `harden-sa-token.dev/api-access` or a rule.
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
}

impl std::str::FromStr for ApiAccess {
    type Err = String;

    /// The annotation form: `none`, `all`, or a comma list of container names.
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "none" => Ok(ApiAccess::None),
            "all" => Ok(ApiAccess::All),
            list => {
                let names: Vec<String> = list.split(',').map(|n| n.trim().to_owned()).collect();
                match names.iter().find(|n| !is_dns_label(n)) {
                    Some(bad) => Err(format!(
                        "{bad:?} is not a container name; allowed: none, all, or a comma list of container names"
                    )),
                    None => Ok(ApiAccess::Containers(names)),
                }
            }
        }
    }
}

/// A statement about one workload that sets its access exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// What it says.
    pub access: ApiAccess,
    /// Where it was said, for messages: `annotation harden-sa-token.dev/api-access` or
    /// `rules[2]`.
    pub by: String,
}

/// Decides what to change in `pod` so that it matches `settings` (SPEC §4). With a
/// `statement` about the workload, the statement says who gets access; without one,
/// today's access narrowed by the global container filter does.
pub fn decide(
    pod: &PodTemplate,
    settings: &Settings,
    statement: Option<&Statement>,
) -> Result<Plan, Conflict> {
    let mut plan = Plan::default();
    let named: Vec<(usize, &Volume)> = pod
        .volumes
        .iter()
        .enumerate()
        .filter(|(_, v)| v.name == settings.volume_name)
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
                name: settings.volume_name.clone(),
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
    let today = |c: &Container| match pod.automount {
        Automount::Unset | Automount::On => true,
        Automount::Off => c
            .mounts
            .iter()
            .any(|m| m.path == settings.mount_path && token_volumes.contains(&m.volume.as_str())),
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
            plan.warnings.push(format!(
                "{by} names container {name:?}, which this Pod template does not have"
            ));
        }
    }

    for (ci, c) in pod.containers.iter().enumerate() {
        let had = today(c);
        // Who is wanted (§4.2): a statement says it exactly; the filter only narrows.
        let mut wanted = match statement {
            Some(s) => s.access.grants(&c.name),
            None => had && settings.containers.keeps(&c.name, c.init),
        };
        // Only a container that is not wanted needs the reason, for a warning.
        let why_not = || match statement {
            Some(Statement {
                access: ApiAccess::None,
                by,
            }) => format!("{by} says none"),
            Some(Statement { by, .. }) => format!("{by} does not name it"),
            None => settings.containers.why_dropped(&c.name, c.init),
        };
        let foreign = c
            .mounts
            .iter()
            .find(|m| m.path == settings.mount_path && m.volume != settings.volume_name);
        match (wanted, foreign) {
            (true, Some(m)) => {
                plan.warnings.push(format!(
                    "container {:?} already mounts volume {:?} at {}; left as it is, without a second mount",
                    pod.label(ci), m.volume, settings.mount_path
                ));
                wanted = false;
            }
            (false, Some(m)) if had && token_volumes.contains(&m.volume.as_str()) => {
                plan.warnings.push(format!(
                    "container {:?} keeps API access through volume {:?} mounted at {}, which this function does not manage ({})",
                    pod.label(ci), m.volume, settings.mount_path, why_not()
                ));
            }
            (false, _) if had => plan.warnings.push(format!(
                "container {:?} loses API access: {}",
                pod.label(ci),
                why_not()
            )),
            _ => {}
        }
        let mut own = c
            .mounts
            .iter()
            .enumerate()
            .filter(|(_, m)| m.volume == settings.volume_name);
        if wanted {
            plan.granted.push(ci);
            match own.next() {
                None => plan.mounts.push(MountChange {
                    container: ci,
                    change: MountEdit::Add,
                }),
                Some((mi, m)) if m.path != settings.mount_path || !m.read_only => {
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

    plan.volume = match (ours, plan.granted.is_empty()) {
        (None, true) => VolumeChange::Keep,
        (None, false) => VolumeChange::Add,
        (Some((i, _)), true) => VolumeChange::Remove(i),
        (Some((_, Some(source))), false) if *source == settings.projected() => VolumeChange::Keep,
        (Some((i, _)), false) => VolumeChange::Update(i),
    };
    plan.disable_automount = pod.automount != Automount::Off;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ContainerFilter, Settings};

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
        let plan = decide(&p, &s, None).unwrap();
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
        let plan = decide(&p, &s, None).unwrap();
        assert!(plan.is_empty(), "{plan:?}");
        assert_eq!(plan.granted, vec![0]);
    }

    #[test]
    fn opted_out_template_only_stays_opted_out() {
        let p = pod(Automount::Off, vec![container("app", false, &[])]);
        assert!(decide(&p, &Settings::default(), None).unwrap().is_empty());
    }

    #[test]
    fn automount_true_is_turned_off() {
        let p = pod(Automount::On, vec![container("app", false, &[])]);
        let plan = decide(&p, &Settings::default(), None).unwrap();
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
        let plan = decide(&p, &s, None).unwrap();
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
        assert!(decide(&p, &s, None).unwrap().is_empty());
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
        let plan = decide(&p, &s, None).unwrap();
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
        p.volumes.push(token_volume(&old));
        assert_eq!(
            decide(&p, &s, None).unwrap().volume,
            VolumeChange::Update(0)
        );
        p.volumes[0].source = VolumeSource::Token(None);
        assert_eq!(
            decide(&p, &s, None).unwrap().volume,
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
        let plan = decide(&p, &s, None).unwrap();
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
        let plan = decide(&p, &s, None).unwrap();
        assert_eq!(plan.granted, vec![1]);
        assert_eq!(
            plan.mounts,
            vec![MountChange {
                container: 1,
                change: MountEdit::Add
            }]
        );
        assert_eq!(plan.warnings.len(), 1);
        assert!(plan.warnings[0].contains("my-token"), "{:?}", plan.warnings);
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
            decide(&p, &s, None),
            Err(Conflict::NotATokenVolume {
                name: "kube-api-access".into()
            })
        );
        p.volumes.push(token_volume(&s));
        p.volumes.remove(0);
        p.volumes.push(token_volume(&s));
        assert!(matches!(
            decide(&p, &s, None),
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
        let plan = decide(&p, &s, None).unwrap();
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
        assert!(decide(&after, &s, None).unwrap().is_empty());
    }

    fn stated(access: ApiAccess) -> Statement {
        Statement {
            access,
            by: "rules[0]".into(),
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
        let plan = decide(&p, &s, Some(&statement)).unwrap();
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
        let plan = decide(&p, &s, Some(&stated(ApiAccess::None))).unwrap();
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
            vec!["container \"pause\" loses API access: rules[0] says none"]
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
        let plan = decide(&p, &s, Some(&stated(ApiAccess::All))).unwrap();
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
        let plan = decide(&p, &s, Some(&statement)).unwrap();
        assert_eq!(plan.granted, vec![0]);
        assert_eq!(
            plan.warnings,
            vec![
                "rules[0] names container \"ap\", which this Pod template does not have",
                "container \"proxy\" loses API access: rules[0] does not name it",
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
        let plan = decide(&p, &s, None).unwrap();
        assert!(plan.is_empty());
        assert_eq!(plan.warnings.len(), 1);
        assert!(plan.warnings[0].contains("keeps API access through volume \"my-token\""));
    }

    #[test]
    fn annotation_values() {
        assert_eq!("none".parse(), Ok(ApiAccess::None));
        assert_eq!(" all ".parse(), Ok(ApiAccess::All));
        assert_eq!(
            "app, leader-elector".parse(),
            Ok(ApiAccess::Containers(vec![
                "app".into(),
                "leader-elector".into()
            ]))
        );
        assert!("".parse::<ApiAccess>().is_err());
        assert!("app,,web".parse::<ApiAccess>().is_err());
        assert!("App".parse::<ApiAccess>().is_err());
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
