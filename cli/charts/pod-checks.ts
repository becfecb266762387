/**
 * The checks of a chart's render that look at its pods alone: the pod templates a render holds, the Secrets a
 * pod reads, and pods Kubernetes would accept (mounts, ports, Pod Security restricted). render-checks.ts
 * holds the checks against what the program expects; each returns the problems it found as sentences.
 */
import type { Doc } from "./helm";

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

/** Every pod template a render holds, with where it is and its labels. */
export function podTemplates(
  docs: Doc[],
): { where: string; labels: Record<string, string>; spec: Doc }[] {
  return docs.flatMap((d) => {
    const where = `${d.kind}/${d.metadata?.name}`;
    if (WORKLOADS.has(d.kind))
      return [
        { where, labels: d.spec.template.metadata?.labels ?? {}, spec: d.spec.template.spec },
      ];
    if (d.kind === "CronJob") {
      const t = d.spec.jobTemplate.spec.template;
      return [{ where, labels: t.metadata?.labels ?? {}, spec: t.spec }];
    }
    if (d.kind === "Pod") return [{ where, labels: d.metadata?.labels ?? {}, spec: d.spec }];
    return [];
  });
}

function containersOf(spec: Doc): Doc[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/** What the restricted Pod Security level (latest) would refuse in a pod spec. */
export function restrictedViolations(spec: Doc): string[] {
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push("host namespaces");
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== "name");
    if (!type || !RESTRICTED_VOLUMES.includes(type)) out.push(`volume ${v.name} of type ${type}`);
  }
  for (const c of [...containersOf(spec), ...(spec.ephemeralContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) out.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false)
      out.push(`${at}: allowPrivilegeEscalation not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL"))
      out.push(`${at}: capabilities not drop ALL`);
    for (const cap of sc.capabilities?.add ?? [])
      if (cap !== "NET_BIND_SERVICE") out.push(`${at}: adds capability ${cap}`);
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true) out.push(`${at}: runAsNonRoot not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${at}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      out.push(`${at}: seccompProfile ${seccomp ?? "unset"}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${at}: hostPort ${p.hostPort}`);
  }
  return out;
}

/** The restricted Pod Security violations of every pod in a render, each naming its pod. */
export function podSecurityProblems(docs: Doc[]): string[] {
  return podTemplates(docs).flatMap((pod) =>
    restrictedViolations(pod.spec).map((v) => `${pod.where} breaks Pod Security restricted: ${v}`),
  );
}

/** The Secrets a pod spec reads, each with whether the pod starts without it (`optional: true`). */
export function secretsRead(spec: Doc): { name: string; optional: boolean }[] {
  const out: { name: string; optional: boolean }[] = [];
  const add = (name: string, optional: unknown) => out.push({ name, optional: optional === true });
  for (const v of spec.volumes ?? []) {
    if (v.secret) add(v.secret.secretName, v.secret.optional);
    for (const s of v.projected?.sources ?? []) if (s.secret) add(s.secret.name, s.secret.optional);
  }
  for (const c of containersOf(spec)) {
    for (const e of c.env ?? [])
      if (e.valueFrom?.secretKeyRef)
        add(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.optional);
    for (const f of c.envFrom ?? []) if (f.secretRef) add(f.secretRef.name, f.secretRef.optional);
  }
  return out;
}

/** Containers with two volume mounts at one path (Kubernetes refuses the pod). */
export function mountProblems(docs: Doc[]): string[] {
  return podTemplates(docs).flatMap((pod) =>
    containersOf(pod.spec).flatMap((c: Doc) => {
      const paths: string[] = (c.volumeMounts ?? []).map((m: Doc) => m.mountPath);
      const twice = [...new Set(paths.filter((p, i) => paths.indexOf(p) !== i))];
      return twice.map((p) => `${pod.where} container ${c.name} mounts two volumes at ${p}`);
    }),
  );
}

/** Pods declaring one container port (number and protocol) or port name twice. */
export function portProblems(docs: Doc[]): string[] {
  return podTemplates(docs).flatMap((pod) => {
    const seen = new Map<string, string>();
    const out: string[] = [];
    for (const c of pod.spec.containers ?? []) {
      for (const p of c.ports ?? []) {
        const keys = [`port ${p.containerPort}/${p.protocol ?? "TCP"}`];
        if (p.name) keys.push(`port name "${p.name}"`);
        for (const key of keys) {
          const first = seen.get(key);
          if (first !== undefined)
            out.push(`${pod.where} declares ${key} twice (containers ${first} and ${c.name})`);
          else seen.set(key, c.name);
        }
      }
    }
    return out;
  });
}
