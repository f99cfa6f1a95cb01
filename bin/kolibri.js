#!/usr/bin/env node
'use strict';
// `kolibri <command>`. In a checkout it runs the TypeScript sources through tsx (a dev
// dependency, so the CLI works straight after `npm install`); where the sources or tsx are
// absent (the Docker image, `npm ci --omit=dev`) it runs the compiled dist/ (`npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

function entry() {
  const source = join(__dirname, '..', 'src', 'cli', 'kolibri.ts');
  if (existsSync(source)) {
    try {
      require('tsx/cjs');
      return source;
    } catch {
      // no tsx here: the compiled CLI, if built
    }
  }
  const compiled = join(__dirname, '..', 'dist', 'cli', 'kolibri.js');
  if (existsSync(compiled)) return compiled;
  process.stderr.write('kolibri: neither tsx (npm install) nor the compiled CLI (npm run build) is available\n');
  process.exit(1);
}

require(entry()).main(process.argv.slice(2));
