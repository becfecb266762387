/**
 * The pure parts of the drain and the kubeconfig reading. The real API server runs them in `npm run test:day2`
 * ("remove an agent node": cordon, eviction and Node deletion; "retire an app with delete-data").
 */
import { staysOnDrain } from "./node-removal";
import { kubeAccessOf } from "./kube";

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: sandbox
  cluster: { certificate-authority-data: Q0E=, server: "https://127.0.0.1:16443/" }
- name: other
  cluster: { server: https://10.0.0.1:6443, insecure-skip-tls-verify: true }
contexts:
- name: admin
  context: { cluster: sandbox, user: admin }
- name: robot
  context: { cluster: other, user: robot }
current-context: admin
users:
- name: admin
  user: { client-certificate-data: Q0VSVA==, client-key-data: S0VZ }
- name: robot
  user: { token: planted-token }
`;

describe("kubeAccessOf", () => {
  it("takes the current context's server and embedded credentials", () => {
    const a = kubeAccessOf(KUBECONFIG);
    expect(a.server).toBe("https://127.0.0.1:16443");
    expect(a.ca?.toString()).toBe("CA");
    expect(a.cert?.toString()).toBe("CERT");
    expect(a.key?.toString()).toBe("KEY");
    expect(a.insecure).toBe(false);
  });
  it("takes another context by name, with a bearer token", () => {
    const a = kubeAccessOf(KUBECONFIG, "robot");
    expect(a).toMatchObject({
      server: "https://10.0.0.1:6443",
      token: "planted-token",
      insecure: true,
    });
  });
  it("refuses credentials in files it cannot read from the provider", () => {
    expect(() =>
      kubeAccessOf(KUBECONFIG.replace("client-key-data: S0VZ", "client-key: /etc/key.pem")),
    ).toThrow(/refers to a file \(client-key\); embed it \(client-key-data\)/);
  });
});

describe("staysOnDrain", () => {
  it("leaves DaemonSet and mirror pods, as kubectl drain does, and evicts the rest", () => {
    expect(staysOnDrain({ metadata: { ownerReferences: [{ kind: "DaemonSet" }] } })).toBe(true);
    expect(
      staysOnDrain({ metadata: { annotations: { "kubernetes.io/config.mirror": "x" } } }),
    ).toBe(true);
    expect(staysOnDrain({ metadata: { ownerReferences: [{ kind: "ReplicaSet" }] } })).toBe(false);
    expect(staysOnDrain({ metadata: {} })).toBe(false);
  });
});
