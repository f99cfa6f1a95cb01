import type { Resource } from '@medplum/fhirtypes';
import { read } from '../read';
import type { InteractionDeps } from '../types';

/**
 * The resource an instance-level operation speaks about, read exactly as GET [type]/[id] reads
 * it: a hidden id answers 404 like a nonexistent one, a deleted one 410.
 */
export async function readInstance<T extends Resource>(deps: InteractionDeps, type: string, id: string): Promise<T> {
  const result = await read(deps, type, id);
  return (typeof result.body === 'string' ? JSON.parse(result.body) : result.body) as T;
}
