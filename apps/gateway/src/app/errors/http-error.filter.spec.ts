import { isDependencyUnavailable } from './http-error.filter';

describe('isDependencyUnavailable', () => {
  const withCode = (code: string) => Object.assign(new Error('x'), { code });

  it.each([
    ['a refused connection to PostgreSQL', withCode('ECONNREFUSED')],
    ['a reset socket', withCode('ECONNRESET')],
    ['SQLSTATE 08006 (connection failure)', withCode('08006')],
    ['SQLSTATE 57P01 (admin shutdown)', withCode('57P01')],
    ['SQLSTATE 57P03 (starting up)', withCode('57P03')],
    ['a TypeORM query error wrapping a connection failure', Object.assign(new Error('query failed'), { driverError: withCode('08003') })],
    ['pg ending a connection mid-query', new Error('Connection terminated unexpectedly')],
    ['the pool giving up', new Error('timeout exceeded when trying to connect')],
  ])('is true for %s', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a syntax error in a query', withCode('42601')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['nothing at all', undefined],
  ])('is false for %s', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});
