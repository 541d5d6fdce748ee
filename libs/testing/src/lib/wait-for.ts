export { waitFor, type WaitOptions } from '@wabridge/local-infra';

/** How long a binding change may take to reach every router (docs/delivery.md: within 1 s, whatever happens to the change notification). */
export const BINDING_PROPAGATION_BOUND_MS = 1000;

/** The bound plus a margin: tests that must not race a rebinding wait this long once. */
export const BINDING_PROPAGATION_MS = BINDING_PROPAGATION_BOUND_MS + 100;

/** Resolves once any binding change made before the call has reached every router. */
export function bindingPropagated(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, BINDING_PROPAGATION_MS));
}
