/**
 * The questions of `npm run init`, in the order a newcomer meets them: the domain, the LAN and the machines
 * (MACs, or Hetzner, or a cluster that exists), the SSH login, the apps, who signs in, how the home is reached
 * from outside, where backups go and where alerts go. Each question comes from the answers before it (how many
 * machines decides how many MACs are asked), with a default where one is sensible. Pure: the terminal driver,
 * the flag parser and the tests walk the same list.
 */
import { catalogue } from "../../apps";
import { intToIpv4, ipv4ToInt, parseCidr } from "../../components/net";
import { TSIG_ALGORITHMS } from "../../components/edge/dns-wire";
import { MONITORING_APPS } from "../../stacks/validate/observability";

/** Answers by question id. Secret answers are held here too, and never printed. */
export type Answers = Record<string, string>;

/** What the defaults may read of the machine the wizard runs on. */
export interface InitEnv {
  /** The user's home directory, for `~/`. */
  home: string;
  /** This machine's time zone, the default for the home's. */
  timezone: string;
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** Whether the project already has a stack file of this name (then it is not replaced). @default never */
  stackExists?(stack: string): boolean;
}

/**
 * How an answer is read: `text`; `choice` among `choices`; `secret`, typed without echo (or, without a terminal,
 * from a file or the environment); `secret-file`, a path whose file's content is the secret (an SSH private
 * key, a kubeconfig).
 */
export type QuestionKind = "text" | "choice" | "secret" | "secret-file";

/** One question. */
export interface Question {
  /** Stable id: the key of its answer and, as `--<id>`, the flag that answers it. */
  id: string;
  /** What is asked, in a few words. */
  prompt: string;
  /** One line on what it is for, with an example. */
  help?: string;
  kind: QuestionKind;
  choices?: readonly string[];
  /** What Enter takes. @default none: an answer is needed */
  default?: string;
  /** Config key paths (as validation names them) whose problems are this answer's. */
  paths: string[];
  /** Key paths under which every problem is this answer's (lists: the apps, a user's groups). */
  prefixes?: string[];
  /**
   * Key paths of problems across answers (a quorum, a group nobody is in) that this question is asked again
   * for once everything is answered; not checked with the answer, when later answers may still settle them.
   */
  owns?: string[];
  /** A count of things asked about next (machines, users, targets): checked here, not by the schema. */
  count?: { min: number; max: number; what: string };
}

/** The apps a newcomer starts with: the edge, sign-in, Git and a start page. */
export const DEFAULT_APPS = ["traefik", "cert-manager", "authelia", "gitea", "homepage"];

/** The `n`th host of a network (`192.168.1.0/24`, 2 -> `192.168.1.2`), or undefined when it is not one. */
export function hostIn(cidr: string | undefined, n: number): string | undefined {
  try {
    return cidr === undefined ? undefined : intToIpv4(ipv4ToInt(parseCidr(cidr).address) + n);
  } catch {
    return undefined;
  }
}

/** A count answer as a number, 0 when it is not one (it is checked before it is kept). */
export function countOf(answer: string | undefined): number {
  return answer !== undefined && /^\d{1,3}$/.test(answer.trim()) ? Number(answer) : 0;
}

/** A list answer (apps, groups): words split by commas or spaces. */
export function listOf(answer: string | undefined): string[] {
  return (answer ?? "").split(/[\s,]+/).filter((w) => w !== "");
}

/** The default role of machine `i` (1-based) of `n`: 1 server up to 2 machines, then 3 (etcd's quorum). */
export function defaultRole(i: number, n: number): "server" | "agent" {
  return i <= (n >= 3 ? 3 : 1) ? "server" : "agent";
}

const ROLES = ["server", "agent"] as const;

