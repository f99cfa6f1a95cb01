// https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters
import type { AuthContext } from '../../auth/context';
import type { DefinitionRegistry } from '../../fhir/definitions/registry';
import { badRequest, FhirError } from '../../fhir/outcome';
import type { SearchRequest } from '../../fhir/search/ast';
import { parseSearch } from '../../fhir/search/parse';

export const EXPORT_JOB_KIND = 'bulk-export';

/** The formats `_outputFormat` may name; all mean NDJSON of FHIR resources. */
const NDJSON_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);
const FHIR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Parameters of the spec this server does not support: an error rather than a silently different export. */
const UNSUPPORTED = new Set(['_elements', 'patient', 'includeAssociatedData', 'organizeOutputBy', '_typeFilter:iterate']);

/** What an export job is asked to do, as stored in the job row. */
export interface ExportParams {
  level: 'system' | 'patient' | 'group';
  /** Group level: the Group and its member patients at kick-off. */
  groupId?: string;
  patients?: string[];
  /** `_type`; undefined = every type the client may search. */
  types?: string[];
  since?: string;
  /** `_typeFilter` values, `Type?query`. */
  typeFilters: string[];
  /** The kick-off URL, for the manifest's `request`. */
  request: string;
  transactionTime: string;
  /** Files are closed at this size (KOLIBRI_EXPORT_MAX_FILE_MB when the job was started). */
  maxFileBytes: number;
  /** The requesting client's context: the export holds what it may read. */
  auth: AuthContext;
}

/** The kick-off query as parsed; level, Group members and auth are added by the caller. */
export type ExportQuery = Pick<ExportParams, 'types' | 'since' | 'typeFilters'>;

/**
 * Check the kick-off parameters: `_outputFormat`, `_since` (an instant), `_type` (known types,
 * comma-separated, repeats allowed), `_typeFilter` (a search on a type, checked by the search
 * parser). Anything else is a 400: an export that silently ignored a filter holds more than asked.
 */
export function parseExportQuery(params: ReadonlyArray<readonly [string, string]>, registry: DefinitionRegistry): ExportQuery {
  const out: ExportQuery = { typeFilters: [] };
  for (const [name, value] of params) {
    switch (name) {
      case '_outputFormat':
        if (!NDJSON_FORMATS.has(value)) throw badRequest(`_outputFormat ${value} is not supported; use application/fhir+ndjson`, ['_outputFormat']);
        break;
      case '_since':
        if (!FHIR_INSTANT.test(value) || Number.isNaN(Date.parse(value))) throw badRequest('_since must be a FHIR instant with a time zone', ['_since']);
        out.since = new Date(value).toISOString();
        break;
      case '_type':
        for (const type of value.split(',').map((t) => t.trim())) {
          if (!registry.isResourceType(type)) throw badRequest(`_type: ${type || '(empty)'} is not a resource type`, ['_type']);
          out.types = [...new Set([...(out.types ?? []), type])];
        }
        break;
      case '_typeFilter':
        out.typeFilters.push(...value.split(',').filter(Boolean));
        break;
      case '_format':
      case '_pretty':
        break;
      default:
        throw badRequest(`${UNSUPPORTED.has(name) ? 'The export parameter' : 'Unknown export parameter'} ${name} is not supported`, [name]);
    }
  }
  for (const filter of out.typeFilters) {
    const type = filterType(filter);
    if (out.types && !out.types.includes(type)) throw badRequest(`_typeFilter ${filter} names a type not in _type`, ['_typeFilter']);
    typeFilterSearch(filter, registry, new Date());
  }
  return out;
}

/** The type a `_typeFilter` value searches. */
export function filterType(filter: string): string {
  const q = filter.indexOf('?');
  return q < 0 ? filter : filter.slice(0, q);
}

/** A `_typeFilter` value as a search on its type (strict: an unknown parameter is a 400). */
export function typeFilterSearch(filter: string, registry: DefinitionRegistry, now: Date, baseUrl?: string): SearchRequest {
  const q = filter.indexOf('?');
  const type = filterType(filter);
  if (q < 0 || !registry.isResourceType(type)) throw badRequest(`_typeFilter must be [type]?[search], got ${filter}`, ['_typeFilter']);
  const params = [...new URLSearchParams(filter.slice(q + 1))];
  const control = params.find(([name]) => ['_count', '_sort', '_include', '_revinclude', '_summary', '_elements', '_total', '_page'].includes(name.split(':')[0]));
  if (control) throw badRequest(`_typeFilter ${filter}: ${control[0]} selects no resources`, ['_typeFilter']);
  try {
    return parseSearch({ resourceType: type, params, strict: true }, { registry, baseUrl, now }).request;
  } catch (err) {
    if (err instanceof FhirError) throw badRequest(`_typeFilter ${filter}: ${err.issues.map((i) => i.diagnostics).join('; ')}`, ['_typeFilter']);
    throw err;
  }
}

/** `Prefer: respond-async` is required at kick-off. */
export function requireRespondAsync(prefer: string | string[] | undefined): void {
  const text = Array.isArray(prefer) ? prefer.join(',') : prefer ?? '';
  if (!/(^|[,;\s])respond-async(\s*($|[,;]))/.test(text)) throw badRequest('An export kick-off needs the header Prefer: respond-async');
}
