//! One Pod template in YAML: reads what the decision needs from a PodSpec node, and
//! turns the decision's [`Plan`] into edits of that node's text.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::decide::{
    Automount, Container, Mount, MountEdit, Plan, PodTemplate, Volume, VolumeChange, VolumeSource,
    Wanted,
};
use crate::yaml::{self, EditError, Editor, Node};

/// The nodes of a PodSpec that edits may touch, indexed like the [`PodTemplate`].
#[derive(Debug)]
pub struct TemplateNodes<'n, 'a> {
    spec: &'n Node<'a>,
    containers: Vec<&'n Node<'a>>,
}

/// New values, made once per run from the settings and shared by every edit.
#[derive(Debug, Clone)]
pub struct NewValues {
    volume: Arc<Value>,
    mount: Arc<Value>,
}

impl NewValues {
    /// The token volume and its mount as `wanted` has them.
    pub fn new(wanted: &Wanted) -> Self {
        NewValues {
            volume: Arc::new(serde_json::to_value(wanted.volume()).unwrap_or(Value::Null)),
            mount: Arc::new(serde_json::to_value(wanted.mount()).unwrap_or(Value::Null)),
        }
    }
}

/// Reads what the decision needs from a PodSpec node.
pub fn read<'n, 'a>(spec: &'n Node<'a>) -> (PodTemplate, TemplateNodes<'n, 'a>) {
    let automount = automount(spec);
    let volumes = list(spec, "volumes")
        .iter()
        .map(|v| Volume {
            name: v.get_str("name").unwrap_or_default().to_owned(),
            source: volume_source(v),
        })
        .collect();
    let mut containers = Vec::new();
    let mut nodes = Vec::new();
    for (key, init) in [("containers", false), ("initContainers", true)] {
        for c in list(spec, key) {
            containers.push(Container {
                name: c.get_str("name").unwrap_or_default().to_owned(),
                init,
                mounts: list(c, "volumeMounts")
                    .iter()
                    .map(|m| Mount {
                        volume: m.get_str("name").unwrap_or_default().to_owned(),
                        path: m.get_str("mountPath").unwrap_or_default().to_owned(),
                        read_only: m.get("readOnly").and_then(Node::as_bool) == Some(true),
                    })
                    .collect(),
            });
            nodes.push(c);
        }
    }
    (
        PodTemplate {
            automount,
            volumes,
            containers,
        },
        TemplateNodes {
            spec,
            containers: nodes,
        },
    )
}

/// `automountServiceAccountToken` of a PodSpec or a ServiceAccount, as Kubernetes reads it.
pub fn automount(map: &Node<'_>) -> Automount {
    match map.get("automountServiceAccountToken") {
        None => Automount::Unset,
        Some(n) if n.is_null() => Automount::Unset,
        Some(n) if n.as_bool() == Some(false) => Automount::Off,
        Some(_) => Automount::On,
    }
}

fn list<'n, 'a>(node: &'n Node<'a>, key: &str) -> &'n [Node<'a>] {
    node.get(key).and_then(Node::items).unwrap_or_default()
}

fn volume_source(volume: &Node<'_>) -> VolumeSource {
    let Some(projected) = volume.get("projected") else {
        return VolumeSource::Other;
    };
    let has_token = list(projected, "sources")
        .iter()
        .any(|s| s.get("serviceAccountToken").is_some());
    if !has_token {
        return VolumeSource::Other;
    }
    VolumeSource::Token(
        yaml::to_json(projected)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok()),
    )
}

