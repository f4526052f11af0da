//! One Pod template in YAML: reads what the decision needs from a PodSpec node, and
//! turns the decision's [`Plan`] into edits of that node's text.
//!
//! It reads the PodSpec the way Kubernetes does, or refuses it: the lists it reads must
//! be lists of mappings (Kubernetes rejects anything else), a mapping it reads may not
//! have a merge key (`<<`, whose keys Kubernetes reads and this function would not
//! see), and aliases are read through but never edited through.

use k8s_openapi::api::core::v1::ProjectedVolumeSource;
use serde_json::{Value, json};

use crate::decide::{
    Automount, Container, Mount, MountEdit, Plan, PodTemplate, Volume, VolumeChange, VolumeSource,
    Wanted,
};
use crate::yaml::{self, Document, EditError, Editor, NewValue, Node, Shared};

/// What a node is, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A mapping.
    Mapping,
    /// A list.
    List,
    /// A scalar.
    Scalar,
    /// An empty value (or `null`).
    Null,
}

/// A node an edit would share with other places of the document, as a message names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sharing {
    /// Whether the node is the alias itself; else it is (inside) the anchored node.
    pub is_alias: bool,
    /// The alias's name, without the `*`.
    pub name: String,
    /// 1-based line and column of the alias.
    pub alias_at: (usize, usize),
    /// 1-based line and column of the anchored node.
    pub anchor_at: (usize, usize),
    /// What the node is (through the alias, when it is one).
    pub anchored: Shape,
}

/// Why a Pod template (or a ServiceAccount) is left unchanged. Fields are paths from the
/// PodSpec (`containers[0].volumeMounts`); an empty path is the PodSpec itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// `containers`, `initContainers`, `volumes` or `volumeMounts` is not a list, which
    /// Kubernetes rejects.
    NotAList {
        /// The field.
        field: String,
        /// 1-based line and column of its value.
        at: (usize, usize),
        /// What it is instead.
        found: Shape,
    },
    /// The PodSpec or an item of one of those lists is not a mapping, which Kubernetes
    /// rejects.
    NotAMapping {
        /// The field, with the item's index.
        field: String,
        /// 1-based line and column of the item.
        at: (usize, usize),
        /// What it is instead.
        found: Shape,
    },
    /// A mapping the function reads or edits has a merge key: Kubernetes reads the keys
    /// it brings in (an explicit key hides a merged one), this function does not.
    MergeKey {
        /// The mapping.
        field: String,
        /// 1-based line and column of the `<<`.
        at: (usize, usize),
    },
    /// A ServiceAccount with a merge key.
    AccountMergeKey {
        /// 1-based line and column of the `<<`.
        at: (usize, usize),
    },
    /// An edit would go through an alias, or into an anchored node an alias stands for:
    /// it would change every place the anchor is used.
    Shared {
        /// The field the edit is in.
        field: String,
        /// The alias and the anchor.
        sharing: Sharing,
    },
    /// The editor cannot make an edit without touching other bytes.
    Edit(EditError),
}

impl TemplateError {
    /// The field it is about, as a path from the PodSpec (`containers[0].volumeMounts`);
    /// empty for the PodSpec (or the ServiceAccount) itself.
    pub fn field(&self) -> &str {
        match self {
            TemplateError::NotAList { field, .. }
            | TemplateError::NotAMapping { field, .. }
            | TemplateError::MergeKey { field, .. }
            | TemplateError::Shared { field, .. } => field,
            TemplateError::AccountMergeKey { .. } | TemplateError::Edit(_) => "",
        }
    }
}

impl From<EditError> for TemplateError {
    fn from(e: EditError) -> Self {
        TemplateError::Edit(e)
    }
}

