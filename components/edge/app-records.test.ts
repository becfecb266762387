import * as pulumi from "@pulumi/pulumi";
import {
  find,
  installMocks,
  isSecretInput,
  ofType,
  registrations,
  reveal,
  settle,
} from "../../test/mocks";
import { planAppRecords } from "./app-records";

installMocks();

const RECORD = "hearth:edge:Rfc2136Record";

beforeEach(() => {
  registrations.length = 0;
});

describe("planAppRecords", () => {
  it("gives each hostname one record, normalized, pointing at the address or the alias", () => {
    expect(
      planAppRecords("coop.test", ["Git.coop.test.", "home.apps.coop.test"], {
        address: "203.0.113.10",
      }),
    ).toEqual([
      { hostname: "git.coop.test", type: "A", value: "203.0.113.10" },
      { hostname: "home.apps.coop.test", type: "A", value: "203.0.113.10" },
    ]);
    expect(planAppRecords("coop.test", ["git.coop.test"], { alias: "Edge.coop.test." })).toEqual([
      { hostname: "git.coop.test", type: "CNAME", value: "edge.coop.test" },
    ]);
  });

  it("refuses every bad hostname at once, before anything registers", () => {
    expect(() =>
      planAppRecords(
        "coop.test",
        ["git.other.test", "a..coop.test", "edge.coop.test", "git.coop.test", "GIT.coop.test"],
        { alias: "edge.coop.test" },
      ),
    ).toThrow(
      [
        "DNS records:",
        '  - hostname "git.other.test" is outside zone coop.test',
        '  - hostname "a..coop.test" has the label "", which is no DNS label',
        '  - hostname "edge.coop.test" cannot be an alias of itself',
        '  - hostname "GIT.coop.test" is given twice',
      ].join("\n"),
    );
  });
});

describe("AppRecords", () => {
  it("registers one secret-keyed Rfc2136Record per hostname under itself", async () => {
    const { AppRecords } = await import("./app-records");
    const records = new AppRecords("coop-dns", {
      server: "ns1.coop.test:53",
      zone: "Coop.test",
      hostnames: ["git.coop.test", "home.coop.test"],
      target: { address: "203.0.113.10" },
      tsig: {
        name: "hearth-coop",
        algorithm: "hmac-sha256",
        secret: pulumi.secret("planted-tsig"),
      },
    });
    await settle();
    expect(records.hostnames).toEqual(["git.coop.test", "home.coop.test"]);
    const component = find("hearth:edge:AppRecords", "coop-dns");
    expect(ofType(RECORD).map((r) => r.name)).toEqual([
      "coop-dns-git.coop.test",
      "coop-dns-home.coop.test",
    ]);
    const git = find(RECORD, "coop-dns-git.coop.test");
    expect(git.parent).toBe(component.urn);
    expect(git.custom).toBe(true);
    expect(reveal(git.inputs)).toEqual({
      server: "ns1.coop.test:53",
      zone: "coop.test",
      name: "git.coop.test",
      type: "A",
      values: ["203.0.113.10"],
      ttl: 300,
      tsig: { name: "hearth-coop", algorithm: "hmac-sha256", secret: "planted-tsig" },
    });
    expect(isSecretInput(git, "tsig")).toBe(true);
    expect(isSecretInput(git, "values")).toBe(false);
    expect(JSON.stringify(git.rawInputs).split("planted-tsig").length).toBe(2);
  });

  it("registers nothing when a hostname is bad", async () => {
    const { AppRecords } = await import("./app-records");
    expect(
      () =>
        new AppRecords("bad-dns", {
          server: "ns1.coop.test",
          zone: "coop.test",
          hostnames: ["git.elsewhere.test"],
          target: { address: "203.0.113.10" },
          tsig: { name: "k", algorithm: "hmac-sha256", secret: "c2VjcmV0" },
        }),
    ).toThrow('hostname "git.elsewhere.test" is outside zone coop.test');
    await settle();
    expect(ofType(RECORD)).toEqual([]);
  });
});
