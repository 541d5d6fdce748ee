import { createHmac } from 'node:crypto';
import { toMetaJson, toMetaJsonBytes } from './meta-json';

describe('toMetaJson (Meta wire encoding)', () => {
  it('writes ASCII only: lowercase \\uXXXX escapes, emoji as a surrogate pair, / as \\/', () => {
    const value = { text: { body: 'Grüße 👋 https://shop.example/a?b=1' }, name: 'Zoë', Ω: ['€'] };
    expect(toMetaJson(value)).toBe(
      '{"text":{"body":"Gr\\u00fc\\u00dfe \\ud83d\\udc4b https:\\/\\/shop.example\\/a?b=1"},"name":"Zo\\u00eb","\\u03a9":["\\u20ac"]}',
    );
    expect(JSON.parse(toMetaJson(value))).toEqual(value);
    expect(toMetaJsonBytes(value).every((byte) => byte < 0x80)).toBe(true);
  });

  it('leaves plain ASCII, escapes JSON needs anyway and DEL as JSON.stringify would, bar the /', () => {
    const value = { a: 'say "hi"\n\\', n: 1.5, t: true, z: null, d: '\u007f', u: '\ud800' };
    expect(toMetaJson(value)).toBe('{"a":"say \\"hi\\"\\n\\\\","n":1.5,"t":true,"z":null,"d":"\\u007f","u":"\\ud800"}');
    expect(JSON.parse(toMetaJson(value))).toEqual(value);
  });

  it('is byte for byte what Meta sent, so a re-serialised Meta body keeps its signature', () => {
    const meta =
      '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"text":{"body":"Gr\\u00fc\\u00dfe \\ud83d\\udc4b https:\\/\\/x.example\\/p"}},"field":"messages"}]}]}';
    expect(toMetaJson(JSON.parse(meta))).toBe(meta);
    const sign = (body: string) => createHmac('sha256', 'secret').update(body).digest('hex');
    expect(sign(toMetaJson(JSON.parse(meta)))).toBe(sign(meta));
  });

  it('refuses a value without a JSON form', () => {
    expect(() => toMetaJson(undefined)).toThrow(TypeError);
  });
});
