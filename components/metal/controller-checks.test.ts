import { controllerSettingsProblems } from "./controller-checks";

describe("controllerSettingsProblems", () => {
  const ok = { serverAddress: "192.168.1.2", network: "192.168.1.0/24" };

  it("accepts sound settings and the defaults", () => {
    expect(controllerSettingsProblems(ok)).toEqual([]);
    expect(
      controllerSettingsProblems({ ...ok, interface: "enp0s31f6", rootDir: "/srv/pxe" }),
    ).toEqual([]);
  });

  it("lists every problem at once, by field", () => {
    const problems = controllerSettingsProblems({
      serverAddress: "192.168.1.255",
      network: "192.168.1.0/24",
      interface: "enp0s31f6-uplink",
      httpPort: 70000,
      rootDir: "/srv/hearth/",
      installTimeoutMinutes: 0,
    });
    expect(problems.map((p) => p.field)).toEqual([
      "serverAddress",
      "httpPort",
      "installTimeoutMinutes",
      "rootDir",
      "interface",
    ]);
    expect(problems[3].message).toMatch(/trailing slash/);
  });

  it("names a network with host bits, and then leaves the address alone", () => {
    expect(controllerSettingsProblems({ ...ok, network: "192.168.1.5/24" })).toEqual([
      { field: "network", message: expect.stringMatching(/host bits set.*192\.168\.1\.0\/24/) },
    ]);
  });
});
