import type { TestApp } from './app';
import { eventually } from './eventually';

/**
 * Drains the audit outbox until every record written before the call is an AuditEvent. Another
 * test file's drainer may have claimed some of them (FOR UPDATE SKIP LOCKED): this drainer then
 * passes them by, and they become AuditEvents only when that transaction commits, which on a
 * loaded machine can take seconds. Throws if some are still there after `timeoutMs`.
 */
export async function drainAudit(t: Pick<TestApp, 'pool' | 'services'>, { timeoutMs = 30_000 } = {}): Promise<void> {
  const { rows } = await t.pool.query<{ top: string | null }>('SELECT max(id)::text AS top FROM audit_outbox');
  const top = rows[0].top;
  const drained = await eventually(
    async () => {
      await t.services.auditDrainer.drainAll();
      if (top === null) return true;
      return (await t.pool.query('SELECT 1 FROM audit_outbox WHERE id <= $1 LIMIT 1', [top])).rows.length === 0;
    },
    { timeoutMs },
  );
  if (!drained) throw new Error(`audit outbox records up to id ${top} were not drained within ${timeoutMs} ms`);
}