function metalQuestions(a: Answers): Question[] {
  const lan = a.lan;
  const q: Question[] = [
    {
      id: "lan",
      prompt: "Your LAN",
      help: "the network your machines are on, in CIDR form",
      kind: "text",
      default: "192.168.1.0/24",
      paths: ["hearth:network.cidr"],
    },
    {
      id: "gateway",
      prompt: "Its router",
      help: "the LAN's default gateway",
      kind: "text",
      default: hostIn(lan, 1),
      paths: ["hearth:network.gateway"],
      owns: ["hearth:network"],
    },
    {
      id: "pxe",
      prompt: "PXE controller's address",
      help: "a small always-on Linux machine on the LAN that installs the others over the network; Hearth logs in to it over SSH",
      kind: "text",
      default: hostIn(lan, 2),
      paths: ["hearth:pxe.address", "hearth:pxe.host"],
      owns: ["hearth:pxe"],
    },
    {
      id: "pxe-host-key",
      prompt: "PXE controller's SSH host key",
      help: `pinned, so Hearth never talks to another machine: run ssh-keyscan -t ed25519 ${a.pxe ?? "<address>"} and paste from "ssh-ed25519" on`,
      kind: "text",
      paths: ["hearth:pxe.hostKey"],
    },
    {
      id: "nodes",
      prompt: "How many machines",
      help: "each is wiped and installed; 1, 3 or 5 of them run the control plane",
      kind: "text",
      default: "3",
      paths: [],
      owns: ["hearth:nodes", "hearth:cluster.mode"],
      count: { min: 1, max: 50, what: "machines" },
    },
  ];
  const n = countOf(a.nodes);
  for (let i = 1; i <= n; i++) {
    const at = `hearth:nodes[${i - 1}]`;
    q.push(
      {
        id: `node${i}-name`,
        prompt: `Machine ${i}: host name`,
        kind: "text",
        default: `node${i}`,
        paths: [`${at}.name`],
      },
      {
        id: `node${i}-mac`,
        prompt: `Machine ${i}: MAC address`,
        help: "of the network card that boots from the network, e.g. 52:54:00:12:34:56",
        kind: "text",
        paths: [`${at}.mac`],
      },
      {
        id: `node${i}-ip`,
        prompt: `Machine ${i}: address`,
        help: "a static IPv4 address in the LAN, or dhcp",
        kind: "text",
        default: hostIn(lan, 10 + i),
        paths: [`${at}.ip`, `${at}.dhcp`],
      },
      {
        id: `node${i}-role`,
        prompt: `Machine ${i}: role`,
        help: "server runs the control plane and etcd; agent runs workloads",
        kind: "choice",
        choices: ROLES,
        default: defaultRole(i, n),
        paths: [`${at}.role`],
      },
      {
        id: `node${i}-disk`,
        prompt: `Machine ${i}: disk to wipe and install onto`,
        kind: "text",
        default: "/dev/sda",
        paths: [`${at}.disk`],
        owns: [`${at}.installer`],
      },
    );
  }
  return q;
}

function hetznerQuestions(a: Answers): Question[] {
  const q: Question[] = [
    {
      id: "hetzner-location",
      prompt: "Hetzner location",
      help: "fsn1, nbg1, hel1, ash, hil or sin",
      kind: "text",
      default: "fsn1",
      paths: ["hearth:hetzner.location"],
    },
    {
      id: "servers",
      prompt: "How many servers",
      help: "1, 3 or 5 of them run the control plane",
      kind: "text",
      default: "3",
      paths: [],
      owns: ["hearth:hetzner.servers", "hearth:cluster.mode"],
      count: { min: 1, max: 50, what: "servers" },
    },
  ];
  const n = countOf(a.servers);
  for (let i = 1; i <= n; i++) {
    const at = `hearth:hetzner.servers[${i - 1}]`;
    q.push(
      {
        id: `server${i}-name`,
        prompt: `Server ${i}: host name`,
        kind: "text",
        default: `node${i}`,
        paths: [`${at}.name`],
      },
      {
        id: `server${i}-role`,
        prompt: `Server ${i}: role`,
        kind: "choice",
        choices: ROLES,
        default: defaultRole(i, n),
        paths: [`${at}.role`],
      },
      {
        id: `server${i}-type`,
        prompt: `Server ${i}: server type`,
        kind: "text",
        default: "cx22",
        paths: [`${at}.serverType`],
      },
    );
  }
  q.push({
    id: "hcloud-token",
    prompt: "Hetzner Cloud API token",
    help: "read and write, from the Hetzner Cloud console's Security page",
    kind: "secret",
    paths: ["hearth:hcloudToken"],
  });
  return q;
}