/// The nodes of a PodSpec that edits may touch, indexed like the [`PodTemplate`].
#[derive(Debug)]
pub struct TemplateNodes<'n, 'a> {
    doc: &'n Document<'a>,
    spec: &'n Node<'a>,
    /// Each container as written (perhaps an alias), with its path from the PodSpec.
    containers: Vec<(String, &'n Node<'a>)>,
    /// The containers lists as written, when they are aliases: `containers` then
    /// `initContainers`, with their paths.
    lists: [Option<(String, &'n Node<'a>)>; 2],
}

/// New values, made once per run from the settings and shared by every edit.
#[derive(Debug, Clone)]
pub struct NewValues {
    volume: NewValue,
    /// The projected source of `volume`: a plan that wants this one shares `volume`.
    projected: ProjectedVolumeSource,
    mount: NewValue,
    name: String,
}

impl NewValues {
    /// The token volume and its mount as `wanted` has them.
    pub fn new(wanted: &Wanted) -> Self {
        NewValues {
            volume: serde_json::to_value(wanted.volume())
                .unwrap_or(Value::Null)
                .into(),
            projected: wanted.projected.clone(),
            mount: serde_json::to_value(wanted.mount())
                .unwrap_or(Value::Null)
                .into(),
            name: wanted.volume_name.clone(),
        }
    }

    /// The token volume `plan` wants: its own projected source (an existing volume's
    /// audience, lifetime and extra sources kept), else the config's. The config's is
    /// the shared value, not a copy per Pod template: most plans want it, and a copy
    /// costs a few kilobytes of maps each.
    fn volume(&self, plan: &Plan) -> NewValue {
        let Some(projected) = plan.projected.as_ref().filter(|p| **p != self.projected) else {
            return self.volume.clone();
        };
        let volume = k8s_openapi::api::core::v1::Volume {
            name: self.name.clone(),
            projected: Some(projected.clone()),
            ..Default::default()
        };
        match serde_json::to_value(volume) {
            Ok(value) => value.into(),
            Err(_) => self.volume.clone(),
        }
    }
}

/// Reads what the decision needs from a PodSpec node of `doc` (perhaps an alias, or a
/// mapping with a merge key that holds it, as [`crate::workloads`] finds them), or says
/// why it cannot be read the way Kubernetes reads it.
pub fn read<'n, 'a>(
    doc: &'n Document<'a>,
    spec: &'n Node<'a>,
) -> Result<(PodTemplate, TemplateNodes<'n, 'a>), TemplateError> {
    let body = mapping(doc, spec, "")?;
    // Read through an alias (`automountServiceAccountToken: *off`), as Kubernetes does.
    let automount = automount_value(body.get(AUTOMOUNT).map(|n| doc.read_through(n)));
    let mut volumes = Vec::new();
    for (i, v) in list(doc, body, "volumes", "volumes")?.iter().enumerate() {
        let field = format!("volumes[{i}]");
        let v = mapping(doc, v, &field)?;
        volumes.push(Volume {
            name: v.get_str("name").unwrap_or_default().to_owned(),
            source: volume_source(doc, v, &field)?,
        });
    }
    let mut containers = Vec::new();
    let mut nodes = Vec::new();
    let mut lists = [None, None];
    for ((key, init), alias) in [("containers", false), ("initContainers", true)]
        .into_iter()
        .zip(&mut lists)
    {
        *alias = body
            .get(key)
            .filter(|n| n.is_alias())
            .map(|n| (key.to_owned(), n));
        for (i, written) in list(doc, body, key, key)?.iter().enumerate() {
            let field = format!("{key}[{i}]");
            let c = mapping(doc, written, &field)?;
            let mounts_field = format!("{field}.volumeMounts");
            let mut mounts = Vec::new();
            for (j, m) in list(doc, c, "volumeMounts", &mounts_field)?
                .iter()
                .enumerate()
            {
                let m = mapping(doc, m, &format!("{mounts_field}[{j}]"))?;
                mounts.push(Mount {
                    volume: m.get_str("name").unwrap_or_default().to_owned(),
                    path: m.get_str("mountPath").unwrap_or_default().to_owned(),
                    read_only: m.get("readOnly").and_then(Node::as_bool) == Some(true),
                });
            }
            containers.push(Container {
                name: c.get_str("name").unwrap_or_default().to_owned(),
                init,
                mounts,
            });
            nodes.push((field, written));
        }
    }
    Ok((
        PodTemplate {
            automount,
            // The ServiceAccount is not in the PodSpec; the filter looks it up.
            account: Automount::Unset,
            volumes,
            containers,
        },
        TemplateNodes {
            doc,
            spec,
            containers: nodes,
            lists,
        },
    ))
}

