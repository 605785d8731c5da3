/**
 * `presigned` signer: the signature was made elsewhere (a desktop with a token, 1C with the CryptoPro
 * plug-in) and arrives with the message (`msg.signature`). The signer only checks that it is present
 * and is a CMS signature of the requested kind; it cannot sign anything itself.
 *
 * Authentication needs an attached signature of a fresh random challenge, which cannot be made in
 * advance. With a presigned signer the client therefore uses the «единый токен» mode
 * (`unitedToken: true`, «Описание True API» v553 §1.5.2), where `data` may be an attached signature of the
 * organisation INN, passed in `msg.authSignature` (⚠ whether the real system accepts a re-used
 * signature there is not documented).
 */
import { checkSignature, signerError, type SignMode, type SignOptions, type Signer } from './types';

export class PresignedSigner implements Signer {
  readonly kind = 'presigned' as const;

  async sign(data: Buffer, mode: SignMode, opts: SignOptions = {}): Promise<string> {
    const given = opts.signature?.trim();
    if (!given) {
      const field = opts.purpose === 'auth' ? 'msg.authSignature' : 'msg.signature';
      throw Object.assign(
        signerError(
          'SIGNATURE_MISSING',
          `подпись не передана: для подписи «presigned» она должна прийти в ${field} (base64)`,
          `no signature given: with the "presigned" signer it must arrive in ${field} (base64)`,
        ),
        { field },
      );
    }
    // For attached signatures of the auth data the content is checked by the server.
    const der = checkSignature(given, mode, 'presigned', mode === 'attached' ? undefined : data);
    return der.toString('base64');
  }

  close(): void {
    // nothing to release
  }
}
