/** The dev stack's `hearth.local` images: each found with its app and key, and a missing one named with its fix. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { images } from "../../scripts/sandbox/images";
import { missingImages, namedImages } from "../../scripts/sandbox/stack-images";

const dev = parse(readFileSync(join(__dirname, "../../Pulumi.dev.yaml"), "utf8"));

describe("the images the dev stack's real apps run", () => {
  it("are each one the sandbox builds, found under its app's values", () => {
    const named = namedImages(dev);
    expect(named.map((n) => n.app).sort()).toEqual(
      ["blackbox-exporter", "kube-state-metrics", "traefik", "victoria-metrics", "vmalert"].sort(),
    );
    expect(named).toContainEqual({
      app: "vmalert",
      key: "apps.settings.vmalert.values.server.image",
      ref: images.vmalert.ref,
    });
    expect(missingImages(named, images, () => true)).toEqual([]);
  });

  it("a missing one names the app, the key, the image and the command that builds it; every one at once", () => {
    const problems = missingImages(
      namedImages(dev),
      images,
      (f) => !f.includes("vmalert") && !f.includes("traefik"),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^hearth:apps\.settings\.traefik\.values\.image: app "traefik" runs hearth\.local\/traefik:v3\.6\.12, which is not built \(.*\): run scripts\/toolchain\/images\/build-images\.sh traefik$/,
    );
    expect(problems[1]).toContain("build-images.sh vmalert");
  });

  it("an image no script builds is refused with the ones that are", () => {
    const named = namedImages({
      config: {
        "hearth:apps": {
          settings: {
            grafana: {
              values: { image: { registry: "hearth.local", repository: "grafana", tag: "1" } },
            },
          },
        },
      },
    });
    expect(missingImages(named)[0]).toMatch(
      /app "grafana" names hearth\.local\/grafana:1, which no script here builds: use one of hearth\.local\/pause/,
    );
  });
});
