/**
 * The PxeController under Pulumi mocks with an image-installed node: the image built on the controller, the
 * plan published as a secret, the image installer booted, and the wait for this install id.
 */
import * as pulumi from "@pulumi/pulumi";
import { FAKE_PRIVATE_KEY, imageNode } from "../../test/metal-fixtures";
import { find, isSecretInput, Registration, settle } from "../../test/mocks";
import { args, CMD, plain } from "../../test/pxe-controller-fixtures";
import { sha256 } from "../shell";
import { imageId } from "./image";
import type { PxeControllerArgs } from "./pxe-controller";

describe("PxeController with an image-installed node", () => {
  const cmd = (name: string): Registration => {
    const r = find(CMD, name);
    return { ...r, inputs: plain(r.rawInputs) as Record<string, unknown> };
  };
  let plan: import("./pxe-plan").ControllerPlan;

  beforeAll(async () => {
    const { PxeController } = await import("./pxe-controller");
    const { planController } = await import("./pxe-plan");
    const a = imageNode({ name: "node-c", mac: "52:54:00:cc:cc:cc", ip: "192.168.1.23" });
    const base = args();
    const imageArgs: PxeControllerArgs = {
      ...base,
      nodes: [{ ...a, hostKey: { ...a.hostKey, privateKey: pulumi.secret(FAKE_PRIVATE_KEY) } }],
      nodeConnections: {
        "node-c": { ...base.nodeConnections["node-a"], host: "192.168.1.23" },
      },
    };
    plan = planController(imageArgs);
    new PxeController("img", imageArgs);
    await settle();
  });

  it("builds the node image on the controller once its setup ran, keyed by the image id", () => {
    const [image] = plan.images;
    const step = cmd("img-image-amd64");
    expect(step.inputs.create).toBe(image.buildText);
    expect(step.inputs.triggers).toEqual([imageId(image.spec)]);
    expect(step.dependencies).toContain(cmd("img-setup").urn);
    expect(image.spec.packages).toContain("htop");
    // No Debian netboot installer is needed when no node uses it.
    expect(plan.setupText).not.toContain("debian-installer-12-netboot");
  });

  it("publishes the plan as a secret on stdin once the image is built", () => {
    const file = cmd("img-node-c-install-file");
    expect(isSecretInput(file, "stdin")).toBe(true);
    expect(file.inputs.stdin).toContain("HEARTH_NAME='node-c'");
    expect(file.inputs.stdin).toContain(FAKE_PRIVATE_KEY.trim().split("\n")[1]);
    expect(file.inputs.create).toContain("/srv/hearth/http/nodes/52-54-00-cc-cc-cc.plan");
    expect(file.inputs.create).not.toContain("PRIVATE KEY");
    expect(file.dependencies).toContain(cmd("img-image-amd64").urn);
  });

  it("boots the image installer, and publishes the script again when the install id changes", () => {
    const script = cmd("img-node-c-ipxe");
    expect(script.inputs.stdin).toContain("boot=hearth");
    expect(script.inputs.stdin).toContain(`${plan.images[0].path}/installer.img`);
    expect(script.inputs.triggers).toEqual([
      sha256(script.inputs.stdin as string),
      plan.nodes[0].installId,
    ]);
  });

  it("waits for the node's report of this install id, read from the controller's nodes/ directory", () => {
    const create = cmd("img-node-c-wait").inputs.create as string;
    expect(create).toContain("'--install-file' '52-54-00-cc-cc-cc.plan'");
    expect(create).toContain(
      `'--install-id' '${plan.nodes[0].installId}' '--nodes-dir' '/srv/hearth/http/nodes'`,
    );
  });
});
