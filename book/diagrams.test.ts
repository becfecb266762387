import { catalogue } from "../apps";
import { deployOrder } from "../stacks/wiring";
import type { Registration } from "../test/mocks";
import {
  capabilityMermaid,
  componentGraph,
  componentGraphMermaid,
  installSequence,
  transitiveReduction,
} from "./diagrams";

/** A registration as the mocks record it: only what the diagrams read. */
function reg(
  type: string,
  name: string,
  parent: Registration | undefined,
  deps: Registration[] = [],
  custom = true,
) {
  const r = {
    type,
    name,
    urn: `urn:pulumi:s::hearth::${type}::${name}`,
    parent: parent?.urn ?? "",
    dependencies: deps.map((d) => d.urn),
    custom,
  } as Registration;
  return r;
}

describe("transitiveReduction", () => {
  it("drops the edges a longer path implies, and repeats", () => {
    expect(
      transitiveReduction([
        ["a", "b"],
        ["b", "c"],
        ["a", "c"],
        ["a", "b"],
        ["c", "d"],
        ["a", "d"],
      ]),
    ).toEqual([
      ["a", "b"],
      ["b", "c"],
      ["c", "d"],
    ]);
  });
});

describe("componentGraph", () => {
  const home = reg("hearth:stack:Homelab", "hearth", undefined, [], false);
  const pxe = reg("hearth:metal:PxeController", "hearth-pxe", home, [], false);
  const setup = reg("hearth:ssh:RemoteCommand", "hearth-pxe-setup", pxe);
  const node = reg("hearth:metal:MetalNode", "hearth-node1", home, [], false);
  const prepare = reg("hearth:ssh:RemoteCommand", "hearth-node1-prepare", node, [setup]);
  const k3s = reg("hearth:cluster:K3s", "hearth-k3s", home, [], false);
  const install = reg("hearth:ssh:RemoteCommand", "hearth-k3s-node1", k3s, [prepare, setup]);
  const pw1 = reg("hearth:secrets:GeneratedPassword", "hearth-a", home);
  const pw2 = reg("hearth:secrets:GeneratedPassword", "hearth-b", home);
  const membership = reg("hearth:cluster:NodeMembership", "hearth-node1-membership", home, [
    install,
    pw1,
  ]);
  const regs = [home, pxe, setup, node, prepare, k3s, install, pw1, pw2, membership];

  it("boxes every component under Homelab, and the resources under it by type, with waits between them", () => {
    const { boxes, edges } = componentGraph(regs);
    expect(boxes.map((b) => [b.layer, b.id, b.label])).toEqual([
      ["cluster", "K3s_hearth_k3s", "k3s<br/>K3s · 2"],
      ["cluster", "type_hearth_cluster_NodeMembership", "NodeMembership × 1"],
      ["metal", "MetalNode_hearth_node1", "node1<br/>MetalNode · 2"],
      ["metal", "PxeController_hearth_pxe", "pxe<br/>PxeController · 2"],
      ["secrets", "type_hearth_secrets_GeneratedPassword", "GeneratedPassword × 2"],
    ]);
    // k3s waits for the PXE controller through the node too: that edge is implied and left out.
    expect(edges).toEqual([
      ["K3s_hearth_k3s", "type_hearth_cluster_NodeMembership"],
      ["MetalNode_hearth_node1", "K3s_hearth_k3s"],
      ["PxeController_hearth_pxe", "MetalNode_hearth_node1"],
      ["type_hearth_secrets_GeneratedPassword", "type_hearth_cluster_NodeMembership"],
    ]);
    expect(componentGraphMermaid(regs)).toContain(
      'subgraph layer_metal["nodes: metal, installed over PXE"]',
    );
  });

  it("orders the first machine's install steps as the program makes them wait", () => {
    const node2 = reg("hearth:metal:MetalNode", "hearth-node2", home, [], false);
    const prepare2 = reg("hearth:ssh:RemoteCommand", "hearth-node2-prepare", node2, [setup]);
    const install2 = reg("hearth:ssh:RemoteCommand", "hearth-k3s-node2", k3s, [install, prepare2]);
    const { steps, edges } = installSequence([...regs, node2, prepare2, install2]);
    expect(steps).toEqual([
      { name: "hearth-pxe-setup", owner: "PxeController" },
      { name: "hearth-node1-prepare", owner: "MetalNode" },
      { name: "hearth-k3s-node1", owner: "K3s" },
      { name: "hearth-k3s-node2", owner: "K3s" },
    ]);
    expect(edges).toEqual([
      ["hearth-k3s-node1", "hearth-k3s-node2"],
      ["hearth-node1-prepare", "hearth-k3s-node1"],
      ["hearth-pxe-setup", "hearth-node1-prepare"],
    ]);
  });
});

describe("capabilityMermaid", () => {
  it("draws each app's needs and sign-in from the catalogue, numbered in deploy order, data apps thick", () => {
    const apps = Object.values(catalogue);
    const order = deployOrder(apps.map((a) => a.name));
    const text = capabilityMermaid(apps, order);
    expect(text).toContain("  gitea --> argocd");
    expect(text).toContain("  authelia -. oidc .-> gitea");
    expect(text).toContain("  gitea -. gitea-oauth2 .-> woodpecker");
    expect(text).toContain(`traefik["${order.indexOf("traefik") + 1}. Traefik"]`);
    expect(text).toMatch(/^ {2}class .*\bgitea\b.* data$/m);
  });
});
