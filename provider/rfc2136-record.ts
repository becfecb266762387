/**
 * `hearth:edge:Rfc2136Record`: one DNS record set (a name and a type) in a zone served by a server that takes
 * dynamic updates (RFC 2136: BIND, Knot, PowerDNS), changed with TSIG-signed updates of Hearth's own client
 * (components/edge/rfc2136-client.ts).
 *
 * - create: a name that already holds records of that type (or a CNAME) which Hearth did not write is refused,
 *   never overwritten; the same records already there (a create interrupted after the server applied it) are
 *   taken as they are. The update itself carries that as its prerequisite, so a record written meanwhile by
 *   someone else makes it fail instead of being replaced.
 * - update: the record set is replaced by the new values in one update.
 * - delete: only the values in the state are deleted (what Hearth wrote, or what a refresh read); records of
 *   other types at the name stay.
 * - read (refresh): the values the server serves now; none means the record is gone.
 *
 * After every change the server is asked again, so an update it accepted but did not apply (a CNAME beside
 * other records, which RFC 2136 3.4.2.2 says to ignore silently) fails by name.
 */
import {
  dnsNameProblem,
  inZone,
  normalizeName,
  RecordType,
  TSIG_ALGORITHMS,
  TsigKey,
  UpdateOperation,
} from "../components/edge/dns-wire";
import { isIpv4 } from "../components/net";
import {
  parseServer,
  queryRecords,
  Rfc2136Server,
  sendUpdate,
  serverLabel,
} from "../components/edge/rfc2136-client";
import { containsUnknown, reveal, sameValue, secret, urnName } from "./wire";

/** Inputs of `Rfc2136Record`, secrets revealed. */
export interface Rfc2136RecordInputs {
  /** The zone's primary server: `host` or `host:port`. */
  server: string;
  /** The zone the update names (its apex). */
  zone: string;
  /** The record's name, in the zone. */
  name: string;
  type: RecordType;
  /** The record set's values: IPv4 addresses (A), one target (CNAME), texts (TXT). */
  values: string[];
  /** Seconds resolvers may keep the records. */
  ttl: number;
  /** Secret (`secret`): the TSIG key the server grants updates of the zone to. */
  tsig: TsigKey;
}

const TYPES: RecordType[] = ["A", "CNAME", "TXT"];

/** Why a value cannot be a record of `type`, or undefined. */
function valueProblem(type: RecordType, value: string): string | undefined {
  if (type === "A" && !isIpv4(value)) return `${JSON.stringify(value)} is not an IPv4 address`;
  if (type === "CNAME") {
    const p = dnsNameProblem(value);
    if (p) return `${JSON.stringify(value)} ${p}`;
  }
  if (type === "TXT" && Buffer.byteLength(value) > 4000)
    return "a TXT value longer than 4000 bytes does not fit a DNS message";
  return undefined;
}

