import { DEFAULT_PARTNER_SLOT, isPartnerSlot, slotDestination, slotKeyPrefix, splitSlotDestination } from './partner-slot';

describe('partner slots', () => {
  it('accepts short labels of letters, digits, - and _', () => {
    for (const label of ['1', '2', 'chatbot', 'Inbox_2', 'crm-listener', 'a'.repeat(32)]) expect(isPartnerSlot(label)).toBe(true);
  });

  it('refuses empty, long, spaced, path-like or non-ASCII labels and non-strings', () => {
    for (const label of ['', ' 1', '-x', '_x', 'a'.repeat(33), 'a/b', 'a b', 'a\u203ab', 'ä', 'x\n', 2, null, undefined]) {
      expect(isPartnerSlot(label)).toBe(false);
    }
  });

  it('keys slot 1 destinations by their name alone, as before slots existed', () => {
    expect(slotDestination(DEFAULT_PARTNER_SLOT, 'primary')).toBe('primary');
    expect(slotDestination('1', 'crm')).toBe('crm');
    expect(slotKeyPrefix('1')).toBe('');
  });

  it('keys other slots as <slot>›<name> and splits every key back into exactly its slot and name', () => {
    expect(slotDestination('inbox', 'primary')).toBe('inbox\u203aprimary');
    expect(slotKeyPrefix('inbox')).toBe('inbox\u203a');
    // a slot 1 extra may be named like another slot's key in ASCII: the separator keeps them apart
    for (const [slot, name] of [
      ['1', 'inbox/primary'],
      ['inbox', 'primary'],
      ['2', 'a b @c'],
      ['1', 'primary'],
    ]) {
      expect(splitSlotDestination(slotDestination(slot, name))).toEqual({ slot, name });
    }
  });
});
