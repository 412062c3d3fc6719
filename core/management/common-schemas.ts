import { z } from 'zod';

export const TimeZone = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'not an IANA time zone');

export const Name = z.string().trim().min(1).max(100);

export const EmailAddress = z
  .email()
  .max(255)
  .transform((email) => email.toLowerCase());

export const Password = z.string().min(8, 'at least 8 characters').max(200);
