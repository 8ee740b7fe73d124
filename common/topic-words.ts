/**
 * The fixed words of every MQTT topic and NATS subject Lookout builds, in one list, each with the
 * reason it is taken. The topic builders (control/mqtt/topics.ts, control/nats/subjects.ts) spell
 * their fixed levels with these constants, and a test (control/test/topic-words.test.ts) walks the
 * builders' outputs, snapshot topics included, and fails when a fixed level is missing here, so the
 * list cannot drift from the topics.
 *
 * Why it matters: camera ids (and zone names) become topic levels too. A camera called `detector`
 * would publish on `lookout/detector/available`, the detector's last-will topic; one called
 * `request` would be parsed as a command request. Such names are refused at config load with the
 * reason below. Comparison is case-insensitive (ids are lower case anyway; a zone `Request` would
 * confuse people as much as `request`).
 */
import type { z } from 'zod';

/** Reserved word → why (examples use the default prefix `lookout` and site `<site>`). */
export const TOPIC_WORD_REASONS = {
  available: 'it is the availability topic level (lookout/available, lookout/<camera>/available)',
  detector: "it is the detector's own topic level (lookout/detector/available)",
  events: 'it is the events topic (lookout/events, lookout.<site>.events)',
  detections: 'it is the per-frame detections level (lookout/<camera>/detections, lookout.<site>.<camera>.detections)',
  request: 'it is the command request topic (lookout/request, lookout/request/<a>/<b>)',
  response: 'it is the command reply topic (lookout/response, lookout/response/<a>/<b>)',
  set: 'it is the command level of set topics (lookout/<camera>/detect/set)',
  state: 'it is the state level (lookout/<camera>/stream/state, lookout.<site>.<camera>.stream.state)',
  detect: 'it is the detection control level (lookout/<camera>/detect/set, command detect.on)',
  stream: 'it is the stream control level (lookout/<camera>/stream/set, command stream.pause)',
  restart: 'it is the restart level (lookout/<camera>/restart/set, command stream.restart)',
  control: 'it is the NATS control subject level (lookout.<site>.control.<camera>.<command>)',
  pause: 'it is a command word (lookout/request/stream/pause, lookout.<site>.control.<camera>.pause)',
  resume: 'it is a command word (lookout/request/stream/resume, lookout.<site>.control.<camera>.resume)',
  status: 'it is a command word (lookout/request/stream/status, command status)',
  on: 'it is a command word (lookout/request/detect/on)',
  off: 'it is a command word (lookout/request/detect/off)',
  snapshot: 'it is the snapshot level (lookout/<camera>/<label>/snapshot)',
  all: 'it is the all-labels level (lookout/<camera>/all/snapshot) and, as ALL, means every camera',
  stats: 'it is kept for a stats topic like Frigate\'s (frigate/stats), so adding one never breaks a config',
} as const;

export type TopicWord = keyof typeof TOPIC_WORD_REASONS;

/** Words reserved ahead of use: in the list although no builder emits them yet. */
export const RESERVED_AHEAD: ReadonlySet<TopicWord> = new Set<TopicWord>(['stats']);

/** The constants the topic builders spell their fixed levels with (`WORD.available` is `'available'`). */
export const WORD = Object.fromEntries(Object.keys(TOPIC_WORD_REASONS).map((word) => [word, word])) as { readonly [K in TopicWord]: K };

/** Why `name` cannot be a topic level, or undefined when it can. */
export function reservedWordReason(name: string): string | undefined {
  const word = name.toLowerCase();
  return Object.hasOwn(TOPIC_WORD_REASONS, word) ? TOPIC_WORD_REASONS[word as TopicWord] : undefined;
}

/** The message a config error shows for a reserved name: `"detector" is reserved: it is ...`. */
export function reservedWordMessage(name: string): string | undefined {
  const reason = reservedWordReason(name);
  return reason === undefined ? undefined : `${JSON.stringify(name)} is reserved: ${reason}`;
}

/**
 * A zod `superRefine` for any string that becomes a topic level (camera ids, zone names):
 * `z.string().superRefine(notReservedTopicWord)`.
 */
export function notReservedTopicWord(value: string, ctx: z.core.$RefinementCtx<string>): void {
  const message = reservedWordMessage(value);
  if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
}