function sshQuestions(env: InitEnv): Question[] {
  return [
    {
      id: "ssh-public-key",
      prompt: "Your SSH public key",
      help: "planted on every machine for the login user hearth; one line such as ssh-ed25519 AAAA... you@laptop",
      kind: "text",
      default: env.readFile(`${env.home}/.ssh/id_ed25519.pub`)?.trim() || undefined,
      paths: [],
      prefixes: ["hearth:ssh.authorizedKeys"],
      owns: ["hearth:ssh"],
    },
    {
      id: "ssh-private-key",
      prompt: "File of its private key",
      help: "Hearth signs in with it; it is stored as a secret of the stack",
      kind: "secret-file",
      default: "~/.ssh/id_ed25519",
      paths: ["hearth:sshPrivateKey"],
    },
  ];
}

function appQuestions(a: Answers): Question[] {
  const names = Object.keys(catalogue);
  const q: Question[] = [
    {
      id: "apps",
      prompt: "Apps",
      help: `any of ${names.join(", ")} (docs/catalogue.md)`,
      kind: "text",
      default: DEFAULT_APPS.join(","),
      paths: [],
      prefixes: ["hearth:apps"],
      owns: ["hearth:observability"],
    },
  ];
  const apps = listOf(a.apps);
  if (apps.includes("authelia")) {
    q.push({
      id: "users",
      prompt: "How many people sign in",
      help: "each gets a login and a generated first password; every app signs in through Authelia",
      kind: "text",
      default: "1",
      paths: [],
      owns: ["hearth:identity", "hearth:identity.users"],
      count: { min: 1, max: 100, what: "people" },
    });
    const n = countOf(a.users);
    for (let i = 1; i <= n; i++) {
      const at = `hearth:identity.users[${i - 1}]`;
      q.push(
        {
          id: `user${i}-name`,
          prompt: `Person ${i}: login`,
          help: "lowercase letters, digits, '.', '_' or '-'",
          kind: "text",
          paths: [`${at}.name`],
        },
        {
          id: `user${i}-email`,
          prompt: `Person ${i}: e-mail`,
          kind: "text",
          paths: [`${at}.email`],
        },
        {
          id: `user${i}-groups`,
          prompt: `Person ${i}: groups`,
          help: "admins administer every app",
          kind: "text",
          default: i === 1 ? "admins" : "family",
          paths: [],
          prefixes: [`${at}.groups`],
          owns: i === 1 ? ["hearth:identity.adminGroup", "hearth:identity.groups"] : [],
        },
      );
    }
  }
  return q;
}

