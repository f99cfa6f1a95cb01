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

/** The resource types of the telemedicine care model (its care relationships). */
const CARE_MODEL_TYPES = /\b(EpisodeOfCare|CareTeam)\b/;
/** Folders that hold storage and query compilation: the care model reaches them only through the access model. */
const CARE_FREE = ['store', join('fhir', 'search')];

/** Source text without comments (a comment may give a care relationship as an example). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Files of the care-free folders whose code names a care-model type, as `file: line`. */
function careModelMentions(): string[] {
  return CARE_FREE.flatMap((folder) => tsFiles(join(SRC, folder))).flatMap((file) =>
    code(readFileSync(file, 'utf8'))
      .split('\n')
      .filter((line) => CARE_MODEL_TYPES.test(line))
      .map((line) => `${relative(SRC, file)}: ${line.trim()}`),
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

  it('the store and the search compiler hold no care-model knowledge (EpisodeOfCare, CareTeam): the module supplies it', () => {
    expect(careModelMentions()).toEqual([]);
  });

  it('the care-model scan reads code, not comments (it would catch one)', () => {
    expect(code(`// EpisodeOfCare.team\n/** a CareTeam */ const t = 'CareTeam';\nconst u = 'http://x'; // EpisodeOfCare`).split('\n').filter((l) => CARE_MODEL_TYPES.test(l))).toEqual([
      " const t = 'CareTeam';",
    ]);
  });
});
