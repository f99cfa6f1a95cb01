// https://hl7.org/fhir/R4/bundle.html#references and https://hl7.org/fhir/R4/http.html#trules

/** `[base]/[type]/[id]` (optionally `/_history/[vid]`): a RESTful absolute URL. */
const RESTFUL = /^(https?:\/\/.+)\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
/** `[type]/[id]` (optionally `/_history/[vid]`): a relative reference. */
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
/** `[type]?[criteria]`: a conditional reference, resolved by search. */
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** The parts of a conditional reference `Patient?identifier=…`, or undefined. */
export function parseConditionalReference(value: string): { type: string; query: string } | undefined {
  const m = CONDITIONAL.exec(value);
  return m ? { type: m[1], query: m[2] } : undefined;
}

/**
 * Where each entry's fullUrl (and each resolved conditional reference) now lives, as a
 * relative `Type/id`. Lookups follow the spec: an exact match of the fullUrl, or a relative
 * reference inside a resource whose own fullUrl is a RESTful URL, resolved against that base.
 */
export class BundleUrls {
  private readonly targets = new Map<string, string>();

  set(url: string, target: string): void {
    this.targets.set(url, target);
  }

  has(url: string): boolean {
    return this.targets.has(url);
  }

  get size(): number {
    return this.targets.size;
  }

  /** The new value of a Reference.reference found in the resource of entry `fullUrl`, if it changes. */
  reference(value: string, fullUrl: string | undefined): string | undefined {
    const exact = this.targets.get(value);
    if (exact !== undefined) return exact;
    const relative = RELATIVE.exec(value);
    const base = fullUrl ? RESTFUL.exec(fullUrl)?.[1] : undefined;
    if (relative && base) {
      const target = this.targets.get(`${base}/${relative[1]}/${relative[2]}`);
      if (target !== undefined) return target;
    }
    return undefined;
  }

  /** The new value of a uri/url/oid/uuid element or narrative link, if it is an entry's fullUrl. */
  uri(value: string): string | undefined {
    return this.targets.get(value);
  }
}
