import type { Resource } from '@medplum/fhirtypes';
import type { AuthContext } from '../auth/context';
import { Access, type AccessDeps } from './access';
import { AccessTrail } from './access-trail';
import type { DefinitionRegistry } from '../fhir/definitions/registry';
import type { Clock } from '../clock';
import type { SearchRequest } from '../fhir/search/ast';
import type { Subsetter } from '../fhir/subset';
import type { ResourceValidator } from '../fhir/validation/validator';
import type { ResourceStore } from '../store/resources';
import type { SearchResult, SearchRow } from '../store/search';
import type { AccessFilter } from '../store/search/sql-builder';
import type { CanonicalLookup } from '../store/canonical';
import type { WriteHook } from './write-hooks';
import type { BinaryContent } from './binary-capability';

/** What every interaction of one request may use. Passed in; interactions never reach for globals. */
export interface InteractionDeps extends SharedDeps {
  /** This request's access decisions (scopes, which patients). */
  access: Access;
  /** Whose data this request touched or was refused, for its AuditEvents (`access` records into it). */
  trail: AccessTrail;
}

/** The request-independent part of InteractionDeps, composed once at start-up. */
export interface SharedDeps {
  store: ResourceStore;
  registry: DefinitionRegistry;
  validator: ResourceValidator;
  /** Public FHIR base URL, no trailing slash (Location, fullUrl, links). */
  baseUrl: string;
  /** PUT to a new id creates the resource. */
  updateCreate: boolean;
  clock: Clock;
  /** Runs a parsed search in the store (which compiles it), under the access filter when given. */
  search: (request: SearchRequest, access?: AccessFilter) => Promise<SearchResult>;
  /** `Observation/$lastn` in the store: the `max` latest matches per subject and code. */
  lastN: (request: SearchRequest, max: number, access?: AccessFilter) => Promise<SearchRow[]>;
  /** `_summary` / `_elements` trimming, per-type element facts cached. */
  subsetter: Subsetter;
  /** What access checks need from the database and the definitions. */
  accessDeps: AccessDeps;
  /** Canonical look-up (Questionnaires for QuestionnaireResponse checks). */
  findCanonical: CanonicalLookup;
  /** Rules run inside every write transaction after the request's writes (see write-hooks.ts). */
  writeHooks?: readonly WriteHook[];
  limits: {
    /** More entries in a batch/transaction → 413. */
    maxBundleEntries: number;
    /** Conditional delete of several matches is allowed. */
    conditionalDeleteMultiple: boolean;
    /** KOLIBRI_BINARY_CONTENT_TYPES and KOLIBRI_BINARY_MAX_BYTES: what a stored image or document may be. */
    binary: BinaryContent;
  };
}

/** The deps of one request made by `auth`. */
export function forRequest(shared: SharedDeps, auth: AuthContext): InteractionDeps {
  const trail = new AccessTrail(auth);
  return { ...shared, access: new Access(auth, shared.accessDeps, trail), trail };
}

/** Framework-free result of an interaction; the HTTP layer serializes it. */
export interface InteractionResult {
  status: number;
  /** A resource object, or its exact JSON text (stored content is served without re-parsing). */
  body?: Resource | string;
  headers?: Record<string, string>;
  /**
   * For writes: the resource the `Prefer: return=` header chooses between (body is then that
   * resource and may be replaced by nothing or an OperationOutcome).
   */
  preferable?: boolean;
  /**
   * The media type of a body that is not negotiated FHIR JSON: an operation's other
   * representation (CSV, HTML), or FHIR JSON it answers whatever Accept says. Sent as is.
   */
  contentType?: string;
}
