/**
 * The small value types more than one `hearth:` section is made of: host names, addresses, networks, SHA-256s,
 * SSH public keys, cron schedules, counts, and the messages for a value that was given but is wrong.
 */
import { z } from "zod";
import { DNS_LABEL, DNS_LABEL_PATTERN, IPV4, IPV4_CIDR, parseCidr } from "../../components/net";
import { cronProblem } from "../cron";
import { sshPublicKeyProblem } from "../ssh-key";

/**
 * A type's own message for a value that was given; a missing one falls through to "is required" (an error
 * function on a type, as z.email's, also receives the missing value).
 */
export function given(input: unknown, message: string): string | undefined {
  return input === undefined ? undefined : message;
}

/** A domain name: labels joined by dots, ending in a top-level label. */
export const DOMAIN = new RegExp(`^(?=.{1,253}$)(${DNS_LABEL_PATTERN}\\.)+[a-z]{2,63}$`);
const SSH_PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$/;

export const sha256 = z.string().regex(/^[0-9a-f]{64}$/, {
  error: (i) =>
    `${JSON.stringify(i.input)} is not a SHA-256 in hex (64 characters 0-9a-f, as sha256sum prints)`,
});
export const hostname = z.string().regex(DNS_LABEL, {
  error: (i) =>
    `${JSON.stringify(i.input)} is not a valid host name; use lowercase letters, digits and "-" (at most 63)`,
});
export const ipv4 = z.string().regex(IPV4, {
  error: (i) => `${JSON.stringify(i.input)} is not an IPv4 address, e.g. 192.168.1.10`,
});
export const cidr = z
  .string()
  .regex(IPV4_CIDR, {
    error: (i) => `${JSON.stringify(i.input)} is not a network in CIDR form, e.g. 192.168.1.0/24`,
  })
  // The PXE controller, the Hetzner fleet and its firewall refuse a network with host bits set.
  .superRefine((net, ctx) => {
    if (!IPV4_CIDR.test(net)) return;
    try {
      parseCidr(net);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
    }
  });
export const sshPublicKey = z
  .string()
  .regex(SSH_PUBLIC_KEY, {
    error: (i) =>
      `${JSON.stringify(String(i.input).slice(0, 24))}... is not an SSH public key; paste one line such as "ssh-ed25519 AAAA... user@host"`,
  })
  .superRefine((line, ctx) => {
    const problem = SSH_PUBLIC_KEY.test(line) ? sshPublicKeyProblem(line) : undefined;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A cron schedule as Kubernetes CronJobs accept it (stacks/cron.ts). */
export const cron = z.string().superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
/** A whole number of `what`, 0 or more, with a default. */
export const count = (what: string, dflt: number) =>
  z
    .number()
    .int()
    .min(0, { error: `must be 0 or more ${what}` })
    .default(dflt);
