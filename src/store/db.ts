import type { Pool, PoolClient } from 'pg';

/** Where a statement runs: the pool, or one connection (a transaction's). Opaque outside the store. */
export type Db = Pool | PoolClient;
