/**
 * A notice as a webhook request body, per format. Every message starts with the instance id and
 * the first 8 characters of the config hash: `[trader-1 b0664c87] trading HALTED: kill_switch`.
 *
 *   generic   JSON {instance_id, config_hash (16), event, title, text, fields, timestamp}
 *   slack     JSON {text}                      (Slack incoming webhook)
 *   discord   JSON {content} (≤ 2000 chars)    (Discord execute-webhook)
 *   telegram  JSON {chat_id, text, disable_web_page_preview: true}   (Bot API sendMessage, ≤ 4096 chars)
 */
import type { NotifyFormat } from '../config/schema/notifications.ts';
import type { Notice } from './notice.ts';

/** Who is speaking: named on every message. */
export interface NoticeIdentity {
  instanceId: string;
  configHash: string;
}

/** The message as plain text: header line, then one `key: value` line per field that has a value. */
function noticeText(n: Notice, id: NoticeIdentity): string {
  const lines = [`[${id.instanceId} ${id.configHash.slice(0, 8)}] ${n.title}`];
  for (const [k, v] of Object.entries(n.fields)) if (v !== null && v !== '') lines.push(`${k}: ${String(v)}`);
  lines.push(`at: ${n.at}`);
  return lines.join('\n');
}

const cut = (t: string, max: number) => (t.length <= max ? t : `${t.slice(0, max - 1)}…`);

/** The JSON body for a target of `format` (telegram needs its chat id). */
export function renderBody(n: Notice, format: NotifyFormat, id: NoticeIdentity, chatId?: string): string {
  const text = noticeText(n, id);
  switch (format) {
    case 'generic':
      return JSON.stringify({ instance_id: id.instanceId, config_hash: id.configHash, event: n.event, title: n.title, text, fields: n.fields, timestamp: n.at });
    case 'slack':
      return JSON.stringify({ text });
    case 'discord':
      return JSON.stringify({ content: cut(text, 2000) });
    case 'telegram':
      return JSON.stringify({ chat_id: chatId, text: cut(text, 4096), disable_web_page_preview: true });
  }
}