/// Turns `plan` into edits of the PodSpec text.
pub fn apply(
    plan: &Plan,
    nodes: &TemplateNodes<'_, '_>,
    new: &NewValues,
    editor: &mut Editor<'_>,
) -> Result<(), EditError> {
    // Deepest first: edits at the same position keep the order they are made in, and a
    // container's new lines must come before the PodSpec's own.
    for (ci, container) in nodes.containers.iter().enumerate() {
        let changes: Vec<MountEdit> = plan
            .mounts
            .iter()
            .filter(|m| m.container == ci)
            .map(|m| m.change)
            .collect();
        if changes.is_empty() {
            continue;
        }
        let mounts = container.entry("volumeMounts");
        let items = mounts.and_then(|(_, n)| n.items()).unwrap_or_default();
        let removed: Vec<usize> = changes
            .iter()
            .filter_map(|c| match c {
                MountEdit::Remove(i) => Some(*i),
                _ => None,
            })
            .collect();
        let adds = changes.contains(&MountEdit::Add);
        if let Some((index, _)) = mounts.filter(|_| !adds && removed.len() == items.len()) {
            editor.remove_entry(container, index)?;
            continue;
        }
        for change in &changes {
            match change {
                MountEdit::Add => add_to_list(editor, container, "volumeMounts", &new.mount)?,
                MountEdit::Update(i) => {
                    editor.replace(node_at(items, *i, container)?, Arc::clone(&new.mount))?
                }
                MountEdit::Remove(_) => {}
            }
        }
        if let Some((_, seq)) = mounts {
            for i in removed {
                editor.remove_item(seq, i)?;
            }
        }
    }
    let volumes = nodes.spec.entry("volumes");
    let items = volumes.and_then(|(_, n)| n.items()).unwrap_or_default();
    match plan.volume {
        VolumeChange::Keep => {}
        VolumeChange::Add => add_to_list(editor, nodes.spec, "volumes", &new.volume)?,
        VolumeChange::Update(i) => {
            editor.replace(node_at(items, i, nodes.spec)?, Arc::clone(&new.volume))?
        }
        VolumeChange::Remove(i) => match volumes {
            Some((index, _)) if items.len() == 1 => editor.remove_entry(nodes.spec, index)?,
            Some((_, seq)) => editor.remove_item(seq, i)?,
            None => {}
        },
    }
    if plan.disable_automount {
        disable_automount(editor, nodes.spec)?;
    }
    Ok(())
}

/// Sets `automountServiceAccountToken: false` in `map` (a PodSpec or a ServiceAccount):
/// replaces the value, or adds the key when it is absent or null.
pub fn disable_automount(editor: &mut Editor<'_>, map: &Node<'_>) -> Result<(), EditError> {
    const KEY: &str = "automountServiceAccountToken";
    match map.entry(KEY) {
        Some((index, n)) if n.is_null() => {
            editor.remove_entry(map, index)?;
            editor.insert_entry(map, KEY, Arc::new(json!(false)))
        }
        Some((_, n)) => editor.replace_scalar(n, "false"),
        None => editor.insert_entry(map, KEY, Arc::new(json!(false))),
    }
}

fn node_at<'n, 'a>(
    items: &'n [Node<'a>],
    index: usize,
    parent: &Node<'_>,
) -> Result<&'n Node<'a>, EditError> {
    items.get(index).ok_or_else(|| EditError {
        at: Some((parent.line(), parent.column())),
        what: format!("list item {index}: not found"),
    })
}

/// Appends `value` to the list at `key` of `map`, creating the list when it is absent
/// or null.
fn add_to_list(
    editor: &mut Editor<'_>,
    map: &Node<'_>,
    key: &str,
    value: &Arc<Value>,
) -> Result<(), EditError> {
    match map.entry(key) {
        Some((_, seq)) if seq.items().is_some() => editor.append_item(seq, Arc::clone(value)),
        Some((index, n)) if n.is_null() => {
            editor.remove_entry(map, index)?;
            editor.insert_entry(map, key, Arc::new(Value::Array(vec![Value::clone(value)])))
        }
        Some((_, n)) => Err(EditError {
            at: Some((n.line(), n.column())),
            what: format!("`{key}`: not a list"),
        }),
        None => editor.insert_entry(map, key, Arc::new(Value::Array(vec![Value::clone(value)]))),
    }
}
