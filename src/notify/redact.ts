/** Removes secrets (webhook URLs, their paths, bot tokens) from a text before it is logged. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** The parts of a URL that may carry a secret: the whole URL, and its path and query. */
export function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [url, u.href, `${u.pathname}${u.search}`, ...u.pathname.split('/').filter((p) => p.length >= 16), ...(u.search ? [u.search] : [])];
  } catch {
    return [url];
  }
}
