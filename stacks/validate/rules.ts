/**
 * Every rule across fields, in the order their problems are listed. Each runs on what of the config parsed
 * (see ./lenient.ts), so a value that fails its own check hides nothing else that is wrong.
 */
import {
  argocdCloneUrl,
  certManagerNeeds,
  chartValues,
  cloudflareAccess,
  enabledAppsNeeds,
  giteaSource,
  hostnamesInZone,
  hostnamesOfWebApps,
  retiredApps,
  settingsOfEnabledApps,
  uniqueHostnames,
} from "./apps";
import { backupCopies, backupSecrets, backupTargets, etcdBackup } from "./backup";
import { clusterNetworks, existingClusterAccess, k3sBinaryPin, k3sFlags } from "./cluster";
import { CatalogueEntry, History, LenientConfig, Problem, Rule, ruleContext } from "./context";
import { dnsProvider } from "./dns";
import { publishedWithoutLogin } from "./exposure";
import { hetznerAccount, hetznerCloudInit, hetznerFleet, hetznerServers } from "./hetzner";
import { appSignIn, identityProvider, identityUsersAndGroups } from "./identity";
import {
  clusterQuorum,
  nodeAddressing,
  nodeInstaller,
  pxeAddressInLan,
  pxeNeeds,
  sshLogin,
  uniqueMachineIdentities,
} from "./machines";
import { metalPreparation, pxeInstalls } from "./metal";
import { monitoringNeedsObservability, observabilityNeeds } from "./observability";

/** The rules, in the order their problems are reported. */
export const RULES: Rule[] = [
  uniqueMachineIdentities,
  nodeAddressing,
  nodeInstaller,
  hetznerServers,
  clusterQuorum,
  existingClusterAccess,
  sshLogin,
  pxeNeeds,
  clusterNetworks,
  pxeAddressInLan,
  cloudflareAccess,
  dnsProvider,
  k3sBinaryPin,
  hetznerAccount,
  monitoringNeedsObservability,
  backupTargets,
  backupCopies,
  backupSecrets,
  etcdBackup,
  identityProvider,
  identityUsersAndGroups,
  appSignIn,
  publishedWithoutLogin,
  observabilityNeeds,
  enabledAppsNeeds,
  uniqueHostnames,
  hostnamesInZone,
  hostnamesOfWebApps,
  settingsOfEnabledApps,
  chartValues,
  certManagerNeeds,
  giteaSource,
  argocdCloneUrl,
  retiredApps,
  // The components' own checks, on the config as the program hands it to them.
  hetznerFleet,
  hetznerCloudInit,
  k3sFlags,
  pxeInstalls,
  metalPreparation,
];

/**
 * Rules that span fields: uniqueness, quorum, dependencies, required companions. `failedPaths` are the key
 * paths (without `hearth:`) whose own check failed: rules neither call them missing nor reason from them.
 */
export function crossFieldProblems(
  c: LenientConfig,
  catalogue: Record<string, CatalogueEntry>,
  failedPaths: readonly string[] = [],
  history: History = {},
): Problem[] {
  const out: Problem[] = [];
  const ctx = ruleContext(c, catalogue, failedPaths, out, history);
  for (const rule of RULES) rule(ctx);
  return out;
}
