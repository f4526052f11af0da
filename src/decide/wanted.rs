//! What the config wants of every Pod template, built once per run: the token volume
//! (as Kubernetes objects), where it is mounted, and the container filter.

use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath,
    ObjectFieldSelector, ProjectedVolumeSource, ServiceAccountTokenProjection, Volume, VolumeMount,
    VolumeProjection,
};

use super::containers::ContainerFilter;

/// The settings of the projected token volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenVolume {
    /// Token lifetime in seconds.
    pub expiration_seconds: i64,
    /// Token audience, if any.
    pub audience: Option<String>,
    /// ConfigMap with the cluster CA.
    pub ca_config_map: String,
    /// Mode bits of the projected files.
    pub default_mode: i32,
    /// Whether the volume projects the namespace file.
    pub namespace_file: bool,
    /// Whether the volume projects OpenShift's service CA as `service-ca.crt`, as the
    /// token volume OpenShift's admission mounts does.
    pub service_ca: bool,
}

/// The ConfigMap OpenShift publishes its service CA in, in every namespace.
pub const SERVICE_CA_CONFIG_MAP: &str = "openshift-service-ca.crt";

/// What the decision wants of every Pod template.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    /// Name of the token volume.
    pub volume_name: String,
    /// Where it is mounted.
    pub mount_path: String,
    /// Its projected source, as the config asks.
    pub projected: ProjectedVolumeSource,
    /// Which containers keep the access they have today.
    pub filter: ContainerFilter,
}

impl Wanted {
    /// The volume `volume_name` with `token`'s settings, mounted at `mount_path` in the
    /// containers `filter` keeps.
    pub fn new(
        volume_name: &str,
        mount_path: &str,
        token: &TokenVolume,
        filter: ContainerFilter,
    ) -> Self {
        Wanted {
            volume_name: volume_name.to_owned(),
            mount_path: mount_path.to_owned(),
            projected: projected(token),
            filter,
        }
    }

    /// The whole volume entry.
    pub fn volume(&self) -> Volume {
        Volume {
            name: self.volume_name.clone(),
            projected: Some(self.projected.clone()),
            ..Default::default()
        }
    }

    /// The projected source as the config has it, but with `expirationSeconds` set to
    /// `seconds` (absent for `None`).
    pub fn with_lifetime(&self, seconds: Option<i64>) -> ProjectedVolumeSource {
        let mut projected = self.projected.clone();
        for source in projected.sources.iter_mut().flatten() {
            if let Some(token) = source.service_account_token.as_mut() {
                token.expiration_seconds = seconds;
            }
        }
        projected
    }

    /// The mount each selected container gets.
    pub fn mount(&self) -> VolumeMount {
        VolumeMount {
            name: self.volume_name.clone(),
            mount_path: self.mount_path.clone(),
            read_only: Some(true),
            ..Default::default()
        }
    }
}

/// The projected volume source kubelet itself mounts as `kube-api-access-*`: the token,
/// the cluster CA, (unless left out) the namespace, and on OpenShift its service CA, last,
/// where OpenShift's admission puts it.
fn projected(token: &TokenVolume) -> ProjectedVolumeSource {
    let mut sources = vec![
        VolumeProjection {
            service_account_token: Some(ServiceAccountTokenProjection {
                audience: token.audience.clone(),
                expiration_seconds: Some(token.expiration_seconds),
                path: "token".into(),
            }),
            ..Default::default()
        },
        VolumeProjection {
            config_map: Some(ConfigMapProjection {
                name: token.ca_config_map.clone(),
                items: Some(vec![KeyToPath {
                    key: "ca.crt".into(),
                    path: "ca.crt".into(),
                    mode: None,
                }]),
                optional: None,
            }),
            ..Default::default()
        },
    ];
    if token.namespace_file {
        sources.push(VolumeProjection {
            downward_api: Some(DownwardAPIProjection {
                items: Some(vec![DownwardAPIVolumeFile {
                    path: "namespace".into(),
                    field_ref: Some(ObjectFieldSelector {
                        api_version: Some("v1".into()),
                        field_path: "metadata.namespace".into(),
                    }),
                    ..Default::default()
                }]),
            }),
            ..Default::default()
        });
    }
    if token.service_ca {
        sources.push(VolumeProjection {
            config_map: Some(ConfigMapProjection {
                name: SERVICE_CA_CONFIG_MAP.into(),
                items: Some(vec![KeyToPath {
                    key: "service-ca.crt".into(),
                    path: "service-ca.crt".into(),
                    mode: None,
                }]),
                optional: None,
            }),
            ..Default::default()
        });
    }
    ProjectedVolumeSource {
        default_mode: Some(token.default_mode),
        sources: Some(sources),
    }
}
