import type { Access } from './access';
import type { InteractionDeps, InteractionResult } from './types';

/**
 * A FHIR operation (`$name`) as the engine serves it: its levels, methods and handler. The
 * routes and the CapabilityStatement entries are generated from the table of them (the engine's
 * own and those of the modules main.ts composes). https://hl7.org/fhir/R4/operations.html
 */
export interface Operation {
  /** Without the `$`. */
  name: string;
  levels: readonly OperationLevel[];
  methods: readonly ('GET' | 'POST')[];
  /** The OperationDefinition's canonical URL (CapabilityStatement.rest.resource.operation.definition). */
  definition: string;
  /** Resource types it applies to at type/instance level; undefined = all. */
  types?: readonly string[];
  /** Who may ask, decided before the request's input is read (throws 403); absent: the handler decides. */
  authorize?: (access: Access) => void;
  /**
   * Representations of the result besides FHIR JSON (CSV, HTML), chosen by `_format` or the first
   * media type of Accept. The handler gets the chosen one as `format` and answers it with a
   * `contentType` of its own; an operation without them answers FHIR JSON only.
   */
  formats?: readonly OperationFormat[];
  /**
   * For an operation another module already serves at the same name, levels and types (a second
   * parameter shape at one URL, e.g. a national API's): whether a request is in this shape. The
   * composed route tries it first and falls back to the earlier operation; the CapabilityStatement
   * names both definitions.
   */
  accepts?: (ctx: OperationContext) => boolean;
  /** Canonicals of the other shapes the same route serves (set by composition, see `accepts`). */
  alsoDefinitions?: readonly string[];
  handler: (ctx: OperationContext) => Promise<InteractionResult>;
}

export type OperationLevel = 'system' | 'type' | 'instance';

/** A non-FHIR representation of an operation's result. */
export interface OperationFormat {
  /** The `_format` short name (`csv`), also the value handed to the handler. */
  name: string;
  /** Its media type (`text/csv`), accepted as `_format` and in Accept. */
  mediaType: string;
}

export interface OperationContext {
  deps: OperationDeps;
  method: 'GET' | 'POST';
  type?: string;
  id?: string;
  body: unknown;
  query: Record<string, string | string[] | undefined>;
  /** `json`, or the name of one of the operation's `formats` the request chose. */
  format: string;
}

/** An operation's deps: the request's interaction deps (canonical look-ups included). */
export type OperationDeps = InteractionDeps;
