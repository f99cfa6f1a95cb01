/**
 * The search-index rows extracted from one resource, one array per table of
 * migrations/002_search_index.sql. Pure data: the store writes them, the compiler queries them.
 * `param` is a {@link paramKey}; `grp` is 0 except for composite components.
 */
export interface IndexRows {
  string: StringRow[];
  token: TokenRow[];
  reference: ReferenceRow[];
  date: DateRow[];
  number: NumberRow[];
  quantity: QuantityRow[];
  uri: UriRow[];
  /** Patient-compartment membership (compartment ids of type Patient). */
  compartment: CompartmentRow[];
}

export interface StringRow {
  param: number;
  grp: number;
  /** the folded value, cut to MAX_NORM_LENGTH (./normalize.ts) */
  norm: string;
  value: string;
  /** the whole folded value, only when `norm` was cut */
  normFull?: string;
}

export interface TokenRow {
  param: number;
  grp: number;
  system: string | null;
  value: string;
}

export interface ReferenceRow {
  param: number;
  grp: number;
  targetType: string | null;
  targetId: string | null;
  url: string | null;
  /** The resource's timeline sort keys (see timeline.ts), set once all its rows are extracted. */
  sortDesc?: string;
  sortAsc?: string;
  /** A queue type's state code and rank (see timeline.ts `queueCodes`); absent for other types. */
  state?: string;
  sortRank?: string;
}

/** Half-open [low, high) as ISO text or ±infinity. */
export interface DateRow {
  param: number;
  grp: number;
  low: string;
  high: string;
}

/** Closed [low, high] as decimal text or ±Infinity. */
export interface NumberRow {
  param: number;
  grp: number;
  low: string;
  high: string;
}

export interface QuantityRow extends NumberRow {
  system: string | null;
  code: string | null;
  unit: string | null;
  /** UCUM quantities: the value in canonical base units (./ucum.ts), when the unit has one */
  canonicalCode?: string;
  canonicalLow?: string;
  canonicalHigh?: string;
}

export interface UriRow {
  param: number;
  grp: number;
  value: string;
}

export interface CompartmentRow {
  type: string;
  id: string;
  /**
   * Patient compartments: whether the resource's access is also governed by another patient
   * (a second Patient compartment, or another patient in its `access_patients`). A search pinned
   * to a patient the caller cannot reach can match only such rows (src/store/search/compile.ts).
   */
  shared?: boolean;
  /** The member's type and timeline sort keys (see timeline.ts), set once all its rows are extracted. */
  resourceType?: string;
  sortDesc?: string;
  sortAsc?: string;
}

export function emptyRows(): IndexRows {
  return { string: [], token: [], reference: [], date: [], number: [], quantity: [], uri: [], compartment: [] };
}

/** Longest text indexed as a token, uri or reference value: longer values are not indexed
 * (btree entries are limited to about 2.7 kB; such values are not identifiers anyway). */
export const MAX_KEY_LENGTH = 1024;
