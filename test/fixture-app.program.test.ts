/**
 * Adding an app touches its own folder and the catalogue's list (apps/index.ts), nothing else. The fixture
 * recipe in test/fixtures/apps/hello/ is shaped as apps/<app>/ is; here the catalogue's list gains it (a module
 * mock stands in for the one-line edit of apps/index.ts), and the home example enables it. The program then
 * validates it, orders it after what it needs, gives it a namespace, network policies, its chart release, an
 * Ingress at its hostname behind the identity provider's forward-auth, and a tile on Homepage.
 */
import { join } from "path";
import { evaluateStackFile } from "../cli/evaluate/evaluate";

jest.mock("../apps", () => {
  const actual = jest.requireActual("../apps");
  const hello = jest.requireActual("./fixtures/apps/hello");
  return {
    ...actual,
    catalogue: { ...actual.catalogue, hello: hello.meta },
    appNames: [...actual.appNames, "hello"],
    wirings: { ...actual.wirings, hello: hello.wire },
  };
});

const home = join(__dirname, "fixtures/valid/metal-home.yaml");

/** The home example with the fixture app enabled too. */
function withHello(values: Record<string, string>): void {
  const apps = JSON.parse(values["hearth:apps"]) as { enabled: string[] };
  apps.enabled.push("hello");
  values["hearth:apps"] = JSON.stringify(apps);
}

describe("an app added as one folder", () => {
  it("is deployed by the program with its release, namespace, policies, route and sign-in", async () => {
    const { registrations, outputs } = await evaluateStackFile(home, withHello);
    const named = (type: string, name: string) =>
      registrations.find((r) => r.type === type && r.name === name);
    const release = named("kubernetes:helm.sh/v3:Release", "hearth-hello-release");
    expect(release?.inputs).toMatchObject({
      chart: "hello",
      version: "1.2.3",
      namespace: "hello",
      repositoryOpts: { repo: "https://charts.example.org" },
    });
    expect(release?.inputs.values).toMatchObject({ greeting: "hello from a fixture" });
    expect(named("kubernetes:core/v1:Namespace", "hearth-hello-namespace")).toBeDefined();
    const policies = registrations.filter(
      (r) =>
        r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" &&
        r.name.startsWith("hearth-hello-"),
    );
    expect(policies.length).toBeGreaterThan(0);
    const ingress = registrations.find(
      (r) =>
        r.type === "kubernetes:networking.k8s.io/v1:Ingress" && r.name.startsWith("hearth-hello"),
    );
    expect(JSON.stringify(ingress?.inputs)).toContain("hello.home.example.org");
    expect(JSON.stringify(ingress?.inputs)).toMatch(/forward-auth|ForwardAuth|middlewares/);
    expect((outputs.urls as Record<string, string>).hello).toBe("https://hello.home.example.org");
    // Homepage, which lists every other enabled app, gained its tile without an edit of its own.
    const homepage = named("kubernetes:helm.sh/v3:Release", "hearth-homepage-release");
    expect(JSON.stringify(homepage?.inputs.values)).toContain("hello.home.example.org");
  });
});
