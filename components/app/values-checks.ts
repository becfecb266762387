/**
 * What can be checked in an operator's Helm values (`hearth:apps.settings.<app>.values`) without the chart:
 * the names Hearth pins, and numbers no chart could mean. The chart's own values.schema.json is applied too
 * when the chart is in a local folder (values-schema.ts); this covers every home, before any change.
 */

/** One problem in a values override: the path inside it (`server.replicaCount`) and what to do. */
export interface ValuesProblem {
  path: string;
  message: string;
}

// A Kubernetes resource quantity (k8s.io/apimachinery resource.Quantity), without a sign: 500m, 1.5Gi, 2e3.
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function join(at: string, key: string | number): string {
  return typeof key === "number" ? `${at}[${key}]` : at ? `${at}.${key}` : key;
}

/** Why a value is no resource quantity, or undefined. */
function quantityProblem(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return undefined;
  if (typeof v === "string" && QUANTITY.test(v)) return undefined;
  return `${JSON.stringify(v)} is not a Kubernetes quantity such as 256Mi, 10Gi or 500m (and never negative)`;
}

/**
 * Every problem of a values override that no chart could accept, or that would break what Hearth wires:
 * - `fullnameOverride` or `nameOverride` anywhere: the recipe pins the chart's object names, which the
 *   ingress, the tunnel, the NetworkPolicies and the Secrets Hearth creates point at;
 * - `replicas` / `replicaCount` that is not a whole number, 0 or more;
 * - a numeric `port` or `...Port` outside 1-65535 or not whole (a named port, a string, is left alone);
 * - `resources.requests` / `resources.limits` entries, and the `size` of a persistent volume, that are not
 *   Kubernetes quantities (a negative size, say).
 */
export function valuesProblems(values: Record<string, unknown>): ValuesProblem[] {
  const out: ValuesProblem[] = [];
  const walk = (v: unknown, at: string, key: string | number | undefined, parent: string) => {
    if (typeof key === "string") {
      if (key === "fullnameOverride" || key === "nameOverride")
        out.push({
          path: at,
          message: `would rename the chart's objects, which Hearth routes to and wires by the names the recipe pins; remove it`,
        });
      else if (key === "replicas" || key === "replicaCount") {
        // A string of digits renders as a number in the chart's template, as Helm writes it unquoted.
        if (!((Number.isInteger(v) && (v as number) >= 0) || /^\d+$/.test(String(v))))
          out.push({
            path: at,
            message: `${JSON.stringify(v)} is not a number of replicas; write a whole number, 0 or more`,
          });
      } else if ((key === "port" || /[a-z]Port$/.test(key)) && typeof v === "number") {
        if (!(Number.isInteger(v) && v >= 1 && v <= 65535))
          out.push({
            path: at,
            message: `${v} is not a TCP port; write a whole number from 1 to 65535`,
          });
      } else if (/(^|\.)resources\.(requests|limits)$/.test(at.slice(0, -key.length - 1))) {
        const problem = quantityProblem(v);
        if (problem) out.push({ path: at, message: problem });
      } else if (key === "size" && /persist|storage|volume/i.test(parent)) {
        const problem = quantityProblem(v);
        if (problem) out.push({ path: at, message: problem });
      }
    }
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, join(at, i), i, parent));
    else if (isObject(v))
      for (const [k, inner] of Object.entries(v))
        walk(inner, join(at, k), k, typeof key === "string" ? key : parent);
  };
  for (const [k, v] of Object.entries(values)) walk(v, k, k, "");
  return out;
}
