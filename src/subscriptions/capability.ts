import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { CHANNEL_TYPES } from './subscription-rule';

/** The Subscription entry of the CapabilityStatement names the channel types delivered. */
export function withSubscriptionChannels(r: CapabilityStatementRestResource): CapabilityStatementRestResource {
  if (r.type !== 'Subscription') return r;
  return {
    ...r,
    documentation: `Channel types: ${CHANNEL_TYPES.join(', ')}. criteria: any type search the server supports, evaluated per committed change as the subscriber's own search; owned by the creating client. websocket: connect to the URL of the rest element's capabilitystatement-websocket extension, send "bind <id>" (the access token in the Authorization header of the upgrade request, or "bind <id> <token>"), receive "bound <id>", then "ping <id>" per notification.`,
  };
}

/** https://hl7.org/fhir/R4/extension-capabilitystatement-websocket.html */
export const WEBSOCKET_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket';

/** The websocket channel's URL for a base URL: `<base>/websocket`, ws: for http:, wss: for https:. */
export function websocketUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/websocket`;
}

/** Advertise the websocket channel's URL on every rest element (R4: where clients look for it). */
export function withWebsocketEndpoint(statement: CapabilityStatement, baseUrl: string): CapabilityStatement {
  return {
    ...statement,
    rest: statement.rest?.map((rest) => ({ ...rest, extension: [...(rest.extension ?? []), { url: WEBSOCKET_EXTENSION, valueUri: websocketUrl(baseUrl) }] })),
  };
}
