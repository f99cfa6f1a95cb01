/**
 * The access filter's type, for importers that have not yet moved to the store, which builds
 * SQL (../../store/search/sql-builder.ts).
 */
export type { AccessFilter } from '../../store/search/sql-builder';
