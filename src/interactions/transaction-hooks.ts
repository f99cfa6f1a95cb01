import type { Resource } from '@medplum/fhirtypes';
import type { StoreTransaction } from '../store/resources';

/** Default for KOLIBRI_MAX_BUNDLE_ENTRIES. */
export const DEFAULT_MAX_BUNDLE_ENTRIES = 10000;

/**
 * Ids of the current resources of `type` matching search `query` (the text after `?`, e.g.
 * `identifier=urn:oid:1.2.208.176.1.2|0101701234`). Inside a transaction `tx` is given, so the
 * search sees the transaction's own earlier writes (a conditional create after a delete).
 * Return at most two ids when more match: one more than needed proves "not unique".
 */
export type ConditionalResolver = (type: string, query: string, tx?: StoreTransaction) => Promise<string[]>;

/** What one bundle entry asks to do, as an authorization check sees it. */
export interface EntryRequest {
  /** 0-based position in Bundle.entry. */
  index: number;
  interaction: 'create' | 'update' | 'patch' | 'delete' | 'read' | 'vread' | 'history' | 'search';
  method: string;
  url: string;
  type: string;
  /** Absent for creates and conditional interactions. */
  id?: string;
  /** The resource to be written (create, update), as sent. */
  resource?: Resource;
}

/** Dependencies of batch and transaction processing beyond the single interactions'. */
export interface BundleOptions {
  /** More entries → 413. */
  maxEntries?: number;
  /**
   * Resolves conditional references, If-None-Exist, conditional update and delete. Until it
   * is connected, those answer 501 (never a silent pass).
   */
  resolveConditional?: ConditionalResolver;
  /**
   * The authorization check of each entry, made before anything is written; throw a FhirError
   * (403) to refuse. A refused entry fails a transaction as a whole and one batch entry alone.
   */
  authorize?: (request: EntryRequest) => void | Promise<void>;
  /**
   * Entries the server writes on the caller's behalf (a submission's triage): validated, not
   * subject to the caller's write rules. Every other entry is authorized in the transaction.
   */
  trusted?: (index: number) => boolean;
  /** Prefer: return=minimal leaves resources out of the response entries. */
  preferMinimal?: boolean;
  /** Where a batch entry's unexpected (500) error is reported; the entry answers 500. */
  onUnexpectedError?: (err: unknown, index: number) => void;
}
