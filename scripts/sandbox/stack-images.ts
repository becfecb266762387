/**
 * The images a stack file's app settings name from `hearth.local` (the dev stack's real apps, never pulled) must be
 * built here before `pulumi up`, or their pods wait forever in ErrImageNeverPull. This names every missing one,
 * with its app, the config key, and the command that builds it.
 *
 *   node -r ./runtime/swc-register.js scripts/sandbox/stack-images.ts [stack file]   exit 1 when one is missing
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { images, SandboxImage } from "./images";

/** One `hearth.local` image an app's values name. */
export interface NamedImage {
  app: string;
  /** The config key path of the image map, e.g. `apps.settings.vmalert.values.server.image`. */
  key: string;
  ref: string;
}

/** Every `{ registry: hearth.local, repository, tag }` map under each app's values, depth first. */
export function namedImages(stack: unknown): NamedImage[] {
  const config = (stack as { config?: Record<string, unknown> })?.config ?? {};
  const apps = config["hearth:apps"] as
    | { settings?: Record<string, { values?: unknown }> }
    | undefined;
  const found: NamedImage[] = [];
  const walk = (app: string, key: string, v: unknown) => {
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if (o.registry === "hearth.local" && typeof o.repository === "string")
      found.push({ app, key, ref: `hearth.local/${o.repository}:${String(o.tag ?? "")}` });
    for (const [k, child] of Object.entries(o)) walk(app, `${key}.${k}`, child);
  };
  for (const [app, settings] of Object.entries(apps?.settings ?? {}))
    walk(app, `apps.settings.${app}.values`, settings?.values);
  return found;
}

/** A line per image that is not built (or that no script builds); empty when all are there. */
export function missingImages(
  named: NamedImage[],
  known: Record<string, SandboxImage> = images,
  exists: (f: string) => boolean = existsSync,
): string[] {
  return named.flatMap(({ app, key, ref }) => {
    const entry = Object.entries(known).find(([, img]) => img.ref === ref);
    if (!entry)
      return [
        `hearth:${key}: app "${app}" names ${ref}, which no script here builds: use one of ${Object.values(
          known,
        )
          .map((i) => i.ref)
          .join(", ")}`,
      ];
    const [name, img] = entry;
    return exists(img.archive)
      ? []
      : [
          `hearth:${key}: app "${app}" runs ${ref}, which is not built (${img.archive}): run scripts/toolchain/images/build-images.sh ${name}`,
        ];
  });
}

if (require.main === module) {
  const file = process.argv[2] ?? join(__dirname, "../../Pulumi.dev.yaml");
  const problems = missingImages(namedImages(parse(readFileSync(file, "utf8"))));
  for (const p of problems) console.error(`${file}: ${p}`);
  process.exit(problems.length ? 1 : 0);
}
