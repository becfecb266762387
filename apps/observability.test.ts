/**
 * The observability recipes' names and values (ADR 11). That the charts take these values is checked by
 * rendering: the stand-ins in test/local-charts.test.ts, and the real charts at their pins with
 * `npm run check:charts -- --charts DIR`; that the files they carry run is test/observability/vmalert.contract.test.ts.
 */
import { NOTIFY_SECRET_FILE } from "../components/observability/alertmanager";
import { BLACKBOX_ADDRESS, blackboxValues } from "./blackbox-exporter";
import { KSM_ADDRESS, kubeStateMetricsValues } from "./kube-state-metrics";
import { VL_URL, victoriaLogsValues } from "./victoria-logs";
import { collectorValues } from "./victoria-logs-collector";
import { VM_SCRAPE_CONFIGMAP, VM_URL, victoriaMetricsValues } from "./victoria-metrics";
import { ALERTMANAGER_CONFIGMAP, NOTIFY_SECRET, RULES_CONFIGMAP, vmalertValues } from "./vmalert";

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("the observability recipes", () => {
  it("point at each other by the names their charts give the Services", () => {
    expect(VM_URL).toBe("http://victoria-metrics.victoria-metrics.svc.cluster.local:8428");
    expect(BLACKBOX_ADDRESS).toBe("blackbox-exporter.blackbox-exporter.svc.cluster.local:9115");
    expect(KSM_ADDRESS).toBe("kube-state-metrics.kube-state-metrics.svc.cluster.local:8080");
    expect((blackboxValues() as any).fullnameOverride).toBe("blackbox-exporter");
    expect((kubeStateMetricsValues() as any).fullnameOverride).toBe("kube-state-metrics");
  });

  it("VictoriaMetrics reads Hearth's scrape file and keeps a volume", () => {
    const v = victoriaMetricsValues("30d") as any;
    expect(v.server.fullnameOverride).toBe("victoria-metrics");
    expect(v.server.scrape).toEqual({ enabled: true, configMap: VM_SCRAPE_CONFIGMAP });
    expect(v.server.retentionPeriod).toBe("30d");
    expect(v.server.persistentVolume.enabled).toBe(true);
    expect(v.rbac.create).toBe(false);
  });

  it("vmalert queries and writes VictoriaMetrics, loads every mounted rule file, and Alertmanager finds its secret", () => {
    const v = vmalertValues() as any;
    expect(v.server.datasource.url).toBe(VM_URL);
    expect(v.server.remoteWrite.url).toBe(VM_URL);
    const mount = v.server.extraVolumeMounts[0];
    expect(v.server.extraVolumes[0]).toEqual({
      name: mount.name,
      configMap: { name: RULES_CONFIGMAP },
    });
    expect(v.server.extraArgs.rule).toEqual([`${mount.mountPath}/*.yaml`]);
    expect(v.alertmanager).toMatchObject({ enabled: true, configMap: ALERTMANAGER_CONFIGMAP });
    const secretMount = v.alertmanager.extraVolumeMounts[0];
    expect(v.alertmanager.extraVolumes[0].secret.secretName).toBe(NOTIFY_SECRET);
    // The configuration's *_file fields point into that mount: <mount>/<key "secret">.
    expect(NOTIFY_SECRET_FILE).toBe(`${secretMount.mountPath}/secret`);
  });

  it("the collector sends to VictoriaLogs' Service by its base URL, which the chart completes", () => {
    expect(VL_URL).toBe("http://victoria-logs.victoria-logs.svc.cluster.local:9428");
    expect((collectorValues() as any).remoteWrite).toEqual([{ url: VL_URL }]);
    const v = victoriaLogsValues("14d") as any;
    expect(v.server.fullnameOverride).toBe("victoria-logs");
    expect(v.server.retentionPeriod).toBe("14d");
    expect(v.server.podSecurityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    expect(v.vector.enabled).toBe(false);
  });
});
