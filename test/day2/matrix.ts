/**
 * `npm run test:day2`: the changes a user makes to a running home, each applied by the real engine to the dev stack
 * in the sandbox with seeded data, proving that nothing holding data is deleted or replaced without a declared
 * intent, and that the next preview is clean (docs/day-2.md). Root only (the sandbox's namespaces).
 *
 * Seeded first: two commits in the GitOps repository, a marker ConfigMap in every data app's namespace (kwok
 * runs no container, so no file can be written into a volume), the UIDs of every namespace, claim and first Helm
 * revision record of those apps, and the keys authorized on the nodes. Then, row by row: edit the stack config,
 * `preview --json` (the planned operations, checked), `up`, the data checked against the seed, and
 * `preview --expect-no-changes`. A refused row must fail its preview naming the key of the intent, and change
 * nothing. Last, an `up` is killed with SIGKILL at five points and `npm run hearth -- resume` plus a plain re-run
 * must converge. The table is printed and written to bench/results/day2.json.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Document, parseDocument } from "yaml";
import { catalogue } from "../../apps";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";
import {
  EngineRun,
  gitea,
  kube,
  kubeJson,
  onNode,
  PreviewStep,
  previewSteps,
  repo,
  sandboxDir,
} from "../e2e/harness";

const run = new EngineRun("hearth-day2-");
const { check, phase, pulumi, work, configFile } = run;
const charts = join(work, "charts");
const kubeconfigCopy = join(work, "kubeconfig");

/** One row of the matrix, as printed and written to bench/results/day2.json. */
interface Row {
  change: string;
  planned: Record<string, number>;
  /** Data-guarded resources the plan would delete or replace. */
  guarded: string[];
  data: string;
  upSeconds: number;
  pass: boolean;
  note?: string;
}
const rows: Row[] = [];

/** What holds data, as seeded: compared after every row. */
interface Seed {
  namespaces: Record<string, string>;
  claims: Record<string, string>;
  markers: Record<string, string>;
  releases: Record<string, string>;
  commits: string[];
}

function edit(change: (doc: Document) => void): void {
  const doc = parseDocument(readFileSync(configFile, "utf8"));
  change(doc);
  writeFileSync(configFile, doc.toString());
}

const enabled = (doc: Document) => doc.getIn(["config", "hearth:apps", "enabled"]) as unknown;
function apps(doc: Document): string[] {
  const e = enabled(doc) as { toJSON(): string[] };
  return e.toJSON();
}

/** The apps that keep data in their namespace (Argo CD's data is the GitOps repository). */
function dataNamespaces(list: string[]): string[] {
  return list.filter((a) => catalogue[a]?.keepsData && a !== "argocd");
}

function uid(kind: string, name: string, namespace?: string): string | undefined {
  const o = kubeJson<{ metadata: { uid: string } }>([
    ...(namespace ? ["-n", namespace] : []),
    "get",
    kind,
    name,
  ]);
  return o?.metadata.uid;
}

let gitopsPath = "hearth/gitops";

async function commitsOf(path: string): Promise<string[]> {
  const r = await gitea(`/repos/${path}/commits?sha=main&limit=50&stat=false`);
  return Array.isArray(r.body) ? (r.body as { sha: string }[]).map((c) => c.sha) : [];
}