/// `automountServiceAccountToken` of a PodSpec or a ServiceAccount, as Kubernetes reads it.
pub fn automount(map: &Node<'_>) -> Automount {
    automount_value(map.get(AUTOMOUNT))
}

fn automount_value(value: Option<&Node<'_>>) -> Automount {
    match value {
        None => Automount::Unset,
        Some(n) if n.is_null() => Automount::Unset,
        Some(n) if n.as_bool() == Some(false) => Automount::Off,
        Some(_) => Automount::On,
    }
}

/// `automountServiceAccountToken` of a ServiceAccount, which must not have a merge key.
pub fn account(object: &Node<'_>) -> Result<Automount, TemplateError> {
    match object.merge_key() {
        Some(key) => Err(TemplateError::AccountMergeKey {
            at: (key.line(), key.column()),
        }),
        None => Ok(automount(object)),
    }
}

/// What a node is.
fn shape(node: &Node<'_>) -> Shape {
    if node.entries().is_some() {
        Shape::Mapping
    } else if node.items().is_some() {
        Shape::List
    } else if node.is_null() {
        Shape::Null
    } else {
        Shape::Scalar
    }
}

/// `node` (at `field`) as Kubernetes reads it, an alias read through: a mapping
/// without a merge key.
fn mapping<'n, 'a>(
    doc: &'n Document<'a>,
    node: &'n Node<'a>,
    field: &str,
) -> Result<&'n Node<'a>, TemplateError> {
    let target = doc.read_through(node);
    if target.entries().is_none() {
        return Err(TemplateError::NotAMapping {
            field: field.to_owned(),
            at: (node.line(), node.column()),
            found: shape(target),
        });
    }
    match target.merge_key() {
        Some(key) => Err(TemplateError::MergeKey {
            field: field.to_owned(),
            at: (key.line(), key.column()),
        }),
        None => Ok(target),
    }
}

/// The items of the list at `key` of `map` (`field` in messages), an alias read
/// through: none when it is absent or null.
fn list<'n, 'a>(
    doc: &'n Document<'a>,
    map: &'n Node<'a>,
    key: &str,
    field: &str,
) -> Result<&'n [Node<'a>], TemplateError> {
    let Some(node) = map.get(key) else {
        return Ok(&[]);
    };
    let target = doc.read_through(node);
    if target.is_null() {
        return Ok(&[]);
    }
    target.items().ok_or_else(|| TemplateError::NotAList {
        field: field.to_owned(),
        at: (node.line(), node.column()),
        found: shape(target),
    })
}

/// What kind of volume `volume` (a mapping at `field`) is. A token volume is read whole
/// and may be rewritten, so no mapping in it may have a merge key.
fn volume_source(
    doc: &Document<'_>,
    volume: &Node<'_>,
    field: &str,
) -> Result<VolumeSource, TemplateError> {
    let Some(projected) = volume.get("projected") else {
        return Ok(VolumeSource::Other);
    };
    let projected = doc.read_through(projected);
    let sources = projected
        .get("sources")
        .map(|s| doc.read_through(s))
        .and_then(Node::items)
        .unwrap_or_default();
    let has_token = sources
        .iter()
        .any(|s| doc.read_through(s).get("serviceAccountToken").is_some());
    if !has_token {
        return Ok(VolumeSource::Other);
    }
    no_merge_key(doc, projected, &format!("{field}.projected"), 0)?;
    Ok(VolumeSource::Token(
        yaml::to_json(projected)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok()),
    ))
}

