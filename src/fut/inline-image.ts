import { randomUUID } from 'node:crypto';
import type { Binary, Media } from '@medplum/fhirtypes';
import { payloadTooLarge } from '../fhir/outcome';
import type { BinaryContent } from '../interactions/binary-capability';
import { businessRule } from './results';

/** A Media whose image came inline, and the Binary that will hold it. */
export interface InlineImage {
  media: Media;
  fullUrl: string;
  binary: Binary;
}

/**
 * FUT clients may send a photo's image inline (`Media.content.data` with `content.contentType`);
 * Kolibri keeps images as Binaries of the patient. The bytes become a Binary (securityContext the
 * patient, the content type the Media's) under a fresh `urn:uuid:` fullUrl, which the Media's
 * `content.url` names in place of the data; the transaction rewrites it to `Binary/{id}`. The
 * content type must be one a raw Binary upload may have, and the bytes within the same size limit.
 * A Media without inline data is returned as it is (undefined).
 */
export function inlineImage(media: Media, patientId: string, limits: BinaryContent, at: string): InlineImage | undefined {
  const content = media.content;
  if (content?.data === undefined) return undefined;
  if (content.url !== undefined) throw businessRule('Media.content has both data and url; send the image inline or name an uploaded Binary, not both', `${at}.content`);
  const contentType = content.contentType ?? '';
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (!limits.contentTypes.includes(type)) {
    throw businessRule(`Media.content.contentType '${contentType}' is not accepted for an image; one of ${limits.contentTypes.join(', ') || 'none'}`, `${at}.content.contentType`);
  }
  const size = Buffer.byteLength(content.data, 'base64');
  if (size > limits.maxBytes) throw payloadTooLarge(`Media.content.data of ${size} bytes is larger than the limit of ${limits.maxBytes} bytes`);
  const fullUrl = `urn:uuid:${randomUUID()}`;
  const { data, ...rest } = content;
  return {
    media: { ...media, content: { ...rest, url: fullUrl } },
    fullUrl,
    binary: { resourceType: 'Binary', contentType, securityContext: { reference: `Patient/${patientId}` }, data },
  };
}
