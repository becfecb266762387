/**
 * The runner of `npm run test:day2`: a row's change applied (preview checked, up, data checked, the next preview
 * clean, or a refusal that changes nothing), and the five SIGKILLs each followed by resume and a re-run.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { Document } from "yaml";
import { PreviewStep, previewSteps, repo } from "../e2e/harness";
import { lost, Seed, useGitopsPath } from "./data";
import { Row, rows } from "./report";
import { check, configFile, edit, phase, pulumi, run } from "./run";

/** The steps that would delete or replace something guarding data (protect or retainOnDelete). */
function guardedLosses(steps: PreviewStep[]): PreviewStep[] {
  return steps.filter(
    (s) =>
      s.guarded &&
      ["delete", "replace", "delete-replaced", "create-replacement", "discard-replaced"].includes(
        s.op,
      ),
  );
}

function summary(steps: PreviewStep[]): Record<string, number> {
  const by: Record<string, number> = {};
  for (const s of steps) by[s.op] = (by[s.op] ?? 0) + 1;
  return by;
}

/** One row of the matrix: a change of the stack config and what it may and must do. */
export interface Change {
  name: string;
  edit: (doc: Document) => void;
  /** Every changed resource's name must match this; undefined: any. */
  only?: RegExp;
  /** Names that must be among the changed ones. */
  expect?: RegExp[];
  /** Refused: the preview must fail with this in its output, and nothing change. */
  refused?: RegExp;
  /** Data this row deletes on purpose (namespaces, or "gitops"). */
  deletes?: string[];
  /** Namespaces whose Helm release this row uninstalls on purpose (a retirement): not checked from then on. */
  uninstalls?: string[];
  /** Guarded resources that may leave the state (a retirement keeps them in the cluster). */
  releases?: RegExp;
  before?: () => Promise<void> | void;
  after?: () => Promise<string | undefined> | string | undefined;
}

/** Applies one row's change and records its row. */
export async function apply(c: Change, s: Seed): Promise<void> {
  await phase(c.name, async () => {
    await c.before?.();
    const saved = readFileSync(configFile, "utf8");
    edit(c.edit);
    // A refused change's problems are read as printed (the JSON form escapes their quotes).
    const p = await pulumi(
      `preview-${rows.length}`,
      c.refused ? ["preview"] : ["preview", "--json"],
    );
    if (c.refused) {
      const ok = p.code !== 0 && c.refused.test(p.out);
      const data = await lost(s);
      const row: Row = {
        change: c.name,
        planned: { refused: 1 },
        guarded: [],
        data: data.length === 0 ? "intact" : `lost: ${data.join(", ")}`,
        upSeconds: 0,
        pass: ok && data.length === 0,
        note: /hearth:[a-zA-Z.]+/.exec(p.out.slice(p.out.indexOf("problem")))?.[0],
      };
      rows.push(row);
      // A refused change is taken back, as its operator would.
      writeFileSync(configFile, saved);
      return check(
        `${c.name}: refused before any change, naming the intent`,
        row.pass,
        p.out.slice(-1500),
      );
    }
    if (p.code !== 0) {
      rows.push({ change: c.name, planned: {}, guarded: [], data: "-", upSeconds: 0, pass: false });
      // The next rows start from a config the program takes.
      writeFileSync(configFile, saved);
      return check(`${c.name}: preview`, false, p.out.slice(-2000));
    }
    const steps = previewSteps(p.out);
    const losses = guardedLosses(steps).filter((l) => !(c.releases && c.releases.test(l.name)));
    const names = steps.map((x) => x.name);
    const stray = c.only ? names.filter((n) => !c.only!.test(n)) : [];
    const missing = (c.expect ?? []).filter((re) => !names.some((n) => re.test(n)));
    check(
      `${c.name}: the plan deletes or replaces nothing guarding data`,
      losses.length === 0,
      losses.map((l) => `${l.op} ${l.name}`).join(", "),
    );
    check(
      `${c.name}: the plan touches only what the change is about`,
      stray.length === 0,
      stray.join(", "),
    );
    check(`${c.name}: the plan has the expected steps`, missing.length === 0, missing.join(", "));
    const up = await pulumi(`up-${rows.length}`, ["up", "--yes", "--skip-preview"]);
    check(`${c.name}: up`, up.code === 0, up.out.slice(-3000));
    for (const ns of c.uninstalls ?? [])
      for (const key of Object.keys(s.releases))
        if (key.startsWith(`${ns}/`)) delete s.releases[key];
    const data = await lost(s, c.deletes);
    check(`${c.name}: no data lost`, data.length === 0, data.join(", "));
    const extra = await c.after?.();
    if (extra !== undefined) check(`${c.name}: ${extra}`, false);
    const quiet = await pulumi(`quiet-${rows.length}`, ["preview", "--expect-no-changes"]);
    check(`${c.name}: the next preview is clean`, quiet.code === 0, quiet.out.slice(-2000));
    rows.push({
      change: c.name,
      planned: summary(steps),
      guarded: guardedLosses(steps).map((l) => `${l.op} ${l.name}`),
      data:
        data.length === 0
          ? c.deletes
            ? `intact; deleted as declared: ${c.deletes.join(", ")}`
            : "intact"
          : `lost: ${data.join(", ")}`,
      upSeconds: up.seconds,
      pass:
        losses.length === 0 &&
        stray.length === 0 &&
        missing.length === 0 &&
        up.code === 0 &&
        data.length === 0 &&
        extra === undefined &&
        quiet.code === 0,
    });
    return rows[rows.length - 1].pass;
  });
}

