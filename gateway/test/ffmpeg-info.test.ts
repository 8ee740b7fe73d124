import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ffmpegInfo, FfmpegProbeError, parseHwaccels, parseVersionOutput, resolveFfmpegPath } from '../ffmpeg/ffmpeg-info.ts';

const V4 = `ffmpeg version 4.2.7-0ubuntu0.1 Copyright (c) 2000-2022 the FFmpeg developers
built with gcc 9 (Ubuntu 9.4.0-1ubuntu1~20.04.1)
libavutil      56. 31.100 / 56. 31.100
libavformat    58. 29.100 / 58. 29.100
`;
const GIT = `ffmpeg version N-113025-g6e6d1b1d4c-20231221 Copyright (c) 2000-2023 the FFmpeg developers
libavformat    60. 20.100 / 60. 20.100
`;

void test('version parsing: release numbers, and git builds derive the major from libavformat', () => {
  assert.deepEqual(parseVersionOutput(V4), { version: '4.2.7-0ubuntu0.1', major: 4, libavformatMajor: 58 });
  assert.deepEqual(parseVersionOutput(GIT), { version: 'N-113025-g6e6d1b1d4c-20231221', major: 6, libavformatMajor: 60 });
  assert.deepEqual(parseVersionOutput('ffmpeg version n7.0.1 Copyright\nlibavformat    61.  1.100 / 61.  1.100\n'), {
    version: 'n7.0.1',
    major: 7,
    libavformatMajor: 61,
  });
  assert.throws(() => parseVersionOutput('hello'), FfmpegProbeError);
});

void test('hwaccels parsing keeps only method names', () => {
  assert.deepEqual(parseHwaccels('Hardware acceleration methods:\nvdpau\nvaapi\n\n'), ['vdpau', 'vaapi']);
  assert.deepEqual(parseHwaccels('Hardware acceleration methods:\n'), []);
});

void test('binary resolution: config path, then FFMPEG_PATH, then ffmpeg on PATH', () => {
  assert.equal(resolveFfmpegPath('/opt/ff/bin/ffmpeg', { FFMPEG_PATH: '/x/ffmpeg' }), '/opt/ff/bin/ffmpeg');
  assert.equal(resolveFfmpegPath(undefined, { FFMPEG_PATH: '/x/ffmpeg' }), '/x/ffmpeg');
  assert.equal(resolveFfmpegPath(undefined, {}), 'ffmpeg');
});

void test('probing the installed ffmpeg (real binary) is cached; a missing binary is a clear error', async () => {
  const first = ffmpegInfo('ffmpeg');
  assert.equal(ffmpegInfo('ffmpeg'), first, 'second call returns the cached probe');
  const info = await first;
  assert.ok(info.major >= 4, `major ${info.major}`);
  assert.ok(info.libavformatMajor >= 58);
  assert.ok(Array.isArray(info.hwaccels));
  await assert.rejects(ffmpegInfo('/nonexistent/ffmpeg'), (error: unknown) => {
    assert.ok(error instanceof FfmpegProbeError);
    assert.match(error.message, /cannot run ffmpeg at "\/nonexistent\/ffmpeg" \(ENOENT\); set ffmpeg.path or FFMPEG_PATH/);
    return true;
  });
});
