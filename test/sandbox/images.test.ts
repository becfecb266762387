/**
 * The sandbox images' versions are written in three places that must agree: build-images.sh (what is built),
 * scripts/sandbox/images.ts (what a real node loads) and the dev stack's Traefik settings (what its pod runs).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { images } from "../../scripts/sandbox/images";

const repo = join(__dirname, "../..");
const script = readFileSync(join(repo, "scripts/toolchain/images/build-images.sh"), "utf8");

const versionsEnv = readFileSync(join(repo, "scripts/toolchain/versions.env"), "utf8");

/** NAME_VERSION's value in build-images.sh, a "v$HEARTH_..." one read from versions.env. */
function scriptVersion(name: string): string | undefined {
  const v = new RegExp(
    `^${name.toUpperCase().replace(/-/g, "_")}_VERSION="?([^\\s"]+)"?$`,
    "m",
  ).exec(script)?.[1];
  return v?.replace(
    /\$(HEARTH_\w+)/,
    (_, k: string) => new RegExp(`^${k}=(\\S+)`, "m").exec(versionsEnv)?.[1] ?? "?",
  );
}

/** Images whose version variable is not named after them. */
const variable: Record<string, string> = { "victoria-metrics": "vm", vmalert: "vm" };

describe("sandbox images", () => {
  it.each([
    "pause",
    "traefik",
    "victoria-metrics",
    "vmalert",
    "blackbox-exporter",
    "kube-state-metrics",
    "coredns",
  ])("%s: build-images.sh builds the version a node loads", (name) => {
    const version = scriptVersion(variable[name] ?? name);
    expect(version).toMatch(/^v?\d/);
    expect(images[name].ref).toBe(`hearth.local/${name}:${version}`);
    expect(images[name].archive.endsWith(`/images/${name}-${version}.tar`)).toBe(true);
  });

  it("the dev stack's Traefik runs the image a real node loads, never pulled", () => {
    const stack = parse(readFileSync(join(repo, "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, { settings?: Record<string, { values?: Record<string, unknown> }> }>;
    };
    const values = stack.config["hearth:apps"].settings?.traefik?.values as {
      image: { registry: string; repository: string; tag: string; pullPolicy: string };
    };
    const { registry, repository, tag, pullPolicy } = values.image;
    expect(`${registry}/${repository}:${tag}`).toBe(images.traefik.ref);
    expect(pullPolicy).toBe("Never");
  });
});
