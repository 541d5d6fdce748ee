import { parseTailArgs, recordLine, UsageError } from './tail';

describe('npm run tail: arguments', () => {
  const env = { KAFKA_BROKERS: 'k1:9092,k2:9092' };

  it('takes a topic, the brokers from KAFKA_BROKERS and puts KAFKA_TOPIC_PREFIX in front unless it is there', () => {
    expect(parseTailArgs(['whatsapp.webhooks.v1'], env)).toEqual({
      topic: 'whatsapp.webhooks.v1',
      brokers: ['k1:9092', 'k2:9092'],
      fromBeginning: false,
      bodies: false,
      max: 0,
    });
    expect(parseTailArgs(['whatsapp.webhooks.v1', '--from-beginning', '--bodies', '--max', '5'], { ...env, KAFKA_TOPIC_PREFIX: 'eu.' })).toEqual({
      topic: 'eu.whatsapp.webhooks.v1',
      brokers: ['k1:9092', 'k2:9092'],
      fromBeginning: true,
      bodies: true,
      max: 5,
    });
    expect(parseTailArgs(['eu.whatsapp.webhooks.v1', '--prefix', 'eu.', '--brokers', 'b:1'], {}).topic).toBe('eu.whatsapp.webhooks.v1');
  });

  it.each([
    [[], 'exactly one topic is needed'],
    [['a', 'b'], 'exactly one topic is needed'],
    [['t', '--max', '0'], '--max must be a whole number'],
    [['t', '--max', 'ten'], '--max must be a whole number'],
    [['t', '--follow'], "Unknown option '--follow'"],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseTailArgs(argv, env)).toThrow(UsageError);
    expect(() => parseTailArgs(argv, env)).toThrow(message);
  });

  it('refuses to run without brokers', () => {
    expect(() => parseTailArgs(['t'], {})).toThrow('no brokers: set KAFKA_BROKERS or pass --brokers');
  });
});

describe('npm run tail: a record line', () => {
  const message = {
    offset: '7',
    timestamp: '1764583200000',
    key: Buffer.from('106540352242922'),
    value: Buffer.from('{"secret":"text"}'),
    headers: { 'event-id': Buffer.from('evt_1') },
  };

  it('holds ids, headers and the size, and the body only when asked', () => {
    expect(recordLine('t', 1, message, false)).toEqual({
      topic: 't',
      partition: 1,
      offset: '7',
      timestamp: '2025-12-01T10:00:00.000Z',
      key: '106540352242922',
      size: 17,
      headers: { 'event-id': 'evt_1' },
    });
    expect(recordLine('t', 1, message, true).body).toBe('{"secret":"text"}');
  });
});
