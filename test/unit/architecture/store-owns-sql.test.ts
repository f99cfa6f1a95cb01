import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', '..', 'src');

/**
 * Files outside src/store that still import pg or write SQL, each for a reason still to be
 * worked off. The list only shrinks: a file that no longer needs its place fails the test
 * until it is taken off, and no other file may join.
 */
const NOT_YET: Readonly<Record<string, 'pg' | 'sql' | 'pg sql'>> = {};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Source text without comments (they may quote SQL to explain it). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const IMPORTS_PG = /\b(?:from|import|require\s*\()\s*['"]pg(?:-[a-z-]+)?['"]/;
/** SQL statements and clauses, and the names of the search index tables. */
const WRITES_SQL = /\b(SELECT|INSERT INTO|DELETE FROM|UPDATE [a-z_]+ SET|JOIN|WHERE|search_(?:string|token|reference|date|number|quantity|uri|composite))\b/;

/** What a file's code does of the two: 'pg', 'sql', 'pg sql' or ''. */
export function storageUse(text: string): string {
  const c = code(text);
  return [IMPORTS_PG.test(c) ? 'pg' : '', WRITES_SQL.test(c) ? 'sql' : ''].filter(Boolean).join(' ');
}

function outsideStore(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const file of tsFiles(SRC)) {
    const name = relative(SRC, file);
    if (name.startsWith('store/')) continue;
    const use = storageUse(readFileSync(file, 'utf8'));
    if (use) found[name] = use;
  }
  return found;
}

describe('the store owns storage', () => {
  it('only src/store imports pg or writes SQL (besides the files still listed, which only go)', () => {
    expect(outsideStore()).toEqual(NOT_YET);
  });

  it('the scan sees pg imports and SQL in code, not in comments (it would catch one)', () => {
    expect(storageUse(`import type { Pool } from 'pg';`)).toBe('pg');
    expect(storageUse("const q = `SELECT id FROM resource r\n  WHERE r.id = $1`;")).toBe('sql');
    expect(storageUse("const t = 'search_token';")).toBe('sql');
    expect(storageUse('// SELECT 1 FROM resource\n/** JOIN WHERE */ const x = 1;')).toBe('');
    expect(storageUse("import { q } from './pg-errors';")).toBe('');
  });
});
