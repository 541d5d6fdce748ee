import { judgeAttempt, type AttemptResult } from './attempt-result';

const response = (statusCode: number, retryAfter: string | null = null): AttemptResult => ({
  kind: 'response',
  statusCode,
  retryAfter,
  latencyMs: 12,
});

describe('judgeAttempt', () => {
  it.each([200, 201, 202, 204, 299])('counts %i as delivered', (status) => {
    expect(judgeAttempt(response(status))).toEqual({ kind: 'delivered', statusCode: status });
  });

  it.each([301, 302, 303, 307, 308])('counts the redirect %i as a failure', (status) => {
    expect(judgeAttempt(response(status))).toEqual({ kind: 'failed', errorClass: 'redirect', statusCode: status, retryAfter: null });
  });

  it.each([100, 400, 401, 404, 429, 500, 502, 503])('counts %i as an HTTP failure', (status) => {
    expect(judgeAttempt(response(status, '5'))).toEqual({ kind: 'failed', errorClass: 'http_status', statusCode: status, retryAfter: '5' });
  });

  it('treats 410 Gone as the partner asking to stop', () => {
    expect(judgeAttempt(response(410))).toEqual({ kind: 'gone', statusCode: 410 });
  });

  it.each(['timeout', 'network', 'unsafe_destination'] as const)('passes the error class %s on', (errorClass) => {
    expect(judgeAttempt({ kind: 'error', errorClass, latencyMs: 5 })).toEqual({
      kind: 'failed',
      errorClass,
      statusCode: null,
      retryAfter: null,
    });
  });
});