/** Every problem of the inputs at once, by property; values not known yet (a preview) pass. */
export function checkRecord(raw: Record<string, unknown>): { property: string; reason: string }[] {
  const i = reveal(raw) as Partial<Rfc2136RecordInputs>;
  const out: { property: string; reason: string }[] = [];
  const known = (v: unknown) => v !== undefined && !containsUnknown(v);
  const fail = (property: string, reason: string) => out.push({ property, reason });
  if (!known(i.server)) {
    if (i.server === undefined) fail("server", "server is required");
  } else if (!parseServer(String(i.server)))
    fail("server", `${JSON.stringify(i.server)} is not host or host:port`);
  for (const key of ["zone", "name"] as const) {
    const v = i[key];
    if (v === undefined) fail(key, `${key} is required`);
    else if (known(v) && dnsNameProblem(String(v)))
      fail(key, `${JSON.stringify(v)} ${dnsNameProblem(String(v))}`);
  }
  if (known(i.zone) && known(i.name) && !inZone(String(i.name), String(i.zone)))
    fail("name", `${i.name} is not in zone ${i.zone}`);
  if (i.type === undefined || (known(i.type) && !TYPES.includes(i.type)))
    fail("type", `type must be one of ${TYPES.join(", ")}`);
  if (i.values === undefined) fail("values", "values is required");
  else if (!Array.isArray(i.values) && !containsUnknown(i.values))
    fail("values", "values must be a list");
  else if (Array.isArray(i.values) && known(i.type)) {
    if (i.values.length === 0) fail("values", "values must name one value at least");
    if (i.type === "CNAME" && i.values.length > 1) fail("values", "a CNAME has exactly one target");
    i.values.forEach((v, n) => {
      const p = known(v) ? valueProblem(i.type!, String(v)) : undefined;
      if (p) fail(`values[${n}]`, p);
    });
  }
  if (known(i.ttl) && !(Number.isInteger(i.ttl) && i.ttl! >= 0 && i.ttl! <= 2147483647))
    fail("ttl", "ttl must be a whole number of seconds");
  const t = i.tsig;
  if (t === undefined) fail("tsig", "tsig is required");
  else if (known(t)) {
    if (!t.name || dnsNameProblem(t.name)) fail("tsig.name", "the TSIG key name is no DNS name");
    if (!(TSIG_ALGORITHMS as readonly string[]).includes(t.algorithm))
      fail("tsig.algorithm", `the TSIG algorithm must be one of ${TSIG_ALGORITHMS.join(", ")}`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t.secret ?? "") || t.secret.length % 4 !== 0)
      fail("tsig.secret", "the TSIG secret is not base64 (as tsig-keygen prints it)");
  }
  return out;
}

/** The values in the form the server gives them back, sorted, for comparing sets. */
function canonical(type: RecordType, values: string[]): string[] {
  return [...new Set(values.map((v) => (type === "CNAME" ? normalizeName(v) : v)))].sort();
}

/** A diff: another name, type or zone is another record (deleted first: a name holds one CNAME at most). */
export function diffRecord(olds: Record<string, unknown>, news: Record<string, unknown>) {
  const o = reveal(olds);
  const n = reveal(news);
  const replaces = ["zone", "name", "type"].filter(
    (k) => !sameValue(normalize(o[k]), normalize(n[k])),
  );
  return { changes: !sameValue(o, n), replaces, deleteBeforeReplace: true };
}

const normalize = (v: unknown) => (typeof v === "string" ? normalizeName(v) : v);

interface Target {
  server: Rfc2136Server;
  i: Rfc2136RecordInputs;
  label: string;
}

function targetOf(urn: string, raw: Record<string, unknown>): Target {
  if (containsUnknown(raw)) throw new Error(`${urnName(urn)}: inputs unknown at apply`);
  const i = reveal(raw) as Rfc2136RecordInputs;
  const server = parseServer(i.server);
  if (!server)
    throw new Error(`${urnName(urn)}: server ${JSON.stringify(i.server)} is not host or host:port`);
  return { server, i, label: `${normalizeName(i.name)} ${i.type}` };
}

/** What the server serves now of the record set, and a CNAME standing at its name. */
async function current(t: Target) {
  const got = await queryRecords(t.server, t.i.tsig, t.i.name, t.i.type);
  return {
    values: canonical(
      t.i.type,
      got.records.map((r) => r.value),
    ),
    ttl: got.records[0]?.ttl,
    cname: got.cname,
  };
}

/** Asks the server again after a change: what it serves must be what was sent. */
async function verify(t: Target): Promise<void> {
  const now = await current(t);
  const want = canonical(t.i.type, t.i.values);
  if (!sameValue(now.values, want))
    throw new Error(
      `DNS record ${t.label}: ${serverLabel(t.server)} accepted the update but serves ${now.values.length ? now.values.join(", ") : "nothing"} instead of ${want.join(", ")}${t.i.type === "CNAME" ? " (a CNAME cannot stand beside other records of its name)" : ""}`,
    );
}

/** The state: the inputs, with the TSIG key kept secret. */
function stateOf(raw: Record<string, unknown>): Record<string, unknown> {
  return { ...raw, tsig: secret(reveal(raw.tsig)) };
}

