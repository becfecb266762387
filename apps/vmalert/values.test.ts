/**
 * vmalert's and Alertmanager's values (ADR 11). That the chart takes them is checked by rendering: the
 * stand-in in test/local-charts.test.ts, and the real chart at its pin with `npm run check:charts -- --charts DIR`;
 * that the files they carry run is test/observability/vmalert.contract.test.ts.
 */
import { NOTIFY_SECRET_FILE } from "../../components/observability/alertmanager";
import { VM_URL } from "../victoria-metrics/values";
import { ALERTMANAGER_CONFIGMAP, NOTIFY_SECRET, RULES_CONFIGMAP, vmalertValues } from "./values";

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("vmalert's values", () => {
  it("query and write VictoriaMetrics, load every mounted rule file, and let Alertmanager find its secret", () => {
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
});
