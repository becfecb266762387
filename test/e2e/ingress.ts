/**
 * test:e2e's real-ingress phase: the dev stack's Traefik is a real pod on the sandbox's real node (the image
 * build-images.sh made from Traefik's Go module), configured by Hearth's recipe. A backend of our own (busybox's
 * httpd with a CGI script that prints the forwarded headers it was given) gets a Service and an Ingress of
 * Hearth's ingress class, and requests go to Traefik's web entrypoint with a Host header, as the tunnel or a
 * LAN client sends them. It shows that the real binary takes the recipe's arguments, watches Ingresses of
 * that class only, routes by host, and replaces X-Forwarded-* headers a client outside the trusted networks
 * made up. Where node-1 is kwok's (a host that cannot run containers) the phase says so and checks nothing.
 */
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { stringify } from "yaml";
import { images } from "../../scripts/sandbox/images";
import { clusterDns } from "./cluster-dns";
import { kubeJson, kubectl, node1IsReal, sandboxDir, until } from "./harness";

type Check = (name: string, ok: boolean, detail?: string) => boolean;

const NS = "hearth-e2e-ingress";
const HOST = "echo.e2e.hearth.test";

interface Pod {
  metadata: { name: string };
  spec: { nodeName?: string; containers: { image: string }[] };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

const ready = (p: Pod) =>
  (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** One HTTP GET to ADDRESS:PORT with a Host header and extra headers; status and body. */
export function get(
  address: string,
  port: number,
  host: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      { host: address, port, path, headers: { Host: host, ...headers }, timeout: 10_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });
}

/** The backend: a CGI script printing what it was sent, run by busybox's httpd as a restricted pod. */
function backendObjects(ingressClass: string): Record<string, unknown>[] {
  const labels = { app: "echo" };
  const script = [
    "#!/bin/sh",
    'printf "Content-Type: text/plain\\r\\n\\r\\n"',
    'echo "proto=$HTTP_X_FORWARDED_PROTO"',
    'echo "host=$HTTP_X_FORWARDED_HOST"',
    'echo "served-by=$(cat /etc/hostname)"',
    "",
  ].join("\n");
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "echo", namespace: NS },
      data: { echo: script },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "echo", namespace: NS, labels },
      spec: {
        nodeSelector: { "kubernetes.io/hostname": "node-1" },
        // busybox httpd as PID 1 ignores SIGTERM: end it at once when the namespace goes.
        terminationGracePeriodSeconds: 1,
        tolerations: [
          { key: "hearth.dev/real-node", operator: "Equal", value: "true", effect: "NoSchedule" },
        ],
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [
          {
            name: "httpd",
            image: images.tools.ref,
            imagePullPolicy: "Never",
            command: ["busybox", "httpd", "-f", "-p", "8080", "-h", "/www"],
            ports: [{ name: "http", containerPort: 8080 }],
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [{ name: "cgi", mountPath: "/www/cgi-bin" }],
          },
        ],
        volumes: [
          {
            name: "cgi",
            configMap: { name: "echo", defaultMode: 0o755, items: [{ key: "echo", path: "echo" }] },
          },
        ],
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "echo", namespace: NS },
      spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "echo", namespace: NS },
      spec: {
        ingressClassName: ingressClass,
        rules: [
          {
            host: HOST,
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: "echo", port: { name: "http" } } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
}

/** The phase body; returns false when node-1 is not a real node (nothing checked). */
export async function realIngress(check: Check): Promise<boolean> {
  if (!node1IsReal("real ingress")) return false;
  const pods =
    kubeJson<{ items: Pod[] }>([
      "-n",
      "traefik",
      "get",
      "pods",
      "-l",
      "app.kubernetes.io/name=traefik",
    ])?.items ?? [];
  const traefik = pods.find(ready);
  check(
    "Traefik is a Ready pod on the real node, of the image built here",
    traefik !== undefined &&
      traefik.spec.nodeName === "node-1" &&
      traefik.spec.containers[0].image === images.traefik.ref,
    JSON.stringify(pods.map((p) => [p.metadata.name, p.spec.nodeName, p.status.conditions])),
  );
  if (!traefik?.status.podIP) return true;
  const ip = traefik.status.podIP;

  const classes =
    kubeJson<{ items: { metadata: { name: string }; spec: { controller: string } }[] }>([
      "get",
      "ingressclass",
    ])?.items ?? [];
  const ingressClass = classes.find((c) => c.spec.controller === "traefik.io/ingress-controller")
    ?.metadata.name;
  check("Hearth's IngressClass names Traefik as its controller", ingressClass !== undefined);
  if (!ingressClass) return true;

  const apply = spawnSync(
    kubectl,
    ["--kubeconfig", join(sandboxDir, "kubeconfig"), "apply", "-f", "-"],
    {
      input: backendObjects(ingressClass)
        .map((o) => stringify(o))
        .join("---\n"),
      encoding: "utf8",
    },
  );
  check("the backend is admitted as a restricted pod", apply.status === 0, apply.stderr);
  try {
    const backend = await until(120, () => {
      const p = kubeJson<Pod>(["-n", NS, "get", "pod", "echo"]);
      return p && ready(p) ? p : undefined;
    });
    check(
      "the backend pod runs on the real node (a real container, its readiness probed by the kubelet)",
      backend !== undefined,
    );
    if (!backend) return true;

    // Traefik sees the Ingress through its watch; the route appears within seconds.
    const routed = await until(60, async () => {
      const r = await get(ip, 8000, HOST, "/cgi-bin/echo", {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "spoofed.example",
      });
      return r.status === 200 ? r : undefined;
    });
    check(
      "a request with the app's Host reaches the backend through Traefik's web entrypoint",
      routed !== undefined && routed.body.includes("served-by=echo"),
      routed?.body,
    );
    if (routed) {
      // The host is not in the entrypoint's trusted networks (the dev stack has no tunnel, so none are).
      check(
        "Traefik replaced the X-Forwarded-Proto a client outside the trusted networks made up",
        /^proto=http$/m.test(routed.body),
        routed.body,
      );
      check(
        "and the X-Forwarded-Host, with the Host it was asked for",
        new RegExp(`^host=${HOST.replace(/\./g, "\\.")}$`, "m").test(routed.body),
        routed.body,
      );
    }
    const other = await get(ip, 8000, "nothing.e2e.hearth.test", "/cgi-bin/echo");
    check("a host with no Ingress gets Traefik's 404", other.status === 404, `${other.status}`);
    const ping = await get(ip, 8080, "x", "/ping");
    check("Traefik's ping answers on the traefik entrypoint", ping.status === 200, ping.body);
    clusterDns(check, NS, "echo", HOST);
  } finally {
    // Gone before the next phases look at every Ingress and namespace of the cluster.
    const gone = spawnSync(
      kubectl,
      ["--kubeconfig", join(sandboxDir, "kubeconfig"), "delete", "namespace", NS, "--timeout=120s"],
      { encoding: "utf8" },
    );
    check(`the test's namespace ${NS} is deleted`, gone.status === 0, gone.stderr);
  }
  return true;
}
