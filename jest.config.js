/** Unit, component and contract tests. swc strips types fast; `npm run typecheck` checks them. */
module.exports = {
  testEnvironment: "node",
  roots: [
    "<rootDir>/test",
    "<rootDir>/components",
    "<rootDir>/apps",
    "<rootDir>/stacks",
    "<rootDir>/provider",
    "<rootDir>/cli",
  ],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  // Pulumi's runtime keeps global state, so every test file gets its own module registry (jest's default)
  // and files run in two workers at most: this machine class has two cores.
  maxWorkers: 2,
  testTimeout: 30000,
};
