/**
 * From the wizard's answers to a stack: the `hearth:` config written to `Pulumi.<stack>.yaml`, the secrets set
 * with `pulumi config set --secret`, and the stack file's text. Pure apart from reading the files that secret
 * answers name (through `InitEnv.readFile`).
 */
import { Document, isScalar, parse, visit } from "yaml";
import { keys } from "../../stacks/schema";
import { Problem } from "../../stacks/validate";
import { privateKeyProblem } from "../../stacks/ssh-key";
import { Answers, countOf, InitEnv, listOf } from "./answers";

/** One secret to set: `pulumi config set --secret [--path] <key>`, the value on stdin. */
export interface SecretSetting {
  /** Full key, e.g. `hearth:sshPrivateKey` or `hearth:backupSecretAccessKeys.nas`. */
  key: string;
  /** Whether the key is a path into an object (`--path`). */
  path: boolean;
  value: string;
}

/** What the answers make: plain config, secrets, and problems reading the files secret answers named. */
export interface StackPlan {
  stack: string;
  /** `hearth:` key -> its value, in documentation order. */
  config: Record<string, unknown>;
  secrets: SecretSetting[];
  /** Files that could not be read or hold no usable key, at the key they were for. */
  problems: Problem[];
}

/** `~/x` as a path under the home directory. */
export function expandHome(path: string, home: string): string {
  return path.replace(/^~(?=\/|$)/, home);
}

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The stack the answers describe; answers not given yet leave their keys out. */
export function planStack(a: Answers, env: InitEnv): StackPlan {
  const config: Record<string, unknown> = {};
  const secrets: SecretSetting[] = [];
  const problems: Problem[] = [];
  const secret = (key: string, value: string | undefined, path = false) => {
    if (value !== undefined) secrets.push({ key, path, value });
  };
  /** The content of the file a secret-file answer names, or a problem at `key`. */
  const fileSecret = (key: string, file: string | undefined, what: string) => {
    if (file === undefined) return undefined;
    const full = expandHome(file, env.home);
    const text = env.readFile(full);
    if (text === undefined)
      problems.push({ path: key, message: `no file at ${full}; point it at ${what} file` });
    else if (text.trim() === "")
      problems.push({ path: key, message: `${full} is empty; it should hold ${what}` });
    else return text;
    return undefined;
  };

  if (a.domain !== undefined) config["hearth:domain"] = a.domain;
  if (a.timezone !== undefined) config["hearth:timezone"] = a.timezone;

  if (a.machines === "metal") {
    if (a.lan !== undefined || a.gateway !== undefined)
      config["hearth:network"] = defined({ cidr: a.lan, gateway: a.gateway });
    const n = countOf(a.nodes);
    if (a.nodes !== undefined)
      config["hearth:nodes"] = Array.from({ length: n }, (_, k) => {
        const i = k + 1;
        const ip = a[`node${i}-ip`];
        return defined({
          name: a[`node${i}-name`],
          role: a[`node${i}-role`],
          mac: a[`node${i}-mac`],
          ...(ip?.toLowerCase() === "dhcp" ? { dhcp: true } : { ip }),
          disk: a[`node${i}-disk`],
        });
      });
    if (a.pxe !== undefined || a["pxe-host-key"] !== undefined)
      config["hearth:pxe"] = defined({ host: a.pxe, address: a.pxe, hostKey: a["pxe-host-key"] });
  }
  if (a.machines === "hetzner") {
    const n = countOf(a.servers);
    config["hearth:hetzner"] = defined({
      location: a["hetzner-location"],
      ...(a.servers !== undefined
        ? {
            servers: Array.from({ length: n }, (_, k) =>
              defined({
                name: a[`server${k + 1}-name`],
                role: a[`server${k + 1}-role`],
                serverType: a[`server${k + 1}-type`],
                // The fleet's private network is hearth:hetzner.networkCidr's default, 10.44.0.0/16.
                privateIp: `10.44.0.${11 + k}`,
              }),
            ),
          }
        : {}),
    });
    secret("hearth:hcloudToken", a["hcloud-token"]);
  }
  if (a.machines === "metal" || a.machines === "hetzner") {
    if (a["ssh-public-key"] !== undefined)
      config["hearth:ssh"] = { authorizedKeys: [a["ssh-public-key"]] };
    const key = fileSecret("hearth:sshPrivateKey", a["ssh-private-key"], "a private key");
    // As `up` checks it (stacks/config.ts): every remote step signs in with it.
    const unusable = key === undefined ? undefined : privateKeyProblem(key);
    if (unusable) problems.push({ path: "hearth:sshPrivateKey", message: unusable });
    secret("hearth:sshPrivateKey", key);
  }
  if (a.machines === "existing") {
    config["hearth:cluster"] = { mode: "existing" };
    secret("hearth:kubeconfig", fileSecret("hearth:kubeconfig", a.kubeconfig, "a kubeconfig"));
  }

  if (a.dns === "cloudflare") {
    config["hearth:cloudflare"] = defined({
      accountId: a["cloudflare-account"],
      zoneId: a["cloudflare-zone"],
    });
    secret("hearth:cloudflareApiToken", a["cloudflare-api-token"]);
    secret("hearth:cloudflareDnsApiToken", a["cloudflare-dns-token"]);
  }
  if (a.dns === "rfc2136") {
    config["hearth:dns"] = defined({
      provider: "rfc2136",
      server: a["dns-server"],
      zone: a["dns-zone"],
      tsigKeyName: a["tsig-key-name"],
      tsigAlgorithm: a["tsig-algorithm"],
      address: a["public-address"],
    });
    secret("hearth:dnsTsigSecret", a["tsig-secret"]);
  }
  if (a["acme-email"] !== undefined) config["hearth:acmeEmail"] = a["acme-email"];

  const apps = listOf(a.apps);
  if (a.apps !== undefined) config["hearth:apps"] = { enabled: apps };
  if (apps.includes("authelia") && a.users !== undefined) {
    const users = Array.from({ length: countOf(a.users) }, (_, k) => {
      const i = k + 1;
      const groups = a[`user${i}-groups`];
      return defined({
        name: a[`user${i}-name`],
        email: a[`user${i}-email`],
        groups: groups === undefined ? undefined : listOf(groups),
      });
    });
    const groups = [...new Set(users.flatMap((u) => u.groups ?? []))];
    config["hearth:identity"] = { groups: groups.length > 0 ? groups : ["admins"], users };
  }

  const targets = countOf(a.backups);
  if (targets > 0) {
    config["hearth:backup"] = {
      targets: Array.from({ length: targets }, (_, k) => {
        const i = k + 1;
        return defined({
          name: a[`target${i}-name`],
          role: a[`target${i}-role`],
          endpoint: a[`target${i}-endpoint`],
          bucket: a[`target${i}-bucket`],
          accessKeyId: a[`target${i}-access-key-id`],
        });
      }),
      // One copy per target up to two (3-2-1: one at home, one away).
      copies: Math.min(targets, 2),
    };
    for (let i = 1; i <= targets; i++)
      secret(
        `hearth:backupSecretAccessKeys.${a[`target${i}-name`] ?? `target${i}`}`,
        a[`target${i}-secret-key`],
        true,
      );
  }
  if (a["alerts-webhook"] !== undefined) {
    config["hearth:observability"] = { notify: { webhook: { url: a["alerts-webhook"] } } };
    secret("hearth:notifySecret", a["alerts-token"]);
  }

  // Documentation order (stacks/schema.ts), as docs/configuration.md lists the keys.
  const order = Object.keys(keys).map((k) => `hearth:${k}`);
  const sorted = Object.fromEntries(
    Object.entries(config).sort(([x], [y]) => order.indexOf(x) - order.indexOf(y)),
  );
  return { stack: a.stack ?? "home", config: sorted, secrets, problems };
}

