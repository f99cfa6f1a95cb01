import { parseIndexedDateRange, spanRanges, NEG_INFINITY, POS_INFINITY, type DateRange } from './date-range';
import { numberText } from './decimal-range';
import { foldForIndex, MAX_NORM_LENGTH } from './normalize';
import { parseReferenceText, withoutVersion } from './reference-text';
import { MAX_KEY_LENGTH, type IndexRows, type QuantityRow } from './index-rows';
import { canonicalUnit, scaleDecimal, UCUM_SYSTEM } from './ucum';
import { Facet } from './param-key';

/**
 * Turning FHIRPath results into index rows, per SearchParameter type and FHIR data type
 * (https://hl7.org/fhir/R4/search.html#ptypes). A value of a data type a parameter type cannot
 * use (e.g. a Reference under a token parameter) is skipped, as the spec leaves it undefined.
 */

/** One FHIRPath result with its FHIR type (fhirpath.js ResourceNode, or a bare value). */
export interface TypedValue {
  type: string;
  data: unknown;
}

/** Where rows of one parameter go: `key(facet)` gives the param key of a facet. */
export interface RowSink {
  rows: IndexRows;
  key: (facet?: string) => number;
  grp: number;
  baseUrl?: string;
  /** reference: the parameter's only target type, for bare-id references */
  bareIdType?: string;
}

type Obj = Record<string, unknown>;
const BARE_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** Unwrap a fhirpath result into its FHIR type and JSON data. */
export function typedValue(node: unknown): TypedValue {
  if (node && typeof node === 'object' && 'fhirNodeDataType' in node && 'data' in node) {
    const n = node as { fhirNodeDataType: string | null; data: unknown };
    return { type: (n.fhirNodeDataType ?? guessType(n.data)).replace(/^(FHIR|System)\./, ''), data: n.data };
  }
  return { type: guessType(node), data: node };
}

function guessType(data: unknown): string {
  if (typeof data === 'boolean') return 'boolean';
  if (typeof data === 'number') return 'decimal';
  if (typeof data === 'string') return 'string';
  return 'Element';
}

export function addString(v: TypedValue, sink: RowSink): void {
  const d = v.data as Obj;
  const texts: unknown[] =
    v.type === 'HumanName'
      ? [d.text, d.family, ...arr(d.given), ...arr(d.prefix), ...arr(d.suffix)]
      : v.type === 'Address'
        ? [d.text, ...arr(d.line), d.city, d.district, d.state, d.postalCode, d.country]
        : typeof v.data === 'string'
          ? [v.data]
          : [];
  for (const t of texts) pushString(str(t), sink, sink.key());
}

function pushString(text: string | undefined, sink: RowSink, param: number): void {
  if (!text) return;
  for (const folded of foldForIndex(text)) {
    const long = folded.length > MAX_NORM_LENGTH;
    sink.rows.string.push({ param, grp: sink.grp, norm: long ? folded.slice(0, MAX_NORM_LENGTH) : folded, value: text, ...(long ? { normFull: folded } : {}) });
  }
}

// The helpers below take the sink as an argument instead of closing over it: as closures they
// would be created (and, under tsx, named with Object.defineProperty) once per value indexed.

function pushToken(sink: RowSink, system: unknown, value: unknown): void {
  const s = str(value);
  if (s && s.length <= MAX_KEY_LENGTH) sink.rows.token.push({ param: sink.key(), grp: sink.grp, system: str(system) ?? null, value: s });
}

/** A token's display text (`:text`); composite components (grp > 0) are matched on code only, so they get none. */
function pushTokenText(sink: RowSink, t: unknown): void {
  if (sink.grp === 0) pushString(str(t), sink, sink.key(Facet.text));
}

export function addToken(v: TypedValue, sink: RowSink): void {
  const d = v.data as Obj;
  switch (v.type) {
    case 'Coding':
      pushToken(sink, d.system, d.code);
      pushTokenText(sink, d.display);
      return;
    case 'CodeableConcept':
      for (const c of arr(d.coding) as Obj[]) {
        pushToken(sink, c.system, c.code);
        pushTokenText(sink, c.display);
      }
      pushTokenText(sink, d.text);
      return;
    case 'Identifier': {
      pushToken(sink, d.system, d.value);
      const type = (d.type ?? {}) as Obj;
      pushTokenText(sink, type.text);
      for (const c of arr(type.coding) as Obj[]) {
        const code = str(c.code);
        const value = str(d.value);
        if (code && value && sink.grp === 0) {
          sink.rows.token.push({ param: sink.key(Facet.ofType), grp: sink.grp, system: str(c.system) ?? null, value: `${code}|${value}` });
        }
      }
      return;
    }
    case 'ContactPoint':
      pushToken(sink, d.system, d.value);
      return;
    case 'boolean':
      pushToken(sink, undefined, String(v.data));
      return;
    default:
      if (typeof v.data === 'string') pushToken(sink, undefined, v.data);
  }
}

function pushReference(sink: RowSink, targetType: string | null, targetId: string | null, url: string | null): void {
  if ((url?.length ?? 0) > MAX_KEY_LENGTH) return;
  sink.rows.reference.push({ param: sink.key(), grp: sink.grp, targetType, targetId, url });
}

