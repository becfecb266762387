/**
 * The engine run `npm run test:day2` drives (test/e2e/harness.ts), its folder's copies of the charts and the
 * kubeconfig, and the edits of the dev stack's config that every row makes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Document, parseDocument } from "yaml";
import { EngineRun } from "../e2e/harness";

/** This run: its checks, phases, Pulumi commands, folder and stack file. */
export const run = new EngineRun("hearth-day2-");
export const { check, phase, pulumi, work, configFile } = run;
/** The charts, copied so a row can add a chart version without touching the checkout. */
export const charts = join(work, "charts");
/** The sandbox's kubeconfig, copied so a row can respell its server. */
export const kubeconfigCopy = join(work, "kubeconfig");

/** Edits the stack file in place. */
export function edit(change: (doc: Document) => void): void {
  const doc = parseDocument(readFileSync(configFile, "utf8"));
  change(doc);
  writeFileSync(configFile, doc.toString());
}

/** The node of `hearth:apps.enabled`. */
export const enabled = (doc: Document) =>
  doc.getIn(["config", "hearth:apps", "enabled"]) as unknown;
/** The enabled apps. */
export function apps(doc: Document): string[] {
  const e = enabled(doc) as { toJSON(): string[] };
  return e.toJSON();
}

/** The nodes of `hearth:nodes`, as plain objects. */
export const nodeList = (doc: Document) =>
  (doc.getIn(["config", "hearth:nodes"]) as { toJSON(): Record<string, unknown>[] }).toJSON();
/** Replaces `hearth:nodes`. */
export const setNodes = (doc: Document, nodes: Record<string, unknown>[]) =>
  doc.setIn(["config", "hearth:nodes"], doc.createNode(nodes));
