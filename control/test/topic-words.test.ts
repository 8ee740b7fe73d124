/**
 * The reserved-word list (common/topic-words.ts) against the topic builders: every fixed level of
 * every MQTT topic and NATS subject the builders produce must be in the list (a new topic that
 * forgets to reserve its word fails here), and every listed word must come from a builder or be
 * marked as reserved ahead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESERVED_AHEAD, reservedWordReason, TOPIC_WORD_REASONS, type TopicWord } from '../../common/topic-words.ts';
import { COMMANDS } from '../commands/command-table.ts';
import { MqttTopics } from '../mqtt/topics.ts';
import { COMMAND_ALIASES, NatsSubjects } from '../nats/subjects.ts';
import { ALL_LABELS, snapshotTopic } from '../events/snapshot-outputs.ts';

// Placeholders that cannot be confused with a real word: they mark the variable levels.
const PREFIX = 'PREFIXX';
const SITE = 'SITEX';
const CAMERA = 'CAMERAX';
const LABEL = 'labelx';

/** Every topic/subject the builders can produce, with the variable levels set to placeholders. */
function builderOutputs(): Array<{ text: string; separator: string }> {
  const mqtt = new MqttTopics(PREFIX);
  const nats = new NatsSubjects(SITE);
  const topics: string[] = [
    mqtt.available('combined'),
    mqtt.available('gateway'),
    mqtt.available('detector'),
    mqtt.events(),
    mqtt.count(CAMERA, LABEL),
    mqtt.detections(CAMERA),
    mqtt.cameraAvailable(CAMERA),
    mqtt.request(),
    mqtt.response(),
    ...(['detect', 'stream', 'restart'] as const).map((target) => mqtt.set(CAMERA, target)),
    ...(['detect', 'stream'] as const).map((target) => mqtt.state(CAMERA, target)),
    ...COMMANDS.flatMap((command) => [mqtt.request(command), mqtt.response(command)]),
    ...mqtt.subscriptions(['detect', 'stream', 'restart']).map((filter) => filter.replace('+', CAMERA).replace('/#', '')),
    snapshotTopic(PREFIX, CAMERA, LABEL),
    snapshotTopic(PREFIX, CAMERA, ALL_LABELS),
  ];
  const subjects: string[] = [
    nats.events(),
    nats.detections(CAMERA),
    nats.state(CAMERA, 'stream'),
    nats.state(CAMERA, 'detect'),
    nats.controlWildcard().replace('.>', ''),
    ...[...COMMANDS, ...Object.keys(COMMAND_ALIASES)].map((command) => nats.control(CAMERA, command)),
  ];
  return [...topics.map((text) => ({ text, separator: '/' })), ...subjects.map((text) => ({ text, separator: '.' }))];
}

function fixedWords(): Map<string, string> {
  const words = new Map<string, string>();
  for (const { text, separator } of builderOutputs()) {
    for (const level of text.split(separator)) {
      if ([PREFIX, SITE, CAMERA, LABEL, 'lookout'].includes(level)) continue;
      if (!words.has(level)) words.set(level, text);
    }
  }
  return words;
}

void test('every fixed level the topic builders produce is a reserved word', () => {
  const words = fixedWords();
  assert.ok(words.size >= 15, `expected the builders to produce many fixed words, got ${[...words.keys()].join(', ')}`);
  for (const [word, example] of words) {
    assert.ok(reservedWordReason(word) !== undefined, `"${word}" (in ${example}) is not in common/topic-words.ts`);
  }
});

void test('every reserved word comes from a topic builder or is marked as reserved ahead', () => {
  const words = fixedWords();
  for (const word of Object.keys(TOPIC_WORD_REASONS) as TopicWord[]) {
    assert.ok(words.has(word) || RESERVED_AHEAD.has(word), `"${word}" is reserved but no builder uses it`);
  }
  for (const word of RESERVED_AHEAD) assert.ok(!words.has(word), `"${word}" is used now: drop it from RESERVED_AHEAD`);
});

void test('the check is case-insensitive and leaves other names alone', () => {
  assert.match(reservedWordReason('Detector') ?? '', /lookout\/detector\/available/);
  assert.equal(reservedWordReason('front_door'), undefined);
  assert.equal(reservedWordReason('detectors'), undefined);
  assert.equal(reservedWordReason('constructor'), undefined);
  assert.equal(reservedWordReason('__proto__'), undefined);
});

void test('the MQTT subscriptions never overlap: no topic a command is sent on matches two filters', () => {
  const mqtt = new MqttTopics('lookout');
  const filters = mqtt.subscriptions(['detect', 'stream', 'restart']);
  const incoming = [mqtt.request(), ...COMMANDS.map((command) => mqtt.request(command)), mqtt.set('cam1', 'detect'), mqtt.set('cam1', 'stream'), mqtt.set('cam1', 'restart')];
  for (const topic of incoming) {
    const matching = filters.filter((filter) => topicMatches(filter, topic));
    assert.equal(matching.length, 1, `${topic} matches ${JSON.stringify(matching)}`);
  }
});

/** MQTT filter matching (`+` one level, `#` this level and everything below, including the parent). */
function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return t.length >= i;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
