/** Where the CLI's human-facing output goes. Every line passes through `redact`. */
export interface ReporterOptions {
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  redact: (text: string) => string;
  verbose: boolean;
  /** Spinner on a terminal, timestamped lines otherwise (CI logs). */
  tty?: boolean;
  now?: () => number;
  /** How often plain mode repeats "still waiting" (ms). */
  plainInterval?: number;
}

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Starts "Waiting for approval on your phone… 42 s" until `stopWaiting`. */
  startWaiting(): void;
  stopWaiting(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const WAITING = "Waiting for approval on your phone…";

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Progress on stderr: a spinner with elapsed seconds on a TTY, plain timestamped lines in CI logs. */
export function createReporter(options: ReporterOptions): Reporter {
  const { stderr, redact, verbose } = options;
  const tty = options.tty ?? stderr.isTTY === true;
  const now = options.now ?? Date.now;
  const plainInterval = options.plainInterval ?? 15_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  let waitingSince = 0;
  let frame = 0;
  let spinnerShown = false;

  const elapsed = () => Math.floor((now() - waitingSince) / 1000);
  const clearSpinner = () => {
    if (spinnerShown) stderr.write("\r\x1b[2K");
    spinnerShown = false;
  };
  const drawSpinner = () => {
    frame = (frame + 1) % FRAMES.length;
    stderr.write(`\r\x1b[2K${FRAMES[frame]} ${WAITING} ${elapsed()} s`);
    spinnerShown = true;
  };
  const line = (text: string) => {
    const safe = redact(text);
    if (tty) {
      clearSpinner();
      stderr.write(`${safe}\n`);
      if (timer) drawSpinner();
    } else {
      stderr.write(`${timestamp(now())} ${safe}\n`);
    }
  };

  return {
    info: (message) => line(message),
    warn: (message) => line(`Warning: ${message}`),
    debug: (message) => {
      if (verbose) line(`[debug] ${message}`);
    },
    startWaiting() {
      if (timer) return;
      waitingSince = now();
      if (tty) {
        drawSpinner();
        timer = setInterval(drawSpinner, 125);
      } else {
        line(WAITING);
        timer = setInterval(() => line(`Still waiting for approval… ${elapsed()} s`), plainInterval);
      }
      timer.unref?.();
    },
    stopWaiting() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (tty) clearSpinner();
    },
  };
}
