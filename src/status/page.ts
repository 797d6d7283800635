/**
 * The status page: one static HTML file (src/status/page.html) read once at startup, served
 * with a Content-Security-Policy that allows exactly its own inline script and style (by
 * hash) and fetches to the same origin: no CDN, no other script can run in it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The page's bytes and the CSP header that goes with them. */
export interface StatusPage {
  html: string;
  csp: string;
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The hashes of every inline `<tag>` body, for the CSP. */
const inlineHashes = (html: string, tag: 'script' | 'style'): string[] =>
  [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => sha256(m[1]!));

/** Reads page.html (or `file`) and builds its CSP. */
export function loadStatusPage(file: URL | string = new URL('./page.html', import.meta.url)): StatusPage {
  const html = readFileSync(file, 'utf8');
  const csp = [
    "default-src 'none'",
    `script-src ${inlineHashes(html, 'script').join(' ')}`,
    // Inline style attributes set by the script (chart widths) need 'unsafe-inline' for style-src-attr only.
    `style-src-elem ${inlineHashes(html, 'style').join(' ')}`,
    "style-src-attr 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
