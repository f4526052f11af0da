//! What the fuzz targets that read manifests share.

/// `stream`'s documents (split at `---` lines) as the items of a block ResourceList.
pub fn resource_list(stream: &str) -> String {
    let mut text =
        String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for doc in stream.split("\n---") {
        for (i, line) in doc.lines().enumerate() {
            text.push_str(if i == 0 { "- " } else { "  " });
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}
