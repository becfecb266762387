/**
 * Values keys a chart would ignore: with a values.schema.json, what the schema refuses (components/app/
 * values-schema.ts, which config validation uses too); without one, each key path that neither values.yaml
 * declares nor a template reads.
 */
import { execFileSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { isMap, isScalar, isSeq, parseDocument, Node as YamlNode } from "yaml";
import { schemaProblems } from "../../components/app/values-schema";

export { schemaProblems };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every leaf key path of a values tree (an array or an empty map is a leaf). */
export function leafPaths(values: unknown, prefix: string[] = []): string[][] {
  if (!isObject(values) || Object.keys(values).length === 0) return prefix.length ? [prefix] : [];
  return Object.entries(values).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/** What a chart (with its subcharts) declares in values.yaml and reads in its templates. */
interface ChartKeys {
  /** Every key path values.yaml holds, joined with ".". */
  declared: Set<string>;
  /** Paths whose contents are free-form: `{}`, `[]` or empty in values.yaml, or documented as an object. */
  open: Set<string>;
  /** Paths read in templates as `.Values.a.b` or `index .Values "a" "b"`. */
  read: Set<string>;
  /** Paths templates take whole: ranged over, or handed to `toYaml`. */
  walked: Set<string>;
  /** Non-library subcharts by the key their values sit under. */
  subcharts: Map<string, ChartKeys>;
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The `.Values` paths a template reads. */
export function valuesReferences(template: string): string[][] {
  const out: string[][] = [];
  for (const m of template.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g))
    out.push(m[1].slice(1).split("."));
  for (const m of template.matchAll(/\bindex\s+\$?\.Values((?:\s+"[^"]*")+)/g))
    out.push([...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]));
  for (const m of template.matchAll(/\b(?:dig|get)\s+((?:"[^"]*"\s+)+)\$?\.Values\b/g))
    out.push([...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]));
  return out;
}

/** `define "name"` -> its body, for every helper of the chart and its library subcharts. */
export function helperBodies(templates: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of templates) {
    for (const m of t.matchAll(
      /\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}([\s\S]*?)\{\{-?\s*end\s*-?\}\}(?=\s*(?:\{\{-?\s*\/\*|\{\{-?\s*define|$))/g,
    ))
      out.set(m[1], m[2]);
  }
  return out;
}

/**
 * Values handed to a helper inside `include "name" (dict "key" .Values.a.b ...)`: what the helper does with
 * `.key` decides what is read, e.g. victoria-metrics-common 0.3.15's `vm.securityContext` takes
 * `.securityContext` whole (`omit .securityContext "enabled"`, then `toYaml`), so every key of
 * `server.podSecurityContext` is read. A helper that names `.key.sub` reads `a.b.sub`.
 */
export function helperArgumentReferences(
  template: string,
  helpers: Map<string, string>,
): { path: string[]; whole: boolean }[] {
  const out: { path: string[]; whole: boolean }[] = [];
  const call =
    /include\s+"([^"]+)"\s+\(\s*dict\s+((?:"[A-Za-z_]\w*"\s+(?:\$?\.Values(?:\.[A-Za-z_]\w*)*|[^\s)"]+|"[^"]*")\s*)+)\)/g;
  for (const m of template.matchAll(call)) {
    let body = helpers.get(m[1]);
    if (body === undefined) continue;
    // `((.app).extraArgs).tls` is `.app.extraArgs.tls`.
    for (let prev = ""; prev !== body; )
      [prev, body] = [body, body.replace(/\((\.[\w.]+)\)/g, "$1")];
    for (const pair of m[2].matchAll(/"([A-Za-z_]\w*)"\s+\$?\.Values((?:\.[A-Za-z_]\w*)+)/g)) {
      const [, key, rest] = pair;
      const path = rest.slice(1).split(".");
      const whole = new RegExp(
        String.raw`\b(?:toYaml|toJson|toPrettyJson|tpl|omit|merge|mergeOverwrite|range)\b[^}]*?\.${key}\b(?!\.)`,
      ).test(body);
      if (whole) out.push({ path, whole: true });
      for (const sub of body.matchAll(new RegExp(String.raw`\.${key}((?:\.[A-Za-z_]\w*)+)`, "g")))
        out.push({ path: [...path, ...sub[1].slice(1).split(".")], whole: false });
    }
  }
  return out;
}

/**
 * The template with its aliases of values written out: after `$app := .Values.server` (the VictoriaMetrics
 * charts' style, read at victoria-metrics-single-0.45.0 `templates/server.yaml`) or `$Values := .Values`,
 * `$app.extraArgs` is `.Values.server.extraArgs`, so the reads below see it.
 */
export function withoutValuesAliases(template: string): string {
  // A variable lives in its `define` (or the file's top level): each is resolved on its own.
  return template
    .split(/(?=\{\{-?\s*define\s)/)
    .map(resolveAliasesIn)
    .join("");
}

function resolveAliasesIn(segment: string): string {
  // `$Values := (.helm).Values | default .Values` (a helper called with the root context or a dict) is .Values.
  let out = segment.replace(/\(\.\w+\)\.Values\b/g, ".Values");
  for (let round = 0; round < 4; round++) {
    const aliases = new Map<string, string>();
    // `$app := .Values.server`, and `$copy := deepCopy .Values.alertmanager`, whose keys are the same.
    for (const m of out.matchAll(
      /\$(\w+)\s*:=\s*\(?\s*(?:deepCopy\s+)?\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\b(?![(\w])/g,
    ))
      aliases.set(m[1], `.Values${m[2]}`);
    let next = out;
    for (const [alias, path] of aliases)
      next = next.replace(new RegExp(String.raw`\$${alias}\b(?!\s*:=)`, "g"), path);
    if (next === out) break;
    out = next;
  }
  return out;
}

/**
 * The `.Values` paths a template takes whole: ranged over (a map keyed by names of the user's choosing)
 * or handed to `toYaml`/`toJson`/`tpl`.
 */
export function wholeValuesReferences(template: string): string[][] {
  const path = String.raw`\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`;
  const patterns = [
    new RegExp(String.raw`\brange\s+(?:\$\w+\s*(?:,\s*\$\w+\s*)?:=\s*)?` + path, "g"),
    new RegExp(String.raw`\b(?:toYaml|toJson|toPrettyJson|tpl)\s+\(?\s*` + path, "g"),
  ];
  const whole = patterns.flatMap((re) =>
    [...template.matchAll(re)].map((m) => m[1].slice(1).split(".")),
  );
  // Merged into another map (`mergeOverwrite $args .Values.server.extraArgs`), copied, or copied without
  // some keys (argo-cd 10.1.1's "argo-cd.config.cm": `omit .Values.configs.cm "create" "annotations"`, then a
  // range over the rest): every key of it is used.
  for (const m of template.matchAll(
    new RegExp(
      String.raw`\b(?:merge|mergeOverwrite|omit|deepCopy)\s+\(?\s*(?:\$\w+\s+)*` + path,
      "g",
    ),
  ))
    whole.push(m[1].slice(1).split("."));
  return whole;
}

function declaredKeys(node: YamlNode | null | undefined, prefix: string[], keys: ChartKeys): void {
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const path = [...prefix, key].join(".");
    keys.declared.add(path);
    const value = pair.value as YamlNode | null;
    const comment = `${(pair.key as YamlNode | null)?.commentBefore ?? ""} ${value?.commentBefore ?? ""}`;
    const empty =
      value === null ||
      (isScalar(value) && value.value === null) ||
      (isMap(value) && value.items.length === 0) ||
      isSeq(value);
    if (empty || /\((object|dict|map)\)|free[- ]?form/i.test(comment)) keys.open.add(path);
    declaredKeys(value, [...prefix, key], keys);
  }
}

/**
 * Reads a chart folder: values.yaml's keys, the templates' `.Values` references (a library subchart's
 * count as the chart's own, since it reads the same values) and the subcharts. A subchart packed as a
 * .tgz is unpacked into a temporary folder.
 */
export function chartKeys(dir: string, resolveAliases = true): ChartKeys {
  const keys: ChartKeys = {
    declared: new Set(),
    open: new Set(),
    read: new Set(),
    walked: new Set(),
    subcharts: new Map(),
  };
  const valuesFile = join(dir, "values.yaml");
  if (existsSync(valuesFile))
    declaredKeys(parseDocument(readFileSync(valuesFile, "utf8")).contents, [], keys);
  // A library's generic helpers alias `.Values` of whichever chart calls them (`index $Values $appKey`):
  // resolving those would credit it with reading keys it never names, so only the chart's own are resolved.
  const templates = filesUnder(join(dir, "templates")).map((f) => {
    const text = readFileSync(f, "utf8");
    return resolveAliases ? withoutValuesAliases(text) : text;
  });
  /** The templates of library subcharts, whose helpers the chart's templates call. */
  const libraryTemplates: string[] = [];

  const chartYaml = (parseDocument(readFileSync(join(dir, "Chart.yaml"), "utf8")).toJS() ?? {}) as {
    dependencies?: { name: string; alias?: string; condition?: string }[];
  };
  const subDirs = new Map<string, string>();
  for (const entry of existsSync(join(dir, "charts")) ? readdirSync(join(dir, "charts")) : []) {
    let sub = join(dir, "charts", entry);
    if (entry.endsWith(".tgz")) {
      const to = mkdtempSync(join(tmpdir(), "hearth-subchart-"));
      execFileSync("tar", ["-xzf", sub, "-C", to]);
      sub = join(to, readdirSync(to)[0]);
    }
    if (!existsSync(join(sub, "Chart.yaml"))) continue;
    const meta = parseDocument(readFileSync(join(sub, "Chart.yaml"), "utf8")).toJS() as {
      name: string;
      type?: string;
    };
    subDirs.set(meta.name, sub);
    const subKeys = chartKeys(sub, meta.type !== "library");
    if (meta.type === "library") {
      for (const r of subKeys.read) keys.read.add(r);
      for (const r of subKeys.walked) keys.walked.add(r);
      for (const f of filesUnder(join(sub, "templates")))
        libraryTemplates.push(readFileSync(f, "utf8"));
      continue;
    }
    const aliases = (chartYaml.dependencies ?? []).filter((d) => d.name === meta.name && d.alias);
    for (const name of aliases.length ? aliases.map((d) => d.alias as string) : [meta.name])
      keys.subcharts.set(name, subKeys);
  }
  const helpers = helperBodies([...templates, ...libraryTemplates]);
  for (const template of templates) {
    for (const ref of valuesReferences(template)) keys.read.add(ref.join("."));
    for (const ref of wholeValuesReferences(template)) keys.walked.add(ref.join("."));
    for (const ref of helperArgumentReferences(template, helpers))
      (ref.whole ? keys.walked : keys.read).add(ref.path.join("."));
  }
  for (const d of chartYaml.dependencies ?? []) {
    for (const c of (d.condition ?? "").split(",").filter(Boolean)) keys.read.add(c.trim());
  }
  return keys;
}

function knownIn(keys: ChartKeys, path: string[]): boolean {
  if (path[0] === "global") return true;
  const joined = path.join(".");
  if (keys.declared.has(joined) || keys.read.has(joined)) return true;
  for (let i = path.length - 1; i > 0; i--) {
    const prefix = path.slice(0, i).join(".");
    if (keys.open.has(prefix) || keys.walked.has(prefix)) return true;
    // Read as a whole (`toYaml .Values.a.b`, `range .Values.a.b`): nothing deeper is read by name.
    if (keys.read.has(prefix) && ![...keys.read].some((r) => r.startsWith(`${prefix}.`)))
      return true;
  }
  const sub = keys.subcharts.get(path[0]);
  return sub !== undefined && path.length > 1 && knownIn(sub, path.slice(1));
}

/**
 * The values keys a chart would ignore: with a values.schema.json, what the schema refuses; without one,
 * each leaf key path that neither values.yaml declares nor a template reads (under a path the chart
 * declares as `{}` or reads as a whole, anything goes).
 */
export function valuesProblems(chartDir: string, values: Record<string, unknown>): string[] {
  const schemaFile = join(chartDir, "values.schema.json");
  if (existsSync(schemaFile)) {
    return schemaProblems(JSON.parse(readFileSync(schemaFile, "utf8")), values);
  }
  const keys = chartKeys(chartDir);
  return leafPaths(values)
    .filter((p) => !knownIn(keys, p))
    .map(
      (p) =>
        `values key ${p.join(".")} is neither in the chart's values.yaml nor read by its templates`,
    );
}
