import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The operator credential for /admin (KOLIBRI_ADMIN_TOKEN), compared in constant time: both
 * sides are hashed first so neither the length nor a prefix of the secret leaks through timing.
 */
export class AdminCredential {
  private readonly digest: Buffer;

  constructor(secret: string) {
    this.digest = createHash('sha256').update(secret).digest();
  }

  /** True when `authorization` is `Bearer <the admin token>`. */
  accepts(authorization: string | undefined): boolean {
    const m = /^Bearer ([\x21-\x7E]+)$/.exec(authorization ?? '');
    const presented = createHash('sha256').update(m ? m[1] : '').digest();
    return timingSafeEqual(presented, this.digest) && m !== null;
  }
}
