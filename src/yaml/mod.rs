//! Lossless YAML editing, in the manner of `toml_edit`: a [`Document`] keeps the text it
//! was parsed from next to its tree; edits become new text spliced into the original
//! bytes; and the one way to get the edited text, [`Document::apply`], parses it again
//! and checks that it is the input plus exactly those edits, so a wrong file is never
//! written.
//!
//! ```
//! use harden_sa_token::yaml::Document;
//!
//! let text = "# kept\nspec:\n  mode: 0644   # octal, as written\n  names: ['yes', 1.10]\n";
//! let doc = Document::parse(text)?;
//! // Nothing edited: the text comes back byte for byte.
//! assert_eq!(doc.apply(&[])?, text);
//!
//! // One edit; every other byte stays as it was.
//! let root = &doc.roots()[0];
//! let spec = root.get("spec").unwrap();
//! let mut editor = doc.editor(root);
//! editor.insert_entry(spec, "paused", serde_json::json!(false))?;
//! let out = doc.apply(&[&editor.finish()])?;
//! assert_eq!(
//!     out,
//!     "# kept\nspec:\n  mode: 0644   # octal, as written\n  names: ['yes', 1.10]\n  paused: false\n"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Callers hold no index into the tree: nodes are read by key ([`Node::get`]) and
//! edited by key or by node ([`Editor::remove_entry`], [`Editor::remove_item`]); a set of edits that does not check out is
//! known by the node it is scoped to ([`Rejected::of`]), not by where it stood in what
//! was applied; [`Document::read_through`] reads an alias as its anchored node. New
//! values are [`NewValue`]s, shared by the edits that write them. Plain scalars read as
//! Kubernetes reads them, for a node ([`to_json`]) or for a string a reader of YAML
//! would have resolved ([`plain_scalar`]).
//!
//! Limits:
//! - Edits are: replace a scalar's text, replace a mapping, add an entry at the end of
//!   a mapping, add an item at the end of a list, remove an entry or an item, and
//!   converge a node to a value (those edits, where the two differ). New values
//!   are JSON values, written in block style among block siblings and in flow style
//!   (JSON in a JSON document) inside flow collections, with the layout measured from
//!   the text around them; they carry no tags, anchors or comments. The text's final
//!   line break is kept, or its absence.
//! - Aliases are never expanded, and nothing reached through one is edited: the edit
//!   would change every place the anchor is used. [`Document::shared`] tells whether a
//!   node is an alias or inside an anchored node an alias stands for, and the check
//!   refuses any edit inside such a node.
//! - Merge keys (`<<`) are known to the check only: an edit that would hide a merged key
//!   or let one through is refused.
//! - Values are read as go-yaml (libyaml) reads them, which is how Kubernetes reads
//!   them: a block scalar that ends the text without a line break has no final line
//!   feed.
//! - Block nodes that share their first line with a tag, an anchor or a key are not
//!   edited, since new lines are aligned by column.
//! - Comments are not part of the tree: those inside a replaced or removed node go with
//!   it; all others stay where they are.
//! - Input is held to [`MAX_DEPTH`] levels of nesting and to aliases that stand for at
//!   most [`MAX_ALIAS_EXPANSION`] nodes; duplicate keys are refused, as Kubernetes'
//!   reader refuses them. The output is held to the same limits.

mod document;
mod edit;
mod render;
mod tree;
mod value;
mod verify;

pub use document::{Alias, Document, Rejected, Shared};
pub use edit::{Batch, EditError, Editor, Edits, NewList, NewValue};
pub use tree::{MAX_ALIAS_EXPANSION, MAX_DEPTH, Node, NodeId, ParseError, ScalarStyle};
pub use value::{MAX_NODES, ValueError, plain_scalar, to_json};
pub use verify::{Checked, Mismatch};
