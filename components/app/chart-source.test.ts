import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  assertExactVersion,
  chartYamlVersion,
  checkLocalChart,
  localChartDir,
  releaseChart,
  resolveChart,
} from "./chart-source";

const ref = { repository: "https://charts.example.org", name: "demo", version: "1.2.3" };

describe("assertExactVersion", () => {
  it.each(["1.2.3", "v1.21.2", "0.1.0-rc.1", "2.0.0+build.5"])("accepts %s", (version) => {
    expect(() => assertExactVersion("demo", version)).not.toThrow();
  });

  it.each(["^1.2", "~1.2.3", "1.2", "1.x", ">=1.0.0", "latest", "", "1.2.3 || 2.0.0"])(
    "refuses %s naming the app and the setting to fix",
    (version) => {
      expect(() => assertExactVersion("gitea", version)).toThrow(
        /app "gitea".*not an exact version.*hearth:apps\.settings\.gitea\.chartVersion/s,
      );
    },
  );
});

describe("releaseChart", () => {
  it("uses the repository for an HTTP chart", () => {
    expect(releaseChart("demo", ref)).toEqual({
      chart: "demo",
      version: "1.2.3",
      repositoryOpts: { repo: "https://charts.example.org" },
    });
  });

  it("builds an oci:// reference for an OCI registry", () => {
    const oci = { ...ref, repository: "oci://ghcr.io/example/charts/" };
    expect(releaseChart("demo", oci)).toEqual({
      chart: "oci://ghcr.io/example/charts/demo",
      version: "1.2.3",
    });
  });

  it("reads the chart folder under a local directory", () => {
    expect(releaseChart("demo", ref, "/srv/charts")).toEqual({
      chart: "/srv/charts/demo",
      version: "1.2.3",
    });
  });

  it("reads <name>-<version>/ where a local directory holds several versions side by side", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-versions-"));
    for (const folder of ["demo", "demo-1.3.0"]) {
      fs.mkdirSync(path.join(dir, folder));
      fs.writeFileSync(path.join(dir, folder, "Chart.yaml"), `name: demo\nversion: 1.0.0\n`);
    }
    expect(localChartDir(dir, { ...ref, version: "v1.3.0" })).toBe(path.join(dir, "demo-1.3.0"));
    expect(releaseChart("demo", ref, dir).chart).toBe(path.join(dir, "demo"));
  });

  it("refuses a range before anything else", () => {
    expect(() => releaseChart("demo", { ...ref, version: "^1.2" }, "/srv/charts")).toThrow(
      /not an exact version/,
    );
  });
});

describe("resolveChart", () => {
  it("keeps the pin without an override and applies chartVersion with one", () => {
    expect(resolveChart(ref)).toEqual(ref);
    expect(resolveChart(ref, { chartVersion: "1.3.0" })).toEqual({ ...ref, version: "1.3.0" });
  });
});

describe("local charts", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-charts-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the version of a Chart.yaml", () => {
    expect(chartYamlVersion('apiVersion: v2\nname: demo\nversion: "1.2.3" # pinned\n')).toBe(
      "1.2.3",
    );
    expect(chartYamlVersion("apiVersion: v2\nname: demo\n")).toBeUndefined();
  });

  it("accepts a folder holding the pinned version, with or without a leading v", () => {
    fs.mkdirSync(path.join(dir, "demo"));
    fs.writeFileSync(path.join(dir, "demo", "Chart.yaml"), "name: demo\nversion: v1.2.3\n");
    expect(() => checkLocalChart("demo", ref, path.join(dir, "demo"))).not.toThrow();
  });

  it("refuses a missing folder, saying how to fetch the chart", () => {
    expect(() => checkLocalChart("demo", ref, path.join(dir, "demo"))).toThrow(
      /app "demo": no chart at .*helm pull demo --repo https:\/\/charts\.example\.org --version 1\.2\.3/s,
    );
  });

  it("refuses a folder holding another version", () => {
    fs.mkdirSync(path.join(dir, "demo"));
    fs.writeFileSync(path.join(dir, "demo", "Chart.yaml"), "name: demo\nversion: 1.1.0\n");
    expect(() => checkLocalChart("demo", ref, path.join(dir, "demo"))).toThrow(
      /has version 1\.1\.0 but Hearth pins 1\.2\.3/,
    );
  });
});

describe("chartPathInState", () => {
  it("is relative to the working directory, and always reads as a path", async () => {
    const { chartPathInState } = await import("./chart-source");
    expect(chartPathInState("/home/ann/homelab/charts/gitea", "/home/ann/homelab/stacks")).toBe(
      "../charts/gitea",
    );
    expect(chartPathInState("/home/ann/homelab/charts/gitea", "/home/ann/homelab")).toBe(
      "./charts/gitea",
    );
    // Two checkouts in different places give the same state.
    expect(chartPathInState("/srv/a/charts/zot", "/srv/a/stacks")).toBe(
      chartPathInState("/opt/b/charts/zot", "/opt/b/stacks"),
    );
  });
});
