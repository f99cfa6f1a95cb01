import type { Pool } from 'pg';
import { conflict } from '../../fhir/outcome';
import type { Client, NewClient } from '../../auth/client-registration';

const COLUMNS = `client_id, name, kind, organization, patient, scopes, jwks, jwks_uri, status,
  to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
  to_char(revoked_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS revoked_at`;

interface ClientRow {
  client_id: string;
  name: string | null;
  kind: Client['kind'];
  organization: string;
  patient: string | null;
  scopes: string[];
  jwks: Client['jwks'] | null;
  jwks_uri: string | null;
  status: Client['status'];
  created_at: string;
  revoked_at: string | null;
}

function toClient(r: ClientRow): Client {
  return {
    clientId: r.client_id,
    ...(r.name ? { name: r.name } : {}),
    kind: r.kind,
    organization: r.organization,
    ...(r.patient ? { patient: r.patient } : {}),
    scopes: r.scopes,
    ...(r.jwks ? { jwks: r.jwks } : {}),
    ...(r.jwks_uri ? { jwksUri: r.jwks_uri } : {}),
    status: r.status,
    createdAt: r.created_at,
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  };
}

/** The client registry in PostgreSQL (table auth_client), shared by every instance. */
export class ClientStore {
  constructor(private readonly pool: Pool) {}

  /** Register a client; 409 when the client_id is taken (revoked ids are never reused). */
  async add(client: NewClient): Promise<Client> {
    try {
      const { rows } = await this.pool.query<ClientRow>(
        `INSERT INTO auth_client (client_id, name, kind, organization, patient, scopes, jwks, jwks_uri)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [
          client.clientId,
          client.name ?? null,
          client.kind,
          client.organization,
          client.patient ?? null,
          client.scopes,
          client.jwks ? JSON.stringify(client.jwks) : null,
          client.jwksUri ?? null,
        ],
      );
      return toClient(rows[0]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw conflict(`client_id '${client.clientId}' is already registered`);
      throw err;
    }
  }

  async get(clientId: string): Promise<Client | undefined> {
    const { rows } = await this.pool.query<ClientRow>(`SELECT ${COLUMNS} FROM auth_client WHERE client_id = $1`, [clientId]);
    return rows[0] ? toClient(rows[0]) : undefined;
  }

  async list(): Promise<Client[]> {
    const { rows } = await this.pool.query<ClientRow>(`SELECT ${COLUMNS} FROM auth_client ORDER BY client_id`);
    return rows.map(toClient);
  }

  /** Revoke a client: no new tokens; its live tokens stop working (see the guard's status cache). */
  async revoke(clientId: string): Promise<Client | undefined> {
    const { rows } = await this.pool.query<ClientRow>(
      `UPDATE auth_client SET status = 'revoked', revoked_at = coalesce(revoked_at, now())
        WHERE client_id = $1 RETURNING ${COLUMNS}`,
      [clientId],
    );
    return rows[0] ? toClient(rows[0]) : undefined;
  }
}
