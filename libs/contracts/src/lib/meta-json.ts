/**
 * JSON written the way Meta writes webhook bodies: ASCII only — every UTF-16 code unit above `~` as a
 * lowercase `\uXXXX` escape (so an emoji becomes its surrogate pair, `👋` → `\ud83d\udc4b`) — and
 * `/` as `\/`. Meta signs these bytes and documents that receivers verify "an escaped unicode version
 * of the payload"; SDKs (whatsapp-api-js) escape the received body before checking
 * `X-Hub-Signature-256`. A body wabridge builds itself from Meta's content (one change of a split
 * webhook, the on-premise shape, the simulator's webhooks) must therefore be encoded the same way,
 * or such receivers refuse it at the first accent. Parsing the result gives back the same value.
 */
export function toMetaJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('value has no JSON form');
  // outside strings JSON.stringify writes only ASCII without `/`, so both rewrites touch string content only
  return json.replace(/[\u007f-\uffff/]/g, (char) => (char === '/' ? '\\/' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** `toMetaJson` as the bytes to send or sign. */
export function toMetaJsonBytes(value: unknown): Buffer {
  return Buffer.from(toMetaJson(value), 'ascii');
}
