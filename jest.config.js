/**
 * Three tiers, all run by `npm test` (`npx jest`); pick one with `npx jest --selectProjects unit`:
 *
 * - unit: pure functions and components under Pulumi mocks (`*.test.ts`): seconds, no tool but node and sh.
 * - program: the whole program evaluated under mocks for stack files (`*.program.test.ts`), a minute or so.
 * - contract: generated files and commands handed to the real tools and peers that read them
 *   (`*.contract.test.ts`): dnsmasq, debconf, ksvalidator, cloud-init, sshd, helm, promtool, amtool, vmalert,
 *   shellcheck, restic and an S3 server, which scripts/test-setup.sh installs. ssh-keygen, openssl and
 *   python3 count as a developer's own tools: tests that only check an encoding against them stay unit.
 *
 * swc strips types fast; `npm run typecheck` checks them. Pulumi's runtime keeps global state, so every test
 * file gets its own module registry (jest's default), and files run in two workers at most: this machine class
 * has two cores.
 */
const shared = {
  testEnvironment: "node",
  roots: [
    "<rootDir>/test",
    "<rootDir>/components",
    "<rootDir>/apps",
    "<rootDir>/stacks",
    "<rootDir>/provider",
    "<rootDir>/cli",
    "<rootDir>/book",
  ],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
};

/** Contract tests named as they were before the tiers, in folders this change did not rename. */
const contractByPath = [
  // charts/README.md names it.
  "<rootDir>/test/local-charts.test.ts",
  // provider/ is left as it is.
  "<rootDir>/provider/remote-command.test.ts",
];

module.exports = {
  maxWorkers: 2,
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: "unit",
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: [
        "/node_modules/",
        "\\.(program|contract)\\.test\\.ts$",
        ...contractByPath,
      ],
    },
    { ...shared, displayName: "program", testMatch: ["**/*.program.test.ts"] },
    {
      ...shared,
      displayName: "contract",
      testMatch: ["**/*.contract.test.ts", ...contractByPath],
    },
  ],
};
