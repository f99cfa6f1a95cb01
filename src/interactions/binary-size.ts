import { payloadTooLarge } from '../fhir/outcome';
import type { WriteHook } from './write-hooks';

/**
 * The Binary size limit on every write path, not only raw uploads (whose parser stops at the limit):
 * a Binary written as FHIR JSON (create, update, patch, transaction or batch entry, an operation's
 * writes) whose decoded `data` is larger than `maxBytes` fails the request with 413.
 */
export function binarySizeRule(maxBytes: number): WriteHook {
  const hook: WriteHook = async ({ changes }) => {
    for (const change of changes) {
      if (change.resourceType !== 'Binary' || change.json === null) continue;
      const data = (JSON.parse(change.json) as { data?: string }).data;
      const size = data ? Buffer.byteLength(data, 'base64') : 0;
      if (size > maxBytes) throw payloadTooLarge(`Binary content of ${size} bytes is larger than the limit of ${maxBytes} bytes`);
    }
  };
  hook.watches = (change) => change.resourceType === 'Binary';
  return hook;
}
