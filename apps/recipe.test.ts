import { AppMetadata, hostnameFor, requireHostname } from "./recipe";

const withUi: AppMetadata = {
  name: "gitea",
  title: "Gitea",
  description: "Git hosting.",
  category: "development",
  chart: { repository: "https://dl.gitea.com/charts/", name: "gitea", version: "12.7.0" },
  appVersion: "1.27.0",
  subdomain: "git",
  sso: "none",
  backup: true,
  needs: [],
  provides: [],
  testedBy: "apps/gitea.test.ts",
};
const headless: AppMetadata = {
  ...withUi,
  name: "cert-manager",
  title: "cert-manager",
  subdomain: undefined,
};

describe("hostnames", () => {
  it("puts the subdomain under the domain unless the operator overrides it", () => {
    expect(hostnameFor(withUi, "home.example.org")).toBe("git.home.example.org");
    expect(hostnameFor(withUi, "home.example.org", { hostname: "code.home.example.org" })).toBe(
      "code.home.example.org",
    );
    expect(hostnameFor(headless, "home.example.org")).toBeUndefined();
  });

  it("refuses an app without one, naming the setting to add", () => {
    expect(requireHostname(withUi, "home.example.org")).toBe("git.home.example.org");
    expect(() => requireHostname(headless, "home.example.org")).toThrow(
      'app "cert-manager": cert-manager needs a hostname; set hearth:apps.settings.cert-manager.hostname.',
    );
  });
});