/** The raw config `validateConfig` takes, as Pulumi hands it to the program: secrets among the values. */
export function rawConfigOf(plan: StackPlan): {
  raw: Record<string, string>;
  secretKeys: Set<string>;
} {
  const values: Record<string, unknown> = { ...plan.config };
  const secretKeys = new Set<string>();
  for (const s of plan.secrets) {
    const [top, ...rest] = s.key.split(".");
    secretKeys.add(top);
    if (rest.length === 0) values[top] = s.value;
    else
      values[top] = { ...((values[top] as object | undefined) ?? {}), [rest.join(".")]: s.value };
  }
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(values))
    raw[k.slice("hearth:".length)] = typeof v === "string" ? v : JSON.stringify(v);
  return { raw, secretKeys };
}

/**
 * The stack file: a header, the plain config in documentation order with the secrets `pulumi config set`
 * already wrote (their ciphertext) in their places, and Pulumi's own keys (`encryptionsalt`) as they were.
 */
export function renderStackFile(plan: StackPlan, existing: string): string {
  const before = (parse(existing) ?? {}) as { config?: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  const written = before.config ?? {};
  const order = Object.keys(keys).map((k) => `hearth:${k}`);
  const config: Record<string, unknown> = {};
  for (const key of order) {
    if (plan.config[key] !== undefined) config[key] = plan.config[key];
    else if (written[key] !== undefined) config[key] = written[key];
  }
  for (const [k, v] of Object.entries(written)) if (!(k in config)) config[k] = v;
  const pulumiKeys = Object.fromEntries(Object.entries(before).filter(([k]) => k !== "config"));
  const doc = new Document({ config, ...pulumiKeys });
  visit(doc, {
    // Lists of words on one line, as the examples write them: enabled: [traefik, cert-manager].
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i) && typeof i.value !== "object")) node.flow = true;
    },
    // A MAC reads as a number to a YAML 1.1 parser (base 60): quoted, as the examples write it.
    Scalar(_, node) {
      if (typeof node.value === "string" && /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(node.value))
        node.type = "QUOTE_DOUBLE";
    },
  });
  doc.commentBefore = [
    ` Written by npm run init for stack ${plan.stack}. Every key: docs/configuration.md.`,
    " Secrets were set with pulumi config set --secret and are stored encrypted (secure:).",
    " Change anything here, then run npm run plan -- " +
      `Pulumi.${plan.stack}.yaml and pulumi preview.`,
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}
