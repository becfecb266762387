/**
 * Pulumi's entry point (`main: stacks/main.js` in Pulumi.yaml): the program in stacks/index.ts, loaded
 * through runtime/swc-register.js.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
require("../runtime/swc-register");
module.exports = require("./index.ts");
