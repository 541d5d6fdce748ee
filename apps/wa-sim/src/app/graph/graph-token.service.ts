import { Inject, Injectable } from '@nestjs/common';
import { constantTimeEqual } from '@wabridge/util';
import { WA_SIM_CONFIG, type WaSimConfig } from '../../config/wa-sim.config';

/** The system-user token every simulated Graph call must carry, compared in constant time. */
@Injectable()
export class GraphTokenService {
  private readonly expected: string;

  constructor(@Inject(WA_SIM_CONFIG) config: WaSimConfig) {
    this.expected = `Bearer ${config.graphApiToken}`;
  }

  authorized(header: string | undefined): boolean {
    return header !== undefined && constantTimeEqual(header, this.expected);
  }
}
