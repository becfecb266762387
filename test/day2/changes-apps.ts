/**
 * The rows of `npm run test:day2` after changes-machines.ts, in the order they run: the GitOps repository
 * renamed, an app retired (refused without intent, kept, enabled again, deleted last), a chart, values and a
 * hostname changed, people and a backup target added, a node's settings changed, and the removals that must be
 * refused.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitea, kubeJson, onNode } from "../e2e/harness";
import type { Change } from "./apply";
import { phone } from "./changes-machines";
import { gitopsPath, keysOn, uid, useGitopsPath } from "./data";
import { apps, charts, nodeList, setNodes } from "./run";

/** The GitOps repository, the apps, people and backups, then a node's settings and the refusals. */
export function appChanges(): Change[] {
  return [
    {
      name: "rename the Gitea org",
      edit: (d) => d.setIn(["config", "hearth:gitea", "org"], "hearth-home"),
      only: /gitops|argocd/,
      expect: [/hearth-gitops-org/],
      after: async () => {
        useGitopsPath("hearth-home/gitops");
        return (await gitea("/orgs/hearth-home")).status === 200 ? undefined : "the org is renamed";
      },
    },
    {
      name: "rename the repository",
      edit: (d) => d.setIn(["config", "hearth:gitea", "repo"], "home-gitops"),
      only: /gitops|argocd/,
      expect: [/hearth-gitops-repo/],
      after: async () => {
        useGitopsPath("hearth-home/home-gitops");
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