/** The five points a SIGKILL lands at, each with a change that gives the run work there. */
export async function kills(s: Seed): Promise<void> {
  const points: { at: string; edit: (d: Document) => void; when: (out: string) => boolean }[] = [
    {
      at: "evaluation",
      edit: (d) => d.setIn(["config", "hearth:timezone"], "Europe/Berlin"),
      when: (out) => /Updating \(dev\)|Previewing update/.test(out),
    },
    {
      at: "node commands",
      edit: (d) => d.setIn(["config", "hearth:timezone"], "Europe/Madrid"),
      when: (out) => /RemoteCommand.*updating|updating.*prepare/.test(out),
    },
    {
      at: "Gitea calls",
      edit: (d) => d.setIn(["config", "hearth:gitea", "repo"], "home-gitops-2"),
      when: (out) => /GiteaRepository.*updating|gitops-repo.*updating/.test(out),
    },
    {
      at: "Helm releases",
      edit: (d) =>
        d.setIn(
          ["config", "hearth:apps", "settings", "grafana"],
          d.createNode({ values: { resources: { requests: { cpu: "35m" } } } }),
        ),
      when: (out) => /Release.*updating|grafana-release.*updating/.test(out),
    },
    {
      at: "outputs",
      edit: (d) => d.setIn(["config", "hearth:timezone"], "Europe/Rome"),
      when: (out) => /Outputs:/.test(out),
    },
  ];
  for (const p of points) {
    await phase(`SIGKILL during ${p.at}, then resume and re-run`, async () => {
      edit(p.edit);
      const cut = await pulumi(`killed-${p.at}`, ["up", "--yes", "--skip-preview"], {
        killWhen: p.when,
        signal: "SIGKILL",
      });
      check(`killed during ${p.at}`, cut.killed, `code ${cut.code}`);
      const resume = spawnSync("npm", ["run", "-s", "hearth", "--", "resume", "--stack", "dev"], {
        cwd: repo,
        env: run.env,
        encoding: "utf8",
      });
      run.transcripts.push({ name: `resume-${p.at}`, text: resume.stdout + resume.stderr });
      check(`resume after ${p.at}`, resume.status === 0, resume.stdout + resume.stderr);
      if (p.at === "Gitea calls") useGitopsPath("hearth-home/home-gitops-2");
      const rerun = await pulumi(`rerun-${p.at}`, ["up", "--yes", "--skip-preview"]);
      check(`a plain re-run after ${p.at} converges`, rerun.code === 0, rerun.out.slice(-3000));
      const quiet = await pulumi(`quiet-${p.at}`, ["preview", "--expect-no-changes"]);
      check(
        `and the next preview after ${p.at} is clean`,
        quiet.code === 0,
        quiet.out.slice(-2000),
      );
      check(
        `no pending operation is left after ${p.at}`,
        !/pending operation/i.test(quiet.out + rerun.out),
      );
      const data = await lost(s, ["victoria-logs"]);
      check(`no data lost after the kill during ${p.at}`, data.length === 0, data.join(", "));
      rows.push({
        change: `SIGKILL during ${p.at}, resume, re-run`,
        planned: {},
        guarded: [],
        data: data.length === 0 ? "intact" : `lost: ${data.join(", ")}`,
        upSeconds: rerun.seconds,
        pass:
          cut.killed &&
          resume.status === 0 &&
          rerun.code === 0 &&
          quiet.code === 0 &&
          data.length === 0,
        note: resume.stdout.trim().split("\n").slice(0, 6).join("; "),
      });
    });
  }
}
