export { waitFor, type WaitOptions } from '@wabridge/local-infra';
