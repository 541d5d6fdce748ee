import { isMediaUpload } from './request-timeout';

describe('isMediaUpload', () => {
  it.each([
    ['POST', '/media', true],
    ['POST', '/v21.0/106540352242922/media', true],
    ['POST', '/v1/media', true],
    ['POST', '/onprem/v1/media?x=1', true],
    ['GET', '/media', false],
    ['POST', '/messages', false],
    ['POST', '/v1/configs/webhook', false],
    ['POST', '/mediax', false],
  ])('%s %s → %s', (method, path, expected) => {
    expect(isMediaUpload(method, path)).toBe(expected);
  });
});
