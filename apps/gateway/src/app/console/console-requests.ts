import { z } from 'zod';

const email = z
  .string({ error: 'is required (an e-mail address)' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ error: 'must be an e-mail address' }));

export const PASSWORD_MIN = 12;

const password = z
  .string({ error: 'is required (a string)' })
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(200, 'must be at most 200 characters');

const token = z.string({ error: 'is required' }).regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a valid invite token');

export const signInSchema = z.strictObject({ email, password: z.string({ error: 'is required (a string)' }).max(200, 'must be at most 200 characters') });

export const inviteSchema = z
  .strictObject({
    email,
    role: z.enum(['operator', 'client'], { error: 'must be operator or client' }),
    client_id: z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID')
      .optional(),
    expires_in_hours: z.coerce
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(168, 'must be at most 168')
      .default(72),
  })
  .refine((value) => (value.role === 'client') === (value.client_id !== undefined), {
    message: 'is required for a client user and not allowed for an operator',
    path: ['client_id'],
  });

export const inspectInviteSchema = z.strictObject({ token });
export const acceptInviteSchema = z.strictObject({ token, password });

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2025-01-31');

export const usageSchema = z.strictObject({
  client_id: z
    .string()
    .regex(/^[0-9a-f-]{36}$/i, 'must be a UUID')
    .optional(),
  from: day.optional(),
  to: day.optional(),
  group_by: z.enum(['template', 'category', 'day', 'channel'], { error: 'must be template, category, day or channel' }).default('day'),
});

export const statementSchema = z.strictObject({
  client_id: z
    .string()
    .regex(/^[0-9a-f-]{36}$/i, 'must be a UUID')
    .optional(),
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month such as 2025-01'),
  format: z.enum(['json', 'csv'], { error: 'must be json or csv' }).default('json'),
});

export const usageSummarySchema = z
  .strictObject({ from: day, to: day })
  .refine((value) => value.from <= value.to, { message: 'must not be before from', path: ['to'] });
