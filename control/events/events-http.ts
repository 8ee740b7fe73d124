/** `GET /api/v1/events?limit=N`: the most recent events (newest first) from a bounded ring. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorReply, okReply } from '../commands/envelope.ts';
import type { RecentEvents } from './recent-events.ts';

const querySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(100_000).default(50) });

export interface EventRoutesOptions {
  recent: RecentEvents<unknown>;
}

export async function eventRoutes(app: FastifyInstance, options: EventRoutesOptions): Promise<void> {
  app.get('/api/v1/events', { config: { access: 'token' } }, async (request, reply) => {
    const parsed = querySchema.safeParse(request.query ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reply.code(400).send(errorReply('bad_request', `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}`));
    }
    return reply.send(okReply(options.recent.latest(parsed.data.limit)));
  });
}
