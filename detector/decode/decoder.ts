/**
 * One camera's decoder: a supervised ffmpeg child that delivers letterboxed RGB24 frames (and, if
 * asked, the same frames at a useful resolution from a second output, for snapshots). It restarts
 * on exit or stall through the shared restart loop (common/lifecycle: exponential backoff with
 * jitter, reset after a stable run), falls back from a
 * hardware decoder that fails to start or dies early to software (retrying hardware later), and can
 * hold its output (SIGSTOP/SIGCONT of the child's group) for callers that must not drop frames.
 * `stop()` is idempotent and returns only once the child's exit has been observed.
 */
import { RestartLoop, type LifetimeOutcome } from '../../common/lifecycle/restart-loop.ts';
import { SupervisedChild, type ChildExit } from '../../common/child/supervised-child.ts';
import { PpmFrameParser } from '../latest-frame/full-frame.ts';
import { FULL_FRAME_FD } from './decoder-args.ts';
import { decoderCommand, exitReason } from './decoder-command.ts';
import type { DecoderEnd, DecoderOptions } from './decoder-types.ts';
import { FrameAssembler } from './frame-parser.ts';
import type { ConcreteHwaccel } from './hwaccel.ts';

export type { DecoderBackoff, DecoderEnd, DecoderEvent, DecoderOptions } from './decoder-types.ts';

export class Decoder {
  #stopping = false;
  #started = false;
  #child: SupervisedChild | undefined;
  #loop: Promise<DecoderEnd> | undefined;
  readonly #abort = new AbortController();
  #outputHeld = false;
  #lastProgress = 0;
  #frames = 0;
  #restarts = 0;
  #assembler: FrameAssembler | undefined;
  #currentMode: ConcreteHwaccel = 'none';

  constructor(readonly options: DecoderOptions) {}

