/**
 * Hetzner Cloud's locations and server types as known to Hetzner on 2026-12-01, for config validation with a
 * "did you mean". Hetzner's API is not reachable from where Hearth is built, so the list was assembled from
 * public sources (the Hetzner provider's docs use cx23 in their examples; the CX23-CX53 and CAX11-CAX41
 * generations; the older CX22-CX52, CPX11-CPX51 and CCX13-CCX63, and the CPX12-CPX62 generation). A type
 * Hetzner adds later goes into `hearth:hetzner.extraServerTypes` until this list knows it.
 */
import { HETZNER_ZONES } from "../components/cloud/hcloud-plan";

/** The locations, one list with their network zones (components/cloud/hcloud-plan.ts). */
export const HETZNER_LOCATIONS: readonly string[] = Object.keys(HETZNER_ZONES);

const family = (prefix: string, sizes: number[]) => sizes.map((n) => `${prefix}${n}`);

export const HETZNER_SERVER_TYPES: readonly string[] = [
  ...family("cx", [22, 32, 42, 52, 23, 33, 43, 53]),
  ...family("cpx", [11, 21, 31, 41, 51, 12, 22, 32, 42, 52, 62]),
  ...family("cax", [11, 21, 31, 41]),
  ...family("ccx", [13, 23, 33, 43, 53, 63]),
];
