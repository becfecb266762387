/**
 * How Hearth's TypeScript runs under Pulumi (stacks/main.js) and in Hearth's provider plugin (provider/bin):
 * each .ts file's types are stripped by swc as node loads it, with an inline source map, so stack traces
 * name the .ts lines. Nothing is type-checked here: `npm test` runs `tsc --noEmit` (npm run typecheck).
 *
 * Why not Pulumi's own `typescript: true`: it loads the program through ts-node, which type-checks every
 * file first, and even transpile-only, takes TypeScript's compiler per file. On this machine class that is
 * most of a no-change `up` (docs/performance.md). swc reads the same syntax @swc/jest strips in `npm test`.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
const { readFileSync } = require("node:fs");
const { transformSync } = require("@swc/core");

process.setSourceMapsEnabled(true);

const options = {
  sourceMaps: "inline",
  module: { type: "commonjs" },
  jsc: { target: "es2022", parser: { syntax: "typescript" }, keepClassNames: true },
};

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, "utf8"), { ...options, filename });
  module._compile(code, filename);
};
