import { AppCategory, AppMetadata, SsoKind } from "./recipe";

// Section order of the page: the platform first, since every other app stands on it.
const SECTIONS: { category: AppCategory; title: string }[] = [
  { category: "platform", title: "Platform" },
  { category: "security", title: "Security" },
  { category: "observability", title: "Observability" },
  { category: "development", title: "Development" },
  { category: "storage", title: "Storage" },
  { category: "dashboard", title: "Dashboards" },
];

const SSO_TEXT: Record<SsoKind, string> = {
  oidc: "OIDC client (Authelia)",
  "forward-auth": "forward-auth (Authelia)",
  "gitea-oauth2": "Gitea (OAuth2)",
  provider: "is the provider",
  none: "none (no UI)",
};

/** Makes text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

function row(app: AppMetadata): string {
  const chart = `\`${app.chart.name}\` ${app.chart.version} from ${app.chart.repository}`;
  const needs = app.needs.length > 0 ? app.needs.map((n) => `\`${n}\``).join(", ") : "—";
  const cells = [
    `**${cell(app.title)}** (\`${app.name}\`)`,
    cell(app.description),
    cell(chart),
    cell(app.appVersion),
    SSO_TEXT[app.sso],
    app.backup ? "yes" : "no",
    app.keepsData ? cell(app.keepsData) : "—",
    needs,
    `\`${cell(app.testedBy)}\``,
  ];
  return `| ${cells.join(" | ")} |`;
}

/**
 * The catalogue page (docs/catalogue.md): one section per category that has apps, in a fixed order,
 * apps sorted by name, so the page changes only when the metadata does.
 */
export function renderCatalogue(metas: AppMetadata[]): string {
  const names = new Set<string>();
  for (const app of metas) {
    if (names.has(app.name)) {
      throw new Error(
        `catalogue: two apps are named "${app.name}"; catalogue keys must be unique.`,
      );
    }
    names.add(app.name);
    if (app.subdomain && app.sso === "none") {
      throw new Error(
        `catalogue: "${app.name}" has a web UI (subdomain ${app.subdomain}) but no sign-in path; give it sso "oidc" or "forward-auth" in apps/${app.name}/meta.ts.`,
      );
    }
    if (!app.subdomain && app.sso !== "none") {
      throw new Error(
        `catalogue: "${app.name}" has sso "${app.sso}" but no web UI (no subdomain); its sign-in has nowhere to happen.`,
      );
    }
  }
  const lines = [
    "# App catalogue",
    "",
    "<!-- Generated from the recipes' metadata in apps/*.ts by `npm run docs`; edit those, not this. -->",
    "",
    "Every app Hearth can deploy. Enable one by adding its name to `hearth:apps.enabled`; override its",
    "hostname, chart version or Helm values under `hearth:apps.settings.<name>`. An app that keeps data",
    "(the Keeps column) leaves `hearth:apps.enabled` only through `hearth:apps.retired` (docs/day-2.md).",
  ];
  for (const section of SECTIONS) {
    const apps = metas
      .filter((app) => app.category === section.category)
      .sort((a, b) => a.name.localeCompare(b.name));
    if (apps.length === 0) continue;
    lines.push(
      "",
      `## ${section.title}`,
      "",
      "| App | What it is | Chart | App version | SSO | Backup | Keeps | Needs | Tested by |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      ...apps.map(row),
    );
  }
  return lines.join("\n") + "\n";
}
