/**
 * The random part of a LIVE client order id. Coinbase answers a reused client_order_id with the order
 * that already has it, so an id must never repeat, even when the cycle number does (a fresh data dir, a
 * restored backup, a second host with one instance_id). 60 random bits in Crockford base32: 12 characters.
 */
import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 12 Crockford base32 characters (60 random bits), drawn once per LIVE cycle and written into each intent before the send. */
export function newIdNonce(): string {
  const b = randomBytes(8);
  let v = b.readBigUInt64BE(0) >> 4n; // 60 bits
  let out = '';
  for (let i = 0; i < 12; i++) {
    out = CROCKFORD[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}
