import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { WA_SIM_CONFIG, type WaSimConfig } from '../../config/wa-sim.config';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The system-user token every simulated Graph call must carry, compared in constant time. */
@Injectable()
export class GraphTokenService {
  private readonly expected: Buffer;

  constructor(@Inject(WA_SIM_CONFIG) config: WaSimConfig) {
    this.expected = digest(`Bearer ${config.graphApiToken}`);
  }

  authorized(header: string | undefined): boolean {
    return header !== undefined && timingSafeEqual(digest(header), this.expected);
  }
}
