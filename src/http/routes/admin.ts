import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuthService } from '../../auth/auth-service';
import { checkRegistration } from '../../auth/client-registration';
import { REGISTRATION_SCHEMA } from '../../auth/registration-schema';
import { schemaProblems } from '../../json-schema';
import { FhirError, notFound, unauthorized } from '../../fhir/outcome';

/**
 * Operator API for the client registry and the server's signing keys, under `/admin`,
 * protected by KOLIBRI_ADMIN_TOKEN (`Authorization: Bearer <token>`, compared in constant time).
 * Without an admin token these routes are not registered at all (404).
 *
 *   GET  /admin/clients                      list
 *   GET  /admin/clients/:clientId            one
 *   POST /admin/clients                      register (JSON: clientId, kind, organization, scopes, jwks | jwksUri, name?,
 *                                            patient: 'Patient/<id>' for a citizen client)
 *   POST /admin/clients/:clientId/revoke     revoke (no new tokens; live tokens stop within seconds)
 *   POST /admin/keys/rotate                  new server signing key; old keys verify until their tokens expire
 */
export function registerAdminRoutes(app: FastifyInstance, service: AuthService): void {
  const admin = service.admin;
  if (!admin) return;
  const send = (reply: FastifyReply, body: unknown, status = 200) =>
    reply.status(status).header('cache-control', 'no-store').type('application/json').send(body);

  app.register(async (scope) => {
    scope.addHook('onRequest', async (request) => {
      if (!admin.accepts(request.headers.authorization)) {
        request.log.warn('admin request without a valid operator credential');
        throw unauthorized('The admin API needs the operator credential (Authorization: Bearer <KOLIBRI_ADMIN_TOKEN>)', {
          'www-authenticate': 'Bearer realm="kolibri-admin"',
        });
      }
    });

    scope.get('/admin/clients', async (_req, reply) => send(reply, { clients: await service.clients.list() }));

    scope.get<{ Params: { clientId: string } }>('/admin/clients/:clientId', async (req, reply) => {
      const client = await service.clients.get(req.params.clientId);
      if (!client) throw notFound(`No client '${req.params.clientId}'`);
      return send(reply, client);
    });

    // the body's shape by the route schema (every problem kept for the answer), then the rules between members
    scope.post('/admin/clients', { schema: { body: REGISTRATION_SCHEMA }, attachValidation: true }, async (req, reply) => {
      const shape = req.validationError ? schemaProblems(REGISTRATION_SCHEMA, req.validationError.validation) : [];
      const { client, problems } = checkRegistration(req.body, shape);
      if (!client) {
        throw new FhirError(
          400,
          problems.map((diagnostics) => ({ severity: 'error' as const, code: 'invalid' as const, diagnostics })),
        );
      }
      const added = await service.clients.add(client);
      req.log.info({ clientId: added.clientId, kind: added.kind, organization: added.organization }, 'client registered');
      return send(reply, added, 201);
    });

    scope.post<{ Params: { clientId: string } }>('/admin/clients/:clientId/revoke', async (req, reply) => {
      const client = await service.revoke(req.params.clientId);
      if (!client) throw notFound(`No client '${req.params.clientId}'`);
      req.log.info({ clientId: client.clientId }, 'client revoked');
      return send(reply, client);
    });

    scope.post('/admin/keys/rotate', async (req, reply) => {
      const kid = await service.keys.rotate();
      req.log.info({ kid }, 'server signing key rotated');
      return send(reply, { kid });
    });
  });
}