/** Adds context to the client's message: which record, and which settings to look at. */
function context(t: Target, e: unknown): Error {
  return new Error(
    `DNS record ${t.label} in zone ${normalizeName(t.i.zone)}: ${(e as Error).message} (hearth:dns, hearth:dnsTsigSecret)`,
  );
}

/** Creates the record set, refusing to take over records Hearth did not write. */
export async function createRecord(urn: string, raw: Record<string, unknown>) {
  const t = targetOf(urn, raw);
  const { i } = t;
  const want = canonical(i.type, i.values);
  try {
    const now = await current(t);
    if (now.cname !== undefined)
      throw new Error(
        `${normalizeName(i.name)} is an alias (CNAME to ${now.cname}) Hearth did not write; remove it from the zone, or choose another hostname`,
      );
    if (now.values.length > 0 && !sameValue(now.values, want))
      throw new Error(
        `${normalizeName(i.name)} already has ${i.type} records Hearth did not write (${now.values.join(", ")}); Hearth does not overwrite them: remove them from the zone, or choose another hostname`,
      );
    if (now.values.length === 0 || now.ttl !== i.ttl)
      await sendUpdate(t.server, i.tsig, {
        zone: i.zone,
        prerequisites:
          now.values.length > 0
            ? []
            : [
                { kind: "rrset-absent", name: i.name, type: i.type },
                i.type === "CNAME"
                  ? { kind: "name-unused", name: i.name }
                  : { kind: "rrset-absent", name: i.name, type: "CNAME" },
              ],
        operations: replaceRrset(i),
      });
    await verify(t);
  } catch (e) {
    throw context(t, e);
  }
  return { id: `${normalizeName(i.name)}/${i.type}`, outs: stateOf(raw) };
}

/** The record set at the name replaced by Hearth's values: its old values go, each of ours is added. */
function replaceRrset(i: Rfc2136RecordInputs): UpdateOperation[] {
  return [
    { kind: "delete-rrset", name: i.name, type: i.type },
    ...i.values.map(
      (value): UpdateOperation => ({
        kind: "add",
        name: i.name,
        type: i.type,
        ttl: i.ttl,
        value,
      }),
    ),
  ];
}

/** Replaces the record set's values (and TTL) in one update. */
export async function updateRecord(urn: string, news: Record<string, unknown>) {
  const t = targetOf(urn, news);
  const { i } = t;
  try {
    await sendUpdate(t.server, i.tsig, {
      zone: i.zone,
      prerequisites: [],
      operations: replaceRrset(i),
    });
    await verify(t);
  } catch (e) {
    throw context(t, e);
  }
  return { outs: stateOf(news) };
}

/** Deletes the values Hearth wrote; other values at the name stay. */
export async function deleteRecord(urn: string, props: Record<string, unknown>): Promise<void> {
  const t = targetOf(urn, props);
  const { i } = t;
  try {
    await sendUpdate(t.server, i.tsig, {
      zone: i.zone,
      prerequisites: [],
      operations: i.values.map((value) => ({
        kind: "delete-record" as const,
        name: i.name,
        type: i.type,
        value,
      })),
    });
  } catch (e) {
    throw context(t, e);
  }
}

/** What the server serves now; an empty id when the record set is gone. */
export async function readRecord(id: string, urn: string, props: Record<string, unknown>) {
  const t = targetOf(urn, props);
  let now: Awaited<ReturnType<typeof current>>;
  try {
    now = await current(t);
  } catch (e) {
    throw context(t, e);
  }
  if (now.values.length === 0) return { id: "", props: {} };
  // The same set in another order is no drift.
  const values = sameValue(canonical(t.i.type, t.i.values), now.values) ? t.i.values : now.values;
  return { id, props: stateOf({ ...props, values, ttl: now.ttl ?? t.i.ttl }) };
}

/** The provider's handlers for `hearth:edge:Rfc2136Record`. */
export const rfc2136RecordHandlers = {
  check: checkRecord,
  diff: diffRecord,
  create: createRecord,
  update: updateRecord,
  delete: deleteRecord,
  read: readRecord,
};
