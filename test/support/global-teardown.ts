/** Stop the database global-setup started (nothing to do for DATABASE_URL). */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __kolibriDbStop?: () => Promise<void> };
  await g.__kolibriDbStop?.();
}
