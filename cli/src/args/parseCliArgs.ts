import { parseArgs } from "node:util";
import { type Failure, failure } from "../failure.js";

export type CommandName = "otp" | "exec";

/** Options shared by `otp` and `exec`, as typed on the command line (env is merged later). */
export interface CommandOptions {
  url?: string;
  /** A file holding the link, or `-` for standard input: the link then appears in no environment. */
  urlFile?: string;
  server?: string;
  /** `name@version` or `name`. */
  package?: string;
  /** Total seconds to wait for an answer. */
  wait?: number;
  json: boolean;
  verbose: boolean;
  /** False with `--no-oidc`: do not ask the CI provider for an ID token. */
  oidc: boolean;
  /** exec: `relay` (answer the registry's challenges), `before` (fetch a code first), or by the command. */
  mode?: ExecMode;
  /** exec relay: seconds of the run an approval may cover (0: one code per approval). */
  run?: number;
}

export type ExecMode = "auto" | "relay" | "before";

export type ParsedCommand =
  | { command: "help"; topic?: CommandName }
  | { command: "version" }
  | { command: "otp"; options: CommandOptions }
  | { command: "exec"; options: CommandOptions; argv: string[] };

export type ParseResult = { ok: true; value: ParsedCommand } | { ok: false; failure: Failure };

const OPTIONS = {
  url: { type: "string" },
  "url-file": { type: "string" },
  server: { type: "string" },
  package: { type: "string" },
  wait: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
  "no-oidc": { type: "boolean" },
  mode: { type: "string" },
  run: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

const TAKES_VALUE = new Set(["--url", "--url-file", "--server", "--package", "--wait", "--mode", "--run"]);
const MAX_WAIT_SECONDS = 86_400;
/** The longest stretch of a run the server lets one approval cover (MAX_RUN_SECONDS). */
export const MAX_RUN_SECONDS = 1800;

function usage(message: string, topic?: CommandName): ParseResult {
  const hint = topic ? `countersign ${topic} --help` : "countersign --help";
  return { ok: false, failure: failure("usage", `${message}\nRun \`${hint}\` for usage.`) };
}

/**
 * `exec` takes its own options up to `--` or the first word that is not an
 * option; everything from there on is the command, untouched (so
 * `countersign exec npm publish --tag next` passes `--tag next` to npm).
 */
function splitExecArgs(args: string[]): { own: string[]; command: string[] } {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") return { own: args.slice(0, i), command: args.slice(i + 1) };
    if (!arg.startsWith("-")) return { own: args.slice(0, i), command: args.slice(i) };
    if (TAKES_VALUE.has(arg)) i++;
  }
  return { own: args, command: [] };
}

/** Parses `countersign <command> [options]` without looking at the environment. */
export function parseCliArgs(argv: string[]): ParseResult {
  const [first, ...rest] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const topic = first === "help" && (rest[0] === "otp" || rest[0] === "exec") ? rest[0] : undefined;
    return { ok: true, value: { command: "help", topic } };
  }
  if (first === "--version" || first === "-v" || first === "version")
    return { ok: true, value: { command: "version" } };
  if (first !== "otp" && first !== "exec") {
    return usage(`Unknown command "${first}". The commands are \`otp\` and \`exec\`.`);
  }

  const { own, command } = first === "exec" ? splitExecArgs(rest) : { own: rest, command: [] };
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as Error & { code?: string };
    const option = /'([^']+)'/.exec(message)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return usage(`Unknown option ${option}.`, first);
    return usage(message.split("\n")[0] ?? "Invalid arguments.", first);
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: true, value: { command: "help", topic: first } };
  if (values.version) return { ok: true, value: { command: "version" } };
  if (first === "otp" && positionals.length > 0) {
    return usage(`\`countersign otp\` takes no arguments (got "${positionals[0]}").`, "otp");
  }
  if (first === "exec" && values.json) {
    return usage("`--json` is for `countersign otp`; `exec` hands stdout to the command.", "exec");
  }

  let wait: number | undefined;
  if (values.wait !== undefined) {
    wait = parseWaitSeconds(values.wait);
    if (wait === undefined) {
      return usage(
        `--wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS} (got "${values.wait}").`,
        first,
      );
    }
  }
  if (first === "otp" && (values.mode !== undefined || values.run !== undefined)) {
    return usage("`--mode` and `--run` are for `countersign exec`.", "otp");
  }
  const mode = values.mode === undefined ? undefined : parseMode(values.mode);
  if (mode === null) return usage(`--mode is auto, relay or before (got "${values.mode}").`, first);
  let run: number | undefined;
  if (values.run !== undefined) {
    run = parseRunSeconds(values.run);
    if (run === undefined) {
      return usage(
        `--run is 0 or a whole number of seconds from 60 to ${MAX_RUN_SECONDS} (got "${values.run}").`,
        first,
      );
    }
  }
  const linkOptions = [values.url, values["url-file"], values.server].filter((value) => value !== undefined);
  if (linkOptions.length > 1) {
    return usage(
      "Give one of --url (the link), --url-file (a file holding it) or --server (with COUNTERSIGN_TOKEN).",
      first,
    );
  }

  const options: CommandOptions = {
    url: values.url,
    ...(values["url-file"] !== undefined ? { urlFile: values["url-file"] } : {}),
    server: values.server,
    package: values.package,
    wait,
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    oidc: !values["no-oidc"],
    ...(mode ? { mode } : {}),
    ...(run !== undefined ? { run } : {}),
  };
  if (first === "otp") return { ok: true, value: { command: "otp", options } };
  if (command.length === 0) {
    return usage("`countersign exec` needs a command to run, e.g. `countersign exec -- npm publish`.", "exec");
  }
  return { ok: true, value: { command: "exec", options, argv: command } };
}

/** Whole seconds in [0, 86400], or undefined for anything else. */
export function parseWaitSeconds(text: string): number | undefined {
  if (!/^\d{1,6}$/.test(text.trim())) return undefined;
  const seconds = Number(text.trim());
  return seconds <= MAX_WAIT_SECONDS ? seconds : undefined;
}

/** `auto`, `relay` or `before`; null for anything else. */
export function parseMode(text: string): ExecMode | null {
  const mode = text.trim().toLowerCase();
  return mode === "auto" || mode === "relay" || mode === "before" ? mode : null;
}

/** 0 (no run approvals) or whole seconds in [60, MAX_RUN_SECONDS]; undefined for anything else. */
export function parseRunSeconds(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text.trim())) return undefined;
  const seconds = Number(text.trim());
  return seconds === 0 || (seconds >= 60 && seconds <= MAX_RUN_SECONDS) ? seconds : undefined;
}