function exposureQuestions(a: Answers): Question[] {
  const q: Question[] = [
    {
      id: "dns",
      prompt: "Reached from outside through",
      help: "none: only at home, certificates from a home CA; cloudflare: a Cloudflare tunnel, no port opened; rfc2136: a DNS server of your own (BIND, Knot, PowerDNS) and a public address",
      kind: "choice",
      choices: ["none", "cloudflare", "rfc2136"],
      default: "none",
      paths: [],
      owns: ["hearth:dns.provider", "hearth:dns", "hearth:cloudflare"],
    },
  ];
  if (a.dns === "cloudflare")
    q.push(
      {
        id: "cloudflare-account",
        prompt: "Cloudflare account id",
        help: "32 hex characters, on the dashboard's overview page",
        kind: "text",
        paths: ["hearth:cloudflare.accountId"],
      },
      {
        id: "cloudflare-zone",
        prompt: `Cloudflare zone id of ${a.domain ?? "the domain"}`,
        kind: "text",
        paths: ["hearth:cloudflare.zoneId"],
      },
      {
        id: "cloudflare-api-token",
        prompt: "Cloudflare API token",
        help: "with Cloudflare Tunnel edit and DNS edit",
        kind: "secret",
        paths: ["hearth:cloudflareApiToken"],
      },
    );
  if (a.dns === "rfc2136")
    q.push(
      {
        id: "dns-server",
        prompt: "Your DNS server",
        help: "the zone's primary, which takes dynamic updates: host or host:port",
        kind: "text",
        paths: ["hearth:dns.server"],
      },
      {
        id: "dns-zone",
        prompt: "Its zone",
        kind: "text",
        default: a.domain,
        paths: ["hearth:dns.zone"],
      },
      {
        id: "tsig-key-name",
        prompt: "TSIG key name",
        help: "the key the server lets update the zone (docs/dns.md)",
        kind: "text",
        default: "hearth",
        paths: ["hearth:dns.tsigKeyName"],
      },
      {
        id: "tsig-algorithm",
        prompt: "TSIG algorithm",
        kind: "choice",
        choices: TSIG_ALGORITHMS,
        default: "hmac-sha256",
        paths: ["hearth:dns.tsigAlgorithm"],
      },
      {
        id: "tsig-secret",
        prompt: "TSIG secret",
        help: "base64, as tsig-keygen prints it",
        kind: "secret",
        paths: ["hearth:dnsTsigSecret"],
      },
      {
        id: "public-address",
        prompt: "Public address of the home",
        help: "the IPv4 address every app's record points at (your router forwards 80 and 443 to the nodes)",
        kind: "text",
        paths: ["hearth:dns.address"],
      },
    );
  const apps = listOf(a.apps);
  if (a.dns !== undefined && a.dns !== "none" && apps.includes("cert-manager")) {
    if (a.dns === "cloudflare")
      q.push({
        id: "cloudflare-dns-token",
        prompt: "Cloudflare token for certificates",
        help: "Zone DNS edit only: cert-manager keeps it in the cluster",
        kind: "secret",
        paths: ["hearth:cloudflareDnsApiToken"],
      });
    q.push({
      id: "acme-email",
      prompt: "E-mail for Let's Encrypt",
      help: "it warns there before a certificate expires",
      kind: "text",
      default: a["user1-email"],
      paths: ["hearth:acmeEmail"],
    });
  }
  return q;
}

function backupQuestions(a: Answers): Question[] {
  const q: Question[] = [
    {
      id: "backups",
      prompt: "How many backup targets",
      help: "S3 buckets the apps' data goes to, encrypted; 0 for none, 2 for one at home and one away (3-2-1)",
      kind: "text",
      default: "0",
      paths: [],
      owns: ["hearth:backup", "hearth:backup.copies"],
      count: { min: 0, max: 10, what: "targets" },
    },
  ];
  const n = countOf(a.backups);
  for (let i = 1; i <= n; i++) {
    const at = `hearth:backup.targets[${i - 1}]`;
    const name = a[`target${i}-name`];
    q.push(
      {
        id: `target${i}-name`,
        prompt: `Backup target ${i}: name`,
        kind: "text",
        default: i === 1 ? "nas" : i === 2 ? "offsite" : `target${i}`,
        paths: [`${at}.name`],
      },
      {
        id: `target${i}-role`,
        prompt: `Backup target ${i}: where`,
        help: "local: on the home's own disks; offsite: away from them",
        kind: "choice",
        choices: ["local", "offsite"],
        default: i === 1 ? "local" : "offsite",
        paths: [`${at}.role`],
        // "No target offsite" is settled by the last target's role.
        owns: i === n ? ["hearth:backup.targets"] : [],
      },
      {
        id: `target${i}-endpoint`,
        prompt: `Backup target ${i}: S3 endpoint`,
        help: "e.g. http://nas.lan:9000 or https://s3.eu-central-1.example.net",
        kind: "text",
        paths: [`${at}.endpoint`],
      },
      {
        id: `target${i}-bucket`,
        prompt: `Backup target ${i}: bucket`,
        kind: "text",
        default: "hearth-backups",
        // Two targets in one bucket are reported at the second target.
        paths: [`${at}.bucket`, at],
      },
      {
        id: `target${i}-access-key-id`,
        prompt: `Backup target ${i}: access key id`,
        kind: "text",
        paths: [`${at}.accessKeyId`],
      },
      {
        id: `target${i}-secret-key`,
        prompt: `Backup target ${i}: secret access key`,
        kind: "secret",
        paths: [`hearth:backupSecretAccessKeys.${name ?? `target${i}`}`],
      },
    );
  }
  return q;
}