function pushReferenceText(sink: RowSink, text: string): void {
  const parsed = parseReferenceText(text, sink.baseUrl);
  if (parsed.kind === 'local') pushReference(sink, parsed.targetType, parsed.targetId, null);
  else if (parsed.kind === 'url') {
    pushReference(sink, null, null, parsed.url);
    const plain = withoutVersion(parsed.url);
    if (plain) pushReference(sink, null, null, plain);
  }
}

export function addReference(v: TypedValue, sink: RowSink): void {
  if (typeof v.data === 'string') return pushReferenceText(sink, v.data); // canonical / uri
  if (v.type !== 'Reference') return;
  const d = v.data as Obj;
  const ref = str(d.reference);
  if (ref && BARE_ID.test(ref)) {
    // `"reference": "ijk"` names no type: read it as the parameter's only target type, else as an
    // id of unknown type, which a bare-id search value (`general-practitioner=ijk`) still finds
    pushReference(sink, sink.bareIdType ?? null, ref, null);
  } else if (ref) pushReferenceText(sink, ref);
  const identifier = d.identifier as Obj | undefined;
  if (identifier) {
    const value = str(identifier.value);
    if (value && value.length <= MAX_KEY_LENGTH) {
      sink.rows.token.push({ param: sink.key(Facet.identifier), grp: sink.grp, system: str(identifier.system) ?? null, value });
    }
    if (!ref) pushReference(sink, null, null, null);
  }
}

export function addDate(v: TypedValue, sink: RowSink): void {
  const range = dateRangeOf(v);
  if (range) sink.rows.date.push({ param: sink.key(), grp: sink.grp, ...range });
}

function dateRangeOf(v: TypedValue): DateRange | undefined {
  if (typeof v.data === 'string') return parseIndexedDateRange(v.data);
  const d = v.data as Obj;
  if (v.type === 'Period') {
    const start = str(d.start) ? parseIndexedDateRange(d.start as string) : undefined;
    const end = str(d.end) ? parseIndexedDateRange(d.end as string) : undefined;
    if (!start && !end) return undefined;
    return { low: start?.low ?? NEG_INFINITY, high: end?.high ?? POS_INFINITY };
  }
  if (v.type === 'Timing') {
    // https://hl7.org/fhir/R4/search.html#date: only the outer limits of a schedule matter
    const ranges: DateRange[] = [];
    for (const e of arr(d.event)) {
      const r = typeof e === 'string' ? parseIndexedDateRange(e) : undefined;
      if (r) ranges.push(r);
    }
    const bounds = ((d.repeat ?? {}) as Obj).boundsPeriod;
    if (bounds) {
      const r = dateRangeOf({ type: 'Period', data: bounds });
      if (r) ranges.push(r);
    }
    return spanRanges(ranges);
  }
  return undefined;
}

export function addNumber(v: TypedValue, sink: RowSink): void {
  if (v.type === 'Range') return addRange(v, sink, 'number');
  const text = numberText(v.data);
  if (text) sink.rows.number.push({ param: sink.key(), grp: sink.grp, low: text, high: text });
}

export function addQuantity(v: TypedValue, sink: RowSink): void {
  if (v.type === 'Range') return addRange(v, sink, 'quantity');
  const d = v.data as Obj;
  if (!d || typeof d !== 'object') return;
  const text = numberText(d.value);
  if (!text) return;
  const money = v.type === 'Money';
  // a comparator makes the stored value a half-line: "<5" is anything below 5
  const comparator = str(d.comparator);
  const low = comparator === '<' || comparator === '<=' ? '-Infinity' : text;
  const high = comparator === '>' || comparator === '>=' ? 'Infinity' : text;
  const system = money ? 'urn:iso:std:iso:4217' : (str(d.system) ?? null);
  const code = money ? (str(d.currency) ?? null) : (str(d.code) ?? null);
  sink.rows.quantity.push({ param: sink.key(), grp: sink.grp, system, code, unit: str(d.unit) ?? null, low, high, ...canonical(system, code, low, high) });
}

/** The canonical columns of a UCUM quantity row (none for other systems and special units). */
function canonical(system: string | null, code: string | null, low: string, high: string): Partial<QuantityRow> {
  const unit = system === UCUM_SYSTEM && code ? canonicalUnit(code) : undefined;
  if (!unit) return {};
  return { canonicalCode: unit.code, canonicalLow: scaleDecimal(low, unit.factor), canonicalHigh: scaleDecimal(high, unit.factor) };
}

function addRange(v: TypedValue, sink: RowSink, table: 'number' | 'quantity'): void {
  const d = v.data as Obj;
  const lowQ = (d.low ?? {}) as Obj;
  const highQ = (d.high ?? {}) as Obj;
  const low = numberText(lowQ.value);
  const high = numberText(highQ.value);
  if (!low && !high) return;
  const row = { param: sink.key(), grp: sink.grp, low: low ?? '-Infinity', high: high ?? 'Infinity' };
  if (table === 'number') sink.rows.number.push(row);
  else {
    const unitOf = low ? lowQ : highQ;
    const system = str(unitOf.system) ?? null;
    const code = str(unitOf.code) ?? null;
    sink.rows.quantity.push({ ...row, system, code, unit: str(unitOf.unit) ?? null, ...canonical(system, code, row.low, row.high) });
  }
}

export function addUri(v: TypedValue, sink: RowSink): void {
  const s = str(v.data);
  if (s && s.length <= MAX_KEY_LENGTH) sink.rows.uri.push({ param: sink.key(), grp: sink.grp, value: s });
}
