import * as fs from "fs";
import * as path from "path";
import { assertExactVersion } from "../components/app/chart-source";
import { appNames, catalogue } from "./index";

describe("catalogue", () => {
  it("lists every recipe (a folder whose index.ts exports `meta`) once, keyed by its folder's name", () => {
    const recipes = fs
      .readdirSync(__dirname, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(__dirname, d.name, "index.ts")))
      .map((d) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(path.join(__dirname, d.name)) as { meta?: { name: string } };
        return { folder: d.name, name: mod.meta?.name };
      });
    expect(recipes.filter((r) => r.name !== r.folder)).toEqual([]);
    expect([...appNames].sort()).toEqual(recipes.map((r) => r.folder).sort());
    expect(new Set(appNames).size).toBe(appNames.length);
    for (const name of appNames) expect(catalogue[name].name).toBe(name);
  });

  it("pins every chart exactly and only needs apps the catalogue has", () => {
    for (const app of Object.values(catalogue)) {
      expect(() => assertExactVersion(app.name, app.chart.version)).not.toThrow();
      for (const need of app.needs) expect(appNames).toContain(need);
      expect(app.needs).not.toContain(app.name);
    }
  });

  it("names a test file that exists for every app", () => {
    const root = path.resolve(__dirname, "..");
    for (const app of Object.values(catalogue)) {
      const exists = fs.existsSync(path.join(root, app.testedBy));
      expect({ app: app.name, testedBy: app.testedBy, exists }).toEqual({
        app: app.name,
        testedBy: app.testedBy,
        exists: true,
      });
    }
  });

  it("says what every app with backups keeps, so removing it needs hearth:apps.retired", () => {
    const backedUpWithoutData = Object.values(catalogue)
      .filter((app) => app.backup && !app.keepsData)
      .map((app) => app.name);
    expect(backedUpWithoutData).toEqual([]);
  });
});
