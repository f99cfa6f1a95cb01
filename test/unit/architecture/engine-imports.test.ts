import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(__dirname, '..', '..', '..', 'src');
/** The FHIR engine, the module contract it is extended through, and its composition (main.ts alone chooses modules). */
const ENGINE = ['http', 'interactions', 'store', 'fhir', 'auth', 'audit', 'conformance', 'modules'];
const ENGINE_FILES = ['app.ts', 'services.ts'];
const MODULE = join(SRC, 'telemedicine');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module specifier of a file: static and type imports, re-exports, import() and require(). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const re of [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of text.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/** Engine files that import from src/telemedicine, as `file → specifier`. */
function engineImportsOfModule(): string[] {
  const files = [...ENGINE.flatMap((folder) => tsFiles(join(SRC, folder))), ...ENGINE_FILES.map((f) => join(SRC, f))];
  return files.flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .filter((s) => {
        const target = resolve(dirname(file), s);
        return target === MODULE || target.startsWith(MODULE + '/');
      })
      .map((s) => `${relative(SRC, file)} → ${s}`),
  );
}

describe('the engine does not know the telemedicine module', () => {
  it('no file of the engine folders (nor app.ts, services.ts) imports from src/telemedicine', () => {
    expect(engineImportsOfModule()).toEqual([]);
  });

  it('the scan sees imports of every form (it would catch one)', () => {
    const text = `import { a } from '../telemedicine/x';\nimport type { B } from "../../telemedicine";\nexport * from './y';\nconst c = require('../telemedicine/z');\nawait import('../telemedicine/w');`;
    expect(specifiers(text)).toEqual(['../telemedicine/x', '../../telemedicine', './y', '../telemedicine/z', '../telemedicine/w']);
  });
});
