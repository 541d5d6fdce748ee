import type { FastifyReply } from 'fastify';
import { bearerMatches } from './admin-auth';

/**
 * Marks the answer uncacheable and checks the operator token; answers 401 and returns false when it
 * does not match.
 */
export function admitOperator(reply: FastifyReply, authorization: string | undefined, adminToken: string): boolean {
  reply.header('cache-control', 'no-store');
  if (bearerMatches(authorization, adminToken)) return true;
  void reply.status(401).send({ error: 'invalid or missing admin token (Authorization: Bearer <ADMIN_TOKEN>)' });
  return false;
}

/** A report as JSON, or as a CSV download named `filename`. */
export function sendReport(reply: FastifyReply, format: 'json' | 'csv', json: unknown, csv: () => string, filename: string): void {
  switch (format) {
    case 'json':
      void reply.status(200).header('content-type', 'application/json; charset=utf-8').send(json);
      return;
    case 'csv':
      void reply
        .status(200)
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(csv());
      return;
  }
}
