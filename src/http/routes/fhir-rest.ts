import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { methodNotAllowed } from '../../fhir/outcome';
import { capabilities } from '../../interactions/capabilities';
import { create } from '../../interactions/create';
import { remove } from '../../interactions/delete';
import { history, type Query } from '../../interactions/history';
import { patch } from '../../interactions/patch';
import { read } from '../../interactions/read';
import { processBundle } from '../../interactions/transaction-bundle';
import type { BundleOptions } from '../../interactions/transaction-hooks';
import type { InteractionDeps, InteractionResult, SharedDeps } from '../../interactions/types';
import { requestDeps } from '../request-deps';
import { update } from '../../interactions/update';
import { vread } from '../../interactions/vread';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { sendResult } from '../reply';
import { isFhirJson } from '../content-type';
import { authorizeEntry } from '../../interactions/authorize';
import { conditionalInteraction, conditionalPatch, conditionalResolver } from '../../interactions/conditional';
import type { Binary } from '@medplum/fhirtypes';
import { DEFAULT_BINARY_LIMITS, resourceBody, sendRawBinary, wantsRawBinary, type BinaryLimits } from '../binary-body';

interface Params {
  type: string;
  id: string;
  vid: string;
}

export interface FhirRestOptions {
  deps: SharedDeps;
  capabilityStatement: () => CapabilityStatement;
  /** Transaction/batch limits and hooks (conditional resolver, per-entry authorization). */
  bundle?: BundleOptions;
  /** Raw Binary bodies and reads (default: DEFAULT_BINARY_LIMITS). */
  binary?: BinaryLimits;
}

/**
 * The FHIR REST route table: one route per interaction, each a thin adapter from HTTP to a
 * framework-free interaction. https://hl7.org/fhir/R4/http.html
 */
export function registerFhirRest(app: FastifyInstance, { deps: shared, capabilityStatement, bundle, binary = DEFAULT_BINARY_LIMITS }: FhirRestOptions): void {
  // Each handler gets the deps of its own request: the shared parts plus the caller's Access.
  const route =
    (run: (p: Params, req: FastifyRequest, deps: InteractionDeps) => Promise<InteractionResult> | InteractionResult) =>
    async (req: FastifyRequest, reply: FastifyReply) =>
      sendResult(req, reply, await run(req.params as Params, req, requestDeps(req, shared)));
  const ifMatch = (req: FastifyRequest) => header(req, 'if-match');

  // metadata needs no token (and no per-request Access): served directly.
  app.get('/fhir/metadata', async (req, reply) => sendResult(req, reply, capabilities(capabilityStatement())));
  app.get('/fhir/_history', route((_p, req, deps) => history(deps, {}, req.query as Query)));
  app.get('/fhir/:type/_history', route((p, req, deps) => history(deps, { type: p.type }, req.query as Query)));
  app.get('/fhir/:type/:id/_history', route((p, req, deps) => history(deps, { type: p.type, id: p.id }, req.query as Query)));
  // A Binary read without FHIR in Accept or _format answers its content (https://hl7.org/fhir/R4/http.html#binary).
  const readOrContent =
    (run: (p: Params, deps: InteractionDeps) => Promise<InteractionResult>) => async (req: FastifyRequest, reply: FastifyReply) => {
      const p = req.params as Params;
      const result = await run(p, requestDeps(req, shared));
      if (p.type !== 'Binary' || !wantsRawBinary(req)) return sendResult(req, reply, result);
      return sendRawBinary(reply, JSON.parse(result.body as string) as Binary, result.headers, binary);
    };
  app.get('/fhir/:type/:id/_history/:vid', readOrContent((p, deps) => vread(deps, p.type, p.id, p.vid)));
  app.get('/fhir/:type/:id', readOrContent((p, deps) => read(deps, p.type, p.id)));
  app.post(
    '/fhir/:type',
    route((p, req, deps) => {
      const ifNoneExist = header(req, 'if-none-exist');
      return ifNoneExist
        ? conditionalInteraction(deps, { method: 'POST', type: p.type, criteria: ifNoneExist.replace(/^[^?]*\?/, ''), body: resourceBody(req, p.type) })
        : create(deps, p.type, resourceBody(req, p.type));
    }),
  );
  // Conditional update and delete: the criteria are the query string (https://hl7.org/fhir/R4/http.html#cond-update)
  app.put('/fhir/:type', route((p, req, deps) => conditionalInteraction(deps, { method: 'PUT', type: p.type, criteria: criteria(req), body: resourceBody(req, p.type), ifMatch: ifMatch(req) })));
  app.delete('/fhir/:type', route((p, req, deps) => conditionalInteraction(deps, { method: 'DELETE', type: p.type, criteria: criteria(req) })));
  app.patch(
    '/fhir/:type',
    route((p, req, deps) =>
      conditionalPatch(deps, { type: p.type, criteria: criteria(req), contentType: patchContentType(req), content: req.body, ifMatch: ifMatch(req) }),
    ),
  );
  app.put('/fhir/:type/:id', route((p, req, deps) => update(deps, p.type, p.id, resourceBody(req, p.type), { ifMatch: ifMatch(req) })));
  app.delete('/fhir/:type/:id', route((p, req, deps) => remove(deps, p.type, p.id, { ifMatch: ifMatch(req) })));
  const transactionOrBatch = route((_p, req, deps) => processBundle(deps, req.body, {
    ...bundle,
    maxEntries: deps.limits.maxBundleEntries,
    authorize: authorizeEntry(deps),
    resolveConditional: conditionalResolver(deps),
    preferMinimal: /return=("?)minimal\1/.test(header(req, 'prefer') ?? ''),
    onUnexpectedError: (err, entry) => req.log.error({ err, entry }, 'batch entry failed'),
  }));
  app.post('/fhir', transactionOrBatch);
  // [base] with its trailing slash: fhir-kit-client's transaction() and batch() post to `${baseUrl}/`.
  app.post('/fhir/', transactionOrBatch);
  app.patch('/fhir/:type/:id', route((p, req, deps) => patch(deps, p.type, p.id, { contentType: patchContentType(req), content: req.body }, { ifMatch: ifMatch(req) })));

  // Methods the spec defines no interaction for at these URLs answer 405 with Allow.
  const notAllowed = (allow: string[]) => async () => {
    throw methodNotAllowed(`Method not allowed here; allowed: ${allow.join(', ')}`, allow);
  };
  app.route({ method: ['POST'], url: '/fhir/:type/:id', handler: notAllowed(['GET', 'PUT', 'PATCH', 'DELETE']) });
  app.route({ method: ['POST', 'PUT', 'DELETE', 'PATCH'], url: '/fhir/:type/:id/_history/:vid', handler: notAllowed(['GET']) });
  app.route({ method: ['POST', 'PUT', 'DELETE', 'PATCH'], url: '/fhir/metadata', handler: notAllowed(['GET']) });
}

/**
 * PATCH's body format for the interaction: every FHIR JSON form reads as `application/fhir+json`
 * (FHIRPath Patch), so `application/json+fhir` patches like it posts.
 */
function patchContentType(req: FastifyRequest): string | undefined {
  const given = header(req, 'content-type');
  return given !== undefined && isFhirJson(given) ? 'application/fhir+json' : given;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The criteria of a conditional request: its query string without the transport parameters. */
function criteria(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
  for (const name of ['_format', '_pretty']) params.delete(name);
  return params.toString();
}
