import { Injectable } from '@nestjs/common';

export interface SentRequest {
  at: string;
  version: string;
  phone_number_id: string;
  body: unknown;
}

const CAPACITY = 1000;

/**
 * The last send bodies the simulated Graph API received, for tests that check what the gateway
 * forwarded. Bounded: the oldest entries fall out.
 */
@Injectable()
export class SentRequestsService {
  private readonly entries: SentRequest[] = [];

  record(entry: SentRequest): void {
    this.entries.push(entry);
    if (this.entries.length > CAPACITY) this.entries.splice(0, this.entries.length - CAPACITY);
  }

  list(phoneNumberId?: string): SentRequest[] {
    return phoneNumberId ? this.entries.filter((entry) => entry.phone_number_id === phoneNumberId) : [...this.entries];
  }
}
