import { checkFields, GRAPH_VERSION, isGraphId, PHONE_NUMBER_FIELDS, WABA_FIELDS } from './graph-paths';

describe('Graph facade paths and fields', () => {
  it('knows versions and ids', () => {
    expect(GRAPH_VERSION.test('v21.0')).toBe(true);
    for (const version of ['v1', '21.0', 'v21', 'v21.0.1']) expect(GRAPH_VERSION.test(version)).toBe(false);
    expect(isGraphId('106540352242922')).toBe(true);
    for (const id of ['', 'me', '12a', '1'.repeat(65)]) expect(isGraphId(id)).toBe(false);
  });

  it("passes the node's own fields and refuses edges and unknown fields in Graph's words", () => {
    expect(checkFields(undefined, WABA_FIELDS, 'WhatsAppBusinessAccount')).toEqual({ ok: true, fields: undefined });
    expect(checkFields('health_status', WABA_FIELDS, 'WhatsAppBusinessAccount')).toEqual({ ok: true, fields: 'health_status' });
    expect(checkFields('verified_name, quality_rating', PHONE_NUMBER_FIELDS, 'WhatsAppBusinessPhoneNumber')).toEqual({
      ok: true,
      fields: 'verified_name,quality_rating',
    });
    expect(checkFields('phone_numbers', WABA_FIELDS, 'WhatsAppBusinessAccount')).toEqual({
      ok: false,
      error: '(#100) Tried accessing nonexisting field (phone_numbers) on node type (WhatsAppBusinessAccount)',
    });
    expect(checkFields('owner{id}', PHONE_NUMBER_FIELDS, 'WhatsAppBusinessPhoneNumber').ok).toBe(false);
    expect(checkFields(['a', 'b'], WABA_FIELDS, 'WhatsAppBusinessAccount')).toEqual({ ok: false, error: '(#100) fields must be given once' });
  });
});
