import { Inject, Injectable } from '@nestjs/common';
import type { JsonObject } from '@wabridge/util';
import { WA_SIM_CONFIG, type WaSimConfig } from '../../config/wa-sim.config';
import { displayNumberFor, type BusinessNumber } from './meta-payloads';

const MAX_NUMBERS = 10000;

/**
 * The business numbers (and so the WABAs) the simulated Graph API holds: numbers registered through
 * `/sim/numbers`, named in `/sim/inbound`, or used by a send or an upload. One system-user token
 * reaches all of them, as the operator's token reaches every tenant's objects at Meta.
 */
@Injectable()
export class BusinessNumbersService {
  private readonly numbers = new Map<string, BusinessNumber>();
  private readonly profiles = new Map<string, JsonObject>();

  constructor(@Inject(WA_SIM_CONFIG) private readonly config: WaSimConfig) {}

  remember(number: BusinessNumber): void {
    if (this.numbers.size >= MAX_NUMBERS && !this.numbers.has(number.phoneNumberId)) this.numbers.clear();
    this.numbers.set(number.phoneNumberId, number);
  }

  /** A number the simulator holds, learned on first use when it was never told about it. */
  touch(phoneNumberId: string): BusinessNumber {
    const known = this.numbers.get(phoneNumberId);
    if (known) return known;
    const number = this.numberFor(phoneNumberId);
    this.remember(number);
    return number;
  }

  /** The number, or one in the configured WABA with a made-up display number. */
  numberFor(phoneNumberId: string): BusinessNumber {
    return (
      this.numbers.get(phoneNumberId) ?? {
        phoneNumberId,
        wabaId: this.config.wabaId,
        displayPhoneNumber: displayNumberFor(phoneNumberId),
      }
    );
  }

  find(phoneNumberId: string): BusinessNumber | undefined {
    return this.numbers.get(phoneNumberId);
  }

  isWaba(wabaId: string): boolean {
    if (wabaId === this.config.wabaId) return true;
    for (const number of this.numbers.values()) if (number.wabaId === wabaId) return true;
    return false;
  }

  profile(phoneNumberId: string): JsonObject {
    return this.profiles.get(phoneNumberId) ?? {};
  }

  updateProfile(phoneNumberId: string, fields: JsonObject): void {
    this.profiles.set(phoneNumberId, { ...this.profile(phoneNumberId), ...fields });
  }
}
