import { z } from 'zod';
import { durationMs } from './fields.ts';

/** MQTT, NATS and the durable outbox. Owned by the control-plane part (control/). */
export const mqttSchema = z.strictObject({
  url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  username: z.string().optional(),
  password: z.string().optional(),
  client_id: z.string().min(1).max(128).optional(),
  topic_prefix: z.string().regex(/^[^#+\s]+$/, 'must not contain #, + or spaces').default('lookout'),
  ca_file: z.string().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  reject_unauthorized: z.boolean().default(true),
  publish_detections: z.boolean().default(false),
  publish_timeout: durationMs('5s', { min: 50 }),
  home_assistant: z
    .strictObject({
      enabled: z.boolean().default(true),
      discovery_prefix: z.string().regex(/^[^#+\s]+$/, 'must not contain #, + or spaces').default('homeassistant'),
      /** HA's birth/will topic; configs and states are re-sent when it says `online`. */
      status_topic: z.string().regex(/^[^#+\s]+$/, 'must not contain #, + or spaces').default('homeassistant/status'),
      /**
       * Entities also require `<prefix>/<camera>/available` = online (published by the gateway).
       * Set false for a detector running without a Lookout gateway on the same broker.
       */
      camera_availability: z.boolean().default(true),
    })
    .prefault({}),
});

/** TLS to the NATS server: a private CA, a client certificate (mutual TLS), TLS before the INFO line. */
export const natsTlsSchema = z
  .strictObject({
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    /** Start TLS before the server's INFO line (server `handshake_first`, nats-server 2.10.4+). */
    handshake_first: z.boolean().default(false),
  })
  .superRefine((tls, ctx) => {
    if (tls.cert && !tls.key) ctx.addIssue({ code: 'custom', path: ['key'], message: 'is required with tls.cert (the client certificate\'s private key)' });
    if (tls.key && !tls.cert) ctx.addIssue({ code: 'custom', path: ['cert'], message: 'is required with tls.key (the client certificate)' });
  });

/**
 * token, user/password and creds_file/nkey_file may be combined (the client sends them all and the
 * server decides, as every NATS client does); creds_file and nkey_file both sign the server's nonce,
 * so with both set creds_file is used and the start log says so.
 */
export const natsSchema = z.strictObject({
  servers: z.array(z.string().min(1)).min(1),
  site: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must match [A-Za-z0-9_-]{1,64}').optional(),
  token: z.string().optional(),
  user: z.string().optional(),
  password: z.string().optional(),
  /** A credentials file (user JWT + nkey seed), e.g. from `nsc generate creds`. */
  creds_file: z.string().min(1).optional(),
  /** A file holding an nkey user seed (`SU...`), for servers with `authorization { users: [{nkey: U...}] }`. */
  nkey_file: z.string().min(1).optional(),
  tls: natsTlsSchema.optional(),
  request_timeout: durationMs('2s', { min: 50 }),
  jetstream: z
    .strictObject({
      enabled: z.boolean().default(false),
      stream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('LOOKOUT_EVENTS'),
      max_age: durationMs('168h', { min: 1000 }),
      max_bytes: z.number().int().min(-1).default(256 * 1024 * 1024),
    })
    .prefault({}),
});

export const outboxSchema = z.strictObject({
  memory_items: z.number().int().min(1).max(1_000_000).default(1000),
  disk_bytes: z.number().int().min(1024).default(256 * 1024 * 1024),
  /** What happens when the disk bound is reached: drop the oldest segment, or refuse new items. */
  overflow: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest'),
  /** When appended items are fsync'ed: after every write, every `fsync_interval`, or left to the OS. */
  fsync: z.enum(['always', 'interval', 'never']).default('interval'),
  fsync_interval: durationMs('1s', { min: 10 }),
  /** A segment file is closed and a new one started past this size. */
  segment_bytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Consecutive failures that open a sink's circuit breaker, and how long it stays open before a probe. */
  breaker_failures: z.number().int().min(1).max(1000).default(5),
  breaker_cooldown: durationMs('5s', { min: 10 }),
  /** Retry pacing for a failing sink (doubles up to the max; a reconnect retries at once). */
  retry_initial: durationMs('250ms', { min: 1 }),
  retry_max: durationMs('5s', { min: 1 }),
  /** Embedded default sink (no broker configured): events.jsonl in the state dir, rotated. */
  jsonl_max_bytes: z.number().int().min(1024).default(16 * 1024 * 1024),
  jsonl_files: z.number().int().min(1).max(100).default(3),
  /** Recent events kept in memory for GET /api/v1/events. */
  recent_events: z.number().int().min(1).max(100_000).default(500),
});

export type MqttConfig = z.output<typeof mqttSchema>;
export type NatsConfig = z.output<typeof natsSchema>;
export type OutboxConfig = z.output<typeof outboxSchema>;
