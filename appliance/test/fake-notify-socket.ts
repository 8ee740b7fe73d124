import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SupervisedChild } from '../../common/child/supervised-child.ts';
import { deadline } from '../../common/lifecycle/deadline.ts';

/**
 * FAKE systemd notify socket: a real AF_UNIX datagram socket (python3, since Node has none) bound to
 * a temp path, standing in for systemd's `$NOTIFY_SOCKET`. It answers `BARRIER=1` the way systemd
 * does (closing the passed fd), and reports every other datagram with its arrival time.
 */
const PYTHON = String.raw`
import array, json, os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("LISTENING", flush=True)
while True:
    msg, anc, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % 4])
            for fd in fds:
                os.close(fd)
    text = msg.decode("utf-8", "replace")
    if text == "BARRIER=1":
        continue
    print(json.dumps({"t": time.time() * 1000, "msg": text}), flush=True)
`;

export interface NotifyMessage {
  /** Arrival time (ms since epoch, python's clock = the same wall clock as Date.now()). */
  t: number;
  /** The datagram text, e.g. "READY=1\nSTATUS=up". */
  msg: string;
}

export class FakeNotifySocket {
  readonly path: string;
  readonly messages: NotifyMessage[] = [];
  readonly #dir: string;
  readonly #child: SupervisedChild;
  #buffer = '';
  #listening!: () => void;
  readonly #ready: Promise<void>;

  private constructor() {
    this.#dir = mkdtempSync(join(tmpdir(), 'lookout-notify-'));
    this.path = join(this.#dir, 'notify.sock');
    this.#ready = new Promise((resolve) => {
      this.#listening = resolve;
    });
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    this.#child = SupervisedChild.spawn({
      name: 'fake-notify-socket',
      command: python,
      args: ['-u', '-c', PYTHON, this.path],
      termGraceMs: 1000,
      onStdout: (chunk) => this.#onData(chunk),
    });
  }

  /** Starts the socket and resolves once it is bound (or rejects after 10 s). */
  static async start(): Promise<FakeNotifySocket> {
    const socket = new FakeNotifySocket();
    const failed = socket.#child.exited.then((exit) => {
      throw new Error(`fake notify socket exited early (code ${String(exit.code)}): ${socket.#child.stderrTail().join(' | ')}`);
    });
    try {
      await deadline(
        new Promise<void>((resolve, reject) => {
          socket.#ready.then(() => resolve(), reject);
          failed.catch(reject);
        }),
        10_000,
        'fake notify socket bind',
      );
    } catch (error) {
      await socket.close();
      throw error;
    } finally {
      failed.catch(() => undefined);
    }
    return socket;
  }

  #onData(chunk: Buffer): void {
    this.#buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line === 'LISTENING') this.#listening();
      else if (line.startsWith('{')) this.messages.push(JSON.parse(line) as NotifyMessage);
    }
  }

  /** Messages containing a `KEY=VALUE` line. */
  having(line: string): NotifyMessage[] {
    return this.messages.filter((message) => message.msg.split('\n').includes(line));
  }

  /** Resolves when a message with that line has arrived, or rejects after `timeoutMs`. */
  async waitFor(line: string, timeoutMs = 10_000): Promise<NotifyMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.having(line)[0];
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no "${line}" within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    await this.#child.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
