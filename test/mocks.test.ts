import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, isSecretInput, registrations, settle } from "./mocks";

installMocks();

describe("mock harness", () => {
  it("records type, name, parent, dependencies and secretness", async () => {
    const { GeneratedPassword } = await import("../components/secrets/generated-password");
    class Box extends pulumi.ComponentResource {
      constructor(name: string) {
        super("hearth:test:Box", name, {}, {});
        const a = new GeneratedPassword(`${name}-pw`, { length: 12 }, { parent: this });
        new GeneratedPassword(
          `${name}-id`,
          { length: 16, keepers: { pw: pulumi.secret("planted") } },
          { parent: this, dependsOn: [a] },
        );
        this.registerOutputs({});
      }
    }
    new Box("box");
    await settle();
    const box = find("hearth:test:Box", "box");
    const pw = find("hearth:secrets:GeneratedPassword", "box-pw");
    const id = find("hearth:secrets:GeneratedPassword", "box-id");
    expect(pw.parent).toBe(box.urn);
    expect(id.dependencies).toContain(pw.urn);
    expect(isSecretInput(id, "keepers.pw")).toBe(true);
    expect(isSecretInput(id, "length")).toBe(false);
    expect(registrations.length).toBe(3);
  });
});
