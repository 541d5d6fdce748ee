import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { deliveryAttemptEventSchema, type DeliveryAttemptEvent } from './delivery-event';
import { metaWebhookEnvelopeSchema, type MetaWebhookEnvelope } from './meta-webhook';
import { outboundEventSchema, type OutboundEvent } from './outbound-event';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

export class ContractViolation extends Error {
  constructor(
    readonly contract: string,
    readonly details: string,
  ) {
    super(`${contract}: ${details}`);
    this.name = 'ContractViolation';
  }
}

function validator<T>(schema: { $id: string }): (value: unknown) => T {
  const validate: ValidateFunction<T> = ajv.compile<T>(schema);
  return (value: unknown): T => {
    if (!validate(value)) {
      throw new ContractViolation(schema.$id, ajv.errorsText(validate.errors));
    }
    return value;
  };
}

export const assertWebhookEnvelope = validator<MetaWebhookEnvelope>(metaWebhookEnvelopeSchema);
export const assertOutboundEvent = validator<OutboundEvent>(outboundEventSchema);
export const assertDeliveryAttemptEvent = validator<DeliveryAttemptEvent>(deliveryAttemptEventSchema);
