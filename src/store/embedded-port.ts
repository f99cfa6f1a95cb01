import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const PORT_FILE = 'embedded-pg-port';

/**
 * The port of a data folder's embedded PostgreSQL. KOLIBRI_EMBEDDED_PG_PORT wins when set.
 * Otherwise the port remembered in `<dataDir>/embedded-pg-port` is used while it is free, and a
 * free port is chosen (and remembered) the first time or when another program took it: a fixed
 * default made a second server with another data folder fail on the first one's port.
 */
export async function embeddedPort(dataDir: string, configured: number | undefined): Promise<number> {
  if (configured !== undefined) return configured;
  const remembered = rememberedPort(dataDir);
  if (remembered !== undefined && (await tryPort(remembered)) !== undefined) return remembered;
  const port = await tryPort(0);
  if (port === undefined) throw new Error('no free port for the embedded PostgreSQL on 127.0.0.1');
  writeFileSync(join(dataDir, PORT_FILE), `${port}\n`);
  return port;
}

/** The port remembered in `<dataDir>/embedded-pg-port`, or undefined when there is none. */
export function rememberedPort(dataDir: string): number | undefined {
  const port = Number(readText(join(dataDir, PORT_FILE)));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Listen on `port` of 127.0.0.1 (0 = any) and let go again: the port that was free, or undefined. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const bound = (srv.address() as { port: number }).port;
      srv.close(() => resolve(bound));
    });
  });
}
