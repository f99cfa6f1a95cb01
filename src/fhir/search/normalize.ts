/**
 * String folding for case- and accent-insensitive search
 * (https://hl7.org/fhir/R4/search.html#string: "case- and accent-insensitive").
 *
 * What is folded:
 * 1. Unicode case folding (lower case), and `ß` → `ss`.
 * 2. Diacritics are stripped after NFD decomposition: é → e, ö → o, ü → u, ñ → n. So
 *    `name=jorg` finds Jörg.
 * 3. The Danish/Norwegian letters æ, ø do not decompose under NFD, and å does (to a + ring),
 *    which would make Århus "arhus" although Danes spell it Aarhus. They are folded by the
 *    Danish transliteration (also used in the machine-readable zone of Danish passports):
 *    æ → ae, ø → oe, å → aa. So `name=JØRGEN` finds Jørgensen, `Joergensen` finds Jørgensen,
 *    `address-city=Aalborg` finds Ålborg and vice versa.
 * 4. A value that contains æ, ø or å is indexed a second time in its "keyboard" form
 *    (æ → ae, ø → o, å → a), the way names are typed without a Danish keyboard, so
 *    `name=jorgensen` also finds Jørgensen.
 *
 * A search value is folded with the transliteration only ({@link foldQuery}); index values get
 * both forms ({@link foldForIndex}). What is NOT folded: punctuation and whitespace are kept
 * as they are (so `name=o'brien` needs the apostrophe), and no phonetic matching is done.
 */

/**
 * Characters of the indexed `norm` column: longer folded values are cut there (so the btree
 * entry stays small) and kept whole in `norm_full`, which decides matches beyond this length.
 */
export const MAX_NORM_LENGTH = 255;

const TRANSLITERATION: Record<string, string> = { æ: 'ae', ø: 'oe', å: 'aa', ß: 'ss', œ: 'oe', ð: 'd', þ: 'th', ł: 'l' };
const KEYBOARD: Record<string, string> = { ...TRANSLITERATION, ø: 'o', å: 'a' };
const DANISH = /[æøå]/;

function fold(value: string, letters: Record<string, string>): string {
  const lower = value.toLowerCase();
  let mapped = '';
  for (const ch of lower) mapped += letters[ch] ?? ch;
  // NFD splits base letters from combining marks (U+0300–U+036F), which are then dropped.
  return mapped.normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC');
}

/** Fold a search value (the user's input) for prefix/contains comparison with index values. */
export function foldQuery(value: string): string {
  return fold(value, TRANSLITERATION);
}

/**
 * The folded forms under which a resource's string value is indexed (one or two, distinct), whole:
 * the index writer cuts them to {@link MAX_NORM_LENGTH} for the `norm` column.
 */
export function foldForIndex(value: string): string[] {
  const primary = fold(value, TRANSLITERATION);
  if (!DANISH.test(value.toLowerCase())) return [primary];
  const keyboard = fold(value, KEYBOARD);
  return keyboard === primary ? [primary] : [primary, keyboard];
}