/// Refuses a merge key in any mapping under `node` (at `field`), aliases read through.
fn no_merge_key(
    doc: &Document<'_>,
    node: &Node<'_>,
    field: &str,
    depth: usize,
) -> Result<(), TemplateError> {
    // The parser bounds nesting; aliases could lead back up, so the walk is bounded too.
    if depth > yaml::MAX_DEPTH {
        return Ok(());
    }
    let node = doc.read_through(node);
    if let Some(key) = node.merge_key() {
        return Err(TemplateError::MergeKey {
            field: field.to_owned(),
            at: (key.line(), key.column()),
        });
    }
    for (k, v) in node.entries().unwrap_or_default() {
        let key = k.as_str().unwrap_or_default();
        no_merge_key(doc, v, &format!("{field}.{key}"), depth + 1)?;
    }
    for (i, item) in node.items().unwrap_or_default().iter().enumerate() {
        no_merge_key(doc, item, &format!("{field}[{i}]"), depth + 1)?;
    }
    Ok(())
}

/// One edit of a Pod template, with the field it is in (for messages).
enum Step<'n, 'a> {
    /// Remove the entry at this key of the mapping.
    RemoveEntry(&'n Node<'a>, &'static str),
    /// Remove this item of the list.
    RemoveItem(&'n Node<'a>, &'n Node<'a>),
    /// Make the node read as the value, changing only what differs.
    Converge(&'n Node<'a>, NewValue),
    /// Append the value to the list at this key of the mapping, creating it if needed.
    AddToList(&'n Node<'a>, &'static str, NewValue),
    /// `automountServiceAccountToken: false` in the mapping.
    DisableAutomount(&'n Node<'a>),
}

impl<'n, 'a> Step<'n, 'a> {
    /// The node the step edits: it, or anything that holds it, must not be shared.
    fn target(&self) -> &'n Node<'a> {
        match self {
            Step::RemoveEntry(n, _) | Step::RemoveItem(n, _) | Step::Converge(n, _) => n,
            // A null list is replaced, and with it any anchor it has.
            Step::AddToList(map, key, _) => map.get(key).unwrap_or(map),
            Step::DisableAutomount(map) => map.get(AUTOMOUNT).unwrap_or(map),
        }
    }

    fn run(self, editor: &mut Editor<'_>) -> Result<(), EditError> {
        match self {
            Step::RemoveEntry(map, key) => editor.remove_entry(map, key),
            Step::RemoveItem(seq, item) => editor.remove_item(seq, item),
            Step::Converge(node, value) => editor.converge(node, value.as_json()),
            Step::AddToList(map, key, value) => add_to_list(editor, map, key, &value),
            Step::DisableAutomount(map) => disable_automount(editor, map),
        }
    }
}

/// Turns `plan` into edits of the PodSpec text. Nothing is edited when one of the edits
/// would go through an alias or into a node an alias stands for.
pub fn apply(
    plan: &Plan,
    nodes: &TemplateNodes<'_, '_>,
    new: &NewValues,
    editor: &mut Editor<'_>,
) -> Result<(), TemplateError> {
    let doc = nodes.doc;
    // Each edit, with whether it is inside an anchored `volumeMounts` list that every
    // place using it wants edited so: made once, at the anchor, and exempt from the
    // refusal of shared edits below.
    let mut steps: Vec<(String, Step<'_, '_>, bool)> = Vec::new();
    let mut anchors: Vec<&Node<'_>> = Vec::new();
    // Aliases on the way to an edited node: a container reached through an alias of
    // its list is inside the anchored list, and the alias is what to name.
    let mut through: Vec<(String, &Node<'_>)> = Vec::new();
    if nodes.spec.is_alias() && !plan.is_empty() {
        through.push((String::new(), nodes.spec));
    }
    let changes_of = |ci: usize| -> Vec<MountEdit> {
        plan.mounts
            .iter()
            .filter(|m| m.container == ci)
            .map(|m| m.change)
            .collect()
    };
    let shared_lists = shared_mount_lists(nodes, &changes_of);
    // Deepest first: edits at the same position keep the order they are made in, and a
    // container's new lines must come before the PodSpec's own.
    for (ci, (field, container)) in nodes.containers.iter().enumerate() {
        let changes = changes_of(ci);
        if changes.is_empty() {
            continue;
        }
        let shared = shared_lists.iter().find(|s| s.users.contains(&ci));
        match shared {
            // Every user of the list wants the same edits: the anchor's owner makes them,
            // once, for all.
            Some(s) if s.owner != ci && !s.removed_whole => continue,
            Some(s) if !s.removed_whole => anchors.push(s.list),
            _ => {}
        }
        let list = usize::from(field.starts_with("initContainers"));
        if let Some(Some((key, alias))) = nodes.lists.get(list) {
            through.push((key.clone(), alias));
        }
        if container.is_alias() {
            through.push((field.clone(), container));
        }
        // Read through an alias; edits of the alias itself are refused below.
        let mounts = doc.read_through(container).get("volumeMounts");
        let mounts_field = format!("{field}.volumeMounts");
        // Items as Kubernetes reads them, through an alias: an edit of one is then
        // refused as an edit inside an anchored node.
        let items = mounts
            .map(|n| doc.read_through(n))
            .and_then(Node::items)
            .unwrap_or_default();
        let removed: Vec<usize> = changes
            .iter()
            .filter_map(|c| match c {
                MountEdit::Remove(i) => Some(*i),
                _ => None,
            })
            .collect();
        let adds = changes.contains(&MountEdit::Add);
        if mounts.is_some() && !adds && removed.len() == items.len() {
            // A whole shared list goes with every entry that uses it (each user's own
            // entry: none of them is inside the anchored list).
            steps.push((
                field.clone(),
                Step::RemoveEntry(container, "volumeMounts"),
                false,
            ));
            continue;
        }
        let at_anchor = shared.is_some();
        for change in &changes {
            match change {
                MountEdit::Add => steps.push((
                    mounts_field.clone(),
                    Step::AddToList(container, "volumeMounts", new.mount.clone()),
                    at_anchor,
                )),
                MountEdit::Update(i) => steps.push((
                    format!("{mounts_field}[{i}]"),
                    Step::Converge(node_at(items, *i, container)?, new.mount.clone()),
                    at_anchor,
                )),
                MountEdit::Remove(_) => {}
            }
        }
        if let Some(seq) = mounts {
            for i in removed {
                let item = node_at(items, i, container)?;
                steps.push((mounts_field.clone(), Step::RemoveItem(seq, item), at_anchor));
            }
        }
    }
    let volumes = doc.read_through(nodes.spec).get("volumes");
    let items = volumes
        .map(|n| doc.read_through(n))
        .and_then(Node::items)
        .unwrap_or_default();
    match plan.volume {
        VolumeChange::Keep => {}
        VolumeChange::Add => steps.push((
            "volumes".into(),
            Step::AddToList(nodes.spec, "volumes", new.volume(plan)),
            false,
        )),
        VolumeChange::Update(i) => steps.push((
            format!("volumes[{i}]"),
            Step::Converge(node_at(items, i, nodes.spec)?, new.volume(plan)),
            false,
        )),
        VolumeChange::Remove(i) => match volumes {
            Some(_) if items.len() == 1 => {
                steps.push((
                    String::new(),
                    Step::RemoveEntry(nodes.spec, "volumes"),
                    false,
                ));
            }
            Some(seq) => steps.push((
                "volumes".into(),
                Step::RemoveItem(seq, node_at(items, i, nodes.spec)?),
                false,
            )),
            None => {}
        },
    }
    if plan.disable_automount {
        steps.push((AUTOMOUNT.into(), Step::DisableAutomount(nodes.spec), false));
    }
    // Every edit is checked before any is made. An alias is named before an anchor it
    // stands for: it is where the reader's eye is.
    let shared: Vec<(&String, &Node<'_>, Shared<'_>)> = through
        .iter()
        .map(|(field, node)| (field, *node))
        .chain(
            steps
                .iter()
                .filter(|(_, _, at_anchor)| !at_anchor)
                .map(|(field, step, _)| (field, step.target())),
        )
        .filter_map(|(field, target)| doc.shared(target).map(|s| (field, target, s)))
        .collect();
    if let Some((field, target, s)) = shared
        .iter()
        .find(|(_, _, s)| matches!(s, Shared::Alias(_)))
        .or(shared.first())
    {
        return Err(TemplateError::Shared {
            field: (*field).clone(),
            sharing: sharing(doc, target, s),
        });
    }
    for list in anchors {
        editor.for_every_alias(list);
    }
    for (_, step, _) in steps {
        step.run(editor)?;
    }
    Ok(())
}

/// A `volumeMounts` list several containers of one PodSpec share through an anchor
/// (`volumeMounts: &mounts [...]` in one, `volumeMounts: *mounts` in the others) and
/// that can be edited once, at the anchor, for all of them: every alias of it is one of
/// those containers' `volumeMounts`, no container is itself shared, and each wants
/// exactly the same edits of it, so that editing the anchor is editing each of them.
struct SharedList<'n, 'a> {
    /// The anchored list.
    list: &'n Node<'a>,
    /// The container whose `volumeMounts` is the anchored list itself.
    owner: usize,
    /// Every container that uses it, the owner included.
    users: Vec<usize>,
    /// Whether every user loses the whole list (its entry is removed from each).
    removed_whole: bool,
}

/// The anchored `volumeMounts` lists of the PodSpec `nodes` that can be edited at the
/// anchor ([`SharedList`]); the others are left to the refusal of shared edits.
fn shared_mount_lists<'n, 'a>(
    nodes: &TemplateNodes<'n, 'a>,
    changes_of: &dyn Fn(usize) -> Vec<MountEdit>,
) -> Vec<SharedList<'n, 'a>> {
    let doc = nodes.doc;
    // Each container's `volumeMounts` as written, when it is the anchored list or an
    // alias of one.
    let mut candidates: Vec<(usize, &'n Node<'a>, &'n Node<'a>)> = Vec::new();
    for (ci, (_, container)) in nodes.containers.iter().enumerate() {
        let Some(written) = doc.read_through(container).get("volumeMounts") else {
            continue;
        };
        let list = doc.read_through(written);
        if written.is_alias() || !doc.aliases_of(list).is_empty() {
            candidates.push((ci, written, list));
        }
    }
    let mut shared: Vec<SharedList<'n, 'a>> = Vec::new();
    for &(_, _, list) in &candidates {
        if shared.iter().any(|s| std::ptr::eq(s.list, list)) {
            continue;
        }
        let users: Vec<(usize, &Node<'_>)> = candidates
            .iter()
            .filter(|(_, _, l)| std::ptr::eq(*l, list))
            .map(|&(ci, written, _)| (ci, written))
            .collect();
        let Some(&(owner, _)) = users.iter().find(|(_, w)| std::ptr::eq(*w, list)) else {
            continue;
        };
        let aliases = doc.aliases_of(list);
        let every_alias_a_user = aliases
            .iter()
            .all(|a| users.iter().any(|(_, w)| std::ptr::eq(*w, *a)));
        let containers_not_shared = users.iter().all(|(ci, _)| {
            nodes
                .containers
                .get(*ci)
                .is_some_and(|(_, c)| doc.shared(c).is_none())
        }) && nodes.lists.iter().all(Option::is_none)
            && doc.shared(nodes.spec).is_none();
        let first = changes_of(owner);
        let same = users.iter().all(|(ci, _)| changes_of(*ci) == first);
        // Only a list can be appended to in place: a null one is replaced, anchor and all.
        if !(list.items().is_some() && every_alias_a_user && containers_not_shared && same) {
            continue;
        }
        let removed = first
            .iter()
            .filter(|c| matches!(c, MountEdit::Remove(_)))
            .count();
        let removed_whole = !first.contains(&MountEdit::Add)
            && removed > 0
            && removed == list.items().map_or(0, <[Node<'_>]>::len);
        shared.push(SharedList {
            list,
            owner,
            users: users.iter().map(|(ci, _)| *ci).collect(),
            removed_whole,
        });
    }
    shared
}

/// Sets `automountServiceAccountToken: false` in a ServiceAccount `object` of `doc`.
pub fn harden_account(
    doc: &Document<'_>,
    object: &Node<'_>,
    editor: &mut Editor<'_>,
) -> Result<(), TemplateError> {
    let step = Step::DisableAutomount(object);
    let target = step.target();
    if let Some(s) = doc.shared(target) {
        return Err(TemplateError::Shared {
            field: AUTOMOUNT.into(),
            sharing: sharing(doc, target, &s),
        });
    }
    Ok(step.run(editor)?)
}

/// The node `target` shares, as messages name it.
fn sharing(doc: &Document<'_>, target: &Node<'_>, shared: &Shared<'_>) -> Sharing {
    let (is_alias, alias) = match shared {
        Shared::Alias(a) => (true, a),
        Shared::Anchored(a) => (false, a),
    };
    Sharing {
        is_alias,
        name: alias.name.to_owned(),
        alias_at: (alias.line, alias.column),
        anchor_at: (alias.anchor_line, alias.anchor_column),
        anchored: shape(doc.read_through(target)),
    }
}

const AUTOMOUNT: &str = "automountServiceAccountToken";

/// Sets `automountServiceAccountToken: false` in `map` (a PodSpec or a ServiceAccount):
/// replaces the value, or adds the key when it is absent or null.
fn disable_automount(editor: &mut Editor<'_>, map: &Node<'_>) -> Result<(), EditError> {
    const KEY: &str = AUTOMOUNT;
    match map.get(KEY) {
        Some(n) if n.is_null() => {
            editor.remove_entry(map, KEY)?;
            editor.insert_entry(map, KEY, json!(false))
        }
        Some(n) => editor.replace_scalar(n, "false"),
        None => editor.insert_entry(map, KEY, json!(false)),
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
    value: &NewValue,
) -> Result<(), EditError> {
    match map.get(key) {
        Some(seq) if seq.items().is_some() => editor.append_item(seq, value.clone()),
        Some(n) if n.is_null() => {
            editor.remove_entry(map, key)?;
            editor.insert_entry(map, key, Value::Array(vec![value.as_json().clone()]))
        }
        Some(n) => Err(EditError {
            at: Some((n.line(), n.column())),
            what: format!("`{key}`: not a list"),
        }),
        None => editor.insert_entry(map, key, Value::Array(vec![value.as_json().clone()])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn a_plan_that_wants_the_configured_volume_shares_it() {
        let wanted = Settings::default().wanted();
        let new = NewValues::new(&wanted);
        let same = Plan {
            projected: Some(wanted.projected.clone()),
            ..Plan::default()
        };
        assert!(new.volume(&same).is(&new.volume));
        assert!(new.volume(&Plan::default()).is(&new.volume));

        let mut longer = wanted.projected.clone();
        for source in longer.sources.iter_mut().flatten() {
            if let Some(token) = source.service_account_token.as_mut() {
                token.expiration_seconds = Some(86_400);
            }
        }
        let own = new.volume(&Plan {
            projected: Some(longer.clone()),
            ..Plan::default()
        });
        assert!(!own.is(&new.volume));
        assert_eq!(
            own.as_json()["projected"],
            serde_json::to_value(&longer).unwrap()
        );
    }
}
