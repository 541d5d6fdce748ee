import type { FastifyReply } from 'fastify';

/** A report as JSON, or as a CSV download named `filename`. */
export function sendReport(reply: FastifyReply, format: 'json' | 'csv', json: unknown, csv: () => string, filename: string): void {
  switch (format) {
    case 'json':
      void reply.status(200).header('content-type', 'application/json; charset=utf-8').send(json);
      return;
    case 'csv':
      void reply.status(200).header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(csv());
      return;
  }
}
