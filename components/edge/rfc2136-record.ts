import * as pulumi from "@pulumi/pulumi";
import type { RecordType, TsigAlgorithm } from "./dns-wire";

/** A TSIG key as the record takes it; the secret is kept secret in state. */
export interface TsigKeyInput {
  /** The key's name on the server. */
  name: string;
  algorithm: TsigAlgorithm;
  /** Secret: the shared secret, base64 as the server's key file has it. */
  secret: pulumi.Input<string>;
}

/** Arguments of `Rfc2136Record`. */
export interface Rfc2136RecordArgs {
  /** The zone's primary server that takes updates: `host` or `host:port`. */
  server: pulumi.Input<string>;
  /** The zone (its apex) the record is in. */
  zone: pulumi.Input<string>;
  /** The record's name in the zone, e.g. `git.coop.example.org`. */
  name: pulumi.Input<string>;
  type: RecordType;
  /** The record set: IPv4 addresses (A), one target (CNAME) or texts (TXT). */
  values: pulumi.Input<pulumi.Input<string>[]>;
  /** Seconds resolvers may keep it. @default 300 */
  ttl?: pulumi.Input<number>;
  tsig: TsigKeyInput;
}

/**
 * One DNS record set in a zone of a server that takes dynamic updates (RFC 2136), by Hearth's provider plugin
 * (`provider/rfc2136-record.ts`): created without overwriting records Hearth did not write, replaced in one
 * update, and on delete only its own values removed.
 */
export class Rfc2136Record extends pulumi.CustomResource {
  /** The record's name, as given. */
  public readonly name!: pulumi.Output<string>;
  /** The values the server serves (after a refresh: what it serves now). */
  public readonly values!: pulumi.Output<string[]>;

  constructor(name: string, args: Rfc2136RecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "hearth:edge:Rfc2136Record",
      name,
      {
        server: args.server,
        zone: args.zone,
        name: args.name,
        type: args.type,
        values: args.values,
        ttl: args.ttl ?? 300,
        tsig: pulumi.secret(
          pulumi
            .output(args.tsig.secret)
            .apply((secret) => ({ name: args.tsig.name, algorithm: args.tsig.algorithm, secret })),
        ),
      },
      opts,
    );
  }
}
