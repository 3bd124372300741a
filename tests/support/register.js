// The tests' TypeScript loader (node --require): the offline harness's own (offline/register.js),
// so the tests load the program exactly as `npm run plan` does.
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports */
require("../../offline/register.js");
