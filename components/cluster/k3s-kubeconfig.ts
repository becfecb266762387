/** The kubeconfig k3s writes, made usable from elsewhere, and the API server's URL for an address. */
import { K3S_PATHS } from "./k3s-flags";

/** Points a kubeconfig fetched from a server (which names 127.0.0.1) at an address this machine reaches. */
export function rewriteKubeconfigServer(kubeconfig: string, address: string): string {
  const host = urlHost(address);
  const rewritten = kubeconfig.replace(
    /(server:\s*https:\/\/)(127\.0\.0\.1|localhost|\[::1\])(:\d+)/g,
    (_m, scheme: string, _host: string, port: string) => `${scheme}${host}${port}`,
  );
  if (!/server:\s*https:\/\//.test(rewritten)) {
    throw new Error(
      `the kubeconfig read from ${K3S_PATHS.kubeconfig} has no https server entry; check that k3s ` +
        `started on the first server (journalctl -u k3s).`,
    );
  }
  return rewritten;
}

/** The API URL for an address, bracketing IPv6 literals. */
export function apiServerUrl(address: string): string {
  return `https://${urlHost(address)}:6443`;
}

// IPv6 literals need brackets inside a URL; names and IPv4 addresses do not.
function urlHost(address: string): string {
  return address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
}
