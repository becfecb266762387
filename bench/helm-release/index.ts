/**
 * One Helm release of a local chart into the sandbox, waited for as HelmApp waits (atomic, 600 s); `bench:values`
 * (JSON) are its values.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";

const config = new pulumi.Config("bench");
const provider = new k8s.Provider("sandbox", {
  kubeconfig: pulumi.secret(readFileSync(config.require("kubeconfig"), "utf8")),
});
new k8s.helm.v3.Release(
  "bench",
  {
    name: "bench",
    chart: config.require("chart"),
    namespace: config.require("namespace"),
    createNamespace: true,
    atomic: true,
    timeout: 600,
    values: JSON.parse(config.get("values") ?? "{}") as Record<string, unknown>,
  },
  { provider },
);
