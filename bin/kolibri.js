#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources through tsx, so the CLI works straight from a checkout.
require('tsx/cjs');
require('../src/cli/kolibri.ts')
  .cli(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    process.stderr.write(`kolibri: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