  /** Starts the supervise loop; `ended` resolves when it stops for good. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#loop = this.#run();
  }

  /** Resolves when the decoder ended (input over, fatal error, or stop()). */
  get ended(): Promise<DecoderEnd> {
    return this.#loop ?? Promise.resolve({ ok: true, reason: 'never started', stderrTail: [] });
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get framesDelivered(): number {
    return this.#frames;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get hwaccelInUse(): ConcreteHwaccel {
    return this.#currentMode;
  }

  /** Hands a delivered frame's buffer back for reuse (see FrameAssembler.recycle). */
  recycle(data: Uint8Array): void {
    this.#assembler?.recycle(data);
  }

  /** Pauses the child (SIGSTOP to its group) so its pipe fills and ffmpeg blocks: no frame is lost. */
  holdOutput(): void {
    if (this.#outputHeld || !this.#child) return;
    this.#outputHeld = true;
    this.#child.kill('SIGSTOP');
  }

  releaseOutput(): void {
    if (!this.#outputHeld) return;
    this.#outputHeld = false;
    this.#lastProgress = Date.now();
    this.#child?.kill('SIGCONT');
  }

  /** Stops for good; resolves once the child's exit was observed and the loop ended. Idempotent. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    const child = this.#child;
    if (child) {
      if (this.#outputHeld) {
        this.#outputHeld = false;
        child.kill('SIGCONT');
      }
      await child.stop();
    }
    await this.#loop;
  }

  /** The shared restart loop (common/lifecycle); a lifetime ends at a run that needs a backoff. */
  async #run(): Promise<DecoderEnd> {
    let last: DecoderEnd = { ok: true, reason: 'stopped', stderrTail: [] };
    const loop = new RestartLoop<string>({
      backoff: this.options.backoff,
      signal: this.#abort.signal,
      run: async () => {
        const outcome = await this.#lifetime();
        last = outcome.last;
        return outcome.next;
      },
      onBackoff: ({ delayMs }) =>
        this.options.logger.warn({ camera: this.options.name, reason: last.reason, stderr: last.stderrTail.slice(-3), retryInMs: delayMs }, 'decoder ended; restarting'),
    });
    await loop.run();
    return this.#stopping ? { ok: true, reason: 'stopped', stderrTail: last.stderrTail, ...(last.exit ? { exit: last.exit } : {}) } : last;
  }

  /**
   * Runs the child until an end that calls for a backoff (or for no restart at all). A switch to
   * hardware or a fallback to software starts the next run at once, without a backoff.
   */
  async #lifetime(): Promise<{ last: DecoderEnd; next: LifetimeOutcome<string> }> {
    const { options } = this;
    for (;;) {
      const choice = options.hwaccel.active();
      this.#currentMode = choice.mode;
      const run = await this.#runOnce(choice.mode, choice.device);
      const last = run.end;
      if (this.#stopping) return { last, next: { end: true } };
      if (run.retryHardware) {
        options.logger.info({ camera: options.name, hwaccel: options.hwaccel.preferred.mode }, 'retrying hardware decode');
        continue;
      }
      // A hardware run that ended cleanly (a short file) is not a failure, however short it was.
      const hwEarly =
        choice.mode !== 'none' &&
        !run.end.ok &&
        (run.frames < (options.hwEarlyFrames ?? 3) || run.exit.endedAt - run.exit.startedAt < (options.hwEarlyMs ?? 15_000));
      if (hwEarly && options.hwaccel.reportEarlyFailure(choice.mode, run.end.reason)) {
        options.logger.warn(
          { camera: options.name, hwaccel: choice.mode, reason: run.end.reason, stderr: run.end.stderrTail.slice(-3), retryInMs: options.hwaccel.retryAfterMs },
          'hardware decoder failed early; falling back to software decode',
        );
        options.onEvent?.({ type: 'fallback', from: choice.mode, reason: run.end.reason });
        continue;
      }
      if (!options.restart) return { last, next: { end: true } };
      this.#restarts++;
      options.onEvent?.({ type: 'restart', reason: run.end.reason });
      return { last, next: { restart: run.end.reason, ranMs: run.exit.endedAt - run.exit.startedAt } };
    }
  }

  async #runOnce(mode: ConcreteHwaccel, device: string | undefined): Promise<{ end: DecoderEnd; exit: ChildExit; frames: number; retryHardware: boolean }> {
    const { options } = this;
    let frames = 0;
    // Both outputs number this run's frames from the same start, whatever the last run left half-written.
    const firstIndex = this.#assembler?.nextIndex ?? 0;
    const fullFrames =
      options.fullFrameHeight !== undefined && options.onFullFrame
        ? new PpmFrameParser(firstIndex, options.onFullFrame, (message) => options.logger.warn({ camera: options.name }, message))
        : undefined;
    const assembler = new FrameAssembler({
      width: options.width,
      height: options.height,
      firstIndex,
      onFrame: (frame) => {
        frames++;
        this.#frames++;
        this.#lastProgress = Date.now();
        options.onFrame(frame);
      },
    });
    this.#assembler = assembler;
    // keyframes: demux stage(s) and the decode stage in one process group (keyframe-pipeline.ts).
    const command = decoderCommand(options.ffmpegPath ?? 'ffmpeg', {
      input: options.input,
      strategy: options.strategy,
      ...(options.fps !== undefined ? { fps: options.fps } : {}),
      width: options.width,
      height: options.height,
      hwaccel: mode,
      ...(device !== undefined ? { hwaccelDevice: device } : {}),
      ...(options.ioTimeoutMs !== undefined ? { ioTimeoutMs: options.ioTimeoutMs } : {}),
      ...(fullFrames ? { fullFrameHeight: options.fullFrameHeight } : {}),
    });
    const child = SupervisedChild.spawn({
      name: `decoder:${options.name}`,
      ...command,
      termGraceMs: options.stopGraceMs ?? 2000,
      killWaitMs: 2000,
      stderrTailLines: 40,
      onStdout: (chunk) => assembler.pushBytes(chunk),
      onStderrLine: (line) => assembler.pushLine(line),
      ...(fullFrames ? { extraPipes: [FULL_FRAME_FD], onPipeData: (_fd: number, chunk: Buffer) => fullFrames.push(chunk) } : {}),
    });
    this.#child = child;
    this.#outputHeld = false;
    this.#lastProgress = Date.now();
    options.onEvent?.({ type: 'started', pid: child.pid, hwaccel: mode });
    let stallReason: string | undefined;
    let retryHardware = false;
    const watchdog = setInterval(
      () => {
        if (this.#outputHeld || !child.running) return;
        // Software after a fallback: once the retry time has come, restart on hardware (service only;
        // the CLI would decode frames twice).
        if (options.restart && mode === 'none' && options.hwaccel.active().mode !== 'none') {
          retryHardware = true;
          void child.stop();
          return;
        }
        const limit = frames > 0 ? options.stallMs : options.startMs;
        if (Date.now() - this.#lastProgress > limit) {
          stallReason = frames > 0 ? `no frame for ${options.stallMs} ms` : `no first frame within ${options.startMs} ms`;
          void child.stop();
        }
      },
      Math.max(100, Math.min(1000, Math.floor(options.stallMs / 4))),
    );
    const exit = await child.exited;
    options.onEvent?.({ type: 'exited', pid: child.pid });
    // Frames still in the pipe when ffmpeg exited are delivered before this run counts as over.
    await child.outputEnded;
    clearInterval(watchdog);
    this.#child = undefined;
    const stderrTail = child.stderrTail().filter((line) => !line.includes('Parsed_showinfo'));
    const reason = stallReason ?? exitReason(exit, options.strategy === 'keyframes');
    const ok = stallReason === undefined && exit.code === 0;
    return { end: { ok, reason, exit, stderrTail }, exit, frames, retryHardware };
  }
}
