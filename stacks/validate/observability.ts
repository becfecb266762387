/** Rules of hearth:observability: the monitoring apps and the SLOs come together, with a route for alerts. */
import { enabledApps, entries, NS, Rule } from "./context";

/** The observability apps (ADR 11): deployed together, with hearth:observability. */
export const MONITORING_APPS = [
  "victoria-metrics",
  "vmalert",
  "blackbox-exporter",
  "kube-state-metrics",
  "grafana",
];

/** The monitoring apps run with the SLOs and a route for alerts. */
export const monitoringNeedsObservability: Rule = (ctx) => {
  const monitoring = enabledApps(ctx.c).filter((a) => MONITORING_APPS.includes(a));
  if (monitoring.length > 0 && ctx.missing("observability"))
    ctx.add(
      "observability",
      `is required with ${monitoring.map((a) => `"${a}"`).join(", ")} in ${NS}:apps.enabled: the observability apps run with the SLOs and a route for alerts, e.g. notify: {webhook: {url: https://ntfy.example.org/hearth}} with the token in ${NS}:notifySecret`,
    );
};

/** Alerts have a secret for their route, somewhere to run, and SLOs only for apps that are probed. */
export const observabilityNeeds: Rule = (ctx) => {
  const { c, catalogue } = ctx;
  const o = c.observability;
  if (o === undefined) return;
  const enabled = enabledApps(c);
  const notify = o.notify;
  if (
    ctx.missing("notifySecret") &&
    o.notifySecretPath === undefined &&
    !ctx.failed("observability.notifySecretPath")
  ) {
    // The route says which secret; when it failed its own check, the secret is needed all the same.
    const route = notify === undefined ? undefined : "email" in notify ? "email" : "webhook";
    const what = route === undefined ? "" : `.${route}`;
    const secret =
      route === "email"
        ? "the SMTP password"
        : route === "webhook"
          ? "the bearer token"
          : "the SMTP password or the webhook's bearer token";
    ctx.add(
      "notifySecret",
      `is required with ${NS}:observability.notify${what} (${secret}); run: pulumi config set --secret ${NS}:notifySecret <value>, or set ${NS}:observability.notifySecretPath`,
    );
  }
  if (!enabled.includes("vmalert") && !ctx.failed("apps"))
    ctx.add(
      "observability",
      `alerts need somewhere to run: add "victoria-metrics", "vmalert", "blackbox-exporter" and "kube-state-metrics" to ${NS}:apps.enabled (docs/observability.md), or remove ${NS}:observability`,
    );
  if (ctx.failed("apps.enabled")) return;
  for (const [app] of entries(o.sloTargets)) {
    if (!catalogue[app]?.healthPath || !enabled.includes(app))
      ctx.add(
        `observability.sloTargets.${app}`,
        `names no enabled app with a health path (${enabled.filter((a) => catalogue[a]?.healthPath).join(", ") || "none"})`,
      );
  }
};
