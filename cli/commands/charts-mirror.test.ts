/** `npm run charts:mirror`: the helm pull of each pin, and the report of what could not be pulled. */
import { catalogue } from "../../apps";
import { mirrorCharts, pullArgs } from "./charts-mirror";

describe("charts:mirror", () => {
  it("pulls classic repositories with --repo and OCI registries by reference", () => {
    expect(pullArgs(catalogue.traefik.chart, "/m")).toEqual([
      "pull",
      "traefik",
      "--repo",
      "https://traefik.github.io/charts",
      "--version",
      "41.3.0",
      "-d",
      "/m",
    ]);
    expect(pullArgs(catalogue.woodpecker.chart, "/m")).toEqual([
      "pull",
      "oci://ghcr.io/woodpecker-ci/helm/woodpecker",
      "--version",
      "3.4.2",
      "-d",
      "/m",
    ]);
  });
});

describe("mirrorCharts", () => {
  it("pulls every catalogue chart, and names each that failed without stopping", () => {
    const pulls: string[][] = [];
    const said: string[] = [];
    const r = mirrorCharts(
      "/m",
      (args) => {
        pulls.push(args);
        if (args.includes("zot")) throw new Error("helm pull failed:\n  no route to host");
      },
      (l) => void said.push(l),
    );
    expect(pulls).toHaveLength(Object.keys(catalogue).length);
    expect(r.failed).toEqual(["zot"]);
    expect(r.pulled).toHaveLength(Object.keys(catalogue).length - 1);
    expect(said).toContain(
      `zot: zot ${catalogue.zot.chart.version} from ${catalogue.zot.chart.repository}: FAILED: helm pull failed: no route to host`,
    );
  });
});
