import {
  archForServerType,
  assertFleetPlan,
  fleetPlanProblems,
  firewallRules,
  networkZoneFor,
} from "./hcloud-plan";

describe("networkZoneFor", () => {
  it.each([
    ["fsn1", "eu-central"],
    ["nbg1", "eu-central"],
    ["hel1", "eu-central"],
    ["ash", "us-east"],
    ["hil", "us-west"],
    ["sin", "ap-southeast"],
  ])("maps %s to %s", (location, zone) => {
    expect(networkZoneFor(location)).toBe(zone);
  });

  it("names the known locations when given an unknown one", () => {
    expect(() => networkZoneFor("fra1")).toThrow(/"fra1" is unknown; use one of fsn1, nbg1/);
  });
});

describe("archForServerType", () => {
  it("knows the Ampere line is arm64 and the rest amd64", () => {
    expect(archForServerType("cax21")).toBe("arm64");
    expect(archForServerType("cx32")).toBe("amd64");
    expect(archForServerType("cpx31")).toBe("amd64");
    expect(archForServerType("ccx13")).toBe("amd64");
  });
});

describe("assertFleetPlan", () => {
  const ok = [
    { name: "s1", role: "server" as const, privateIp: "10.44.0.10" },
    { name: "a1", role: "agent" as const, privateIp: "10.44.0.20" },
  ];

  it("accepts a sound fleet", () => {
    expect(() => assertFleetPlan(ok, "10.44.0.0/16")).not.toThrow();
  });

  it.each([
    ["no servers at all", [], /no servers/],
    ["agents only", [ok[1]], /no server with role "server" \(a1\)/],
    ["a name that is not a hostname", [{ ...ok[0], name: "S 1" }], /"S 1" is not/],
    ["a duplicate name", [ok[0], { ...ok[1], name: "s1" }], /"s1" is listed twice/],
    ["an IP outside the subnet", [{ ...ok[0], privateIp: "10.45.0.10" }], /not inside the subnet/],
    ["the gateway address", [{ ...ok[0], privateIp: "10.44.0.1" }], /reserved by Hetzner/],
    ["a shared IP", [ok[0], { ...ok[1], privateIp: "10.44.0.10" }], /"s1" and "a1" share/],
  ])("refuses %s", (_label, servers, message) => {
    expect(() => assertFleetPlan(servers, "10.44.0.0/16")).toThrow(message);
  });
});

describe("fleetPlanProblems", () => {
  it("lists every problem at once, each with its server and field", () => {
    const servers = [
      { name: "s1", role: "server" as const, privateIp: "10.44.0.1" },
      { name: "s2", role: "server" as const, privateIp: "10.44.0.10" },
      { name: "s2", role: "agent" as const, privateIp: "10.44.0.10" },
    ];
    expect(fleetPlanProblems(servers, "10.44.0.0/16").map((p) => [p.server, p.field])).toEqual([
      [0, "privateIp"],
      [2, "name"],
      [2, "privateIp"],
    ]);
  });

  it("names the subnet when it is not one", () => {
    expect(fleetPlanProblems([], "10.44.0.1/16")).toEqual([
      {
        field: "subnet",
        kind: "subnet",
        message: expect.stringMatching(
          /^private subnet .*write the network address, 10\.44\.0\.0\/16/,
        ),
      },
    ]);
  });
});

describe("firewallRules", () => {
  it("opens SSH and the API to the given networks, ICMP to all, nothing else", () => {
    const rules = firewallRules(["203.0.113.7/32"], ["203.0.113.7/32", "2001:db8::/64"]);
    expect(rules).toEqual([
      {
        direction: "in",
        protocol: "tcp",
        port: "22",
        sourceIps: ["203.0.113.7/32"],
        description: "SSH",
      },
      {
        direction: "in",
        protocol: "tcp",
        port: "6443",
        sourceIps: ["203.0.113.7/32", "2001:db8::/64"],
        description: "Kubernetes API",
      },
      {
        direction: "in",
        protocol: "icmp",
        sourceIps: ["0.0.0.0/0", "::/0"],
        description: "ICMP (ping, path MTU discovery)",
      },
    ]);
  });

  it("refuses empty or malformed source lists", () => {
    expect(() => firewallRules([], ["0.0.0.0/0"])).toThrow(/SSH source CIDR list is empty/);
    expect(() => firewallRules(["203.0.113.7"], ["0.0.0.0/0"])).toThrow(/"203\.0\.113\.7"/);
  });
});