/** Seeds the data every row must keep: markers, UIDs and commits. */
async function seed(appList: string[]): Promise<Seed> {
  const s: Seed = { namespaces: {}, claims: {}, markers: {}, releases: {}, commits: [] };
  for (const ns of dataNamespaces(appList)) {
    s.namespaces[ns] = uid("namespace", ns)!;
    const value = randomBytes(6).toString("hex");
    kube(["-n", ns, "create", "configmap", "hearth-day2-marker", `--from-literal=seed=${value}`]);
    s.markers[ns] = value;
    const claims = kubeJson<{ items: { metadata: { name: string; uid: string } }[] }>([
      ...["-n", ns, "get", "pvc"],
    ]);
    for (const c of claims?.items ?? []) s.claims[`${ns}/${c.metadata.name}`] = c.metadata.uid;
    const first = kubeJson<{ items: { metadata: { name: string; uid: string } }[] }>([
      ...["-n", ns, "get", "secret", "-l", "owner=helm,version=1"],
    ]);
    for (const r of first?.items ?? []) s.releases[`${ns}/${r.metadata.name}`] = r.metadata.uid;
  }
  for (const file of ["apps/first.yaml", "apps/second.yaml"]) {
    const r = await gitea(`/repos/${gitopsPath}/contents/${file}`, {
      method: "POST",
      body: {
        content: Buffer.from(`# seeded by test:day2\n`).toString("base64"),
        message: `day2 seed ${file}`,
        branch: "main",
      },
    });
    if (r.status !== 201) throw new Error(`seeding ${file}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  s.commits = await commitsOf(gitopsPath);
  return s;
}

/**
 * What of the seed is gone or was made anew: a namespace, claim or first Helm revision with another UID, a
 * marker missing, a seeded commit not in the history. `gone` names data the row deleted on purpose.
 */
async function lost(s: Seed, gone: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const keep = (ns: string) => !gone.includes(ns);
  for (const [ns, id] of Object.entries(s.namespaces))
    if (keep(ns) && uid("namespace", ns) !== id) out.push(`namespace ${ns}`);
  for (const [key, id] of Object.entries(s.claims)) {
    const [ns, name] = key.split("/");
    if (keep(ns) && uid("pvc", name, ns) !== id) out.push(`claim ${key}`);
  }
  for (const [ns, value] of Object.entries(s.markers)) {
    if (!keep(ns)) continue;
    const m = kubeJson<{ data: { seed: string } }>([
      ...["-n", ns, "get", "configmap", "hearth-day2-marker"],
    ]);
    if (m?.data.seed !== value) out.push(`marker in ${ns}`);
  }
  for (const [key, id] of Object.entries(s.releases)) {
    const [ns, name] = key.split("/");
    // A retired app's release is uninstalled on purpose; its first revision must not come back as another.
    const now = uid("secret", name, ns);
    if (keep(ns) && now !== undefined && now !== id) out.push(`Helm release ${key} reinstalled`);
  }
  if (!gone.includes("gitops")) {
    const history = await commitsOf(gitopsPath);
    const missing = s.commits.filter((c) => !history.includes(c));
    if (missing.length > 0) out.push(`${missing.length} GitOps commits`);
  }
  return out;
}

/** The steps that would delete or replace something guarding data (protect or retainOnDelete). */
function guardedLosses(steps: PreviewStep[]): PreviewStep[] {
  return steps.filter(
    (s) =>
      s.guarded &&
      ["delete", "replace", "delete-replaced", "create-replacement", "discard-replaced"].includes(
        s.op,
      ),
  );
}

function summary(steps: PreviewStep[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const s of steps) by[s.op] = (by[s.op] ?? 0) + 1;
  return by;
}

interface Change {
  name: string;
  edit: (doc: Document) => void;
  /** Every changed resource's name must match this; undefined: any. */
  only?: RegExp;
  /** Names that must be among the changed ones. */
  expect?: RegExp[];
  /** Refused: the preview must fail with this in its output, and nothing change. */
  refused?: RegExp;
  /** Data this row deletes on purpose (namespaces, or "gitops"). */
  deletes?: string[];
  /** Namespaces whose Helm release this row uninstalls on purpose (a retirement): not checked from then on. */
  uninstalls?: string[];
  /** Guarded resources that may leave the state (a retirement keeps them in the cluster). */
  releases?: RegExp;
  before?: () => Promise<void> | void;
  after?: () => Promise<string | undefined> | string | undefined;
}

async function apply(c: Change, s: Seed): Promise<void> {
  await phase(c.name, async () => {
    await c.before?.();
    const saved = readFileSync(configFile, "utf8");
    edit(c.edit);
    // A refused change's problems are read as printed (the JSON form escapes their quotes).
    const p = await pulumi(
      `preview-${rows.length}`,
      c.refused ? ["preview"] : ["preview", "--json"],
    );
    if (c.refused) {
      const ok = p.code !== 0 && c.refused.test(p.out);
      const data = await lost(s);
      const row: Row = {
        change: c.name,
        planned: { refused: 1 },
        guarded: [],
        data: data.length === 0 ? "intact" : `lost: ${data.join(", ")}`,
        upSeconds: 0,
        pass: ok && data.length === 0,
        note: /hearth:[a-zA-Z.]+/.exec(p.out.slice(p.out.indexOf("problem")))?.[0],
      };
      rows.push(row);
      // A refused change is taken back, as its operator would.
      writeFileSync(configFile, saved);
      return check(
        `${c.name}: refused before any change, naming the intent`,
        row.pass,
        p.out.slice(-1500),
      );
    }
    if (p.code !== 0) {
      rows.push({ change: c.name, planned: {}, guarded: [], data: "-", upSeconds: 0, pass: false });
      // The next rows start from a config the program takes.
      writeFileSync(configFile, saved);
      return check(`${c.name}: preview`, false, p.out.slice(-2000));
    }
    const steps = previewSteps(p.out);
    const losses = guardedLosses(steps).filter((l) => !(c.releases && c.releases.test(l.name)));
    const names = steps.map((x) => x.name);
    const stray = c.only ? names.filter((n) => !c.only!.test(n)) : [];
    const missing = (c.expect ?? []).filter((re) => !names.some((n) => re.test(n)));
    check(
      `${c.name}: the plan deletes or replaces nothing guarding data`,
      losses.length === 0,
      losses.map((l) => `${l.op} ${l.name}`).join(", "),
    );
    check(
      `${c.name}: the plan touches only what the change is about`,
      stray.length === 0,
      stray.join(", "),
    );
    check(`${c.name}: the plan has the expected steps`, missing.length === 0, missing.join(", "));
    const up = await pulumi(`up-${rows.length}`, ["up", "--yes", "--skip-preview"]);
    check(`${c.name}: up`, up.code === 0, up.out.slice(-3000));
    for (const ns of c.uninstalls ?? [])
      for (const key of Object.keys(s.releases))
        if (key.startsWith(`${ns}/`)) delete s.releases[key];
    const data = await lost(s, c.deletes);
    check(`${c.name}: no data lost`, data.length === 0, data.join(", "));
    const extra = await c.after?.();
    if (extra !== undefined) check(`${c.name}: ${extra}`, false);
    const quiet = await pulumi(`quiet-${rows.length}`, ["preview", "--expect-no-changes"]);
    check(`${c.name}: the next preview is clean`, quiet.code === 0, quiet.out.slice(-2000));
    rows.push({
      change: c.name,
      planned: summary(steps),
      guarded: guardedLosses(steps).map((l) => `${l.op} ${l.name}`),
      data:
        data.length === 0
          ? c.deletes
            ? `intact; deleted as declared: ${c.deletes.join(", ")}`
            : "intact"
          : `lost: ${data.join(", ")}`,
      upSeconds: up.seconds,
      pass:
        losses.length === 0 &&
        stray.length === 0 &&
        missing.length === 0 &&
        up.code === 0 &&
        data.length === 0 &&
        extra === undefined &&
        quiet.code === 0,
    });
    return rows[rows.length - 1].pass;
  });
}

const keysOn = (node: string) =>
  onNode(node, "cat ~/.ssh/authorized_keys")
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("ssh-"));

const laptop = generateEd25519KeyPair("day2-laptop").publicKey;
const handKey = generateEd25519KeyPair("day2-added-by-hand").publicKey;
let handReported = false;
const phone = generateEd25519KeyPair("day2-phone").publicKey;
const nodeList = (doc: Document) =>
  (doc.getIn(["config", "hearth:nodes"]) as { toJSON(): Record<string, unknown>[] }).toJSON();
const setNodes = (doc: Document, nodes: Record<string, unknown>[]) =>
  doc.setIn(["config", "hearth:nodes"], doc.createNode(nodes));
const node4 = {
  name: "node-4",
  role: "agent",
  mac: "52:54:00:77:00:14",
  ip: "10.77.0.14",
  hostKeyPath: ".sandbox/nodes/node-4/ssh_host_ed25519_key.pub",
  wakeOnLan: false,
};

function changes(): Change[] {
  return [
    {
      name: "add an SSH key",
      edit: (d) => d.setIn(["config", "hearth:ssh", "authorizedKeys"], d.createNode([laptop])),
      only: /authorized-keys$/,
      expect: [/node-1-authorized-keys/],
      after: () =>
        ["node-1", "node-2", "node-3"].every((n) => keysOn(n).includes(laptop))
          ? undefined
          : "the key is on every node",
    },
    {
      name: "add a second SSH key",
      edit: (d) =>
        d.setIn(["config", "hearth:ssh", "authorizedKeys"], d.createNode([laptop, phone])),
      only: /authorized-keys$/,
      after: () =>
        ["node-1", "node-2", "node-3"].every((n) => {
          const k = keysOn(n);
          return k.includes(laptop) && k.includes(phone) && k.length === 3;
        })
          ? undefined
          : "both keys and Hearth's own are on every node",
    },
    {
      name: "remove an SSH key",
      edit: (d) => d.setIn(["config", "hearth:ssh", "authorizedKeys"], d.createNode([phone])),
      only: /authorized-keys$/,
      after: () =>
        ["node-1", "node-2", "node-3"].every((n) => {
          const k = keysOn(n);
          return !k.includes(laptop) && k.includes(phone) && k.length === 2;
        })
          ? undefined
          : "the removed key is gone from every node, the other stays",
    },
    {
      name: "a key added by hand: refresh reports it, up removes it",
      before: async () => {
        onNode("node-2", `printf '%s\\n' '${handKey}' >> ~/.ssh/authorized_keys`);
        const r = await pulumi("refresh-hand-key", ["refresh", "--yes", "--skip-preview"]);
        handReported =
          r.code === 0 && r.out.includes(`has a line Hearth did not put there: ${handKey}`);
      },
      edit: () => undefined,
      only: /^hearth-node-2-authorized-keys$/,
      expect: [/^hearth-node-2-authorized-keys$/],
      after: () =>
        !handReported
          ? "refresh named the key added by hand"
          : keysOn("node-2").includes(handKey)
            ? "up removed it"
            : undefined,
    },
    {
      name: "add an agent node",
      edit: (d) => setNodes(d, [...nodeList(d), node4]),
      only: /node-4/,
      expect: [/node-4-prepare/],
      after: () =>
        onNode("node-4", "ls /etc/sysctl.d").includes("90-hearth-k3s.conf")
          ? undefined
          : "node-4 is prepared",
    },
    {
      name: "remove an agent node",
      // As k3s's agent would have: node-4 registered as a Node, with a pod on it.
      before: () => {
        const manifest = {
          apiVersion: "v1",
          kind: "List",
          items: [
            {
              apiVersion: "v1",
              kind: "Node",
              metadata: {
                name: "node-4",
                annotations: { "kwok.x-k8s.io/node": "fake" },
                labels: { "kubernetes.io/hostname": "node-4", type: "kwok" },
              },
            },
            {
              apiVersion: "v1",
              kind: "Pod",
              metadata: { name: "day2-on-node-4", namespace: "default" },
              spec: {
                nodeName: "node-4",
                containers: [
                  {
                    name: "c",
                    image: "day2",
                    securityContext: {
                      allowPrivilegeEscalation: false,
                      capabilities: { drop: ["ALL"] },
                      runAsNonRoot: true,
                      runAsUser: 1000,
                      seccompProfile: { type: "RuntimeDefault" },
                    },
                  },
                ],
              },
            },
          ],
        };
        const f = join(work, "node-4.json");
        writeFileSync(f, JSON.stringify(manifest));
        kube(["apply", "-f", f]);
      },
      edit: (d) =>
        setNodes(
          d,
          nodeList(d).filter((n) => n.name !== "node-4"),
        ),
      only: /node-4/,
      expect: [/node-4-removal/, /node-4-prepare/],
      after: () => {
        if (uid("node", "node-4") !== undefined) return "node-4's Node object is deleted";
        if (uid("pod", "day2-on-node-4", "default") !== undefined) return "its pod was evicted";
        if (onNode("node-4", "ls /etc/sysctl.d").includes("90-hearth-k3s.conf"))
          return "node-4's preparation is undone";
        return undefined;
      },
    },
    {
      name: "reorder nodes",
      edit: (d) => setNodes(d, [...nodeList(d)].reverse()),
      only: /^$/,
    },
    {
      name: "set cluster.endpoint (k3s only: no effect on an existing cluster)",
      edit: (d) => d.setIn(["config", "hearth:cluster", "endpoint"], "k3s.hearth.test"),
      only: /^$/,
    },
    {
      name: "respell the kubeconfig's server (127.0.0.1 -> localhost)",
      edit: (d) => {
        writeFileSync(
          kubeconfigCopy,
          readFileSync(kubeconfigCopy, "utf8").replace(
            "https://127.0.0.1:16443",
            "https://localhost:16443",
          ),
          { mode: 0o600 },
        );
        d.setIn(["config", "hearth:cluster", "kubeconfigPath"], kubeconfigCopy);
      },
      // The provider is updated in place (clusterIdentifier); Hearth's own cluster resources (the apps' data)
      // keep the new kubeconfig.
      only: /hearth-cluster-provider|-data$|-retired$|-removal$/,
    },
    {
      name: "rename the Gitea org",
      edit: (d) => d.setIn(["config", "hearth:gitea", "org"], "hearth-home"),
      only: /gitops|argocd/,
      expect: [/hearth-gitops-org/],
      after: async () => {
        gitopsPath = "hearth-home/gitops";
        return (await gitea("/orgs/hearth-home")).status === 200 ? undefined : "the org is renamed";
      },
    },
    {
      name: "rename the repository",
      edit: (d) => d.setIn(["config", "hearth:gitea", "repo"], "home-gitops"),
      only: /gitops|argocd/,
      expect: [/hearth-gitops-repo/],
      after: async () => {
        gitopsPath = "hearth-home/home-gitops";
        return (await gitea(`/repos/${gitopsPath}`)).status === 200
          ? undefined
          : "the repository is renamed";
      },
    },
    {
      name: "disable an app with data (refused)",
      edit: (d) =>
        d.setIn(
          ["config", "hearth:apps", "enabled"],
          d.createNode(apps(d).filter((a) => a !== "zot")),
        ),
      refused: /hearth:apps\.enabled: "zot" was removed[\s\S]*hearth:apps\.retired/,
    },
    {
      name: "retire it with keep-data",
      edit: (d) => {
        d.setIn(
          ["config", "hearth:apps", "enabled"],
          d.createNode(apps(d).filter((a) => a !== "zot")),
        );
        d.setIn(["config", "hearth:apps", "retired"], d.createNode({ zot: "keep-data" }));
      },
      only: /zot|homepage|authelia|vmalert|victoria-metrics|grafana|backup/,
      releases: /zot-namespace/,
      uninstalls: ["zot"],
      after: () =>
        kubeJson([
          "-n",
          "zot",
          "get",
          "statefulset",
          "-l",
          "app.kubernetes.io/instance=hearth-zot",
        ]) !== undefined && uid("namespace", "zot") !== undefined
          ? undefined
          : "zot's namespace stays",
    },
    {
      name: "enable it again",
      edit: (d) => {
        d.setIn(["config", "hearth:apps", "enabled"], d.createNode([...apps(d), "zot"]));
        d.deleteIn(["config", "hearth:apps", "retired"]);
      },
      only: /zot|homepage|authelia|vmalert|victoria-metrics|grafana|backup/,
    },
    {
      name: "bump a chart version",
      before: () => {
        const dir = join(charts, "homepage-2.1.1");
        cpSync(join(charts, "homepage"), dir, { recursive: true });
        const chart = join(dir, "Chart.yaml");
        writeFileSync(
          chart,
          readFileSync(chart, "utf8").replace(/^version: .*$/m, "version: 2.1.1"),
        );
      },
      edit: (d) =>
        d.setIn(
          ["config", "hearth:apps", "settings", "homepage"],
          d.createNode({ chartVersion: "2.1.1" }),
        ),
      only: /^hearth-homepage-release$/,
    },
    {
      name: "change an app's values",
      edit: (d) =>
        d.setIn(
          ["config", "hearth:apps", "settings", "grafana"],
          d.createNode({ values: { resources: { requests: { cpu: "30m" } } } }),
        ),
      only: /^hearth-grafana-release$/,
    },
    {
      name: "change an app's hostname",
      edit: (d) =>
        d.setIn(["config", "hearth:apps", "settings", "homepage", "hostname"], "start.hearth.test"),
      only: /homepage|authelia|victoria-metrics|vmalert|grafana/,
      expect: [/hearth-homepage-ingress/],
    },
    {
      name: "add an identity user",
      edit: (d) =>
        d.addIn(
          ["config", "hearth:identity", "users"],
          d.createNode({ name: "carol", email: "carol@hearth.test", groups: ["family"] }),
        ),
      only: /authelia|identity|carol/,
      expect: [/carol/],
    },
    {
      name: "remove an identity user",
      edit: (d) => {
        const users = (
          d.getIn(["config", "hearth:identity", "users"]) as { toJSON(): { name: string }[] }
        ).toJSON();
        d.setIn(
          ["config", "hearth:identity", "users"],
          d.createNode(users.filter((u) => u.name !== "carol")),
        );
      },
      only: /authelia|identity|carol/,
      expect: [/carol/],
    },
    {
      name: "add a backup target",
      edit: (d) =>
        d.addIn(
          ["config", "hearth:backup", "targets"],
          d.createNode({
            name: "attic",
            role: "local",
            endpoint: "http://127.0.0.1:17070",
            bucket: "hearth-attic",
            accessKeyId: "hearth-sandbox-nas",
            secretAccessKeyPath: ".sandbox/s3/nas/secret-key",
          }),
        ),
      only: /backup|vmalert/,
    },
    {
      name: "change the time zone",
      edit: (d) => d.setIn(["config", "hearth:timezone"], "Europe/Paris"),
      expect: [/node-1-prepare/],
      after: () =>
        onNode("node-2", "cat /etc/timezone").trim() === "Europe/Paris" &&
        keysOn("node-2").includes(phone)
          ? undefined
          : "node-2 runs on Europe/Paris and keeps its keys",
    },
    {
      name: "add a node package",
      edit: (d) =>
        setNodes(
          d,
          nodeList(d).map((n) => (n.name === "node-3" ? { ...n, packages: ["sqlite3"] } : n)),
        ),
      only: /^hearth-node-3-prepare$/,
      after: () =>
        onNode("node-3", "ls /etc/sysctl.d").includes("90-hearth-k3s.conf")
          ? undefined
          : "node-3 stays prepared",
    },
    {
      name: "respell a disk path (no reinstall; the PXE path is proven by the install id's test)",
      edit: (d) =>
        setNodes(
          d,
          nodeList(d).map((n) =>
            n.name === "node-2" ? { ...n, disk: "/dev/disk/by-path/pci-0000:00:04.0" } : n,
          ),
        ),
      only: /^$/,
    },
    {
      name: "remove the only server (refused: quorum)",
      edit: (d) =>
        setNodes(
          d,
          nodeList(d).filter((n) => n.name !== "node-1"),
        ),
      refused: /hearth:nodes: servers node-1 would leave the cluster at once/,
    },
    {
      name: "switch backups off (refused: the repository password)",
      edit: (d) => d.deleteIn(["config", "hearth:backup"]),
      refused: /hearth:backup: was removed/,
    },
    {
      name: "retire an app with delete-data",
      edit: (d) => {
        d.setIn(
          ["config", "hearth:apps", "enabled"],
          d.createNode(
            apps(d).filter((a) => a !== "victoria-logs-collector" && a !== "victoria-logs"),
          ),
        );
        d.setIn(
          ["config", "hearth:apps", "retired"],
          d.createNode({ "victoria-logs": "delete-data" }),
        );
      },
      releases: /victoria-logs-namespace/,
      deletes: ["victoria-logs"],
      uninstalls: ["victoria-logs"],
      expect: [/victoria-logs-retired/],
      after: () =>
        uid("namespace", "victoria-logs") === undefined ? undefined : "the namespace is deleted",
    },
  ];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error("test:day2 needs root: the sandbox's SSH nodes live in network namespaces");
    process.exit(1);
  }
  await phase("toolchain", async () => run.useToolchain());
  const up = await phase("sandbox up (fresh)", async () => {
    spawnSync("bash", ["scripts/sandbox.sh", "down"], { cwd: repo, stdio: "inherit" });
    const r = spawnSync("bash", ["scripts/sandbox.sh", "up"], { cwd: repo, stdio: "inherit" });
    return check("the sandbox comes up", r.status === 0);
  });
  if (!up) return;
  // The dev stack with its charts and kubeconfig in this run's folder, so rows can add a chart version and
  // respell the server without touching the checkout or the sandbox.
  cpSync(join(repo, "charts"), charts, { recursive: true });
  writeFileSync(kubeconfigCopy, readFileSync(join(sandboxDir, "kubeconfig")), { mode: 0o600 });
  writeFileSync(configFile, readFileSync(join(repo, "Pulumi.dev.yaml")));
  edit((d) => {
    d.setIn(["config", "hearth:charts", "localDir"], charts);
    d.setIn(["config", "hearth:cluster", "kubeconfigPath"], kubeconfigCopy);
  });
  let s: Seed | undefined;
  const first = await phase("up (from empty), then seed", async () => {
    await pulumi("stack-init", ["stack", "init"], { configFile: false });
    const r = await pulumi("up-first", ["up", "--yes", "--skip-preview"]);
    if (!check("the first up succeeds", r.code === 0, r.out.slice(-3000))) return false;
    s = await seed(apps(parseDocument(readFileSync(configFile, "utf8"))));
    return check(
      `seeded: ${Object.keys(s.markers).length} namespaces, ${Object.keys(s.claims).length} claims, ${Object.keys(s.releases).length} Helm releases, ${s.commits.length} GitOps commits`,
      Object.keys(s.markers).length >= 5 && s.commits.length >= 3,
    );
  });
  if (!first || !s) return;
  for (const c of changes()) await apply(c, s);
  await kills(s);
}

/** The five points a SIGKILL lands at, each with a change that gives the run work there. */
async function kills(s: Seed): Promise<void> {
  const points: { at: string; edit: (d: Document) => void; when: (out: string) => boolean }[] = [
    {
      at: "evaluation",
      edit: (d) => d.setIn(["config", "hearth:timezone"], "Europe/Berlin"),
      when: (out) => /Updating \(dev\)|Previewing update/.test(out),
    },
    {
      at: "node commands",
      edit: (d) => d.setIn(["config", "hearth:timezone"], "Europe/Madrid"),
      when: (out) => /RemoteCommand.*updating|updating.*prepare/.test(out),
    },
    {
      at: "Gitea calls",
      edit: (d) => d.setIn(["config", "hearth:gitea", "repo"], "home-gitops-2"),
      when: (out) => /GiteaRepository.*updating|gitops-repo.*updating/.test(out),
    },
    {
      at: "Helm releases",
      edit: (d) =>
        d.setIn(
          ["config", "hearth:apps", "settings", "grafana"],
          d.createNode({ values: { resources: { requests: { cpu: "35m" } } } }),
        ),
      when: (out) => /Release.*updating|grafana-release.*updating/.test(out),
    },
    {
      at: "outputs",
      edit: (d) => d.setIn(["config", "hearth:timezone"], "Europe/Rome"),
      when: (out) => /Outputs:/.test(out),
    },
  ];
  for (const p of points) {
    await phase(`SIGKILL during ${p.at}, then resume and re-run`, async () => {
      edit(p.edit);
      const cut = await pulumi(`killed-${p.at}`, ["up", "--yes", "--skip-preview"], {
        killWhen: p.when,
        signal: "SIGKILL",
      });
      check(`killed during ${p.at}`, cut.killed, `code ${cut.code}`);
      const resume = spawnSync("npm", ["run", "-s", "hearth", "--", "resume", "--stack", "dev"], {
        cwd: repo,
        env: run.env,
        encoding: "utf8",
      });
      run.transcripts.push({ name: `resume-${p.at}`, text: resume.stdout + resume.stderr });
      check(`resume after ${p.at}`, resume.status === 0, resume.stdout + resume.stderr);
      if (p.at === "Gitea calls") gitopsPath = "hearth-home/home-gitops-2";
      const rerun = await pulumi(`rerun-${p.at}`, ["up", "--yes", "--skip-preview"]);
      check(`a plain re-run after ${p.at} converges`, rerun.code === 0, rerun.out.slice(-3000));
      const quiet = await pulumi(`quiet-${p.at}`, ["preview", "--expect-no-changes"]);
      check(
        `and the next preview after ${p.at} is clean`,
        quiet.code === 0,
        quiet.out.slice(-2000),
      );
      check(
        `no pending operation is left after ${p.at}`,
        !/pending operation/i.test(quiet.out + rerun.out),
      );
      const data = await lost(s, ["victoria-logs"]);
      check(`no data lost after the kill during ${p.at}`, data.length === 0, data.join(", "));
      rows.push({
        change: `SIGKILL during ${p.at}, resume, re-run`,
        planned: {},
        guarded: [],
        data: data.length === 0 ? "intact" : `lost: ${data.join(", ")}`,
        upSeconds: rerun.seconds,
        pass:
          cut.killed &&
          resume.status === 0 &&
          rerun.code === 0 &&
          quiet.code === 0 &&
          data.length === 0,
        note: resume.stdout.trim().split("\n").slice(0, 6).join("; "),
      });
    });
  }
}

function printTable(): void {
  console.log("\n| change | planned | data | up (s) | result |\n| --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const planned = Object.entries(r.planned)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ");
    console.log(
      `| ${r.change} | ${planned || "none"} | ${r.data} | ${r.upSeconds.toFixed(1)} | ${r.pass ? "pass" : "FAIL"} |`,
    );
  }
}

main()
  .catch((e) => check("the run", false, (e as Error).stack))
  .finally(() => {
    printTable();
    run.finish("day2.json", { rows, passedRows: rows.filter((r) => r.pass).length });
  });
