/**
 * Secret values known to the runtime (passwords, PINs, tokens) are masked in any text that
 * leaves a node: error messages, status, log lines. Config nodes register their credentials;
 * clients register tokens as they receive them.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 4) secrets.add(value);
}

export function forgetSecret(value: string | undefined | null): void {
  if (typeof value === 'string') secrets.delete(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}
