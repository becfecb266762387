/**
 * The metal components' own checks, run on the config as `buildNodes` hands it to them (stacks/metal-specs.ts):
 * the PXE controller's settings, each installed node's install spec, and each node's OS preparation. Each
 * problem is reported at the key it comes from, once, and only where the schema and the rules above have not
 * already said something there.
 */
import { controllerSettingsProblems } from "../../components/metal/controller-checks";
import { preparationProblems } from "../../components/metal/preparation";
import { installSpecProblems } from "../../components/metal/spec-checks";
import {
  CONTROLLER_SETTING_KEYS,
  controllerSettingsOf,
  InstallContext,
  installSpecKey,
  installSpecOf,
} from "../metal-specs";
import { HearthConfig, NodeConfig } from "../schema";
import { Rule } from "./context";
import { whole } from "./lenient";
import { nodesOf } from "./machines";

/**
 * The PXE controller (`controllerSettingsProblems`) and every node it installs (`installSpecProblems`), when
 * the keys they are built from parsed whole; a node that failed its own check is skipped.
 */
export const pxeInstalls: Rule = (ctx) => {
  const { c } = ctx;
  const pxe = whole<NonNullable<HearthConfig["pxe"]>>(c.pxe);
  const network = whole<NonNullable<HearthConfig["network"]>>(c.network);
  const ssh = whole<NonNullable<HearthConfig["ssh"]>>(c.ssh);
  if (!pxe || !network || c.domain === undefined || c.timezone === undefined) return;
  if (c.ssh !== undefined && !ssh) return;
  for (const p of controllerSettingsProblems(controllerSettingsOf(pxe, network)))
    ctx.addNew(CONTROLLER_SETTING_KEYS[p.field], p.message);
  const install: InstallContext = { domain: c.domain, timezone: c.timezone, network, pxe, ssh };
  for (const { n, i } of nodesOf(ctx)) {
    const node = whole<NodeConfig>(n);
    // As buildNodes: a node with a pinned host key (or its file) is already installed.
    if (!node || node.hostKey !== undefined || node.hostKeyPath !== undefined) continue;
    // The host key is generated at run time; its check waits until then.
    const spec = {
      ...installSpecOf(node, install),
      hostKey: { publicKey: "", privateKey: undefined },
    };
    for (const p of installSpecProblems(spec, ["hostKey.publicKey"])) {
      const key = installSpecKey(p.field, i);
      if (key !== undefined) ctx.addNew(key, p.message);
    }
  }
};

/** Every metal node's OS preparation (`preparationProblems`, which `MetalNode` runs too). */
export const metalPreparation: Rule = (ctx) => {
  const { timezone } = ctx.c;
  if (timezone === undefined) return;
  const keys = (i: number) => ({
    hostname: `nodes[${i}].name`,
    timezone: "timezone",
    packages: `nodes[${i}].packages`,
  });
  for (const { n, i } of nodesOf(ctx)) {
    if (n.name === undefined || n.packages === undefined || ctx.failed(`nodes[${i}].packages`))
      continue;
    const packages = n.packages.filter((p): p is string => p !== undefined);
    for (const p of preparationProblems({ hostname: n.name, timezone, packages }))
      ctx.addNew(keys(i)[p.field], p.message);
  }
};