function alertQuestions(a: Answers): Question[] {
  if (!listOf(a.apps).some((app) => MONITORING_APPS.includes(app))) return [];
  return [
    {
      id: "alerts-webhook",
      prompt: "Where alerts go",
      help: "a webhook URL, e.g. https://ntfy.sh/<your topic>",
      kind: "text",
      paths: ["hearth:observability.notify.webhook.url", "hearth:observability.notify"],
      owns: ["hearth:observability"],
    },
    {
      id: "alerts-token",
      prompt: "Its bearer token",
      kind: "secret",
      paths: ["hearth:notifySecret"],
    },
  ];
}

/** Every question that applies, given the answers so far, in order. */
export function questionsFor(a: Answers, env: InitEnv): Question[] {
  const q: Question[] = [
    {
      id: "stack",
      prompt: "Stack name",
      help: "the stack file is Pulumi.<name>.yaml",
      kind: "text",
      default: "home",
      paths: [],
    },
    {
      id: "domain",
      prompt: "Domain",
      help: "apps answer on <app>.<domain>, e.g. home.example.org",
      kind: "text",
      paths: ["hearth:domain"],
    },
    {
      id: "timezone",
      prompt: "Time zone",
      kind: "text",
      default: env.timezone,
      paths: ["hearth:timezone"],
    },
    {
      id: "machines",
      prompt: "Machines",
      help: "metal: your own, installed over the network; hetzner: rented from Hetzner Cloud; existing: a Kubernetes cluster you already run",
      kind: "choice",
      choices: ["metal", "hetzner", "existing"],
      default: "metal",
      paths: [],
    },
  ];
  if (a.machines === "metal") q.push(...metalQuestions(a));
  if (a.machines === "hetzner") q.push(...hetznerQuestions(a));
  if (a.machines === "existing")
    q.push({
      id: "kubeconfig",
      prompt: "Its kubeconfig file",
      kind: "secret-file",
      default: "~/.kube/config",
      paths: ["hearth:kubeconfig"],
    });
  if (a.machines === "metal" || a.machines === "hetzner") q.push(...sshQuestions(env));
  if (a.machines !== undefined) {
    q.push(...appQuestions(a));
    if (a.apps !== undefined)
      q.push(...exposureQuestions(a), ...backupQuestions(a), ...alertQuestions(a));
  }
  return q;
}

/** The next question without an answer, or undefined when every question is answered. */
export function nextQuestion(a: Answers, env: InitEnv): Question | undefined {
  return questionsFor(a, env).find((q) => a[q.id] === undefined);
}

/**
 * Every question id there can be, with the numbers of repeated questions as `<n>` (`node<n>-mac`): what the
 * flags may name, and what the usage lists.
 */
export function questionTemplates(env: InitEnv): Question[] {
  const seen = new Map<string, Question>();
  const everyApp = Object.keys(catalogue).join(",");
  for (const machines of ["metal", "hetzner", "existing"])
    for (const dns of ["none", "cloudflare", "rfc2136"])
      for (const q of questionsFor(
        { machines, dns, apps: everyApp, nodes: "1", servers: "1", users: "1", backups: "1" },
        env,
      )) {
        const id = q.id.replace(/^(node|server|user|target)1-/, "$1<n>-");
        if (!seen.has(id)) seen.set(id, { ...q, id, prompt: q.prompt.replace(/ 1:/, " <n>:") });
      }
  return [...seen.values()];
}

/** Whether `--<name>` answers some question (`-file` for a secret's file). */
export function isQuestionFlag(name: string, env: InitEnv): boolean {
  const id = name.replace(/^(node|server|user|target)\d+-/, "$1<n>-");
  return questionTemplates(env).some(
    (q) => q.id === id || (q.kind === "secret" && `${q.id}-file` === id),
  );
}
