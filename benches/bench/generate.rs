//! Deterministic inputs: realistic Deployments (several containers, init containers,
//! probes, resources, env, volumes of several kinds) written in the styles real
//! manifests use (block and flow collections, block scalars, comments, and the scalars
//! a careless rewriter corrupts: `"1.10"`, `0644`, `0x1A4`, `'yes'`, big integers).
//!
//! Each Deployment is about 2 KB, so 2,000 of them make a build of a few MB, the size
//! of a large application's render. Nothing random: item `i` is the same text on every run
//! and every machine, so a figure can be reproduced and compared.

use std::fmt::Write as _;

/// A splitmix64 step: enough variety for shapes, and no dependency.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Deployment `i` as one YAML document at column 0, with a trailing newline.
///
/// `path` names the file kpt would have read it from (its
/// `internal.config.kubernetes.io/path` annotation), or `None` for a plain stream.
pub fn deployment(i: usize, path: Option<&str>) -> String {
    let mut r = Mix(i as u64);
    let name = format!("app-{i:05}");
    let team = r.below(12);
    let mut d = String::with_capacity(2560);
    let w = &mut d;
    // Writing to a String cannot fail.
    let _ = write!(
        w,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: team-{team}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: shop\n    app.kubernetes.io/version: \"1.10\"\n    tier: \"backend\"\n"
    );
    w.push_str("  annotations:\n");
    if let Some(path) = path {
        let _ = write!(
            w,
            "    config.kubernetes.io/index: '{i}'\n    internal.config.kubernetes.io/index: '{i}'\n    internal.config.kubernetes.io/path: '{path}'\n    config.kubernetes.io/path: '{path}'\n"
        );
    }
    let _ = write!(
        w,
        "    owner: 'team-{team}@example.com'\nspec:\n  replicas: {}\n  revisionHistoryLimit: 010 # octal, 8\n  selector:\n    matchLabels: {{app.kubernetes.io/name: {name}}}\n  strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: 25%, maxUnavailable: 0}}}}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n        app.kubernetes.io/part-of: shop\n      annotations:\n        prometheus.io/scrape: 'true'\n        checksum/config: {:016x}{:016x}\n    spec:\n",
        1 + r.below(5),
        r.next(),
        r.next()
    );
    let _ = writeln!(w, "      serviceAccountName: {name}");
    match r.below(4) {
        0 => w.push_str("      automountServiceAccountToken: true\n"),
        1 => w.push_str("      automountServiceAccountToken: yes  # YAML 1.1 true\n"),
        _ => {}
    }
    w.push_str("      securityContext: {runAsNonRoot: true, runAsUser: 10001, fsGroup: 2000}\n");
    if r.below(3) == 0 {
        let _ = write!(
            w,
            "      initContainers:\n      - name: migrate\n        image: registry.example.com/shop/migrate:1.10\n        command: [\"/bin/migrate\", \"--to\", \"latest\", \"--timeout\", \"0x1F\"]\n        env:\n        - name: DATABASE_URL\n          valueFrom:\n            secretKeyRef: {{name: {name}-db, key: url}}\n"
        );
    }
    w.push_str("      containers:\n");
    let _ = write!(
        w,
        "      - name: app\n        image: \"registry.example.com/shop/{name}:1.10\"\n        args:\n        - --port=8080\n        - --log-level=info\n        - --max-body={}\n        env:\n        - name: VERSION\n          value: \"1.10\"\n        - {{name: FEATURE_X, value: 'yes'}}\n        - {{name: UMASK, value: \"0644\"}}\n        - name: POD_NAMESPACE\n          valueFrom:\n            fieldRef: {{fieldPath: metadata.namespace}}\n        ports:\n        - containerPort: 8080\n          name: http\n          protocol: TCP\n        - {{containerPort: 9090, name: metrics}}\n        resources:\n          requests: {{cpu: 100m, memory: 128Mi}}\n          limits:\n            cpu: \"1\"\n            memory: {}Mi\n        readinessProbe:\n          httpGet: {{path: /healthz, port: http}}\n          periodSeconds: 10\n        livenessProbe:\n          exec:\n            command:\n            - /bin/sh\n            - -c\n            - |\n              test -f /tmp/healthy &&\n                curl -fsS http://localhost:8080/livez\n          initialDelaySeconds: 15\n        volumeMounts:\n        - name: config\n          mountPath: /etc/app\n          readOnly: true\n        - name: data\n          mountPath: /var/lib/app\n",
        1_048_576 * (1 + r.below(8)),
        128 * (2 + r.below(6))
    );
    if r.below(2) == 0 {
        let _ = write!(
            w,
            "      - name: envoy\n        image: envoyproxy/envoy:v1.30.1\n        args: [-c, /etc/envoy/envoy.yaml, --log-level, warn, --concurrency, \"2\"]\n        ports: [{{containerPort: 15001, name: proxy}}]\n        resources: {{requests: {{cpu: 50m, memory: 64Mi}}}}\n        volumeMounts:\n        - {{name: envoy, mountPath: /etc/envoy, readOnly: true}}\n        - name: tls\n          mountPath: /etc/tls\n"
        );
    }
    if r.below(3) == 0 {
        w.push_str(
            "      - name: log-shipper\n        image: fluent/fluent-bit:2.2\n        command:\n        - /fluent-bit/bin/fluent-bit\n        - -c\n        - /etc/fluent-bit/fluent-bit.conf\n        resources:\n          limits: {memory: 100Mi}\n        volumeMounts:\n        - name: data\n          mountPath: /var/lib/app\n          readOnly: true\n",
        );
    }
    let _ = write!(
        w,
        "      volumes:\n      - name: config\n        configMap:\n          name: {name}-config\n          defaultMode: 0644\n      - name: data\n        emptyDir: {{sizeLimit: 1Gi}}\n      - name: envoy\n        configMap: {{name: envoy-{team}, defaultMode: 0x1A4}}\n      - name: tls\n        secret:\n          secretName: {name}-tls\n          optional: yes\n      tolerations:\n      - {{key: dedicated, operator: Equal, value: shop, effect: NoSchedule}}\n      nodeSelector:\n        kubernetes.io/os: linux\n"
    );
    d
}

/// `n` Deployments as a ResourceList, laid out the way kpt writes one (items as a
/// block list indented under `items:`, each with kpt's path annotations), with no
/// functionConfig (the defaults).
pub fn resource_list(n: usize) -> String {
    let mut out = String::with_capacity(n * 2700 + 64);
    out.push_str("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for i in 0..n {
        let doc = deployment(i, Some(&format!("apps/app-{i:05}.yaml")));
        let mut first = true;
        for line in doc.lines() {
            out.push_str(if std::mem::take(&mut first) {
                "- "
            } else {
                "  "
            });
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `n` Deployments as a plain multi-document stream, the way a kustomization's
/// resource file or a Helm render holds them.
pub fn stream(n: usize) -> String {
    let mut out = String::with_capacity(n * 2500);
    for i in 0..n {
        out.push_str("---\n");
        out.push_str(&deployment(i, None));
    }
    out
}

/// An empty ResourceList: what start-up is timed on.
pub const EMPTY_RESOURCE_LIST: &str =
    "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
