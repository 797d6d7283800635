/**
 * Coinbase CDP API secrets as operators store them. The secret is an EC private key in PEM form; in a
 * systemd EnvironmentFile or a .env file its newlines usually arrive as the two characters `\n`, which
 * ccxt's signer cannot read ("padding: invalid"). Checked once at startup, before any request.
 * No ccxt here: the LIVE gates run before ccxt is imported.
 */
import { createPrivateKey } from 'node:crypto';

/** ccxt ids of Coinbase Advanced Trade (JWT-signed with a CDP PEM key). */
export const COINBASE_IDS: ReadonlySet<string> = new Set(['coinbase', 'coinbaseadvanced']);

/** The secret with literal `\n` (and `\r\n`) turned into newlines and surrounding quotes dropped; other secrets unchanged. */
export function normalizePem(secret: string): string {
  let s = secret.trim();
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0]) s = s.slice(1, -1);
  if (!s.includes('-----BEGIN')) return secret;
  return `${s.replace(/\\r\\n|\\n/g, '\n').replace(/\r\n/g, '\n').trim()}\n`;
}

/**
 * Why this secret cannot sign Coinbase requests, or undefined when it can (or is not a PEM key at all:
 * a legacy API secret is left to the venue). A CDP key name (organizations/…/apiKeys/…) needs a PEM.
 * The reason never contains the secret.
 */
export function pemProblem(apiKey: string, secret: string): string | undefined {
  const pem = normalizePem(secret);
  const looksPem = pem.includes('-----BEGIN');
  if (!looksPem) return apiKey.startsWith('organizations/') ? 'not a PEM private key (expected -----BEGIN EC PRIVATE KEY-----, newlines as real line breaks or as \\n)' : undefined;
  let type: string | undefined;
  try {
    const key = createPrivateKey(pem);
    type = key.asymmetricKeyType;
  } catch {
    return 'not a readable PEM private key (truncated, or its base64 body is damaged)';
  }
  return type === 'ec' ? undefined : `a ${type ?? 'non-EC'} key, expected an EC (ES256) private key`;
}
