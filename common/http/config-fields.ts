/**
 * zod fields for the HTTP settings both services share (`http` and `detector.http`), so a bad
 * origin or host name is refused at config load naming the field, not at the first request.
 */
import { z } from 'zod';
import { hostnameOf } from './host-policy.ts';
import { normalizeOrigin } from './request-guards.ts';

export const httpToken = z.string().min(8);

export const httpOrigin = z
  .string()
  .refine((value) => normalizeOrigin(value) === value.replace(/\/$/, '').toLowerCase(), 'must be an origin: http(s)://host[:port], no path (e.g. http://192.168.1.20:3000)');

export const httpHostName = z
  .string()
  .refine((value) => value === '*' || hostnameOf(value) !== undefined, 'must be a host name or address (optionally :port), or *');
