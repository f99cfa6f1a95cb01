/** One rest-hook notification: where, what, and the subscriber's registered headers. */
export interface RestHookRequest {
  endpoint: string;
  /** `channel.payload` (a mime type) with the resource's JSON text; undefined: an empty body. */
  payload?: { mimeType: string; body: string };
  /** `channel.header` values, each `Name: value`. */
  headers: readonly string[];
}

export interface RestHookLimits {
  timeoutMs: number;
  /** Most response bytes read (the rest is dropped and the delivery fails). */
  maxResponseBytes: number;
}

/** Undefined when delivered (a 2xx answer), else why not. */
export type RestHookOutcome = { ok: true } | { ok: false; error: string };

/**
 * POST one notification (https://hl7.org/fhir/R4/subscription.html#2.46.7.1). Redirects are not
 * followed (a 3xx is a failure: the endpoint was checked, its redirect target was not), the whole
 * exchange is bounded by a timeout and the answer by a size limit.
 */
export async function postRestHook(request: RestHookRequest, limits: RestHookLimits): Promise<RestHookOutcome> {
  const headers = new Headers();
  for (const line of request.headers) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    try {
      headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
    } catch {
      return { ok: false, error: `channel.header is not a valid HTTP header: ${line.slice(0, at)}` };
    }
  }
  if (request.payload) headers.set('content-type', request.payload.mimeType);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const res = await fetch(request.endpoint, { method: 'POST', headers, body: request.payload?.body ?? '', redirect: 'manual', signal });
    await readLimited(res, limits.maxResponseBytes);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    return { ok: false, error: `the endpoint answered HTTP ${res.status}` };
  } catch (err) {
    if (signal.aborted) return { ok: false, error: `the endpoint did not answer within ${limits.timeoutMs} ms` };
    return { ok: false, error: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err) };
  }
}

async function readLimited(res: Response, max: number): Promise<void> {
  if (!res.body) return;
  let read = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
    if (read > max) {
      await reader.cancel();
      throw new Error(`the endpoint's answer is larger than ${max} bytes`);
    }
  }
}
