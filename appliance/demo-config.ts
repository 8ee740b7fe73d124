import { parseConfig } from '../common/config/load.ts';
import type { LookoutConfig, LookoutConfigInput } from '../common/config/schema.ts';

/**
 * The configuration `lookout up` runs when there is no lookout.yml (or with --demo): one generated
 * camera with moving objects (a looping clip the bundled model recognizes, or the gateway's
 * testsrc:// pattern), the bundled test model, no broker (events go to
 * <state_dir>/events.jsonl and GET /api/v1/events). Written as a plain object and validated by the
 * same schema as a user's file, so the demo cannot drift from what the services accept.
 */
export interface DemoOptions {
  stateDir: string;
  /** The demo camera's source; default the generated test pattern (see demo-clip.ts for the one `lookout up` uses). */
  source?: string;
  /** Whether a mediamtx binary was found: without one, the detector reads the test source itself. */
  mediamtx: boolean;
  mediamtxBin?: string;
  /** Absolute path of the base mediamtx.yml (the demo may run from any directory). */
  mediamtxBaseConfig?: string;
  httpPort?: number;
  detectorHttpPort?: number;
  rtspPort?: number;
}

export const DEMO_CAMERA_ID = 'demo';
export const DEMO_SOURCE = 'testsrc://?size=640x360&rate=10&objects=2';

export function demoConfigInput(options: DemoOptions): LookoutConfigInput {
  return {
    instance_id: 'demo',
    state_dir: options.stateDir,
    log_level: 'warn',
    http: { host: '127.0.0.1', port: options.httpPort ?? 8080 },
    pipelines: { limit: 1 },
    cameras: [
      {
        id: DEMO_CAMERA_ID,
        name: 'Demo test pattern',
        source: options.source ?? DEMO_SOURCE,
        // Without mediamtx there is nowhere to publish: the camera stays idle (on demand, never
        // demanded) and the detector decodes the generated source directly.
        mode: options.mediamtx ? 'always' : 'on-demand',
        detect: { enabled: true, fps: 2, read_from: options.mediamtx ? 'mediamtx' : 'source' },
      },
    ],
    mediamtx: {
      enabled: options.mediamtx,
      ...(options.mediamtxBin ? { bin: options.mediamtxBin } : {}),
      ...(options.mediamtxBaseConfig ? { base_config: options.mediamtxBaseConfig } : {}),
      ...(options.rtspPort ? { rtsp_port: options.rtspPort } : {}),
    },
    // The bundled test model (detector.model unset), one worker: the demo must run on a Pi.
    detector: { enabled: true, workers: 1, threads: 1, min_score: 0.25, http: { host: '127.0.0.1', port: options.detectorHttpPort ?? 8081 } },
  };
}

/** The demo configuration, validated. Throws ConfigError if the schema and the demo disagree. */
export function demoConfig(options: DemoOptions): LookoutConfig {
  return parseConfig(demoConfigInput(options), { env: {}, file: '(demo configuration)' });
}
