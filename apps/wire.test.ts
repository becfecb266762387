/**
 * How the platform loop makes the next capabilities record from what a wire returned (`withWired`): a new
 * record each time, the issuer set on the platform, and a wire whose capabilities differ from its metadata's
 * `provides` refused.
 */
import type * as pulumi from "@pulumi/pulumi";
import { catalogue } from ".";
import type { Platform } from "../components/types";
import type { DeployedApp } from "./recipe";
import { Capabilities, Home, withWired } from "./wire";

const resource = (name: string) => ({ name }) as unknown as pulumi.Resource;
const app = (name: string): DeployedApp => ({ resource: resource(name) });

const start: Capabilities = Object.freeze({
  home: {} as Home,
  platform: { domain: "home.example.org", exposure: { mode: "ingress" } } as unknown as Platform,
  deployed: {},
});

describe("withWired", () => {
  it("adds the app and the capability it provides, leaving the record it was given as it was", () => {
    const traefik = app("traefik");
    const next = withWired(start, catalogue.traefik, {
      deployed: traefik,
      provides: { edge: { ready: traefik.resource } },
    });
    expect(next.deployed).toEqual({ traefik });
    expect(next.edge).toEqual({ ready: traefik.resource });
    expect(next.platform).toBe(start.platform);
    expect(start.deployed).toEqual({});
    expect(start.edge).toBeUndefined();
    expect(Object.isFrozen(next) && Object.isFrozen(next.deployed)).toBe(true);
  });

  it("sets the issuer's cluster issuer on the platform the later apps get", () => {
    const cm = app("cert-manager");
    const next = withWired(start, catalogue["cert-manager"], {
      deployed: cm,
      provides: { issuer: { clusterIssuer: "letsencrypt", ready: cm.resource } },
    });
    expect(next.platform.exposure).toEqual({ mode: "ingress", clusterIssuer: "letsencrypt" });
    expect(next.platform.domain).toBe("home.example.org");
    expect(start.platform.exposure.clusterIssuer).toBeUndefined();
  });

  it("refuses a wire that provides what its metadata does not say, or leaves out what it does", () => {
    const zot = app("zot");
    expect(() =>
      withWired(start, catalogue.zot, {
        deployed: zot,
        provides: { edge: { ready: zot.resource } },
      }),
    ).toThrow('app "zot": its wire provides [edge] but its metadata says [] (apps/zot/)');
    expect(() =>
      withWired(start, catalogue.gitea, { deployed: app("gitea"), provides: {} }),
    ).toThrow('app "gitea": its wire provides [] but its metadata says [git] (apps/gitea/)');
  });
});
