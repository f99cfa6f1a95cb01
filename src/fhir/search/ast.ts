import type { CompositeValue } from './params/composite';
import type { DateValue } from './params/date';
import type { NumberValue } from './params/number';
import type { QuantityValue } from './params/quantity';
import type { ReferenceValue } from './params/reference';
import type { StringValue } from './params/string';
import type { TokenValue } from './params/token';
import type { UriValue } from './params/uri';

/**
 * A parsed search: what the parser produces and the compiler consumes. Pure data.
 * https://hl7.org/fhir/R4/search.html
 */

/**
 * The parsed value of each searchable SearchParameter type (./params/<type>.ts): a storage-free
 * condition that the store compiles to SQL.
 */
export interface ParamValues {
  string: StringValue;
  token: TokenValue;
  reference: ReferenceValue;
  date: DateValue;
  number: NumberValue;
  quantity: QuantityValue;
  uri: UriValue;
  composite: CompositeValue;
}

/** `code[:modifier]=a,b` of a parameter of SearchParameter.type `type`, its values parsed. */
export type ParamCriterion = {
  [T in keyof ParamValues]: {
    kind: 'param';
    code: string;
    type: T;
    /** Resource types the parameter is evaluated on (keys are per type). */
    types: string[];
    modifier?: string;
    values: ParamValues[T][];
  };
}[keyof ParamValues];

/** One search parameter occurrence; repeated parameters are ANDed, comma values ORed. */
export type Criterion =
  | ParamCriterion
  | { kind: 'missing'; code: string; type: string; types: string[]; missing: boolean }
  | { kind: 'id'; ids: string[]; not?: boolean }
  | { kind: 'lastUpdated'; values: DateValue[] }
  /** `subject:Patient.name=x`: some reference of `code` points at a resource matching `next`. */
  | { kind: 'chain'; code: string; types: string[]; targetTypes: string[]; next: Criterion }
  /** `_has:Observation:patient:code=x`: some `sourceType` referring to us via `code` matches `next`. */
  | { kind: 'has'; sourceType: string; code: string; next: Criterion };

/** A `_sort` key. `_id` and `_lastUpdated` sort on resource columns. */
export type SortKey =
  | {
      kind: 'param';
      code: string;
      type: string;
      types: string[];
      descending: boolean;
      /** Token params bound to codes with an ordinalValue: code → ordinal, sorted by ordinal (see code-ordinal.ts). */
      ordinals?: ReadonlyArray<readonly [string, number]>;
    }
  | { kind: 'column'; column: 'id' | 'last_updated'; descending: boolean };

/** `_include=Source:param[:Target]` or `_revinclude=…`, with `:iterate`; code `*` means all. */
export interface IncludeSpec {
  sourceType: string;
  code: string;
  targetType?: string;
  iterate: boolean;
  /** Param keys of the reference parameters followed (several for `*`), resolved by the parser. */
  keys: number[];
}

export type Total = 'none' | 'estimate' | 'accurate';
export type Summary = 'true' | 'false' | 'count' | 'data' | 'text';

export interface SearchRequest {
  /** Types searched: one for type search, the `_type` list (or all) for system search. */
  types: string[];
  criteria: Criterion[];
  /** Compartment search: `GET /fhir/Patient/{id}/{type}`. */
  compartment?: { type: string; id: string };
  sort: SortKey[];
  count: number;
  total: Total;
  summary?: Summary;
  elements?: string[];
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** The `_page` token of a next/previous link, still encoded (see paging.ts). */
  page?: string;
  /**
   * Set by the access layer, never parsed (src/interactions/pinned-search.ts). `pinned`: the
   * sets of patients the search is pinned to (every match is in the compartment of one of each
   * set's patients, src/fhir/search/pinned.ts); the statement answers only if the caller
   * reaches one patient of every set, checked once before any row is read.
   */
  pinned?: string[][];
  /**
   * Only rows in these patients' compartments whose access another patient also governs
   * (resource_compartment.shared): all a search pinned to patients the caller does not reach
   * can match. Read from those rows alone, so the answer costs the same for a hidden patient
   * with years of data as for an id that does not exist.
   */
  sharedOf?: string[];
}
