//! What each rule is about, for reports: SARIF's rule descriptions and help.

use crate::results::Rule;

/// What a rule is about, for reports: its name, a one-line description, a full one, and
/// what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleText {
    /// A short name, in the manner of SARIF's `name` (PascalCase).
    pub name: &'static str,
    /// One line.
    pub short: &'static str,
    /// What the finding means.
    pub full: &'static str,
    /// What to do.
    pub help: &'static str,
}

/// The words of each rule.
pub fn rule_text(rule: Rule) -> RuleText {
    let (name, short, full, help) = match rule {
        Rule::AutomountNotDisabled => (
            "AutomountNotDisabled",
            "A Pod template's automountServiceAccountToken is not false.",
            "With automountServiceAccountToken unset or true, Kubernetes mounts the service-account token into every container and init container of the Pod, whether it needs the API or not.",
            "Set automountServiceAccountToken: false and mount the token explicitly where it is needed (`harden-sa-token fix`).",
        ),
        Rule::TokenVolumeMissing => (
            "TokenVolumeMissing",
            "A container needs the API but the Pod template has no explicit token volume.",
            "Once automount is off, the containers that need the API read their token from an explicit projected volume (token, cluster CA, namespace).",
            "Add the projected token volume the config describes (`harden-sa-token fix`).",
        ),
        Rule::TokenVolumeDiffers => (
            "TokenVolumeDiffers",
            "The token volume differs from the config.",
            "The projected token volume's lifetime, audience, CA ConfigMap, mode or sources are not those the config asks for.",
            "Bring the volume to the configured settings (`harden-sa-token fix` changes only what differs).",
        ),
        Rule::TokenVolumeUnused => (
            "TokenVolumeUnused",
            "A token volume no container should mount.",
            "No container of the Pod template needs the Kubernetes API, yet the token volume is there.",
            "Remove the volume and its mounts (`harden-sa-token fix`).",
        ),
        Rule::TokenMountMissing => (
            "TokenMountMissing",
            "A container that needs the API does not mount the token read-only at the mount path.",
            "The container can reach the Kubernetes API today (or a statement says it needs it), so it must mount the token volume read-only where client libraries look for it.",
            "Mount the token volume read-only at the mount path (`harden-sa-token fix`).",
        ),
        Rule::TokenMountUnwanted => (
            "TokenMountUnwanted",
            "A container mounts the token where it would not be.",
            "The config, a rule, an annotation or the RBAC evidence says this container does not need the Kubernetes API, yet it mounts the token.",
            "Remove the mount (`harden-sa-token fix`), or state that the container needs the API.",
        ),
        Rule::ServiceAccountAutomount => (
            "ServiceAccountAutomount",
            "A ServiceAccount's automountServiceAccountToken is not false.",
            "With serviceAccounts: true, the selected ServiceAccounts are to turn automount off for every Pod that runs as them.",
            "Set automountServiceAccountToken: false on the ServiceAccount (`harden-sa-token fix`).",
        ),
        Rule::TokenGrantsNothing => (
            "TokenGrantsNothing",
            "A Pod template holds a token that nothing in the input grants any right.",
            "Under rbac: apply the input and the evidence are the whole truth about RBAC: no RoleBinding or ClusterRoleBinding in them grants the Pod template's ServiceAccount anything it can use, so its token is only a credential to steal.",
            "Remove the token (`harden-sa-token fix`), or bind the ServiceAccount, or state that the workload needs the API.",
        ),
        Rule::LeftUnchanged => (
            "LeftUnchanged",
            "A resource the function cannot harden safely was left unchanged.",
            "A volume of the token volume's name that is not a token volume, a malformed api-access annotation, a Pod template Kubernetes would reject, or a layout the editor will not change without touching other bytes.",
            "Read the message: rename the volume, fix the annotation or the manifest, then run again.",
        ),
        Rule::InternalError => (
            "InternalError",
            "The function's own edit of a resource did not check out; the resource was left unchanged.",
            "Every output is parsed again and compared with the input plus the intended edits before it is written. A resource whose edits do not check out is left exactly as it was: on input the function accepts, this is a bug of its editor.",
            "Please report it with the resource; the other resources are hardened as usual.",
        ),
        Rule::NoPodTemplate => (
            "NoPodTemplate",
            "A workload has no Pod template where its kind must have one.",
            "Kubernetes rejects a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob or PodTemplate without its PodSpec (spec, spec.template.spec, ...). The function finds nothing to harden in it: it is a patch or a partial manifest, or it is broken.",
            "If it is a whole manifest, add its Pod template; a patch is hardened where it is applied (run the function on the rendered output).",
        ),
        Rule::AccessLost => (
            "AccessLost",
            "A container loses the API access it had.",
            "The container could reach the Kubernetes API before, and the config, a statement or the RBAC evidence takes that away.",
            "Check that the container does not call the API; if it does, state it with the annotation harden-sa-token.dev/api-access or a rule.",
        ),
        Rule::ForeignMount => (
            "ForeignMount",
            "A container mounts another volume at the token's mount path.",
            "Kubernetes rejects two mounts at one path, so the container keeps its own mount and gets no second one.",
            "Leave it, or remove the container's own mount to let the function manage its token.",
        ),
        Rule::UnmanagedToken => (
            "UnmanagedToken",
            "A container keeps API access through a token volume this function does not manage.",
            "The container mounts a projected token volume of another name at the mount path; it keeps access whatever the config says.",
            "Remove that volume and mount, or rename it to the configured volume name.",
        ),
        Rule::UnknownContainer => (
            "UnknownContainer",
            "A statement names a container the Pod template does not have.",
            "The annotation harden-sa-token.dev/api-access or a rule lists a container name that is not among the Pod template's containers and init containers.",
            "Correct the name.",
        ),
        Rule::TokenWithoutGrant => (
            "TokenWithoutGrant",
            "A Pod template keeps a token that nothing in the input grants any right.",
            "No RoleBinding or ClusterRoleBinding in the input grants the Pod template's ServiceAccount anything (rbac: advise).",
            "If the workload never calls the API, annotate it with harden-sa-token.dev/api-access: none, or use rbac: apply.",
        ),
        Rule::TokenUsedOutsideRbac => (
            "TokenUsedOutsideRbac",
            "A Pod template uses its token outside Kubernetes RBAC, so rbac: apply keeps it.",
            "Nothing in the input or the evidence grants the Pod template's ServiceAccount any right, but the Pod template asks for the token (automountServiceAccountToken: true) or uses it elsewhere: Vault's agent injector, or a container that reads the token's path itself.",
            "State the workload's need with the annotation harden-sa-token.dev/api-access or a rule.",
        ),
        Rule::IncompleteEvidence => (
            "IncompleteEvidence",
            "The input does not show enough RBAC to decide who needs the token.",
            "The input and the evidence hold no binding at all, the ServiceAccount is defined nowhere in them or has no namespace, or bindings would apply once namespaces are set; the decision is left to the other settings.",
            "Run over the whole install, with its ServiceAccounts and bindings, add the cluster's RBAC as evidence (harden-sa-token evidence), or state the workload's need.",
        ),
        Rule::PlatformUnset => (
            "PlatformUnset",
            "The input looks meant for OpenShift, but the config does not name the platform.",
            "OpenShift's own token volume also projects the ConfigMap openshift-service-ca.crt as service-ca.crt; with platform unset the function writes Kubernetes' volume, without it.",
            "Set platform: openshift (or platform: kubernetes if that is intended).",
        ),
        Rule::Hardened => (
            "Hardened",
            "A Pod template was hardened.",
            "automountServiceAccountToken: false, and the token volume mounted read-only in exactly the containers that need the API.",
            "Review the change.",
        ),
        Rule::NotAnObject => (
            "NotAnObject",
            "A document of the stream is not a Kubernetes object.",
            "A document whose root is a scalar or a list is passed through unchanged.",
            "Check what produced the stream.",
        ),
    };
    RuleText {
        name,
        short,
        full,
        help,
    }
}
