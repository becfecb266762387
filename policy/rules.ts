/**
 * Hearth's policy pack: what `pulumi preview --policy-pack policy` refuses in any stack, whatever its config.
 * Each policy is a pure check of one resource (its type token and inputs as the engine hands them to an
 * analyzer); `index.ts` serves them to the engine. Every mandatory one guards a finding of the security review
 * (docs/security.md) at the last moment before anything is applied, whoever wrote the resource.
 */
import { inCidr } from "../components/net";

/** What a policy does when it finds something: stop the preview, or only say so. */
export type Enforcement = "mandatory" | "advisory";

/** One policy: a name the engine shows, what it guards, and its check. */
export interface Policy {
  name: string;
  description: string;
  enforcement: Enforcement;
  /** The violations of one resource: a message each; none when it complies. */
  check(type: string, props: Record<string, unknown>): string[];
}

// The engine's wire form of a secret, as an analyzer receives it.
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value with every secret wrapper removed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function plain(value: unknown): any {
  if (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SIG] === SECRET_SIG
  )
    return plain((value as { value?: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const METADATA_SERVICE = "169.254.0.0/16";
const METADATA_ADDRESS = "169.254.169.254";

interface Peer {
  ipBlock?: { cidr?: string; except?: string[] };
  namespaceSelector?: unknown;
  podSelector?: unknown;
}

/** Every policy of the pack. */
export const POLICIES: Policy[] = [
  {
    name: "egress-names-its-destination",
    description:
      "Every NetworkPolicy egress rule names where it goes: a rule with ports alone reaches every address on them, the internet and the cloud metadata service included.",
    enforcement: "mandatory",
    check(type, props) {
      if (type !== NETWORK_POLICY) return [];
      const egress = (plain(props.spec)?.egress ?? []) as { to?: Peer[] }[];
      return egress.flatMap((rule, i) =>
        !rule.to || rule.to.length === 0
          ? [
              `egress rule ${i} has no "to": it reaches any address on its ports; name the destination`,
            ]
          : [],
      );
    },
  },
  {
    name: "no-egress-to-metadata-service",
    description:
      "No NetworkPolicy lets pods reach 169.254.0.0/16, where clouds serve instance metadata (on Hetzner: the node's cloud-init and SSH host key).",
    enforcement: "mandatory",
    check(type, props) {
      if (type !== NETWORK_POLICY) return [];
      const egress = (plain(props.spec)?.egress ?? []) as { to?: Peer[] }[];
      return egress.flatMap((rule, i) =>
        (rule.to ?? []).flatMap((peer) => {
          const block = peer.ipBlock;
          if (!block?.cidr || block.cidr.includes(":")) return [];
          const holdsMetadata = inCidr(METADATA_ADDRESS, block.cidr);
          const excepted = (block.except ?? [])
            .filter((e) => !e.includes(":"))
            .some((e) => inCidr(METADATA_ADDRESS, e));
          return holdsMetadata && !excepted
            ? [
                `egress rule ${i} reaches ${block.cidr} without excepting ${METADATA_SERVICE} (the metadata service)`,
              ]
            : [];
        }),
      );
    },
  },
  {
    name: "argocd-application-not-in-default-project",
    description:
      'No Argo CD Application runs in the project "default", which allows every source, namespace and cluster-scoped object: a push to its repository would be cluster-admin.',
    enforcement: "mandatory",
    check(type, props) {
      if (type !== "kubernetes:argoproj.io/v1alpha1:Application") return [];
      const project = plain(props.spec)?.project;
      return !project || project === "default"
        ? [
            `Application ${plain(props.metadata)?.name ?? ""} runs in the project "${project ?? "default"}"; give it a project that bounds what it may deploy`,
          ]
        : [];
    },
  },
  {
    name: "no-absolute-chart-path",
    description:
      "A Helm release names a local chart relative to the working directory: an absolute path would put the operator's home folder in the state.",
    enforcement: "mandatory",
    check(type, props) {
      if (type !== "kubernetes:helm.sh/v3:Release") return [];
      const chart = plain(props.chart);
      return typeof chart === "string" && chart.startsWith("/")
        ? [`the chart is the absolute path ${chart}; pass it relative to the working directory`]
        : [];
    },
  },
  {
    name: "namespace-enforces-pod-security",
    description:
      "Every namespace Hearth makes enforces a Pod Security level, and only the log collector's is privileged.",
    enforcement: "mandatory",
    check(type, props) {
      if (type !== "kubernetes:core/v1:Namespace") return [];
      const meta = plain(props.metadata) ?? {};
      const labels = (meta.labels ?? {}) as Record<string, string>;
      const level = labels["pod-security.kubernetes.io/enforce"];
      if (level === undefined)
        return [`namespace ${meta.name ?? ""} enforces no Pod Security level`];
      return level === "privileged" && meta.name !== "victoria-logs-collector"
        ? [`namespace ${meta.name ?? ""} is privileged; only the log collector's may be`]
        : [];
    },
  },
  {
    name: "admin-ports-not-open-to-the-internet",
    description:
      "A Hetzner firewall opens SSH and the Kubernetes API to the networks in hearth:hetzner.adminCidrs; 0.0.0.0/0 opens them to everyone.",
    enforcement: "advisory",
    check(type, props) {
      if (type !== "hcloud:index/firewall:Firewall") return [];
      const rules = (plain(props.rules) ?? []) as {
        port?: string;
        sourceIps?: string[];
        direction?: string;
      }[];
      return rules.flatMap((r) =>
        (r.direction ?? "in") === "in" &&
        ["22", "6443"].includes(String(r.port)) &&
        (r.sourceIps ?? []).some((ip) => ip === "0.0.0.0/0" || ip === "::/0")
          ? [`port ${r.port} is open to the whole internet`]
          : [],
      );
    },
  },
];

/** Every violation of one resource, with the policy that found it. */
export function violations(
  type: string,
  props: Record<string, unknown>,
): { policy: Policy; message: string }[] {
  return POLICIES.flatMap((policy) =>
    policy.check(type, props).map((message) => ({ policy, message })),
  );
}
