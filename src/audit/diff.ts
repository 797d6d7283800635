/**
 * A byte-exact unified diff of two config files (for `config diff`, /api/config/diff and the status
 * page, which all show this text). Equal means equal bytes: '' only then. The line diff is jsdiff's
 * (the maintained `diff` package, Myers O(ND), so large files stay fast), with these rules on top:
 *
 * - Hunk headers as `diff -u` prints them (`@@ -0,0 +1,2 @@` for an empty side, `-3` for one line).
 * - A missing newline at the end of a file is marked `\ No newline at end of file` under its line.
 * - Changed lines (`-`/`+`) make bytes a terminal would hide visible, so that two lines that look the
 *   same never appear as a change without showing why: carriage return `␍`, tab `␉`, trailing spaces
 *   and no-break spaces `·`, a byte-order mark `⟨BOM⟩`, other control characters as their control
 *   pictures (U+2400 + code). Context lines are printed as stored. The output is for reading, not
 *   for `patch`: `config show` prints the exact bytes.
 */
import { structuredPatch } from 'diff';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** A changed line's text with the bytes a terminal hides made visible (rules in the file header). */
export function visible(line: string): string {
  const body = line.replace(/[ \u00a0]+$/, (s) => '·'.repeat(s.length));
  return body
    .replaceAll('\ufeff', '⟨BOM⟩')
    .replaceAll('\t', '␉')
    .replaceAll('\r', '␍')
    .replace(CONTROL, (c) => (c === '\u007f' ? '␡' : String.fromCharCode(0x2400 + c.charCodeAt(0))));
}

const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`);

/** `diff -u` style diff of two files' bytes with `context` lines around each change; '' when the bytes are equal. */
export function unifiedDiff(oldBytes: Uint8Array, newBytes: Uint8Array, oldName: string, newName: string, context = 3): string {
  if (Buffer.compare(oldBytes, newBytes) === 0) return '';
  const decode = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  const patch = structuredPatch(oldName, newName, decode(oldBytes), decode(newBytes), undefined, undefined, { context });
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const h of patch.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    for (const line of h.lines) out.push(line[0] === '-' || line[0] === '+' ? `${line[0]}${visible(line.slice(1))}` : line);
  }
  return `${out.join('\n')}\n`;
}
