import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, isSecretInput, registrations, settle } from "./mocks";

installMocks();

describe("mock harness", () => {
  it("records type, name, parent, dependencies and secretness", async () => {
    const random = await import("@pulumi/random");
    class Box extends pulumi.ComponentResource {
      constructor(name: string) {
        super("hearth:test:Box", name, {}, {});
        const a = new random.RandomPassword(`${name}-pw`, { length: 12 }, { parent: this });
        new random.RandomId(
          `${name}-id`,
          { byteLength: 4, keepers: { pw: pulumi.secret("planted") } },
          { parent: this, dependsOn: [a] },
        );
        this.registerOutputs({});
      }
    }
    new Box("box");
    await settle();
    const box = find("hearth:test:Box", "box");
    const pw = find("random:index/randomPassword:RandomPassword", "box-pw");
    const id = find("random:index/randomId:RandomId", "box-id");
    expect(pw.parent).toBe(box.urn);
    expect(id.dependencies).toContain(pw.urn);
    expect(isSecretInput(id, "keepers.pw")).toBe(true);
    expect(isSecretInput(id, "byteLength")).toBe(false);
    expect(registrations.length).toBe(3);
  });
});
