import { catalogue } from ".";
import { renderCatalogue } from "./catalogue";
import { AppMetadata } from "./recipe";

function app(overrides: Partial<AppMetadata>): AppMetadata {
  return {
    name: "demo",
    title: "Demo",
    description: "A demo app.",
    category: "development",
    chart: { repository: "https://charts.example.org", name: "demo", version: "1.2.3" },
    appVersion: "v4.5.6",
    sso: "none",
    backup: false,
    needs: [],
    provides: [],
    testedBy: "apps/demo.test.ts",
    ...overrides,
  };
}

describe("sign-in paths", () => {
  it("gives every app of the catalogue with a web UI a sign-in through the identity provider", () => {
    const withUi = Object.values(catalogue).filter((a) => a.subdomain);
    expect(withUi.length).toBeGreaterThanOrEqual(6);
    for (const a of withUi) expect(`${a.name}: ${a.sso}`).not.toBe(`${a.name}: none`);
    expect(() => renderCatalogue(Object.values(catalogue))).not.toThrow();
  });

  it("refuses an app with a UI and no sign-in path, and a sign-in without a UI", () => {
    expect(() => renderCatalogue([app({ name: "wiki", subdomain: "wiki", sso: "none" })])).toThrow(
      'catalogue: "wiki" has a web UI (subdomain wiki) but no sign-in path; give it sso "oidc" or "forward-auth" in apps/wiki/meta.ts.',
    );
    expect(() => renderCatalogue([app({ name: "db", sso: "oidc" })])).toThrow(
      'catalogue: "db" has sso "oidc" but no web UI (no subdomain); its sign-in has nowhere to happen.',
    );
  });
});

describe("renderCatalogue", () => {
  it("renders one section per category in a fixed order, apps sorted by name", () => {
    const page = renderCatalogue([
      app({ name: "zeta", title: "Zeta", category: "development" }),
      app({ name: "alpha", title: "Alpha", category: "development" }),
      app({ name: "edge", title: "Edge", category: "platform" }),
    ]);
    expect(page.startsWith("# App catalogue\n")).toBe(true);
    expect(page.endsWith("|\n")).toBe(true);
    const headings = page.split("\n").filter((l) => l.startsWith("## "));
    expect(headings).toEqual(["## Platform", "## Development"]);
    expect(page.indexOf("**Alpha**")).toBeLessThan(page.indexOf("**Zeta**"));
    expect(page.indexOf("## Platform")).toBeLessThan(page.indexOf("**Edge**"));
    expect(page.indexOf("**Edge**")).toBeLessThan(page.indexOf("## Development"));
  });

  it("writes every field of an app into its row", () => {
    const page = renderCatalogue([
      app({
        name: "gitea",
        title: "Gitea",
        description: "Git hosting | issues",
        subdomain: "git",
        sso: "gitea-oauth2",
        backup: true,
        keepsData: "every repository",
        needs: ["traefik", "cert-manager"],
        testedBy: "apps/gitea.test.ts",
      }),
    ]);
    const row = page.split("\n").find((l) => l.startsWith("| **Gitea**"));
    expect(row).toBe(
      "| **Gitea** (`gitea`) | Git hosting \\| issues | `demo` 1.2.3 from https://charts.example.org " +
        "| v4.5.6 | Gitea (OAuth2) | yes | every repository | `traefik`, `cert-manager` | `apps/gitea.test.ts` |",
    );
  });

  it("shows a dash when an app needs nothing, and is stable for the same input", () => {
    const metas = [app({ category: "dashboard" })];
    const page = renderCatalogue(metas);
    expect(page).toContain("| none (no UI) | no | — | — |");
    expect(renderCatalogue([...metas])).toBe(page);
    expect(page.split("\n").filter((l) => l.startsWith("## "))).toEqual(["## Dashboards"]);
  });

  it("refuses two apps with one name", () => {
    expect(() => renderCatalogue([app({}), app({ title: "Other" })])).toThrow(
      /two apps are named "demo"/,
    );
  });
});
