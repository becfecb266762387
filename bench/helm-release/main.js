/** The bench program's entry, loaded as Hearth's own program is (stacks/main.js, runtime/swc-register.js). */
/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
require("../../runtime/swc-register");
module.exports = require("./index.ts");
