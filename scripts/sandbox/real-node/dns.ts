/**
 * The cluster's DNS, as k3s deploys it from its bundled manifests: CoreDNS in `kube-system` behind the Service
 * `kube-dns` at the tenth address of the Service network, which every real kubelet hands its pods
 * (`clusterDNS`). Without it no pod resolves a Service name, and Hearth's apps reach each other by
 * `<service>.<namespace>.svc.cluster.local` (the forward-auth address, the scrape targets, the alert route).
 *
 * Ours, not k3s's file: the objects a CoreDNS needs to answer for the cluster, on the real nodes (CoreDNS runs
 * for real there, from the image build-images.sh makes), within the `restricted` Pod Security level (it listens on
 * 1053; the Service maps 53 to it). One more zone stands in for the home's LAN DNS:
 * every name under the sandbox's domain answers with the ingress address, as the records Hearth's DNS component
 * writes for a home's LAN do. There is no upstream resolver: the sandbox is offline.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { BIN, CLUSTER_DNS, CLUSTER_DOMAIN } from "./files";

/** The port CoreDNS listens on in its pod. */
export const DNS_PORT = 1053;
const NS = "kube-system";
const NAME = "coredns";

/** What the LAN's DNS answers in the sandbox: every name under `domain` is the ingress address. */
export interface LanZone {
  domain: string;
  address: string;
}

/** The Corefile: the cluster's zone from the API, the LAN's zone, health and readiness, no upstream. */
export function corefile(lan: LanZone): string {
  return [
    `.:${DNS_PORT} {`,
    "    errors",
    "    health :8080",
    "    ready :8181",
    `    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {`,
    "        pods insecure",
    "        fallthrough in-addr.arpa ip6.arpa",
    "        ttl 30",
    "    }",
    `    template IN A ${lan.domain} {`,
    `        answer "{{ .Name }} 60 IN A ${lan.address}"`,
    "    }",
    `    template IN AAAA ${lan.domain} {`,
    "        rcode NOERROR",
    "    }",
    "    cache 30",
    "    loop",
    "    reload",
    "    loadbalance",
    "}",
    "",
  ].join("\n");
}

/** The objects: the account and its read rights, the Corefile, the Deployment on the real nodes, the Service. */
export function clusterDnsObjects(image: string, lan: LanZone): Record<string, unknown>[] {
  const labels = { "k8s-app": "kube-dns" };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: NAME, namespace: NS } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:coredns" },
      rules: [
        {
          apiGroups: [""],
          resources: ["endpoints", "services", "pods", "namespaces"],
          verbs: ["list", "watch"],
        },
        {
          apiGroups: ["discovery.k8s.io"],
          resources: ["endpointslices"],
          verbs: ["list", "watch"],
        },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:coredns" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "system:coredns",
      },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace: NS }],
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: NAME, namespace: NS },
      data: { Corefile: corefile(lan) },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: NAME, namespace: NS, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            // Its own answers come from the API, never from itself.
            dnsPolicy: "Default",
            nodeSelector: { "hearth.dev/sandbox-node": "real" },
            tolerations: [
              { key: "hearth.dev/real-node", operator: "Exists", effect: "NoSchedule" },
            ],
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: NAME,
                image,
                imagePullPolicy: "Never",
                args: ["-conf", "/etc/coredns/Corefile"],
                ports: [
                  { name: "dns", containerPort: DNS_PORT, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: DNS_PORT, protocol: "TCP" },
                ],
                livenessProbe: { httpGet: { path: "/health", port: 8080 }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
                resources: {
                  requests: { cpu: "10m", memory: "30Mi" },
                  limits: { memory: "170Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  // The image's binary carries cap_net_bind_service, as upstream's does: exec fails unless the
                  // capability is in the bounding set (k3s's manifest adds it too; `restricted` allows it).
                  capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                },
                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
              },
            ],
            volumes: [{ name: "config", configMap: { name: NAME } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: NS, labels },
      spec: {
        clusterIP: CLUSTER_DNS,
        selector: labels,
        ports: [
          { name: "dns", port: 53, targetPort: DNS_PORT, protocol: "UDP" },
          { name: "dns-tcp", port: 53, targetPort: DNS_PORT, protocol: "TCP" },
        ],
      },
    },
  ];
}

/**
 * The sandbox's LAN zone: the dev stack's domain (`hearth:domain` in Pulumi.dev.yaml), answered with the address
 * the sandbox's stage publishes as every Ingress's (scripts/sandbox-stages/ingress-address.yaml, node-1's).
 */
export function sandboxLan(repo: string): LanZone {
  const stack = parse(readFileSync(join(repo, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const domain = stack.config["hearth:domain"];
  if (typeof domain !== "string") throw new Error("Pulumi.dev.yaml has no hearth:domain");
  // The address the sandbox's own stage publishes for every Ingress: the LAN's DNS answers with the same one.
  const stage = readFileSync(join(repo, "scripts/sandbox-stages/ingress-address.yaml"), "utf8");
  const address = /^\s*- ip: (\d+\.\d+\.\d+\.\d+)\s*$/m.exec(stage)?.[1];
  if (!address) throw new Error("scripts/sandbox-stages/ingress-address.yaml names no ip");
  return { domain, address };
}

/**
 * Applies the objects with the sandbox's admin kubeconfig and waits until CoreDNS is Ready. `image` must be in
 * the real nodes' containerd (images.ts); the caller says which script builds it when it is missing.
 */
export async function clusterDnsUp(dir: string, image: string, lan: LanZone): Promise<void> {
  const kubectl = (args: string[], input?: string) =>
    execFileSync(join(BIN, "kubectl"), ["--kubeconfig", join(dir, "kubeconfig"), ...args], {
      encoding: "utf8",
      input,
      stdio: ["pipe", "pipe", "pipe"],
    });
  const list = { apiVersion: "v1", kind: "List", items: clusterDnsObjects(image, lan) };
  kubectl(["apply", "-f", "-"], JSON.stringify(list));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = kubectl([
      ...["-n", NS, "get", "deployment", NAME],
      ...["-o", "jsonpath={.status.readyReplicas}"],
    ]).trim();
    if (ready === "1") return;
    if (Date.now() > deadline) {
      const pods = kubectl(["-n", NS, "get", "pods", "-l", "k8s-app=kube-dns", "-o", "wide"]);
      throw new Error(`CoreDNS was not Ready in 120 s:\n${pods}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
