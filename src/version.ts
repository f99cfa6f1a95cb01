import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version, for the CapabilityStatement's software.version. */
export const softwareVersion: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** Folder of the numbered SQL migrations. */
export const migrationsDir = join(__dirname, '..', 'migrations');
