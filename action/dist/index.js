import { createRequire as __countersignCreateRequire } from "node:module";
const require = __countersignCreateRequire(import.meta.url);
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __commonJS = (cb, mod) => function __require2() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// node_modules/isexe/windows.js
var require_windows = __commonJS({
  "node_modules/isexe/windows.js"(exports, module) {
    module.exports = isexe;
    isexe.sync = sync;
    var fs = __require("fs");
    function checkPathExt(path, options) {
      var pathext = options.pathExt !== void 0 ? options.pathExt : process.env.PATHEXT;
      if (!pathext) {
        return true;
      }
      pathext = pathext.split(";");
      if (pathext.indexOf("") !== -1) {
        return true;
      }
      for (var i = 0; i < pathext.length; i++) {
        var p = pathext[i].toLowerCase();
        if (p && path.substr(-p.length).toLowerCase() === p) {
          return true;
        }
      }
      return false;
    }
    function checkStat(stat, path, options) {
      if (!stat.isSymbolicLink() && !stat.isFile()) {
        return false;
      }
      return checkPathExt(path, options);
    }
    function isexe(path, options, cb) {
      fs.stat(path, function(er, stat) {
        cb(er, er ? false : checkStat(stat, path, options));
      });
    }
    function sync(path, options) {
      return checkStat(fs.statSync(path), path, options);
    }
  }
});

// node_modules/isexe/mode.js
var require_mode = __commonJS({
  "node_modules/isexe/mode.js"(exports, module) {
    module.exports = isexe;
    isexe.sync = sync;
    var fs = __require("fs");
    function isexe(path, options, cb) {
      fs.stat(path, function(er, stat) {
        cb(er, er ? false : checkStat(stat, options));
      });
    }
    function sync(path, options) {
      return checkStat(fs.statSync(path), options);
    }
    function checkStat(stat, options) {
      return stat.isFile() && checkMode(stat, options);
    }
    function checkMode(stat, options) {
      var mod = stat.mode;
      var uid = stat.uid;
      var gid = stat.gid;
      var myUid = options.uid !== void 0 ? options.uid : process.getuid && process.getuid();
      var myGid = options.gid !== void 0 ? options.gid : process.getgid && process.getgid();
      var u = parseInt("100", 8);
      var g = parseInt("010", 8);
      var o = parseInt("001", 8);
      var ug = u | g;
      var ret = mod & o || mod & g && gid === myGid || mod & u && uid === myUid || mod & ug && myUid === 0;
      return ret;
    }
  }
});

// node_modules/isexe/index.js
var require_isexe = __commonJS({
  "node_modules/isexe/index.js"(exports, module) {
    var fs = __require("fs");
    var core;
    if (process.platform === "win32" || global.TESTING_WINDOWS) {
      core = require_windows();
    } else {
      core = require_mode();
    }
    module.exports = isexe;
    isexe.sync = sync;
    function isexe(path, options, cb) {
      if (typeof options === "function") {
        cb = options;
        options = {};
      }
      if (!cb) {
        if (typeof Promise !== "function") {
          throw new TypeError("callback not provided");
        }
        return new Promise(function(resolve2, reject) {
          isexe(path, options || {}, function(er, is) {
            if (er) {
              reject(er);
            } else {
              resolve2(is);
            }
          });
        });
      }
      core(path, options || {}, function(er, is) {
        if (er) {
          if (er.code === "EACCES" || options && options.ignoreErrors) {
            er = null;
            is = false;
          }
        }
        cb(er, is);
      });
    }
    function sync(path, options) {
      try {
        return core.sync(path, options || {});
      } catch (er) {
        if (options && options.ignoreErrors || er.code === "EACCES") {
          return false;
        } else {
          throw er;
        }
      }
    }
  }
});

// node_modules/which/which.js
var require_which = __commonJS({
  "node_modules/which/which.js"(exports, module) {
    var isWindows = process.platform === "win32" || process.env.OSTYPE === "cygwin" || process.env.OSTYPE === "msys";
    var path = __require("path");
    var COLON = isWindows ? ";" : ":";
    var isexe = require_isexe();
    var getNotFoundError = (cmd) => Object.assign(new Error(`not found: ${cmd}`), { code: "ENOENT" });
    var getPathInfo = (cmd, opt) => {
      const colon = opt.colon || COLON;
      const pathEnv = cmd.match(/\//) || isWindows && cmd.match(/\\/) ? [""] : [
        // windows always checks the cwd first
        ...isWindows ? [process.cwd()] : [],
        ...(opt.path || process.env.PATH || /* istanbul ignore next: very unusual */
        "").split(colon)
      ];
      const pathExtExe = isWindows ? opt.pathExt || process.env.PATHEXT || ".EXE;.CMD;.BAT;.COM" : "";
      const pathExt = isWindows ? pathExtExe.split(colon) : [""];
      if (isWindows) {
        if (cmd.indexOf(".") !== -1 && pathExt[0] !== "")
          pathExt.unshift("");
      }
      return {
        pathEnv,
        pathExt,
        pathExtExe
      };
    };
    var which = (cmd, opt, cb) => {
      if (typeof opt === "function") {
        cb = opt;
        opt = {};
      }
      if (!opt)
        opt = {};
      const { pathEnv, pathExt, pathExtExe } = getPathInfo(cmd, opt);
      const found = [];
      const step = (i) => new Promise((resolve2, reject) => {
        if (i === pathEnv.length)
          return opt.all && found.length ? resolve2(found) : reject(getNotFoundError(cmd));
        const ppRaw = pathEnv[i];
        const pathPart = /^".*"$/.test(ppRaw) ? ppRaw.slice(1, -1) : ppRaw;
        const pCmd = path.join(pathPart, cmd);
        const p = !pathPart && /^\.[\\\/]/.test(cmd) ? cmd.slice(0, 2) + pCmd : pCmd;
        resolve2(subStep(p, i, 0));
      });
      const subStep = (p, i, ii) => new Promise((resolve2, reject) => {
        if (ii === pathExt.length)
          return resolve2(step(i + 1));
        const ext = pathExt[ii];
        isexe(p + ext, { pathExt: pathExtExe }, (er, is) => {
          if (!er && is) {
            if (opt.all)
              found.push(p + ext);
            else
              return resolve2(p + ext);
          }
          return resolve2(subStep(p, i, ii + 1));
        });
      });
      return cb ? step(0).then((res) => cb(null, res), cb) : step(0);
    };
    var whichSync = (cmd, opt) => {
      opt = opt || {};
      const { pathEnv, pathExt, pathExtExe } = getPathInfo(cmd, opt);
      const found = [];
      for (let i = 0; i < pathEnv.length; i++) {
        const ppRaw = pathEnv[i];
        const pathPart = /^".*"$/.test(ppRaw) ? ppRaw.slice(1, -1) : ppRaw;
        const pCmd = path.join(pathPart, cmd);
        const p = !pathPart && /^\.[\\\/]/.test(cmd) ? cmd.slice(0, 2) + pCmd : pCmd;
        for (let j = 0; j < pathExt.length; j++) {
          const cur = p + pathExt[j];
          try {
            const is = isexe.sync(cur, { pathExt: pathExtExe });
            if (is) {
              if (opt.all)
                found.push(cur);
              else
                return cur;
            }
          } catch (ex) {
          }
        }
      }
      if (opt.all && found.length)
        return found;
      if (opt.nothrow)
        return null;
      throw getNotFoundError(cmd);
    };
    module.exports = which;
    which.sync = whichSync;
  }
});

// node_modules/path-key/index.js
var require_path_key = __commonJS({
  "node_modules/path-key/index.js"(exports, module) {
    "use strict";
    var pathKey = (options = {}) => {
      const environment = options.env || process.env;
      const platform = options.platform || process.platform;
      if (platform !== "win32") {
        return "PATH";
      }
      return Object.keys(environment).reverse().find((key) => key.toUpperCase() === "PATH") || "Path";
    };
    module.exports = pathKey;
    module.exports.default = pathKey;
  }
});

// node_modules/cross-spawn/lib/util/resolveCommand.js
var require_resolveCommand = __commonJS({
  "node_modules/cross-spawn/lib/util/resolveCommand.js"(exports, module) {
    "use strict";
    var path = __require("path");
    var which = require_which();
    var getPathKey = require_path_key();
    function resolveCommandAttempt(parsed, withoutPathExt) {
      const env = parsed.options.env || process.env;
      const cwd = process.cwd();
      const hasCustomCwd = parsed.options.cwd != null;
      const shouldSwitchCwd = hasCustomCwd && process.chdir !== void 0 && !process.chdir.disabled;
      if (shouldSwitchCwd) {
        try {
          process.chdir(parsed.options.cwd);
        } catch (err) {
        }
      }
      let resolved;
      try {
        resolved = which.sync(parsed.command, {
          path: env[getPathKey({ env })],
          pathExt: withoutPathExt ? path.delimiter : void 0
        });
      } catch (e) {
      } finally {
        if (shouldSwitchCwd) {
          process.chdir(cwd);
        }
      }
      if (resolved) {
        resolved = path.resolve(hasCustomCwd ? parsed.options.cwd : "", resolved);
      }
      return resolved;
    }
    function resolveCommand(parsed) {
      return resolveCommandAttempt(parsed) || resolveCommandAttempt(parsed, true);
    }
    module.exports = resolveCommand;
  }
});

// node_modules/cross-spawn/lib/util/escape.js
var require_escape = __commonJS({
  "node_modules/cross-spawn/lib/util/escape.js"(exports, module) {
    "use strict";
    var metaCharsRegExp = /([()\][%!^"`<>&|;, *?])/g;
    function escapeCommand(arg) {
      arg = arg.replace(metaCharsRegExp, "^$1");
      return arg;
    }
    function escapeArgument(arg, doubleEscapeMetaChars) {
      arg = `${arg}`;
      arg = arg.replace(/(?=(\\+?)?)\1"/g, '$1$1\\"');
      arg = arg.replace(/(?=(\\+?)?)\1$/, "$1$1");
      arg = `"${arg}"`;
      arg = arg.replace(metaCharsRegExp, "^$1");
      if (doubleEscapeMetaChars) {
        arg = arg.replace(metaCharsRegExp, "^$1");
      }
      return arg;
    }
    module.exports.command = escapeCommand;
    module.exports.argument = escapeArgument;
  }
});

// node_modules/shebang-regex/index.js
var require_shebang_regex = __commonJS({
  "node_modules/shebang-regex/index.js"(exports, module) {
    "use strict";
    module.exports = /^#!(.*)/;
  }
});

// node_modules/shebang-command/index.js
var require_shebang_command = __commonJS({
  "node_modules/shebang-command/index.js"(exports, module) {
    "use strict";
    var shebangRegex = require_shebang_regex();
    module.exports = (string = "") => {
      const match = string.match(shebangRegex);
      if (!match) {
        return null;
      }
      const [path, argument] = match[0].replace(/#! ?/, "").split(" ");
      const binary = path.split("/").pop();
      if (binary === "env") {
        return argument;
      }
      return argument ? `${binary} ${argument}` : binary;
    };
  }
});

// node_modules/cross-spawn/lib/util/readShebang.js
var require_readShebang = __commonJS({
  "node_modules/cross-spawn/lib/util/readShebang.js"(exports, module) {
    "use strict";
    var fs = __require("fs");
    var shebangCommand = require_shebang_command();
    function readShebang(command) {
      const size = 150;
      const buffer = Buffer.alloc(size);
      let fd;
      try {
        fd = fs.openSync(command, "r");
        fs.readSync(fd, buffer, 0, size, 0);
        fs.closeSync(fd);
      } catch (e) {
      }
      return shebangCommand(buffer.toString());
    }
    module.exports = readShebang;
  }
});

// node_modules/cross-spawn/lib/parse.js
var require_parse = __commonJS({
  "node_modules/cross-spawn/lib/parse.js"(exports, module) {
    "use strict";
    var path = __require("path");
    var resolveCommand = require_resolveCommand();
    var escape = require_escape();
    var readShebang = require_readShebang();
    var isWin = process.platform === "win32";
    var isExecutableRegExp = /\.(?:com|exe)$/i;
    var isCmdShimRegExp = /node_modules[\\/].bin[\\/][^\\/]+\.cmd$/i;
    function detectShebang(parsed) {
      parsed.file = resolveCommand(parsed);
      const shebang = parsed.file && readShebang(parsed.file);
      if (shebang) {
        parsed.args.unshift(parsed.file);
        parsed.command = shebang;
        return resolveCommand(parsed);
      }
      return parsed.file;
    }
    function parseNonShell(parsed) {
      if (!isWin) {
        return parsed;
      }
      const commandFile = detectShebang(parsed);
      const needsShell = !isExecutableRegExp.test(commandFile);
      if (parsed.options.forceShell || needsShell) {
        const needsDoubleEscapeMetaChars = isCmdShimRegExp.test(commandFile);
        parsed.command = path.normalize(parsed.command);
        parsed.command = escape.command(parsed.command);
        parsed.args = parsed.args.map((arg) => escape.argument(arg, needsDoubleEscapeMetaChars));
        const shellCommand = [parsed.command].concat(parsed.args).join(" ");
        parsed.args = ["/d", "/s", "/c", `"${shellCommand}"`];
        parsed.command = process.env.comspec || "cmd.exe";
        parsed.options.windowsVerbatimArguments = true;
      }
      return parsed;
    }
    function parse(command, args, options) {
      if (args && !Array.isArray(args)) {
        options = args;
        args = null;
      }
      args = args ? args.slice(0) : [];
      options = Object.assign({}, options);
      const parsed = {
        command,
        args,
        options,
        file: void 0,
        original: {
          command,
          args
        }
      };
      return options.shell ? parsed : parseNonShell(parsed);
    }
    module.exports = parse;
  }
});

// node_modules/cross-spawn/lib/enoent.js
var require_enoent = __commonJS({
  "node_modules/cross-spawn/lib/enoent.js"(exports, module) {
    "use strict";
    var isWin = process.platform === "win32";
    function notFoundError(original, syscall) {
      return Object.assign(new Error(`${syscall} ${original.command} ENOENT`), {
        code: "ENOENT",
        errno: "ENOENT",
        syscall: `${syscall} ${original.command}`,
        path: original.command,
        spawnargs: original.args
      });
    }
    function hookChildProcess(cp, parsed) {
      if (!isWin) {
        return;
      }
      const originalEmit = cp.emit;
      cp.emit = function(name, arg1) {
        if (name === "exit") {
          const err = verifyENOENT(arg1, parsed);
          if (err) {
            return originalEmit.call(cp, "error", err);
          }
        }
        return originalEmit.apply(cp, arguments);
      };
    }
    function verifyENOENT(status, parsed) {
      if (isWin && status === 1 && !parsed.file) {
        return notFoundError(parsed.original, "spawn");
      }
      return null;
    }
    function verifyENOENTSync(status, parsed) {
      if (isWin && status === 1 && !parsed.file) {
        return notFoundError(parsed.original, "spawnSync");
      }
      return null;
    }
    module.exports = {
      hookChildProcess,
      verifyENOENT,
      verifyENOENTSync,
      notFoundError
    };
  }
});

// node_modules/cross-spawn/index.js
var require_cross_spawn = __commonJS({
  "node_modules/cross-spawn/index.js"(exports, module) {
    "use strict";
    var cp = __require("child_process");
    var parse = require_parse();
    var enoent = require_enoent();
    function spawn2(command, args, options) {
      const parsed = parse(command, args, options);
      const spawned = cp.spawn(parsed.command, parsed.args, parsed.options);
      enoent.hookChildProcess(spawned, parsed);
      return spawned;
    }
    function spawnSync(command, args, options) {
      const parsed = parse(command, args, options);
      const result = cp.spawnSync(parsed.command, parsed.args, parsed.options);
      result.error = result.error || enoent.verifyENOENTSync(result.status, parsed);
      return result;
    }
    module.exports = spawn2;
    module.exports.spawn = spawn2;
    module.exports.sync = spawnSync;
    module.exports._parse = parse;
    module.exports._enoent = enoent;
  }
});

// cli/src/exec/chooseExecMode.ts
import { basename } from "node:path";

// cli/src/args/parseCliArgs.ts
import { parseArgs } from "node:util";

// cli/src/failure.ts
var EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  denied: 3,
  timeout: 4,
  unauthorized: 5
};
function failure(kind, message2, extra = {}) {
  return { kind, message: message2, ...extra };
}

// cli/src/args/parseCliArgs.ts
var OPTIONS = {
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
  version: { type: "boolean" }
};
var TAKES_VALUE = /* @__PURE__ */ new Set(["--url", "--url-file", "--server", "--package", "--wait", "--mode", "--run"]);
var MAX_WAIT_SECONDS = 86400;
var MAX_RUN_SECONDS = 1800;
function usage(message2, topic) {
  const hint = topic ? `countersign ${topic} --help` : "countersign --help";
  return { ok: false, failure: failure("usage", `${message2}
Run \`${hint}\` for usage.`) };
}
function splitExecArgs(args) {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return { own: args.slice(0, i), command: args.slice(i + 1) };
    if (!arg.startsWith("-")) return { own: args.slice(0, i), command: args.slice(i) };
    if (TAKES_VALUE.has(arg)) i++;
  }
  return { own: args, command: [] };
}
function parseCliArgs(argv) {
  const [first, ...rest] = argv;
  if (first === void 0 || first === "help" || first === "--help" || first === "-h") {
    const topic = first === "help" && (rest[0] === "otp" || rest[0] === "exec") ? rest[0] : void 0;
    return { ok: true, value: { command: "help", topic } };
  }
  if (first === "--version" || first === "-v" || first === "version")
    return { ok: true, value: { command: "version" } };
  if (first !== "otp" && first !== "exec") {
    return usage(`Unknown command "${first}". The commands are \`otp\` and \`exec\`.`);
  }
  const { own, command } = first === "exec" ? splitExecArgs(rest) : { own: rest, command: [] };
  let parsed;
  try {
    parsed = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message: message2 } = error;
    const option = /'([^']+)'/.exec(message2)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return usage(`Unknown option ${option}.`, first);
    return usage(message2.split("\n")[0] ?? "Invalid arguments.", first);
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
  let wait;
  if (values.wait !== void 0) {
    wait = parseWaitSeconds(values.wait);
    if (wait === void 0) {
      return usage(
        `--wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS} (got "${values.wait}").`,
        first
      );
    }
  }
  if (first === "otp" && (values.mode !== void 0 || values.run !== void 0)) {
    return usage("`--mode` and `--run` are for `countersign exec`.", "otp");
  }
  const mode = values.mode === void 0 ? void 0 : parseMode(values.mode);
  if (mode === null) return usage(`--mode is auto, relay or before (got "${values.mode}").`, first);
  let run;
  if (values.run !== void 0) {
    run = parseRunSeconds(values.run);
    if (run === void 0) {
      return usage(
        `--run is 0 or a whole number of seconds from 60 to ${MAX_RUN_SECONDS} (got "${values.run}").`,
        first
      );
    }
  }
  const linkOptions = [values.url, values["url-file"], values.server].filter((value) => value !== void 0);
  if (linkOptions.length > 1) {
    return usage(
      "Give one of --url (the link), --url-file (a file holding it) or --server (with COUNTERSIGN_TOKEN).",
      first
    );
  }
  const options = {
    url: values.url,
    ...values["url-file"] !== void 0 ? { urlFile: values["url-file"] } : {},
    server: values.server,
    package: values.package,
    wait,
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    oidc: !values["no-oidc"],
    ...mode ? { mode } : {},
    ...run !== void 0 ? { run } : {}
  };
  if (first === "otp") return { ok: true, value: { command: "otp", options } };
  if (command.length === 0) {
    return usage("`countersign exec` needs a command to run, e.g. `countersign exec -- npm publish`.", "exec");
  }
  return { ok: true, value: { command: "exec", options, argv: command } };
}
function parseWaitSeconds(text) {
  if (!/^\d{1,6}$/.test(text.trim())) return void 0;
  const seconds = Number(text.trim());
  return seconds <= MAX_WAIT_SECONDS ? seconds : void 0;
}
function parseMode(text) {
  const mode = text.trim().toLowerCase();
  return mode === "auto" || mode === "relay" || mode === "before" ? mode : null;
}
function parseRunSeconds(text) {
  if (!/^\d{1,5}$/.test(text.trim())) return void 0;
  const seconds = Number(text.trim());
  return seconds === 0 || seconds >= 60 && seconds <= MAX_RUN_SECONDS ? seconds : void 0;
}

// cli/src/exec/chooseExecMode.ts
var REGISTRY_CLIENTS = /* @__PURE__ */ new Set([
  "npm",
  "npx",
  "pnpm",
  "pnpx",
  "yarn",
  "yarnpkg",
  "corepack",
  "lerna",
  "changeset",
  "semantic-release",
  "release-it"
]);
function chooseExecMode(requested, argv) {
  const mode = requested === void 0 ? "auto" : parseMode(requested);
  if (mode === null) {
    return { ok: false, failure: failure("usage", `COUNTERSIGN_MODE is auto, relay or before (got "${requested}").`) };
  }
  if (mode !== "auto") return { ok: true, value: mode };
  const name = (path) => basename(path ?? "").toLowerCase().replace(/\.(cmd|exe|ps1|js|cjs|mjs)$/, "").replace(/-cli$/, "");
  const program = name(argv[0]) === "node" ? name(argv[1]) : name(argv[0]);
  return { ok: true, value: REGISTRY_CLIENTS.has(program) ? "relay" : "before" };
}

// cli/src/runCli.ts
import { randomUUID as randomUUID3 } from "node:crypto";
import { mkdtemp as mkdtemp2, readFile as readFile3, rm as rm2 } from "node:fs/promises";
import { tmpdir as tmpdir2 } from "node:os";
import { dirname as dirname2, join as join5 } from "node:path";

// cli/src/args/helpText.ts
var LINK_OPTIONS = `Link (one of):
  --url <url>          The CI link, <server>/api/v1/otp/<token>. Prefer the
                       COUNTERSIGN_URL environment variable (a CI secret).
  --url-file <path>    Read the link from a file, or - for standard input: it is
                       then in no process's environment.
  --server <origin>    The server's origin; the token comes from COUNTERSIGN_TOKEN.`;
var COMMON_OPTIONS = `Options:
  --package <name@ver> Package to show on the phone (default: ./package.json).
  --wait <seconds>     How long to wait for an answer in total (default 300).
  --no-oidc            Do not send the CI provider's OIDC token.
  --verbose            Log each HTTP exchange on stderr (never the token).`;
var EXEC_OPTIONS = `  --mode <mode>        auto (default): relay for npm, pnpm, yarn, lerna,
                       changeset, semantic-release\u2026, before for anything else;
                       relay: answer the registry's own 2FA challenges;
                       before: fetch a code, then run the command.
  --run <seconds>      Relay: let one approval cover this much of the run if
                       you tick it on the phone (60-1800, default 900; 0: off).`;
var HELP_OPTION = "  -h, --help           Show this help.";
var ENVIRONMENT = `Environment:
  COUNTERSIGN_URL      The CI link (instead of --url).
  COUNTERSIGN_URL_FILE A file holding the link, or - (instead of --url-file).
  COUNTERSIGN_SERVER   The server's origin (instead of --server).
  COUNTERSIGN_TOKEN    The link token, with COUNTERSIGN_SERVER.
  COUNTERSIGN_ID_TOKEN An OIDC ID token to send (GitLab: from id_tokens:).
  COUNTERSIGN_WAIT     Default for --wait.
  COUNTERSIGN_MODE     Default for --mode (exec).
  COUNTERSIGN_RUN      Default for --run (exec).`;
var EXIT_CODES2 = `Exit codes:
  0 code delivered   1 unexpected error   2 usage error   3 denied on the phone
  4 timed out or expired   5 not authorized (unknown or revoked link, policy)`;
var MAIN = `countersign \u2014 get a one-time password for CI from your phone.

Usage:
  countersign otp [options]               Print the code on stdout.
  countersign exec [options] [--] <cmd\u2026>  Run <cmd>; your phone is asked when
                                          the registry asks for a second factor.
  countersign help <command>              Help for one command.
  countersign --version

Example:
  COUNTERSIGN_URL=<your CI link> npx countersign exec -- npm publish

${EXIT_CODES2}

CI recipes (GitHub Actions, GitLab CI): see the package README.`;
var OTP = `countersign otp \u2014 ask your phone for a one-time password and print it.

Usage:
  countersign otp [options]

The code alone goes to stdout; progress and messages go to stderr:
  npm publish --otp="$(npx countersign otp)"

${LINK_OPTIONS}

${COMMON_OPTIONS}
  --json               Print {"otp", "requestId", "validUntil", \u2026} on stdout
                       (or {"error", "message"} on failure).
${HELP_OPTION}

${ENVIRONMENT}

${EXIT_CODES2}`;
var EXEC = `countersign exec \u2014 run a publishing command; your phone approves its 2FA.

Usage:
  countersign exec [options] [--] <command> [args\u2026]

npm, pnpm, yarn (and tools that run them) talk to the registry through a relay
on 127.0.0.1: when the registry asks for a second factor, your phone is asked,
with what the registry was asked to do, and the request is sent again with the
code (or, for a passkey account, after you use your passkey on the registry's
page). No challenge, no notification.
  npx countersign exec -- npm publish --provenance

Other commands (gem push, scripts) get a code first, in NPM_CONFIG_OTP,
PNPM_CONFIG_OTP, GEM_HOST_OTP_CODE and COUNTERSIGN_OTP.
  npx countersign exec -- gem push rocket-1.4.0.gem

COUNTERSIGN_URL, COUNTERSIGN_URL_FILE, COUNTERSIGN_TOKEN and COUNTERSIGN_ID_TOKEN
are removed from the command's environment; stdio is passed through; exec exits
with its status.

${LINK_OPTIONS}

${COMMON_OPTIONS}
${EXEC_OPTIONS}
${HELP_OPTION}

${ENVIRONMENT}

${EXIT_CODES2}
  If the command ran and nothing was denied or timed out, exec exits with the
  command's own status.`;
function helpText(topic) {
  if (topic === "otp") return OTP;
  if (topic === "exec") return EXEC;
  return MAIN;
}

// cli/src/codes/createEphemeralKey.ts
async function createEphemeralKey() {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  if (!jwk.x || !jwk.y) throw new Error("WebCrypto exported a P-256 key without coordinates");
  return { privateKey: pair.privateKey, publicJwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } };
}

// cli/src/context/detectCiContext.ts
var MAX_LENGTH = {
  provider: 40,
  repository: 200,
  runUrl: 500,
  sha: 64,
  ref: 300,
  workflow: 300,
  job: 200,
  actor: 100,
  eventName: 60,
  environment: 200
};
function clean(context) {
  const result = {};
  for (const key of Object.keys(MAX_LENGTH)) {
    const value = context[key]?.trim();
    if (!value) continue;
    if (key === "runUrl") {
      if (value.length > MAX_LENGTH.runUrl || !/^https?:\/\/[^\s]+$/.test(value) || !URL.canParse(value)) continue;
      result.runUrl = value;
    } else {
      result[key] = value.slice(0, MAX_LENGTH[key]);
    }
  }
  return result;
}
function github(env) {
  const server = env.GITHUB_SERVER_URL?.replace(/\/+$/, "");
  const repository = env.GITHUB_REPOSITORY;
  let runUrl;
  if (server && repository && env.GITHUB_RUN_ID) {
    runUrl = `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`;
    if (env.GITHUB_RUN_ATTEMPT) runUrl += `/attempts/${env.GITHUB_RUN_ATTEMPT}`;
  }
  const workflowFile = env.GITHUB_WORKFLOW_REF?.match(/^[^/]+\/[^/]+\/([^@]+)@/)?.[1];
  const name = env.GITHUB_WORKFLOW;
  const workflow = name && workflowFile && name !== workflowFile ? `${name} (${workflowFile})` : name ?? workflowFile;
  return {
    provider: "github-actions",
    repository,
    runUrl,
    sha: env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    workflow,
    job: env.GITHUB_JOB,
    actor: env.GITHUB_ACTOR,
    eventName: env.GITHUB_EVENT_NAME
  };
}
function gitlab(env) {
  return {
    provider: "gitlab-ci",
    repository: env.CI_PROJECT_PATH,
    runUrl: env.CI_JOB_URL ?? env.CI_PIPELINE_URL,
    sha: env.CI_COMMIT_SHA,
    ref: env.CI_COMMIT_TAG ? `refs/tags/${env.CI_COMMIT_TAG}` : env.CI_COMMIT_REF_NAME,
    workflow: env.CI_PIPELINE_NAME ?? env.CI_CONFIG_PATH,
    job: env.CI_JOB_NAME,
    actor: env.GITLAB_USER_LOGIN,
    eventName: env.CI_PIPELINE_SOURCE,
    environment: env.CI_ENVIRONMENT_NAME
  };
}
function circleci(env) {
  const repository = env.CIRCLE_PROJECT_USERNAME && env.CIRCLE_PROJECT_REPONAME ? `${env.CIRCLE_PROJECT_USERNAME}/${env.CIRCLE_PROJECT_REPONAME}` : void 0;
  return {
    provider: "circleci",
    repository,
    runUrl: env.CIRCLE_BUILD_URL,
    sha: env.CIRCLE_SHA1,
    ref: env.CIRCLE_TAG ? `refs/tags/${env.CIRCLE_TAG}` : env.CIRCLE_BRANCH,
    workflow: env.CIRCLE_WORKFLOW_ID,
    job: env.CIRCLE_JOB,
    actor: env.CIRCLE_USERNAME
  };
}
function generic(env) {
  if (env.BUILDKITE === "true") {
    return {
      provider: "buildkite",
      repository: env.BUILDKITE_REPO,
      runUrl: env.BUILDKITE_BUILD_URL,
      sha: env.BUILDKITE_COMMIT,
      ref: env.BUILDKITE_TAG ? `refs/tags/${env.BUILDKITE_TAG}` : env.BUILDKITE_BRANCH,
      workflow: env.BUILDKITE_PIPELINE_SLUG,
      job: env.BUILDKITE_LABEL,
      actor: env.BUILDKITE_BUILD_CREATOR
    };
  }
  if (env.JENKINS_URL) {
    return {
      provider: "jenkins",
      repository: env.GIT_URL,
      runUrl: env.BUILD_URL,
      sha: env.GIT_COMMIT,
      ref: env.GIT_BRANCH,
      job: env.JOB_NAME
    };
  }
  if (env.CI && env.CI !== "false" && env.CI !== "0") {
    return { provider: "ci", sha: env.GIT_COMMIT ?? env.COMMIT_SHA, ref: env.GIT_BRANCH ?? env.BRANCH_NAME };
  }
  return {};
}
function detectCiContext(env) {
  if (env.GITHUB_ACTIONS === "true") return clean(github(env));
  if (env.GITLAB_CI === "true") return clean(gitlab(env));
  if (env.CIRCLECI === "true") return clean(circleci(env));
  return clean(generic(env));
}

// cli/src/context/fetchOidcToken.ts
var MAX_TOKEN_LENGTH = 8192;
var REQUEST_TIMEOUT_MS = 1e4;
function usable(token) {
  return token !== void 0 && token.length >= 10 && token.length <= MAX_TOKEN_LENGTH;
}
async function fetchOidcToken(env, audience, fetchImpl = fetch) {
  const given = env.COUNTERSIGN_ID_TOKEN?.trim();
  if (given) {
    if (!usable(given))
      return { kind: "warning", message: "COUNTERSIGN_ID_TOKEN does not look like an ID token; not sending it." };
    return { kind: "token", token: given, source: "COUNTERSIGN_ID_TOKEN" };
  }
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    if (env.GITHUB_ACTIONS === "true") {
      return {
        kind: "warning",
        message: "No OIDC token: add `permissions: id-token: write` to the job so the phone can show the repository as verified."
      };
    }
    return { kind: "none" };
  }
  let url;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: "warning", message: "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL; sending no OIDC token." };
  }
  url.searchParams.set("audience", audience);
  try {
    const response = await fetchImpl(url, {
      headers: { Authorization: `bearer ${requestToken}`, Accept: "application/json" },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    });
    if (!response.ok) {
      return { kind: "warning", message: `GitHub refused an OIDC token (HTTP ${response.status}); sending none.` };
    }
    const body = await response.json();
    if (typeof body.value !== "string" || !usable(body.value)) {
      return { kind: "warning", message: "GitHub's OIDC answer had no usable token; sending none." };
    }
    return { kind: "token", token: body.value, source: "GitHub Actions" };
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "failed";
    return { kind: "warning", message: `Requesting GitHub's OIDC token ${reason}; sending none.` };
  }
}

// cli/src/context/readPackageInfo.ts
import { readFile } from "node:fs/promises";
import { join } from "node:path";
function parsePackageSpec(spec) {
  const text = spec.trim();
  const at = text.lastIndexOf("@");
  const name = (at > 0 ? text.slice(0, at) : text).trim();
  const version = at > 0 ? text.slice(at + 1).trim() : "";
  if (!name || name === "@" || name.length > 214) return void 0;
  return version ? { name, version: version.slice(0, 128) } : { name };
}
async function readPackageJson(dir) {
  let raw;
  try {
    raw = await readFile(join(dir, "package.json"), "utf8");
  } catch {
    return void 0;
  }
  try {
    const json = JSON.parse(raw);
    if (typeof json.name !== "string" || !json.name.trim()) return void 0;
    const name = json.name.trim().slice(0, 214);
    return typeof json.version === "string" && json.version.trim() ? { name, version: json.version.trim().slice(0, 128) } : { name };
  } catch {
    return void 0;
  }
}

// cli/src/exec/runWithCode.ts
var import_cross_spawn = __toESM(require_cross_spawn(), 1);
import { constants } from "node:os";
var FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
function withoutLink(parentEnv) {
  const env = { ...parentEnv };
  delete env.COUNTERSIGN_URL;
  delete env.COUNTERSIGN_URL_FILE;
  delete env.COUNTERSIGN_TOKEN;
  delete env.COUNTERSIGN_ID_TOKEN;
  return env;
}
function withoutNames(env, replace) {
  const names = new Set(Object.keys(replace).map((name) => name.toLowerCase()));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.has(name.toLowerCase())));
}
function commandEnv(parentEnv, otp) {
  return {
    ...withoutLink(parentEnv),
    NPM_CONFIG_OTP: otp,
    PNPM_CONFIG_OTP: otp,
    GEM_HOST_OTP_CODE: otp,
    COUNTERSIGN_OTP: otp
  };
}
function runWithCode(argv, otp, parentEnv = process.env) {
  return runCommand(argv, commandEnv(parentEnv, otp));
}
function runCommand(argv, env) {
  const [command, ...args] = argv;
  return new Promise((resolve2) => {
    const child = (0, import_cross_spawn.default)(command, args, {
      stdio: "inherit",
      env
      // No shell on any platform: arguments reach the command as given. On Windows, where npm and
      // friends are .cmd shims, cross-spawn finds them on PATH and escapes each argument for cmd.exe.
    });
    const forward = (signal) => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const cleanup = () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.once("error", (error) => {
      cleanup();
      const message2 = error.code === "ENOENT" ? `Command not found: ${command}` : `Could not start ${command}: ${error.message}`;
      resolve2({ kind: "spawn-failed", message: message2 });
    });
    child.once("exit", (code, signal) => {
      cleanup();
      const exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
      resolve2({ kind: "exited", exitCode });
    });
  });
}

// cli/src/link/resolveLink.ts
var TOKEN_PATTERN = /^cs_[A-Za-z0-9_-]{32}$/;
var URL_FORM = /^(.*)\/api\/v1\/otp\/([^/?#]+)\/?$/;
var TOKEN_SHAPE = "A link token is cs_ followed by 32 letters, digits, - or _. Copy the link again from the app.";
function parseHttpUrl(text, what) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return failure("usage", `${what} is not a URL. Expected https://<server>/api/v1/otp/<token>.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return failure("usage", `${what} must start with https:// (or http:// for a local server).`);
  }
  if (url.username || url.password) return failure("usage", `${what} must not contain a user name or password.`);
  return url;
}
function resolveLink(sources) {
  if (sources.url) {
    const url = parseHttpUrl(sources.url, "The link (--url / COUNTERSIGN_URL)");
    if (!(url instanceof URL)) return { ok: false, failure: url };
    const match = URL_FORM.exec(url.pathname);
    if (!match) {
      return {
        ok: false,
        failure: failure(
          "usage",
          "The link (--url / COUNTERSIGN_URL) must look like https://<server>/api/v1/otp/<token>. Copy it again from the app."
        )
      };
    }
    const token = decodeURIComponent(match[2]);
    if (!TOKEN_PATTERN.test(token))
      return { ok: false, failure: failure("usage", `The link's token is malformed. ${TOKEN_SHAPE}`) };
    const base = `${url.origin}${match[1]}`;
    return { ok: true, link: { base, origin: url.origin, token } };
  }
  if (sources.server) {
    const url = parseHttpUrl(sources.server, "The server (--server / COUNTERSIGN_SERVER)");
    if (!(url instanceof URL)) return { ok: false, failure: url };
    if (url.search || url.hash) {
      return {
        ok: false,
        failure: failure(
          "usage",
          "The server (--server / COUNTERSIGN_SERVER) is an origin like https://countersign.example.com, without ? or #."
        )
      };
    }
    const token = sources.token?.trim();
    if (!token) {
      return {
        ok: false,
        failure: failure(
          "usage",
          "With --server / COUNTERSIGN_SERVER, put the link token in COUNTERSIGN_TOKEN (a CI secret)."
        )
      };
    }
    if (!TOKEN_PATTERN.test(token))
      return { ok: false, failure: failure("usage", `COUNTERSIGN_TOKEN is malformed. ${TOKEN_SHAPE}`) };
    const base = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    return { ok: true, link: { base, origin: url.origin, token } };
  }
  return {
    ok: false,
    failure: failure(
      "usage",
      "No link given. Set COUNTERSIGN_URL to the CI link from the Countersign app (store it as a CI secret), or pass --url."
    )
  };
}

// cli/src/output/createRedactor.ts
function createRedactor(secrets) {
  return (text) => {
    let result = text;
    for (const secret of secrets) {
      if (typeof secret === "string" && secret.length >= 8) result = result.split(secret).join("[redacted]");
    }
    return result.replace(/cs_[A-Za-z0-9_-]{8,}/g, "cs_\u2026[redacted]");
  };
}

// cli/src/output/createReporter.ts
var FRAMES = ["\u280B", "\u2819", "\u2839", "\u2838", "\u283C", "\u2834", "\u2826", "\u2827", "\u2807", "\u280F"];
var WAITING = "Waiting for approval on your phone\u2026";
function timestamp(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
function createReporter(options) {
  const { stderr, redact, verbose } = options;
  const tty = options.tty ?? stderr.isTTY === true;
  const now = options.now ?? Date.now;
  const plainInterval = options.plainInterval ?? 15e3;
  let timer;
  let waitingSince = 0;
  let frame = 0;
  let spinnerShown = false;
  const elapsed = () => Math.floor((now() - waitingSince) / 1e3);
  const clearSpinner = () => {
    if (spinnerShown) stderr.write("\r\x1B[2K");
    spinnerShown = false;
  };
  const drawSpinner = () => {
    frame = (frame + 1) % FRAMES.length;
    stderr.write(`\r\x1B[2K${FRAMES[frame]} ${WAITING} ${elapsed()} s`);
    spinnerShown = true;
  };
  const line = (text) => {
    const safe = redact(text);
    if (tty) {
      clearSpinner();
      stderr.write(`${safe}
`);
      if (timer) drawSpinner();
    } else {
      stderr.write(`${timestamp(now())} ${safe}
`);
    }
  };
  return {
    info: (message2) => line(message2),
    warn: (message2) => line(`Warning: ${message2}`),
    debug: (message2) => {
      if (verbose) line(`[debug] ${message2}`);
    },
    startWaiting() {
      if (timer) return;
      waitingSince = now();
      if (tty) {
        drawSpinner();
        timer = setInterval(drawSpinner, 125);
      } else {
        line(WAITING);
        timer = setInterval(() => line(`Still waiting for approval\u2026 ${elapsed()} s`), plainInterval);
      }
      timer.unref?.();
    },
    stopWaiting() {
      if (timer) clearInterval(timer);
      timer = void 0;
      if (tty) clearSpinner();
    }
  };
}

// cli/src/relay/clientEnv.ts
function nerfDart(url) {
  const parsed = new URL(url);
  return `//${parsed.host}${parsed.pathname.endsWith("/") ? parsed.pathname : `${parsed.pathname}/`}`;
}
function clientEnv(relay, secret) {
  const scopes = Object.entries(relay.scopes).map(
    ([scope, url]) => [scope.startsWith("@") ? scope : `@${scope}`, url]
  );
  const env = {
    npm_config_registry: relay.registry,
    // @semantic-release/npm reads this name only, in upper case (lib/get-registry.js), and passes
    // it to npm as --registry; changesets reads only the lower-case one. Same value: npm sees one.
    NPM_CONFIG_REGISTRY: relay.registry
  };
  for (const url of /* @__PURE__ */ new Set([relay.registry, ...scopes.map(([, url2]) => url2)])) {
    env[`npm_config_${nerfDart(url)}:_authToken`] = secret;
  }
  for (const [scope, url] of scopes) env[`npm_config_${scope}:registry`] = url;
  const pnpmAuth = {};
  for (const [scope, url] of [["@", relay.registry], ...scopes]) {
    pnpmAuth[url] = { ...pnpmAuth[url], [scope]: { authToken: secret } };
  }
  env.pnpm_config_registry = relay.registry;
  env.pnpm_config__auth = JSON.stringify(pnpmAuth);
  env.YARN_AUTH_TOKEN = secret;
  env.YARN_ENABLE_STRICT_SETTINGS = "false";
  env.YARN_NPM_REGISTRY_SERVER = relay.registry;
  env.YARN_NPM_PUBLISH_REGISTRY = relay.registry;
  env.YARN_NPM_AUTH_TOKEN = secret;
  env.YARN_NPM_ALWAYS_AUTH = "true";
  env.YARN_UNSAFE_HTTP_WHITELIST = [
    ...new Set([relay.registry, ...scopes.map(([, url]) => url)].map((url) => new URL(url).hostname))
  ].join(",");
  return env;
}

// cli/src/relay/createPhoneSecondFactor.ts
import { randomUUID } from "node:crypto";

// cli/src/codes/pickCode.ts
function pickCode(codes, now) {
  const valid = codes.find((code) => code.notBefore <= now && now < code.notAfter);
  if (valid) return { code: valid, exact: true };
  const distance = (code) => now < code.notBefore ? code.notBefore - now : now - code.notAfter + 1;
  const nearest = [...codes].sort((a, b) => distance(a) - distance(b))[0];
  return nearest ? { code: nearest, exact: false } : void 0;
}

// node_modules/jose/dist/webapi/lib/buffer_utils.js
var encoder = new TextEncoder();
var decoder = new TextDecoder();
var strictDecoder = new TextDecoder("utf-8", { fatal: true });
var UINT32_RANGE = 2 ** 32;
function concat(...buffers) {
  const size = buffers.reduce((acc, { length }) => acc + length, 0), buf = new Uint8Array(size);
  let i = 0;
  for (const buffer of buffers)
    buf.set(buffer, i), i += buffer.length;
  return buf;
}
function writeUInt32BE(buf, value, offset) {
  if (value < 0 || value >= UINT32_RANGE)
    throw new RangeError(`value must be >= 0 and <= ${UINT32_RANGE - 1}. Received ${value}`);
  buf.set([value >>> 24, value >>> 16, value >>> 8, value & 255], offset);
}
function uint64be(value) {
  const high = Math.floor(value / UINT32_RANGE), low = value % UINT32_RANGE, buf = new Uint8Array(8);
  return writeUInt32BE(buf, high, 0), writeUInt32BE(buf, low, 4), buf;
}
function uint32be(value) {
  const buf = new Uint8Array(4);
  return writeUInt32BE(buf, value), buf;
}
var NON_ASCII = /[^\x00-\x7f]/;
function encode(string) {
  if (typeof string == "string" && string.length >= 128) {
    if (NON_ASCII.test(string))
      throw new TypeError("non-ASCII string encountered in encode()");
    return encoder.encode(string);
  }
  const bytes = new Uint8Array(string.length);
  for (let i = 0; i < string.length; i++) {
    const code = string.charCodeAt(i);
    if (code > 127)
      throw new TypeError("non-ASCII string encountered in encode()");
    bytes[i] = code;
  }
  return bytes;
}
function decodeBase64(encoded, url = false) {
  if (Uint8Array.fromBase64)
    return Uint8Array.fromBase64(encoded, { alphabet: url ? "base64url" : "base64" });
  if (url) {
    if (encoded.includes("+") || encoded.includes("/"))
      throw new TypeError("Invalid base64url");
    encoded = encoded.replace(/-/g, "+").replace(/_/g, "/");
  }
  const binary = atob(encoded), bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++)
    bytes[i] = binary.charCodeAt(i);
  return bytes;
}
async function digest(algorithm, data) {
  const subtleDigest = `SHA-${algorithm.slice(-3)}`;
  return new Uint8Array(await crypto.subtle.digest(subtleDigest, data));
}

// node_modules/jose/dist/webapi/util/errors.js
var JOSEError = class extends Error {
  static code = "ERR_JOSE_GENERIC";
  code = "ERR_JOSE_GENERIC";
  constructor(message2, options) {
    super(message2, options), this.name = this.constructor.name, Error.captureStackTrace?.(this, this.constructor);
  }
};
var JOSEAlgNotAllowed = class extends JOSEError {
  static code = "ERR_JOSE_ALG_NOT_ALLOWED";
  code = "ERR_JOSE_ALG_NOT_ALLOWED";
};
var JOSENotSupported = class extends JOSEError {
  static code = "ERR_JOSE_NOT_SUPPORTED";
  code = "ERR_JOSE_NOT_SUPPORTED";
};
var JWEDecryptionFailed = class extends JOSEError {
  static code = "ERR_JWE_DECRYPTION_FAILED";
  code = "ERR_JWE_DECRYPTION_FAILED";
  constructor(message2 = "decryption operation failed", options) {
    super(message2, options);
  }
};
var JWEInvalid = class extends JOSEError {
  static code = "ERR_JWE_INVALID";
  code = "ERR_JWE_INVALID";
};

// node_modules/jose/dist/webapi/util/base64url.js
var invalid = "The input to be decoded is not correctly encoded.";
function decode(input) {
  try {
    return decodeBase64(typeof input == "string" ? input : decoder.decode(input), true);
  } catch (cause) {
    throw new TypeError(invalid, { cause });
  }
}

// node_modules/jose/dist/webapi/lib/validate.js
function isObject(input) {
  if (typeof input != "object" || input === null || Object.prototype.toString.call(input) !== "[object Object]")
    return false;
  const prototype = Object.getPrototypeOf(input);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}
function isDisjoint(...headers) {
  const parameters = /* @__PURE__ */ new Set();
  for (const header of headers)
    if (header)
      for (const parameter of Object.keys(header)) {
        if (parameters.has(parameter))
          return false;
        parameters.add(parameter);
      }
  return true;
}
function decodeBase64url(value, label, ErrorClass) {
  try {
    return decode(value);
  } catch (cause) {
    throw new ErrorClass(`Failed to base64url decode the ${label}`, { cause });
  }
}
function encodeAsciiMember(value, label, ErrorClass) {
  try {
    return encode(value);
  } catch (cause) {
    throw new ErrorClass(`The ${label} is not a valid base64url string`, { cause });
  }
}
function parseJoseHeader(encodedProtectedHeader, ErrorClass, message2) {
  let parsed;
  try {
    parsed = JSON.parse(strictDecoder.decode(decode(encodedProtectedHeader)));
  } catch (cause) {
    throw new ErrorClass(message2, { cause });
  }
  if (!isObject(parsed))
    throw new ErrorClass(message2);
  return parsed;
}
var JWE_RECOGNIZED = { __proto__: null };
function validateAlgorithms(option, algorithms) {
  if (algorithms !== void 0 && (!Array.isArray(algorithms) || algorithms.some((s) => typeof s != "string")))
    throw new TypeError(`"${option}" option must be an array of strings`);
  return algorithms === void 0 ? void 0 : new Set(algorithms);
}
function validateCrit(Err, recognizedDefault, recognizedOption, protectedHeader, joseHeader) {
  if (joseHeader.crit !== void 0 && protectedHeader?.crit === void 0)
    throw new Err('"crit" (Critical) Header Parameter MUST be integrity protected');
  if (!protectedHeader || protectedHeader.crit === void 0)
    return [];
  if (!Array.isArray(protectedHeader.crit) || protectedHeader.crit.length === 0 || protectedHeader.crit.some((input) => typeof input != "string" || input.length === 0))
    throw new Err('"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present');
  const recognized = recognizedOption === void 0 ? recognizedDefault : { __proto__: null, ...recognizedOption, ...recognizedDefault };
  for (const parameter of protectedHeader.crit) {
    if (!(parameter in recognized))
      throw new JOSENotSupported(`Extension Header Parameter "${parameter}" is not recognized`);
    if (!Object.hasOwn(joseHeader, parameter) || joseHeader[parameter] === void 0)
      throw new Err(`Extension Header Parameter "${parameter}" is missing`);
    if (recognized[parameter] && (!Object.hasOwn(protectedHeader, parameter) || protectedHeader[parameter] === void 0))
      throw new Err(`Extension Header Parameter "${parameter}" MUST be integrity protected`);
  }
  return protectedHeader.crit;
}

// node_modules/jose/dist/webapi/lib/key.js
var tag = (key) => key[Symbol.toStringTag];
var jwkMatchesOp = (entry, key, usage2) => {
  const { alg } = entry;
  if (key.use !== void 0) {
    const expected = usage2 === "sign" || usage2 === "verify" ? "sig" : "enc";
    if (key.use !== expected)
      throw new TypeError(`Invalid key for this operation, its "use" must be "${expected}" when present`);
  }
  if (key.alg !== void 0 && key.alg !== alg)
    throw new TypeError(`Invalid key for this operation, its "alg" must be "${alg}" when present`);
  if (Array.isArray(key.key_ops)) {
    const expectedKeyOp = usage2 === "encrypt" || usage2 === "decrypt" ? entry.ops?.[usage2 === "encrypt" ? 0 : 1] : usage2;
    if (expectedKeyOp && !key.key_ops.includes(expectedKeyOp))
      throw new TypeError(`Invalid key for this operation, its "key_ops" must include "${expectedKeyOp}" when present`);
  }
};
async function prepareKey(entry, key, usage2) {
  const { alg, secret } = entry, requiresPrivateKey = usage2 === "decrypt" || usage2 === "sign";
  if (secret && key instanceof Uint8Array)
    return key;
  let normalized, keyObject;
  if (isObject(key)) {
    if (normalized = normalizeJwk(key), typeof normalized.kty != "string")
      throw invalidKeyType(alg, key, secret);
    if (!(secret ? normalized.kty === "oct" && typeof normalized.k == "string" : normalized.kty !== "oct" && (requiresPrivateKey ? normalized.kty === "AKP" && typeof normalized.priv == "string" || typeof normalized.d == "string" : normalized.d === void 0 && normalized.priv === void 0)))
      throw new TypeError(secret ? 'JSON Web Key for symmetric algorithms must have JWK "kty" (Key Type) equal to "oct" and the JWK "k" (Key Value) present' : `JSON Web Key for this operation must be a ${requiresPrivateKey ? "private" : "public"} JWK`);
    if (jwkMatchesOp(entry, normalized, usage2), normalized.kty === "oct")
      return decode(normalized.k);
    if (!Object.isFrozen(key)) {
      const { key_ops } = key;
      Array.isArray(key_ops) && Object.freeze(key_ops), Object.freeze(key);
    }
  } else {
    if (!isKeyLike(key))
      throw invalidKeyType(alg, key, secret);
    const expectedType = secret ? "secret" : requiresPrivateKey ? "private" : "public";
    if (key.type !== expectedType && (secret || ["secret", "public", "private"].includes(key.type)))
      throw new TypeError(`${tag(key)} instances must be of type "${expectedType}" for the ${alg} algorithm`);
    if (isCryptoKey(key))
      return key;
    if (keyObject = key, keyObject.type === "secret")
      return keyObject.export();
  }
  cache ||= /* @__PURE__ */ new WeakMap();
  const cacheKey = key;
  let cached = cache.get(cacheKey);
  if (cached?.[alg])
    return cached[alg];
  if (cached || cache.set(cacheKey, cached = {}), keyObject && typeof keyObject.toCryptoKey == "function") {
    const isPublic = keyObject.type === "public", crv = nist[keyObject.asymmetricKeyDetails?.namedCurve], params = entry.resolve?.({ crv, asymmetricKeyType: keyObject.asymmetricKeyType }) ?? entry.subtle;
    return cached[alg] = keyObject.toCryptoKey(params, isPublic, entry.usages[isPublic ? 0 : 1]);
  }
  return normalized ??= keyObject.export({ format: "jwk" }), normalized.alg = alg, cached[alg] = await jwkToKey(entry, normalized);
}
var cache;
var nist = {
  __proto__: null,
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521"
};
function assertCryptoKey(key) {
  if (!isCryptoKey(key))
    throw new Error("CryptoKey instance expected");
}
var isCryptoKey = (key) => {
  if (key?.[Symbol.toStringTag] === "CryptoKey")
    return true;
  try {
    return key instanceof CryptoKey;
  } catch {
    return false;
  }
};
var isKeyObject = (key) => key?.[Symbol.toStringTag] === "KeyObject";
var isKeyLike = (key) => isCryptoKey(key) || isKeyObject(key);
function message(msg, actual, ...types) {
  if (types.length > 2) {
    const last = types.pop();
    msg += `one of type ${types.join(", ")}, or ${last}.`;
  } else types.length === 2 ? msg += `one of type ${types[0]} or ${types[1]}.` : msg += `of type ${types[0]}.`;
  return actual == null ? msg += ` Received ${actual}` : typeof actual == "function" && actual.name ? msg += ` Received function ${actual.name}` : typeof actual == "object" && actual != null && actual.constructor?.name && (msg += ` Received an instance of ${actual.constructor.name}`), msg;
}
var invalidKeyInput = (actual, ...types) => message("Key must be ", actual, ...types);
function invalidKeyType(alg, actual, secret) {
  const types = ["CryptoKey", "KeyObject", "JSON Web Key"];
  return secret && types.push("Uint8Array"), new TypeError(message(`Key for the ${alg} algorithm must be `, actual, ...types));
}
var unusable = (name, prop = "algorithm.name") => new TypeError(`CryptoKey does not support this operation, its ${prop} must be ${name}`);
function checkUsage(key, usage2) {
  if (usage2 && !key.usages.includes(usage2))
    throw new TypeError(`CryptoKey does not support this operation, its usages must include ${usage2}.`);
}
function checkModulusLength(alg, key) {
  const { modulusLength } = key.algorithm;
  if (typeof modulusLength != "number" || modulusLength < 2048)
    throw new TypeError(`${alg} requires key modulusLength to be 2048 bits or larger`);
}
function checkCryptoKey(key, expected, usage2) {
  const algorithm = key.algorithm;
  if (algorithm.name !== expected.name)
    throw unusable(expected.name);
  if (expected.hash && algorithm.hash?.name !== expected.hash)
    throw unusable(expected.hash, "algorithm.hash");
  if (expected.namedCurve && algorithm.namedCurve !== expected.namedCurve)
    throw unusable(expected.namedCurve, "algorithm.namedCurve");
  if (expected.length !== void 0 && algorithm.length !== expected.length)
    throw unusable(expected.length, "algorithm.length");
  checkUsage(key, usage2);
}
function snapshotJwk(jwk) {
  return { __proto__: null, ...jwk };
}
function normalizeJwk(jwk) {
  const normalized = snapshotJwk(jwk);
  if (normalized.ext !== void 0 && typeof normalized.ext != "boolean")
    throw new TypeError('"ext" (Extractable) Parameter must be a boolean');
  if (normalized.key_ops !== void 0) {
    const value = normalized.key_ops, keyOps = Array.isArray(value) ? [...value] : void 0;
    if (!keyOps || keyOps.some((operation) => typeof operation != "string") || new Set(keyOps).size !== keyOps.length)
      throw new TypeError('"key_ops" (Key Operations) Parameter must be an array of unique strings');
    normalized.key_ops = keyOps;
  }
  return normalized;
}
async function jwkToKey(entry, jwk, extractable) {
  if (!entry.kty.includes(jwk.kty))
    throw new JOSENotSupported('Invalid or unsupported JWK "alg" (Algorithm) Parameter value');
  const algorithm = entry.resolve?.({ kty: jwk.kty, crv: jwk.crv }) ?? entry.subtle, isPrivate = !!(jwk.d || jwk.priv), keyData = { ...jwk, ext: extractable ?? jwk.ext };
  return keyData.kty !== "AKP" && delete keyData.alg, delete keyData.use, crypto.subtle.importKey("jwk", keyData, algorithm, keyData.ext ?? !isPrivate, jwk.key_ops ?? entry.usages[isPrivate ? 1 : 0]);
}
async function rawKey(key, expected, usage2, extractable = false) {
  return key instanceof Uint8Array && (key = await crypto.subtle.importKey("raw", key, expected, extractable, [usage2])), checkCryptoKey(key, expected, usage2), key;
}

// node_modules/jose/dist/webapi/lib/content_encryption.js
var generateCek = (enc) => crypto.getRandomValues(new Uint8Array(enc.cekBits >> 3));
function checkCekLength(cek, expected) {
  const actual = cek.byteLength << 3;
  if (actual !== expected)
    throw new JWEInvalid(`Invalid Content Encryption Key length. Expected ${expected} bits, got ${actual} bits`);
}
function checkIvLength(enc, iv) {
  if (iv.length << 3 !== enc.ivBits)
    throw new JWEInvalid("Invalid Initialization Vector length");
}
async function cbcKeySetup(enc, cek, usage2) {
  if (!(cek instanceof Uint8Array))
    throw new TypeError(invalidKeyInput(cek, "Uint8Array"));
  const keyLengthBits = enc.cekBits >> 1, encKey = await crypto.subtle.importKey("raw", cek.subarray(keyLengthBits >> 3), "AES-CBC", false, [usage2]), macKey = await crypto.subtle.importKey("raw", cek.subarray(0, keyLengthBits >> 3), {
    hash: `SHA-${keyLengthBits << 1}`,
    name: "HMAC"
  }, false, ["sign"]);
  return [encKey, macKey, keyLengthBits];
}
async function cbcHmacTag(macKey, macData, keyLengthBits) {
  return new Uint8Array((await crypto.subtle.sign("HMAC", macKey, macData)).slice(0, keyLengthBits >> 3));
}
async function timingSafeEqual(a, b) {
  const algorithm = { name: "HMAC", hash: "SHA-256" }, key = await crypto.subtle.generateKey(algorithm, false, ["sign", "verify"]), aHmac = await crypto.subtle.sign(algorithm, key, a);
  return crypto.subtle.verify(algorithm, key, aHmac, b);
}
async function cbcDecrypt(enc, cek, ciphertext, iv, tag2, aad) {
  const [encKey, macKey, keyLengthBits] = await cbcKeySetup(enc, cek, "decrypt"), al = uint64be(aad.length * 8), macData = concat(aad, iv, ciphertext, al), expectedTag = await cbcHmacTag(macKey, macData, keyLengthBits);
  try {
    if (await timingSafeEqual(tag2, expectedTag))
      return new Uint8Array(await crypto.subtle.decrypt({ iv, name: "AES-CBC" }, encKey, ciphertext));
  } catch {
  }
  throw new JWEDecryptionFailed();
}
async function decrypt(enc, cek, ciphertext, iv, tag2, aad) {
  if (!isCryptoKey(cek) && !(cek instanceof Uint8Array))
    throw new TypeError(invalidKeyInput(cek, "CryptoKey", "KeyObject", "Uint8Array", "JSON Web Key"));
  if (!iv)
    throw new JWEInvalid("JWE Initialization Vector missing");
  if (!tag2)
    throw new JWEInvalid("JWE Authentication Tag missing");
  if (!enc.cbc && tag2.length !== 16)
    throw new JWEInvalid("Invalid Authentication Tag length");
  if (checkIvLength(enc, iv), cek instanceof Uint8Array && checkCekLength(cek, enc.cekBits), enc.cbc)
    return cbcDecrypt(enc, cek, ciphertext, iv, tag2, aad);
  const encKey = await rawKey(cek, enc.subtle, "decrypt");
  try {
    return new Uint8Array(await crypto.subtle.decrypt({
      additionalData: aad,
      iv,
      name: "AES-GCM",
      tagLength: 128
    }, encKey, concat(ciphertext, tag2)));
  } catch {
    throw new JWEDecryptionFailed();
  }
}

// node_modules/jose/dist/webapi/lib/key_descriptor.js
function table(entries) {
  const out = { __proto__: null };
  for (const alg in entries)
    out[alg] = { ...entries[alg], alg };
  return out;
}

// node_modules/jose/dist/webapi/lib/jwe_algorithms.js
var wrap = [
  ["encrypt", "wrapKey"],
  ["decrypt", "unwrapKey"]
];
var derive = [[], ["deriveBits"]];
var none = [[], []];
function rsaes(bits) {
  return {
    kty: ["RSA"],
    mode: "key-encryption",
    subtle: { name: "RSA-OAEP", hash: `SHA-${bits}` },
    usages: wrap,
    ops: ["wrapKey", "unwrapKey"]
  };
}
function ecdh(mode) {
  return {
    kty: ["EC", "OKP"],
    mode,
    subtle: { name: "ECDH" },
    resolve: ({ kty, crv, asymmetricKeyType }) => {
      if (crv === "X25519" || asymmetricKeyType === "x25519")
        return { name: "X25519" };
      if (kty === "OKP")
        throw new JOSENotSupported('Invalid or unsupported JWK "alg" (Algorithm) Parameter value');
      return { name: "ECDH", namedCurve: crv };
    },
    usages: derive,
    ops: [void 0, "deriveBits"]
  };
}
function aeskw(bits, gcm = false) {
  return {
    kty: ["oct"],
    mode: "key-wrapping",
    secret: true,
    subtle: { name: gcm ? "AES-GCM" : "AES-KW", length: bits },
    usages: none,
    ops: gcm ? ["encrypt", "decrypt"] : ["wrapKey", "unwrapKey"]
  };
}
function pbes2() {
  return {
    kty: ["oct"],
    mode: "key-wrapping",
    secret: true,
    subtle: { name: "PBKDF2" },
    usages: none,
    ops: ["deriveBits", "deriveBits"]
  };
}
var JWE = table({
  dir: {
    kty: ["oct"],
    mode: "direct-encryption",
    secret: true,
    subtle: { name: "AES-GCM" },
    usages: none,
    ops: ["encrypt", "decrypt"]
  },
  "RSA-OAEP": rsaes(1),
  "RSA-OAEP-256": rsaes(256),
  "RSA-OAEP-384": rsaes(384),
  "RSA-OAEP-512": rsaes(512),
  "ECDH-ES": ecdh("direct-key-agreement"),
  "ECDH-ES+A128KW": ecdh("key-agreement-with-key-wrapping"),
  "ECDH-ES+A192KW": ecdh("key-agreement-with-key-wrapping"),
  "ECDH-ES+A256KW": ecdh("key-agreement-with-key-wrapping"),
  A128KW: aeskw(128),
  A192KW: aeskw(192),
  A256KW: aeskw(256),
  A128GCMKW: aeskw(128, true),
  A192GCMKW: aeskw(192, true),
  A256GCMKW: aeskw(256, true),
  "PBES2-HS256+A128KW": pbes2(),
  "PBES2-HS384+A192KW": pbes2(),
  "PBES2-HS512+A256KW": pbes2()
});
var contentOps = ["encrypt", "decrypt"];
function contentEncryption(bits, cbc = false) {
  return {
    kty: ["oct"],
    secret: true,
    subtle: { name: cbc ? "AES-CBC" : "AES-GCM", length: bits },
    usages: none,
    ops: contentOps,
    cekBits: bits,
    ivBits: cbc ? 128 : 96,
    cbc
  };
}
var ENC = table({
  A128GCM: contentEncryption(128),
  A192GCM: contentEncryption(192),
  A256GCM: contentEncryption(256),
  "A128CBC-HS256": contentEncryption(256, true),
  "A192CBC-HS384": contentEncryption(384, true),
  "A256CBC-HS512": contentEncryption(512, true)
});
function unsupported(parameter, name) {
  throw new JOSENotSupported(`Invalid or unsupported "${parameter}" (JWE ${name}) header value`);
}
function jweAlgorithm(alg) {
  return (typeof alg == "string" ? JWE[alg] : void 0) ?? unsupported("alg", "Algorithm");
}
function isJWECEKTransport(algorithm) {
  return algorithm.mode === "key-wrapping" || algorithm.mode === "key-encryption" || algorithm.mode === "key-agreement-with-key-wrapping";
}
function jweEncryption(enc) {
  return (typeof enc == "string" ? ENC[enc] : void 0) ?? unsupported("enc", "Encryption Algorithm");
}

// node_modules/jose/dist/webapi/lib/key_management.js
function checkEcdhCryptoKey(key, usage2) {
  if (key.algorithm.name !== "ECDH" && key.algorithm.name !== "X25519")
    throw new TypeError("CryptoKey does not support this operation, its algorithm.name must be ECDH or X25519");
  checkUsage(key, usage2);
}
async function aeskwUnwrap(alg, key, encryptedKey) {
  const cryptoKey = await rawKey(key, jweAlgorithm(alg).subtle, "unwrapKey", true), cryptoKeyCek = await crypto.subtle.unwrapKey("raw", encryptedKey, cryptoKey, "AES-KW", { hash: "SHA-256", name: "HMAC" }, true, ["sign"]);
  return new Uint8Array(await crypto.subtle.exportKey("raw", cryptoKeyCek));
}
function checkRsaKey(alg, key, usage2) {
  checkCryptoKey(key, jweAlgorithm(alg).subtle, usage2), checkModulusLength(alg, key);
}
async function deriveKey(p2s, alg, p2c, key) {
  if (!(p2s instanceof Uint8Array) || p2s.length < 8)
    throw new JWEInvalid("PBES2 Salt Input must be 8 or more octets");
  if (!Number.isSafeInteger(p2c) || Math.sign(p2c) !== 1)
    throw new JWEInvalid("PBES2 Count Input must be a positive integer");
  const salt = concat(encode(alg), Uint8Array.of(0), p2s), keyLengthBits = parseInt(alg.slice(13, 16), 10), subtleAlg = {
    hash: `SHA-${alg.slice(8, 11)}`,
    iterations: p2c,
    name: "PBKDF2",
    salt
  }, cryptoKey = await rawKey(key, jweAlgorithm(alg).subtle, "deriveBits");
  return new Uint8Array(await crypto.subtle.deriveBits(subtleAlg, cryptoKey, keyLengthBits));
}
function lengthAndInput(input) {
  return concat(uint32be(input.length), input);
}
async function concatKdf(Z, keyDataLength, OtherInfo) {
  const dkLen = keyDataLength >> 3, hashLen = 32, reps = Math.ceil(dkLen / hashLen), dk = new Uint8Array(reps * hashLen);
  for (let i = 1; i <= reps; i++) {
    const hashResult = await digest("sha256", concat(uint32be(i), Z, OtherInfo));
    dk.set(hashResult, (i - 1) * hashLen);
  }
  return dk.slice(0, dkLen);
}
async function ecdhesDeriveKey(publicKey, privateKey, algorithmId, keyDataLength, apu = new Uint8Array(), apv = new Uint8Array()) {
  checkEcdhCryptoKey(publicKey), checkEcdhCryptoKey(privateKey, "deriveBits");
  const otherInfo = concat(lengthAndInput(encode(algorithmId)), lengthAndInput(apu), lengthAndInput(apv), uint32be(keyDataLength)), Z = new Uint8Array(await crypto.subtle.deriveBits({
    name: publicKey.algorithm.name,
    public: publicKey
  }, privateKey, publicKey.algorithm.name === "X25519" ? 256 : Math.ceil(parseInt(publicKey.algorithm.namedCurve.slice(-3), 10) / 8) << 3));
  return concatKdf(Z, keyDataLength, otherInfo);
}
function assertEcdhKey(key) {
  assertCryptoKey(key);
  const curve = key.algorithm.namedCurve;
  if (curve !== "P-256" && curve !== "P-384" && curve !== "P-521" && key.algorithm.name !== "X25519")
    throw new JOSENotSupported("ECDH with the provided key is not allowed or not supported by your javascript runtime");
}
function partyInfo(joseHeader, name) {
  const value = joseHeader[name];
  if (value !== void 0) {
    if (typeof value != "string")
      throw new JWEInvalid(`JOSE Header "${name}" (Agreement Party${name === "apu" ? "U" : "V"}Info) invalid`);
    return decodeBase64url(value, name, JWEInvalid);
  }
}
function checkPartyInfo(apu, apv) {
  if (!(apu === void 0 || apv === void 0 || apu.byteLength !== apv.byteLength)) {
    for (let i = 0; i < apu.byteLength; i++)
      if (apu[i] !== apv[i])
        return;
    throw new JWEInvalid('JOSE Header "apu" and "apv" values must be distinct');
  }
}
function assertEncryptedKey(encryptedKey) {
  if (encryptedKey === void 0)
    throw new JWEInvalid("JWE Encrypted Key missing");
}
function assertNoEncryptedKey(encryptedKey) {
  if (encryptedKey !== void 0)
    throw new JWEInvalid("Encountered unexpected JWE Encrypted Key");
}
function validateMaxPBES2Count(value) {
  if (value !== void 0 && value !== 1 / 0 && (!Number.isSafeInteger(value) || value < 1))
    throw new TypeError("maxPBES2Count must be a positive safe integer or Infinity");
}
async function decryptKeyManagement(entry, enc, key, encryptedKey, joseHeader, maxPBES2Count) {
  const { alg } = entry, mode = entry.mode;
  if (mode === "direct-encryption")
    return assertNoEncryptedKey(encryptedKey), key;
  const direct = mode === "direct-key-agreement";
  switch (direct ? assertNoEncryptedKey(encryptedKey) : assertEncryptedKey(encryptedKey), entry.subtle.name) {
    case "ECDH": {
      const { epk } = joseHeader;
      if (!isObject(epk) || ["d", "k", "p", "q", "dp", "dq", "qi", "oth", "priv"].some((parameter) => Object.hasOwn(epk, parameter)))
        throw new JWEInvalid('JOSE Header "epk" (Ephemeral Public Key) missing or invalid');
      assertEcdhKey(key);
      const ephemeralPublicKey = await jwkToKey(entry, epk), partyUInfo = partyInfo(joseHeader, "apu"), partyVInfo = partyInfo(joseHeader, "apv");
      checkPartyInfo(partyUInfo, partyVInfo);
      const derivedKey = await ecdhesDeriveKey(ephemeralPublicKey, key, direct ? enc.alg : alg, direct ? enc.cekBits : parseInt(alg.slice(-5, -2), 10), partyUInfo, partyVInfo);
      if (direct)
        return derivedKey;
      key = derivedKey;
      break;
    }
    case "RSA-OAEP":
      return assertCryptoKey(key), checkRsaKey(alg, key, "decrypt"), new Uint8Array(await crypto.subtle.decrypt("RSA-OAEP", key, encryptedKey));
    case "PBKDF2": {
      if (typeof joseHeader.p2c != "number")
        throw new JWEInvalid('JOSE Header "p2c" (PBES2 Count) missing or invalid');
      const p2cLimit = maxPBES2Count ?? 1e4;
      if (joseHeader.p2c > p2cLimit)
        throw new JWEInvalid('JOSE Header "p2c" (PBES2 Count) out is of acceptable bounds');
      if (typeof joseHeader.p2s != "string")
        throw new JWEInvalid('JOSE Header "p2s" (PBES2 Salt) missing or invalid');
      const p2s = decodeBase64url(joseHeader.p2s, "p2s", JWEInvalid);
      key = await deriveKey(p2s, alg, joseHeader.p2c, key);
      break;
    }
    case "AES-GCM": {
      if (typeof joseHeader.iv != "string")
        throw new JWEInvalid('JOSE Header "iv" (Initialization Vector) missing or invalid');
      if (typeof joseHeader.tag != "string")
        throw new JWEInvalid('JOSE Header "tag" (Authentication Tag) missing or invalid');
      const iv = decodeBase64url(joseHeader.iv, "iv", JWEInvalid), tag2 = decodeBase64url(joseHeader.tag, "tag", JWEInvalid);
      if (iv.byteLength !== 12)
        throw new JWEInvalid("Invalid Initialization Vector length");
      if (tag2.byteLength !== 16)
        throw new JWEInvalid("Invalid Authentication Tag length");
      return decrypt(jweEncryption(alg.slice(0, -2)), key, encryptedKey, iv, tag2, new Uint8Array());
    }
  }
  return aeskwUnwrap(alg.slice(-6), key, encryptedKey);
}

// node_modules/jose/dist/webapi/lib/deflate.js
function validateZip(joseHeader, protectedHeader) {
  if (joseHeader.zip !== void 0 && joseHeader.zip !== "DEF")
    throw new JOSENotSupported('Unsupported JWE "zip" (Compression Algorithm) Header Parameter value.');
  if (joseHeader.zip !== void 0 && !protectedHeader?.zip)
    throw new JWEInvalid('JWE "zip" (Compression Algorithm) Header Parameter MUST be in a protected header.');
}
function supported(name) {
  if (typeof globalThis[name] > "u")
    throw new JOSENotSupported(`JWE "zip" (Compression Algorithm) Header Parameter requires the ${name} API.`);
}
async function transform(stream, input, maxLength = 1 / 0) {
  const writer = stream.writable.getWriter();
  writer.write(input).catch(() => {
  }), writer.close().catch(() => {
  });
  const chunks = [];
  let length = 0;
  const reader = stream.readable.getReader();
  for (; ; ) {
    const { value, done } = await reader.read();
    if (done)
      break;
    if (chunks.push(value), length += value.byteLength, maxLength !== 1 / 0 && length > maxLength)
      throw await reader.cancel().catch(() => {
      }), new JWEInvalid("Decompressed plaintext exceeded the configured limit");
  }
  return concat(...chunks);
}
async function decompress(input, maxLength) {
  return supported("DecompressionStream"), transform(new DecompressionStream("deflate-raw"), input, maxLength);
}

// node_modules/jose/dist/webapi/lib/jwe_decrypt.js
function shareJWE(jwe) {
  const { protected: encodedProtected, ciphertext, iv, tag: tag2, aad } = jwe;
  let protectedHeader;
  return encodedProtected !== void 0 && (protectedHeader = parseJoseHeader(encodedProtected, JWEInvalid, "JWE Protected Header is invalid")), [
    protectedHeader,
    decodeBase64url(ciphertext, "ciphertext", JWEInvalid),
    iv !== void 0 ? decodeBase64url(iv, "iv", JWEInvalid) : void 0,
    tag2 !== void 0 ? decodeBase64url(tag2, "tag", JWEInvalid) : void 0,
    encodeAsciiMember((encodedProtected ?? "") + (aad !== void 0 ? `.${aad}` : ""), "aad", JWEInvalid)
  ];
}
function prepareDecrypt(options) {
  const keyManagementAlgorithms = options && validateAlgorithms("keyManagementAlgorithms", options.keyManagementAlgorithms), contentEncryptionAlgorithms = options && validateAlgorithms("contentEncryptionAlgorithms", options.contentEncryptionAlgorithms), { crit, maxPBES2Count, maxDecompressedLength } = options ?? {};
  validateMaxPBES2Count(maxPBES2Count);
  const decompressionLimit = maxDecompressedLength ?? 25e4;
  if (decompressionLimit !== 0 && decompressionLimit !== 1 / 0 && (!Number.isSafeInteger(decompressionLimit) || decompressionLimit < 1))
    throw new TypeError("maxDecompressedLength must be 0, a positive safe integer, or Infinity");
  return [
    keyManagementAlgorithms,
    contentEncryptionAlgorithms,
    crit,
    maxPBES2Count,
    maxDecompressedLength
  ];
}
async function decryptJWE(jwe, shared, key, token = shareJWE(jwe)) {
  const [protectedHeader, ciphertext, iv, tag2, additionalAuthenticatedData] = token, { header, unprotected, aad } = jwe;
  let joseHeader;
  if (header !== void 0 || unprotected !== void 0) {
    if (!isDisjoint(protectedHeader, header, unprotected))
      throw new JWEInvalid("JWE Protected, JWE Unprotected Header, and JWE Per-Recipient Unprotected Header Parameter names must be disjoint");
    joseHeader = { ...protectedHeader, ...header, ...unprotected };
  } else
    joseHeader = protectedHeader ?? {};
  const [keyManagementAlgorithms, contentEncryptionAlgorithms, crit, maxPBES2Count, maxDecompressedLength] = shared, { encrypted_key: encodedKey } = jwe;
  validateCrit(JWEInvalid, JWE_RECOGNIZED, crit, protectedHeader, joseHeader), validateZip(joseHeader, protectedHeader);
  const { alg, enc } = joseHeader;
  if (typeof alg != "string" || !alg)
    throw new JWEInvalid("missing JWE Algorithm (alg) in JWE Header");
  const selected = JWE[alg];
  if (encodedKey === "" && (!selected || !isJWECEKTransport(selected)))
    throw new JWEInvalid("JWE Encrypted Key incorrect type");
  const integrated = selected?.mode === "integrated-encryption";
  if (!integrated && (typeof enc != "string" || !enc))
    throw new JWEInvalid("missing JWE Encryption Algorithm (enc) in JWE Header");
  if (keyManagementAlgorithms && !keyManagementAlgorithms.has(alg) || !keyManagementAlgorithms && alg.startsWith("PBES2"))
    throw new JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  let encEntry;
  if (integrated) {
    if (enc !== void 0)
      throw new JWEInvalid('JWE "enc" (Encryption Algorithm) Header Parameter must not be present for integrated encryption');
    if (iv?.byteLength)
      throw new JWEInvalid("JWE Initialization Vector must be empty for integrated encryption");
    if (tag2?.byteLength)
      throw new JWEInvalid("JWE Authentication Tag must be empty for integrated encryption");
  } else {
    if (contentEncryptionAlgorithms && !contentEncryptionAlgorithms.has(enc))
      throw new JOSEAlgNotAllowed('"enc" (Encryption Algorithm) Header Parameter value not allowed');
    encEntry = jweEncryption(enc);
  }
  let encryptedKey;
  if (encodedKey !== void 0)
    try {
      encryptedKey = decodeBase64url(encodedKey, "encrypted_key", JWEInvalid);
    } catch (error) {
      if (!selected || !isJWECEKTransport(selected))
        throw error;
      encryptedKey = new Uint8Array();
    }
  let resolvedKey = false;
  typeof key == "function" && (key = await key(protectedHeader, jwe), resolvedKey = true);
  const algEntry = selected ?? jweAlgorithm(alg);
  isJWECEKTransport(algEntry) && encryptedKey === void 0 && (encryptedKey = new Uint8Array());
  const k = await prepareKey(algEntry.mode === "direct-encryption" ? encEntry : algEntry, key, "decrypt");
  let plaintext;
  if (algEntry.mode === "integrated-encryption")
    plaintext = await algEntry.decrypt(k, encryptedKey, ciphertext, additionalAuthenticatedData, protectedHeader, joseHeader);
  else {
    const encryption = encEntry;
    let cek;
    try {
      cek = await decryptKeyManagement(algEntry, encryption, k, encryptedKey, joseHeader, maxPBES2Count), isJWECEKTransport(algEntry) && cek instanceof Uint8Array && cek.byteLength << 3 !== encryption.cekBits && (cek = generateCek(encryption));
    } catch (err) {
      if (err instanceof TypeError || err instanceof JWEInvalid || err instanceof JOSENotSupported)
        throw err;
      cek = generateCek(encryption);
    }
    plaintext = await decrypt(encryption, cek, ciphertext, iv, tag2, additionalAuthenticatedData);
  }
  if (joseHeader.zip === "DEF") {
    const decompressionLimit = maxDecompressedLength ?? 25e4;
    if (decompressionLimit === 0)
      throw new JOSENotSupported('JWE "zip" (Compression Algorithm) Header Parameter is not supported.');
    plaintext = await decompress(plaintext, decompressionLimit).catch((cause) => {
      throw cause instanceof JWEInvalid ? cause : new JWEInvalid("Failed to decompress plaintext", { cause });
    });
  }
  return {
    plaintext,
    ...protectedHeader && { protectedHeader },
    ...aad !== void 0 && {
      additionalAuthenticatedData: decodeBase64url(aad, "aad", JWEInvalid)
    },
    ...unprotected && { sharedUnprotectedHeader: unprotected },
    ...header && { unprotectedHeader: header },
    ...resolvedKey && { key: k }
  };
}
async function decryptCompact(jwe, shared, key) {
  if (jwe instanceof Uint8Array && (jwe = decoder.decode(jwe)), typeof jwe != "string")
    throw new JWEInvalid("Compact JWE must be a string or Uint8Array");
  const { 0: protectedHeader, 1: encryptedKey, 2: iv, 3: ciphertext, 4: tag2, length } = jwe.split(".");
  if (length !== 5)
    throw new JWEInvalid("Invalid Compact JWE");
  return decryptJWE({
    ciphertext,
    iv: iv || void 0,
    protected: protectedHeader,
    tag: tag2 || void 0,
    encrypted_key: encryptedKey || void 0
  }, shared, key);
}

// node_modules/jose/dist/webapi/jwe/compact/decrypt.js
async function compactDecrypt(jwe, key, options) {
  return decryptCompact(jwe, prepareDecrypt(options), key);
}

// cli/src/codes/timedCode.ts
function isTimedCode(value) {
  if (typeof value !== "object" || value === null) return false;
  const { otp, notBefore, notAfter } = value;
  return typeof otp === "string" && /^\d{6,8}$/.test(otp) && Number.isSafeInteger(notBefore) && Number.isSafeInteger(notAfter) && notBefore < notAfter;
}

// cli/src/codes/decryptAnswer.ts
var MAX_CODES = 122;
async function decryptAnswer(jwe, privateKey) {
  let plaintext;
  try {
    ({ plaintext } = await compactDecrypt(jwe, privateKey, {
      keyManagementAlgorithms: ["ECDH-ES"],
      contentEncryptionAlgorithms: ["A256GCM"]
    }));
  } catch (error) {
    return { ok: false, message: `The encrypted answer could not be decrypted (${error.message}).` };
  }
  let payload;
  try {
    payload = JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    return { ok: false, message: "The decrypted answer is not JSON." };
  }
  const { codes, runUntil } = payload ?? {};
  if (!Array.isArray(codes) || codes.length === 0 || codes.length > MAX_CODES || !codes.every(isTimedCode)) {
    return { ok: false, message: "The decrypted answer does not hold {codes:[{otp,notBefore,notAfter}]}." };
  }
  return typeof runUntil === "number" && Number.isFinite(runUntil) ? { ok: true, codes, runUntil } : { ok: true, codes };
}

// cli/src/request/describeFetchError.ts
var PERMANENT = /* @__PURE__ */ new Set([
  "ENOTFOUND",
  "ERR_INVALID_URL",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER"
]);
function describeFetchError(error) {
  let current = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = current.code;
    if (typeof code === "string") return { code, retryable: !PERMANENT.has(code) };
    current = current.cause;
  }
  const cause = error?.cause;
  if (cause instanceof Error && cause.message === "bad port")
    return { code: "port blocked by fetch", retryable: false };
  return { code: cause instanceof Error && cause.message ? cause.message : "connection failed", retryable: true };
}

// cli/src/request/parseRetryAfter.ts
function parseRetryAfter(header, now, fallbackMs) {
  if (!header) return fallbackMs;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1e3;
  const date = Date.parse(text);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - now);
}

// cli/src/request/requestOtp.ts
var OIDC_TOKEN_HEADER = "x-countersign-oidc-token";
var MAX_WAIT_PER_CALL = 240;
var BACKOFF_START_MS = 500;
var BACKOFF_CAP_MS = 5e3;
var CALL_GRACE_MS = 15e3;
var defaultSleep = (ms) => new Promise((resolve2) => setTimeout(resolve2, ms));
function asErrorJson(body) {
  if (typeof body !== "object" || body === null) return {};
  const { error, message: message2, requestId } = body;
  return {
    error: typeof error === "string" ? error : void 0,
    message: typeof message2 === "string" ? message2 : void 0,
    requestId: typeof requestId === "string" ? requestId : void 0
  };
}
function serverSays(json) {
  return json.message ? ` The server says: ${json.message}` : "";
}
async function requestOtp(options) {
  const outcome = await requestAnswer(options);
  if (outcome.ok && "opened" in outcome.value) {
    return { ok: false, failure: failure("unexpected", "The server answered without a code.") };
  }
  return outcome;
}
async function requestAnswer(options) {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const debug = options.onDebug ?? (() => {
  });
  const notice = options.onNotice ?? (() => {
  });
  const { link } = options;
  const deadline = now() + options.waitSeconds * 1e3;
  const headers = {
    Authorization: `Bearer ${link.token}`,
    Accept: "application/json",
    "User-Agent": options.userAgent,
    "Idempotency-Key": options.idempotencyKey
  };
  let requestId;
  let body = options.body;
  let posts = 0;
  let failures = 0;
  let lastProblem = "";
  let contacted = false;
  const timedOut = (extra = "") => ({
    ok: false,
    failure: contacted ? failure(
      "timeout",
      `No answer from your phone within ${options.waitSeconds} s.${extra} Check that the phone gets notifications, then rerun the job (or raise --wait).`,
      { serverError: "timeout", requestId }
    ) : failure(
      "timeout",
      `Could not reach the server at ${link.origin} within ${options.waitSeconds} s.${extra} Check the link's server part and that the server is up.`,
      { serverError: "timeout", requestId }
    )
  });
  const backOff = async (reason, ms) => {
    const delay = ms ?? Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** failures) * (0.8 + Math.random() * 0.4);
    failures++;
    lastProblem = reason;
    if (now() + delay >= deadline) return false;
    notice(`${reason}; retrying in ${Math.max(1, Math.round(delay / 1e3))} s.`);
    await sleep(delay);
    return true;
  };
  while (true) {
    const remainingMs = deadline - now();
    if (remainingMs <= 0 || requestId && remainingMs < 1e3) {
      return timedOut(lastProblem ? ` Last problem: ${lastProblem}.` : "");
    }
    const announcing = options.onRequestId !== void 0 && !requestId;
    const wait = announcing ? 0 : Math.min(MAX_WAIT_PER_CALL, Math.floor(remainingMs / 1e3));
    if ((requestId || posts++ > 0) && body.oidcToken && options.refreshOidcToken) {
      body = { ...body, oidcToken: await options.refreshOidcToken() ?? body.oidcToken };
    }
    const url = requestId ? `${link.base}/api/v1/requests/${encodeURIComponent(requestId)}?wait=${wait}` : `${link.base}/api/v1/otp`;
    const init = requestId ? { method: "GET", headers: body.oidcToken ? { ...headers, [OIDC_TOKEN_HEADER]: body.oidcToken } : headers } : {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, wait })
    };
    debug(`\u2192 ${init.method} ${url}${requestId ? "" : ` (wait ${wait} s)`}`);
    const started = now();
    let response;
    let text;
    try {
      const timeout = AbortSignal.timeout(remainingMs + CALL_GRACE_MS);
      const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
      response = await fetchImpl(url, { ...init, signal });
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || options.signal?.aborted)) return timedOut();
      const problem = describeFetchError(error);
      debug(`\u2190 no response (${problem.code})`);
      if (!problem.retryable) {
        return {
          ok: false,
          failure: failure(
            "unexpected",
            `Cannot reach the server at ${link.origin} (${problem.code}). Check the server part of the link.`,
            { requestId }
          )
        };
      }
      if (!await backOff(`Connection to the server failed (${problem.code})`))
        return timedOut(` Last problem: ${lastProblem}.`);
      continue;
    }
    contacted = true;
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = void 0;
    }
    const errorJson = asErrorJson(json);
    debug(
      `\u2190 ${response.status}${errorJson.error ? ` ${errorJson.error}` : ""}${errorJson.requestId ? ` requestId=${errorJson.requestId}` : ""}`
    );
    if (response.status === 200) {
      if (json === void 0 && /^\s*\d{6,8}\s*$/.test(text)) {
        const otp = text.trim();
        const code = { otp, notBefore: now(), notAfter: now() + 3e4 };
        return { ok: true, value: { otp, requestId: requestId ?? "", encrypted: false, exact: true, codes: [code] } };
      }
      return openAnswer(json, requestId, options.privateKey, now());
    }
    if (response.status === 408 && errorJson.requestId) {
      if (!requestId) options.onRequestId?.(errorJson.requestId);
      requestId = errorJson.requestId;
      failures = 0;
      lastProblem = "";
      if (now() - started < 1e3 && wait > 1 && !await backOff("The server answered before the wait was over")) {
        return timedOut();
      }
      continue;
    }
    if (response.status === 408 || response.status >= 500) {
      if (!await backOff(`The server answered HTTP ${response.status}`))
        return timedOut(` Last problem: HTTP ${response.status}.`);
      continue;
    }
    if (response.status === 429) {
      const delay = parseRetryAfter(response.headers.get("retry-after"), now(), BACKOFF_CAP_MS);
      if (!await backOff(`The server is rate limiting this link${serverSays(errorJson)}`, delay)) {
        return {
          ok: false,
          failure: failure(
            "timeout",
            `The server is rate limiting this link and asks to wait longer than --wait allows.${serverSays(errorJson)} Try again later.`,
            { serverError: errorJson.error ?? "rate_limited", requestId }
          )
        };
      }
      continue;
    }
    return { ok: false, failure: classifyError(response.status, errorJson, requestId, link) };
  }
}
async function withdrawRequest(options) {
  try {
    const response = await (options.fetch ?? fetch)(
      `${options.link.base}/api/v1/requests/${encodeURIComponent(options.requestId)}`,
      {
        method: "DELETE",
        headers: {
          Authorization: `Bearer ${options.link.token}`,
          "User-Agent": options.userAgent,
          ...options.oidcToken ? { [OIDC_TOKEN_HEADER]: options.oidcToken } : {}
        },
        signal: AbortSignal.timeout(1e4)
      }
    );
    await response.arrayBuffer();
    return response.status === 204;
  } catch {
    return false;
  }
}
function classifyError(status, json, knownRequestId, link) {
  const requestId = json.requestId ?? knownRequestId;
  const extra = { serverError: json.error, requestId };
  if (status === 403 && json.error === "denied") {
    return failure(
      "denied",
      `Denied: ${json.message ?? "the request was denied on the phone."} No code was issued; rerun the job if this publish was expected.`,
      extra
    );
  }
  if (status === 403 && json.error === "policy") {
    return failure(
      "unauthorized",
      `The link's policy refused this request.${serverSays(json)} Check that the job runs from the allowed repository and workflow and has \`permissions: id-token: write\` (GitHub) or an id_tokens: entry (GitLab).`,
      extra
    );
  }
  if (status === 401 || status === 403) {
    return failure(
      "unauthorized",
      `The server does not accept this link (HTTP ${status}): it is unknown or was revoked.${serverSays(json)} Create a new link in the Countersign app and update the CI secret.`,
      extra
    );
  }
  if (status === 404 && !knownRequestId) {
    return failure(
      "unauthorized",
      `No Countersign API at ${link.origin} (HTTP 404).${serverSays(json)} Check the server part of the link.`,
      extra
    );
  }
  if (status === 404 || status === 410) {
    return failure(
      "timeout",
      `The request expired before it was answered.${serverSays(json)} Rerun the job to ask again.`,
      extra
    );
  }
  if (status === 400 || status === 413) {
    return failure("unexpected", `The server refused the request (HTTP ${status}).${serverSays(json)}`, extra);
  }
  return failure("unexpected", `Unexpected answer from the server: HTTP ${status}.${serverSays(json)}`, extra);
}
async function openAnswer(json, knownRequestId, privateKey, now) {
  const body = typeof json === "object" && json !== null ? json : {};
  const requestId = typeof body.requestId === "string" ? body.requestId : knownRequestId ?? "";
  const approvedBy = typeof body.approvedBy === "string" ? body.approvedBy : void 0;
  const approvedAt = typeof body.approvedAt === "number" ? body.approvedAt : void 0;
  if (body.opened === true) return { ok: true, value: { opened: true, requestId, approvedBy } };
  if (typeof body.jwe === "string") {
    if (!privateKey) {
      return { ok: false, failure: failure("unexpected", "The server sent an encrypted answer this run cannot open.") };
    }
    const opened = await decryptAnswer(body.jwe, privateKey);
    if (!opened.ok) return { ok: false, failure: failure("unexpected", opened.message, { requestId }) };
    const picked = pickCode(opened.codes, now);
    if (!picked) return { ok: false, failure: failure("unexpected", "The answer held no code.", { requestId }) };
    return {
      ok: true,
      value: {
        otp: picked.code.otp,
        requestId,
        validUntil: picked.code.notAfter,
        approvedBy,
        approvedAt,
        encrypted: true,
        exact: picked.exact,
        codes: opened.codes,
        ...opened.runUntil ? { runUntil: opened.runUntil } : {}
      }
    };
  }
  if (typeof body.otp === "string" && /^\d{6,8}$/.test(body.otp)) {
    const validUntil = typeof body.validUntil === "number" ? body.validUntil : void 0;
    return {
      ok: true,
      value: {
        otp: body.otp,
        requestId,
        validUntil,
        approvedBy,
        approvedAt,
        encrypted: false,
        exact: true,
        codes: [{ otp: body.otp, notBefore: now, notAfter: validUntil ?? now + 3e4 }]
      }
    };
  }
  return { ok: false, failure: failure("unexpected", "The server answered 200 without a code.", { requestId }) };
}

// cli/src/relay/challenge.ts
function readChallenge(status, wwwAuthenticate, body) {
  if (status !== 401) return null;
  const text = body.toString("utf8");
  const values = (wwwAuthenticate ?? "").split(/,\s*/).map((value) => value.trim().toLowerCase());
  if (!values.includes("otp") && !/one-time pass/.test(text)) return null;
  try {
    const json = JSON.parse(text);
    if (typeof json.authUrl === "string" && typeof json.doneUrl === "string" && json.authUrl && json.doneUrl) {
      return { type: "web", authUrl: json.authUrl, doneUrl: json.doneUrl };
    }
  } catch {
  }
  return { type: "otp" };
}
var WEB_HOSTS = {
  "registry.npmjs.org": ["www.npmjs.com", "npmjs.com"]
};
function isLoopback(hostname) {
  return hostname === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "[::1]";
}
function checkWebChallenge(challenge, registry) {
  let auth;
  let done;
  try {
    auth = new URL(challenge.authUrl);
    done = new URL(challenge.doneUrl);
  } catch {
    return "the registry's authUrl or doneUrl is not a URL";
  }
  if (auth.username || auth.password) return "the registry's authUrl carries credentials";
  const localRegistry = registry.protocol === "http:" && isLoopback(registry.hostname);
  const schemeOk = auth.protocol === "https:" || localRegistry && auth.protocol === "http:" && auth.hostname === registry.hostname;
  if (!schemeOk) return `the registry's authUrl is not https (${auth.protocol}//${auth.host})`;
  const allowed = [registry.hostname, ...WEB_HOSTS[registry.hostname] ?? []];
  if (!allowed.includes(auth.hostname)) {
    return `the registry's authUrl is on ${auth.hostname}, not on ${allowed.join(" or ")}`;
  }
  if (done.origin !== registry.origin) {
    return `the registry's doneUrl is on ${done.origin}, not on the registry ${registry.origin}`;
  }
  return null;
}
function describeAuthUrl(authUrl) {
  try {
    const url = new URL(authUrl);
    const first = url.pathname.split("/").filter(Boolean)[0];
    return `${url.protocol}//${url.host}/${first ? `${first}/\u2026` : ""}`;
  } catch {
    return "(not a URL)";
  }
}
var MIN_POLL_MS = 1e3;
var MAX_POLL_MS = 1e4;
var abortableSleep = (ms, signal) => new Promise((resolve2, reject) => {
  const timer = setTimeout(resolve2, ms);
  signal.addEventListener(
    "abort",
    () => {
      clearTimeout(timer);
      reject(signal.reason);
    },
    { once: true }
  );
});
async function pollDone(doneUrl, options) {
  const fetchImpl = options.fetch ?? fetch;
  const sleep = options.sleep ?? abortableSleep;
  while (true) {
    options.signal.throwIfAborted();
    const response = await fetchImpl(doneUrl, { headers: options.headers, signal: options.signal, redirect: "error" });
    const text = await response.text();
    if (response.status === 200) {
      const token = JSON.parse(text).token;
      if (typeof token !== "string" || !token) throw new Error("the registry's doneUrl answered 200 without a token");
      return token;
    }
    if (response.status !== 202) throw new Error(`the registry's doneUrl answered HTTP ${response.status}`);
    const seconds = Number(response.headers.get("retry-after"));
    const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1e3 : MIN_POLL_MS;
    await sleep(Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, ms)), options.signal);
  }
}

// cli/src/relay/createPhoneSecondFactor.ts
function describeForLog(operation) {
  const spec = operation.package ? `${operation.package.name}${operation.package.version ? `@${operation.package.version}` : ""}` : operation.path;
  switch (operation.action) {
    case "publish":
      return `publish ${spec}${operation.tag ? ` (tag ${operation.tag})` : ""}`;
    case "dist-tag-add":
      return `tag ${spec} as ${operation.tag ?? "?"}`;
    case "dist-tag-rm":
      return `remove the tag ${operation.tag ?? "?"} from ${spec}`;
    case "other":
      return `${operation.method} ${operation.path}`;
    default:
      return `${operation.action.replace("-", " ")} ${spec}`;
  }
}
function clock(ms) {
  return new Date(ms).toISOString().slice(11, 16);
}
function authHeaders(upstream) {
  const { credential } = upstream;
  if (credential.kind === "bearer") return { authorization: `Bearer ${credential.token}` };
  if (credential.kind === "basic") return { authorization: `Basic ${credential.auth}` };
  return {};
}
function createPhoneSecondFactor(options) {
  const now = options.now ?? Date.now;
  const { reporter } = options;
  let codes = [];
  let runUntil;
  const refused = /* @__PURE__ */ new Set();
  const challenged = /* @__PURE__ */ new Set();
  let stopped = null;
  let prompts = 0;
  let queue = Promise.resolve();
  const codeNow = () => {
    const at = now();
    return codes.find((code) => code.notBefore <= at && at < code.notAfter && !refused.has(code.otp))?.otp ?? null;
  };
  const refuse = (problem) => {
    stopped ??= problem;
    return { kind: "refused", status: 403, message: `Countersign: ${problem.message}` };
  };
  const ask = (operation, challenge, signal, onRequestId) => {
    prompts++;
    const offerRun = challenge?.type !== "web" && options.runSeconds > 0;
    return requestAnswer({
      link: options.link,
      body: {
        ...options.body,
        operation,
        challenge,
        publicKey: options.key.publicJwk,
        ...offerRun ? { run: { seconds: options.runSeconds } } : {}
      },
      waitSeconds: options.waitSeconds,
      idempotencyKey: randomUUID(),
      userAgent: options.userAgent,
      privateKey: options.key.privateKey,
      refreshOidcToken: options.refreshOidcToken,
      onDebug: (message2) => reporter.debug(message2),
      onNotice: (message2) => reporter.info(message2),
      fetch: options.fetch,
      now,
      signal,
      onRequestId
    });
  };
  const answerCode = async (request) => {
    const inHand = codeNow();
    const what = describeForLog(request.operation);
    if (inHand) {
      reporter.info(
        `The registry asks for a one-time password to ${what}; using the code approved ${runUntil ? "for this run" : "moments ago"}.`
      );
      return { kind: "otp", otp: inHand };
    }
    reporter.info(`The registry asks for a one-time password to ${what}; asking your phone.`);
    reporter.startWaiting();
    const outcome = await ask(request.operation, { type: "otp" }).finally(() => reporter.stopWaiting());
    if (!outcome.ok) return refuse(outcome.failure);
    if ("opened" in outcome.value) return refuse({ kind: "unexpected", message: "The phone answered without a code." });
    const delivered = outcome.value;
    codes = delivered.codes;
    runUntil = delivered.runUntil;
    const by = delivered.approvedBy ? ` on ${delivered.approvedBy}` : "";
    reporter.info(
      `Approved${by}${delivered.encrypted ? " (end-to-end encrypted)" : ""}${runUntil ? `, with codes for the rest of this run until ${clock(runUntil)} UTC` : ""}.`
    );
    const picked = pickCode(delivered.codes, now());
    if (!picked) return refuse({ kind: "unexpected", message: "The answer held no code." });
    if (!picked.exact) {
      reporter.warn(
        "No code matches this machine's clock; using the nearest one. Check the clocks of this runner and the phone."
      );
    }
    return { kind: "otp", otp: picked.code.otp };
  };
  const answerWeb = async (request) => {
    const { authUrl, doneUrl } = request.challenge;
    const problem = checkWebChallenge({ authUrl, doneUrl }, request.upstream.url);
    if (problem) {
      reporter.warn(`Not offering the registry's passkey page to your phone: ${problem}.`);
      return refuse({ kind: "unexpected", message: `refused the registry's passkey challenge: ${problem}.` });
    }
    const what = describeForLog(request.operation);
    reporter.info(
      `The registry asks for your passkey or security key to ${what} (${describeAuthUrl(authUrl)}); asking your phone to open it.`
    );
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(options.waitSeconds * 1e3)]);
    const done = pollDone(doneUrl, { headers: authHeaders(request.upstream), signal, fetch: options.fetch }).then(
      (token) => ({ kind: "token", token }),
      (error) => ({ kind: "poll-failed", error })
    );
    let requestId;
    reporter.startWaiting();
    try {
      const phone = ask(request.operation, { type: "web", authUrl }, signal, (id) => {
        requestId = id;
      }).then((outcome) => ({
        kind: "phone",
        outcome
      }));
      let first = await Promise.race([done, phone]);
      if (first.kind === "phone") {
        const { outcome } = first;
        if (!outcome.ok) {
          if (!signal.aborted || outcome.failure.kind !== "timeout") {
            stop.abort();
            return refuse(outcome.failure);
          }
        } else {
          const by = outcome.value.approvedBy ? ` on ${outcome.value.approvedBy}` : "";
          reporter.info(`Opened${by}; waiting for the registry to confirm the passkey.`);
        }
        first = await done;
      } else {
        stop.abort();
        if (requestId) {
          await withdrawRequest({
            link: options.link,
            requestId,
            oidcToken: await options.refreshOidcToken?.() ?? options.body.oidcToken,
            userAgent: options.userAgent,
            fetch: options.fetch
          });
        }
      }
      if (first.kind === "token") {
        reporter.info("The registry confirmed the passkey; sending the request again.");
        return { kind: "otp", otp: first.token };
      }
      if (signal.aborted && !stop.signal.aborted) {
        return refuse({
          kind: "timeout",
          message: `no passkey confirmation from the registry within ${options.waitSeconds} s.`
        });
      }
      return refuse({ kind: "unexpected", message: `${first.error.message}.` });
    } finally {
      stop.abort();
      reporter.stopWaiting();
    }
  };
  return {
    answer(request) {
      const next = queue.then(async () => {
        if (stopped) {
          return { kind: "refused", status: 403, message: `Countersign: not asking again after: ${stopped.message}` };
        }
        challenged.add(request.upstream.url.href);
        if (request.refusedOtp) refused.add(request.refusedOtp);
        if (request.challenge.type === "web") {
          return answerWeb(request);
        }
        return answerCode(request);
      });
      queue = next.catch(() => {
      });
      return next;
    },
    codeInHand(upstream) {
      return challenged.has(upstream.url.href) ? codeNow() : null;
    },
    failure: () => stopped,
    prompts: () => prompts
  };
}

// cli/src/relay/readNpmConfig.ts
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join as join2, resolve } from "node:path";
var DEFAULT_REGISTRY = "https://registry.npmjs.org/";
function expandEnv(value, env, unset) {
  return value.replace(/(?<!\\)\$\{([^${}?]+)(\?)?\}/g, (_match, name, optional) => {
    const found = env[name];
    if (found !== void 0) return found;
    if (!optional) unset.add(name);
    return "";
  });
}
function parseNpmrc(text) {
  const entries = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#") || line.startsWith("[")) continue;
    const equals = line.indexOf("=");
    const key = (equals === -1 ? line : line.slice(0, equals)).trim();
    let value = equals === -1 ? "true" : line.slice(equals + 1).trim();
    if (value.length >= 2 && (value.startsWith('"') && value.endsWith('"') || value.startsWith("'") && value.endsWith("'"))) {
      value = value.startsWith('"') ? safeJsonString(value) : value.slice(1, -1);
    }
    if (key) entries.push([key, value]);
  }
  return entries;
}
function safeJsonString(quoted) {
  try {
    return JSON.parse(quoted);
  } catch {
    return quoted.slice(1, -1);
  }
}
function findProjectRoot(cwd) {
  let dir = resolve(cwd);
  while (true) {
    if (existsSync(join2(dir, "package.json")) || existsSync(join2(dir, "node_modules"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(cwd);
    dir = parent;
  }
}
function withSlash(url) {
  return url.endsWith("/") ? url : `${url}/`;
}
function nerfDart2(url) {
  const parsed = new URL(url);
  return `//${parsed.host}${withSlash(parsed.pathname)}`;
}
function envKeyValues(env) {
  const entries = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === void 0 || !/^npm_config_/i.test(name)) continue;
    const key = name.slice("npm_config_".length);
    entries.push([key.startsWith("//") ? key : key.toLowerCase().replace(/(?!^)_/g, "-"), value]);
  }
  return entries;
}
function readNpmConfig(options) {
  const { env } = options;
  const home = options.home ?? homedir();
  const globalPrefix = options.globalPrefix ?? env.npm_config_prefix ?? env.NPM_CONFIG_PREFIX ?? dirname(dirname(process.execPath));
  const files = [];
  const warnings = [];
  const unset = /* @__PURE__ */ new Set();
  const userconfig = env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG ?? join2(home, ".npmrc");
  const globalconfig = env.npm_config_globalconfig ?? env.NPM_CONFIG_GLOBALCONFIG ?? join2(globalPrefix, "etc", "npmrc");
  const layers = [envKeyValues(env)];
  for (const file of [join2(findProjectRoot(options.cwd), ".npmrc"), userconfig, globalconfig]) {
    try {
      if (!statSync(file).isFile()) continue;
      layers.push(parseNpmrc(readFileSync(file, "utf8")));
      files.push(file);
    } catch (error) {
      if (error.code !== "ENOENT") warnings.push(`Could not read ${file}.`);
    }
  }
  const settings = /* @__PURE__ */ new Map();
  for (const layer of layers) {
    for (const [key, value] of layer) {
      if (!settings.has(key)) settings.set(key, expandEnv(value, env, unset));
    }
  }
  for (const name of unset) warnings.push(`\${${name}} in your npm config is not set.`);
  const registry = withSlash(settings.get("registry") || DEFAULT_REGISTRY);
  const scopes = {};
  for (const [key, value] of settings) {
    const scope = /^(@[^:/]+):registry$/.exec(key)?.[1];
    if (scope && value) scopes[scope.toLowerCase()] = withSlash(value);
  }
  const credentialFor = (registryUrl) => {
    let key = nerfDart2(registryUrl);
    while (true) {
      const token = settings.get(`${key}:_authToken`);
      if (token) return { kind: "bearer", token };
      const auth = settings.get(`${key}:_auth`);
      if (auth) return { kind: "basic", auth };
      const username = settings.get(`${key}:username`);
      const password = settings.get(`${key}:_password`);
      if (username && password) {
        const decoded = Buffer.from(password, "base64").toString("utf8");
        return { kind: "basic", auth: Buffer.from(`${username}:${decoded}`).toString("base64") };
      }
      const up = key.replace(/[^/]+\/$/, "");
      if (up === key || up === "//") return { kind: "none" };
      key = up;
    }
  };
  return { registry, scopes, credentialFor, files, warnings };
}

// cli/src/relay/relayUserconfig.ts
import { readFile as readFile2, writeFile } from "node:fs/promises";
import { homedir as homedir2 } from "node:os";
import { join as join3 } from "node:path";
function nerfDart3(url) {
  const parsed = new URL(url);
  return `//${parsed.host}${parsed.pathname}`;
}
async function writeRelayUserconfig(options) {
  const source = options.env.npm_config_userconfig ?? options.env.NPM_CONFIG_USERCONFIG ?? join3(options.home ?? homedir2(), ".npmrc");
  const own = await readFile2(source, "utf8").catch(() => "");
  const lines = [
    own.trimEnd(),
    "; Added by countersign exec for this run: the registry relay on this machine.",
    `registry=${options.relay.registry}`,
    ...[.../* @__PURE__ */ new Set([options.relay.registry, ...Object.values(options.relay.scopes)])].map(
      (url) => `${nerfDart3(url)}:_authToken=${options.secret}`
    ),
    ...Object.entries(options.relay.scopes).map(([scope, url]) => `${scope}:registry=${url}`)
  ];
  const file = join3(options.dir, "npmrc");
  await writeFile(file, `${lines.filter(Boolean).join("\n")}
`, { mode: 384 });
  return file;
}

// cli/src/relay/startRegistryRelay.ts
import { randomBytes, randomUUID as randomUUID2, timingSafeEqual as timingSafeEqual2 } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join as join4 } from "node:path";
import { pipeline } from "node:stream/promises";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

// cli/src/relay/readOperation.ts
var NPM_PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;
var SEMVER_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
var TAG = /^[A-Za-z0-9._~-]{1,128}$/;
var USER = /^[A-Za-z0-9._~-]{1,214}$/;
var METHODS = /* @__PURE__ */ new Set(["PUT", "DELETE", "POST", "PATCH", "GET"]);
function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
function packageOf(name, version) {
  if (!name || name.length > 214 || !NPM_PACKAGE_NAME.test(name)) return void 0;
  return typeof version === "string" && version.length <= 128 && SEMVER_VERSION.test(version) ? { name, version } : { name };
}
function valueAt(body, ...path) {
  return body?.values.find((entry) => entry.path.join("\0") === path.join("\0"))?.value;
}
function splitName(segments) {
  const [first, second, ...more] = segments;
  if (!first) return void 0;
  if (first.startsWith("@") && first.includes("/")) return { name: first, rest: segments.slice(1) };
  if (first.startsWith("@") && second) return { name: `${first}/${second}`, rest: more };
  return { name: first, rest: segments.slice(1) };
}
function readPublish(name, body) {
  const version = body.keys.find((key) => key.length === 2 && key[0] === "versions")?.[1];
  const tagEntry = body.values.find((entry) => entry.path.length === 2 && entry.path[0] === "dist-tags");
  const [file, tarball] = [...body.attachments.entries()][0] ?? [];
  const access = valueAt(body, "access");
  const tag2 = tagEntry?.path[1];
  return {
    package: packageOf(name, version),
    ...tag2 && TAG.test(tag2) ? { tag: tag2 } : {},
    ...file !== void 0 && tarball ? { tarball: { size: tarball.size, integrity: `sha512-${tarball.sha512}` } } : {},
    ...access === "public" || access === "restricted" ? { access } : {}
  };
}
function maintainersOf(body) {
  return body.values.filter((entry) => entry.path.length === 3 && entry.path[0] === "maintainers" && entry.path[2] === "name").map((entry) => String(entry.value)).filter((user) => USER.test(user)).slice(0, 50);
}
function readOperation(request) {
  return Object.fromEntries(
    Object.entries(classify(request)).filter(([, value]) => value !== void 0)
  );
}
function classify(request) {
  const method = METHODS.has(request.method) ? request.method : "POST";
  const rawPath = request.path.split("?")[0] ?? "/";
  const decoded = rawPath.split("/").map(safeDecode).join("/");
  const printable = /^\/[\x21-\x7e]*$/.test(decoded) ? decoded : rawPath.replace(/[^\x21-\x7e]/gu, encodeURIComponent);
  const path = printable.slice(0, 500);
  const base = { registry: request.registryHost.toLowerCase(), method, path };
  const body = request.body?.complete ? request.body : void 0;
  const segments = rawPath.split("/").filter(Boolean).map(safeDecode);
  if (segments[0] === "-") {
    const [, area, ...rest] = segments;
    if (area === "package") {
      const split2 = splitName(rest);
      const [what, tag2] = split2?.rest ?? [];
      if (split2 && what === "dist-tags" && tag2 !== void 0) {
        const version = valueAt(body);
        const action = method === "DELETE" ? "dist-tag-rm" : "dist-tag-add";
        return {
          action,
          ...base,
          package: packageOf(split2.name, action === "dist-tag-add" ? version : void 0),
          ...TAG.test(tag2) ? { tag: tag2 } : {}
        };
      }
      if (split2 && (what === "access" || what === "collaborators")) {
        const access = valueAt(body, "access");
        return {
          action: "access",
          ...base,
          package: packageOf(split2.name),
          ...access === "public" || access === "restricted" ? { access } : {}
        };
      }
    }
    if (area === "org" || area === "team") return { action: "access", ...base };
    if (area === "npm" && rest[0] === "v1" && rest[1] === "tokens") return { action: "token", ...base };
    if (area === "npm" && rest[0] === "v1" && rest[1] === "user") return { action: "profile", ...base };
    return { action: "other", ...base };
  }
  const split = splitName(segments);
  if (!split) return { action: "other", ...base };
  const revision = split.rest.includes("-rev");
  if (method === "PUT" && split.rest.length === 0 && body && body.attachments.size > 0) {
    return { action: "publish", ...base, ...readPublish(split.name, body) };
  }
  if (method === "PUT" && revision && body) {
    const topKeys = body.keys.filter((key) => key.length === 1).map((key) => key[0]);
    if (topKeys.every((key) => key === "_id" || key === "_rev" || key === "maintainers")) {
      return { action: "owner-change", ...base, package: packageOf(split.name), maintainers: maintainersOf(body) };
    }
    return { action: "unpublish", ...base, package: packageOf(split.name) };
  }
  if (method === "DELETE" && revision) return { action: "unpublish", ...base, package: packageOf(split.name) };
  if (method === "PUT" && split.rest.length === 0)
    return { action: "deprecate", ...base, package: packageOf(split.name) };
  return { action: "other", ...base };
}

// cli/src/relay/scanJsonBody.ts
import { createHash } from "node:crypto";
var MAX_KEPT_STRING = 1024;
var MAX_KEPT_DEPTH = 6;
var QUOTE = 34;
var BACKSLASH = 92;
function isAttachmentData(path) {
  return path.length === 3 && path[0] === "_attachments" && path[2] === "data";
}
var Base64Digest = class {
  hash = createHash("sha512");
  carry = "";
  size = 0;
  push(text) {
    const all = this.carry + text;
    const usable2 = all.length - all.length % 4;
    this.carry = all.slice(usable2);
    if (usable2 === 0) return;
    const bytes = Buffer.from(all.slice(0, usable2), "base64");
    this.size += bytes.length;
    this.hash.update(bytes);
  }
  finish() {
    if (this.carry) {
      const bytes = Buffer.from(this.carry, "base64");
      this.size += bytes.length;
      this.hash.update(bytes);
    }
    return { size: this.size, sha512: this.hash.digest("base64") };
  }
};
var JsonBodyScanner = class {
  stack = [];
  result = { values: [], keys: [], attachments: /* @__PURE__ */ new Map(), complete: false };
  failed = false;
  done = false;
  /** Inside a string: the bytes kept so far (null when skipping), whether the last byte was a backslash. */
  string = null;
  digest = null;
  /** A number/true/false/null being read. */
  literal = "";
  write(chunk) {
    if (this.failed) return;
    let i = 0;
    while (i < chunk.length && !this.failed) {
      if (this.string) {
        i = this.readString(chunk, i);
        continue;
      }
      const byte = chunk[i];
      if (this.literal && !isLiteralByte(byte)) this.finishLiteral();
      if (this.failed) return;
      if (byte === 32 || byte === 10 || byte === 13 || byte === 9) {
        i++;
        continue;
      }
      if (isLiteralByte(byte)) {
        if (!this.literal) this.beforeValue();
        this.literal += String.fromCharCode(byte);
        i++;
        continue;
      }
      switch (byte) {
        case QUOTE: {
          const top = this.stack[this.stack.length - 1];
          const isKey = top?.kind === "object" && top.expectKey;
          if (!isKey) this.beforeValue();
          const path = this.currentPath();
          const keep = isKey || path.length <= MAX_KEPT_DEPTH;
          this.string = { kept: keep && !isAttachmentData(path) ? [] : null, keptLength: 0, escape: false, isKey };
          if (!isKey && isAttachmentData(path)) this.digest = new Base64Digest();
          i++;
          break;
        }
        case 123:
          this.beforeValue();
          this.stack.push({ kind: "object", key: null, expectKey: true, colon: false });
          i++;
          break;
        case 91:
          this.beforeValue();
          this.stack.push({ kind: "array", index: -1 });
          i++;
          break;
        case 125:
        // }
        case 93: {
          const top = this.stack.pop();
          if (!top || top.kind === "object" !== (byte === 125)) this.failed = true;
          else this.afterValue();
          i++;
          break;
        }
        case 58: {
          const top = this.stack[this.stack.length - 1];
          if (top?.kind !== "object" || top.key === null || top.expectKey || top.colon) this.failed = true;
          else top.colon = true;
          i++;
          break;
        }
        case 44: {
          const top = this.stack[this.stack.length - 1];
          if (!top) this.failed = true;
          else if (top.kind === "object") {
            top.expectKey = true;
            top.key = null;
            top.colon = false;
          }
          i++;
          break;
        }
        default:
          this.failed = true;
      }
    }
  }
  end() {
    if (this.literal) this.finishLiteral();
    this.result.complete = !this.failed && !this.string && this.stack.length === 0 && this.done;
    return this.result;
  }
  currentPath() {
    const path = [];
    for (const frame of this.stack) {
      if (frame.kind === "object") path.push(frame.key ?? "");
      else path.push(String(frame.index));
    }
    return path;
  }
  /** A value starts: arrays advance their index; a value at the top level is the whole body. */
  beforeValue() {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (this.done) this.failed = true;
      return;
    }
    if (top.kind === "array") top.index++;
    else if (top.expectKey || top.key === null || !top.colon) this.failed = true;
  }
  afterValue() {
    if (this.stack.length === 0) this.done = true;
  }
  readString(chunk, start) {
    const state = this.string;
    let i = start;
    if (state.escape) {
      state.escape = false;
      this.keep(state, chunk.subarray(i, i + 1));
      i++;
    }
    while (i < chunk.length) {
      const quote = chunk.indexOf(QUOTE, i);
      const backslash = chunk.indexOf(BACKSLASH, i);
      const stop = quote === -1 ? backslash : backslash === -1 ? quote : Math.min(quote, backslash);
      if (stop === -1) {
        this.keep(state, chunk.subarray(i));
        return chunk.length;
      }
      this.keep(state, chunk.subarray(i, stop));
      if (stop === backslash) {
        this.keep(state, chunk.subarray(stop, stop + 1));
        if (stop + 1 < chunk.length) {
          this.keep(state, chunk.subarray(stop + 1, stop + 2));
          i = stop + 2;
        } else {
          state.escape = true;
          i = stop + 1;
        }
        continue;
      }
      this.closeString(state);
      return stop + 1;
    }
    return i;
  }
  keep(state, bytes) {
    if (bytes.length === 0) return;
    if (this.digest) {
      this.digest.push(bytes.toString("latin1").replace(/\\/g, ""));
      return;
    }
    if (!state.kept) return;
    state.keptLength += bytes.length;
    if (state.keptLength > MAX_KEPT_STRING * 6) {
      state.kept = null;
      return;
    }
    state.kept.push(Buffer.from(bytes));
  }
  closeString(state) {
    this.string = null;
    let text = null;
    if (state.kept) {
      try {
        text = JSON.parse(`"${Buffer.concat(state.kept).toString("utf8")}"`);
      } catch {
        this.failed = true;
        return;
      }
      if (text.length > MAX_KEPT_STRING) text = null;
    }
    const top = this.stack[this.stack.length - 1];
    if (state.isKey && top?.kind === "object") {
      top.key = text ?? "";
      top.expectKey = false;
      if (this.stack.length <= 2) this.result.keys.push(this.currentPath());
      return;
    }
    const path = this.currentPath();
    if (this.digest) {
      this.result.attachments.set(path[1] ?? "", this.digest.finish());
      this.digest = null;
    } else if (text !== null) {
      this.result.values.push({ path, value: text });
    }
    this.afterValue();
  }
  finishLiteral() {
    const text = this.literal;
    this.literal = "";
    let value;
    if (text === "true") value = true;
    else if (text === "false") value = false;
    else if (text === "null") value = null;
    else if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) value = Number(text);
    else {
      this.failed = true;
      return;
    }
    const path = this.currentPath();
    if (path.length <= MAX_KEPT_DEPTH) this.result.values.push({ path, value });
    this.afterValue();
  }
};
function isLiteralByte(byte) {
  return byte >= 48 && byte <= 57 || byte === 45 || byte === 43 || byte === 46 || byte >= 97 && byte <= 122 || byte === 69;
}

// cli/src/relay/startRegistryRelay.ts
var HOP_BY_HOP = /* @__PURE__ */ new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "host"
]);
var MAX_CHALLENGE_BODY = 64 * 1024;
var MAX_SECOND_FACTOR_TRIES = 2;
function sameSecret(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual2(a, b);
}
function forwardHeaders(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === void 0 || HOP_BY_HOP.has(name) || name === "authorization") continue;
    out[name] = value;
  }
  return out;
}
function authorization(credential) {
  if (credential.kind === "bearer") return `Bearer ${credential.token}`;
  if (credential.kind === "basic") return `Basic ${credential.auth}`;
  return void 0;
}
function sendJson(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
async function readSmall(message2, cap) {
  const chunks = [];
  let length = 0;
  for await (const chunk of message2) {
    if (length < cap) chunks.push(chunk);
    length += chunk.length;
  }
  const raw = Buffer.concat(chunks).subarray(0, cap);
  try {
    const encoding = String(message2.headers["content-encoding"] ?? "").toLowerCase();
    if (encoding === "gzip") return { raw, decoded: gunzipSync(raw) };
    if (encoding === "br") return { raw, decoded: brotliDecompressSync(raw) };
    if (encoding === "deflate") return { raw, decoded: inflateSync(raw) };
  } catch {
    return { raw, decoded: Buffer.alloc(0) };
  }
  return { raw, decoded: raw };
}
async function scanSpool(spool) {
  if (!spool.json) return void 0;
  const scanner = new JsonBodyScanner();
  for await (const chunk of createReadStream(spool.file, { highWaterMark: 1024 * 1024 }))
    scanner.write(chunk);
  return scanner.end();
}
async function startRegistryRelay(options) {
  const debug = options.onDebug ?? (() => {
  });
  const prefix = randomBytes(16).toString("base64url");
  const secret = `csrun_${randomBytes(24).toString("base64url")}`;
  const spoolDir = await mkdtemp(join4(tmpdir(), "countersign-relay-"));
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true });
  const upstreams = [options.upstreams.registry];
  const scopeIndex = {};
  for (const [scope, upstream] of Object.entries(options.upstreams.scopes)) {
    const existing = upstreams.findIndex((known) => known.url.href === upstream.url.href);
    scopeIndex[scope] = existing === -1 ? upstreams.push(upstream) - 1 : existing;
  }
  const sendUpstream = (upstream, method, path, headers) => {
    const target = `${upstream.url.origin}${upstream.url.pathname}${path}`;
    const secure = upstream.url.protocol === "https:";
    const request = (secure ? httpsRequest : httpRequest)(target, {
      method,
      headers,
      agent: secure ? httpsAgent : httpAgent
    });
    const response = new Promise((resolve2, reject) => {
      request.once("response", resolve2);
      request.once("error", reject);
    });
    return { request, response };
  };
  const relayBody = (client, upstreamRequest) => {
    const file = join4(spoolDir, randomUUID2());
    const spool = createWriteStream(file, { mode: 384 });
    const json = /json/i.test(String(client.headers["content-type"] ?? ""));
    upstreamRequest.once("error", () => {
      client.unpipe(upstreamRequest);
      client.resume();
    });
    client.pipe(spool);
    client.pipe(upstreamRequest);
    const complete = new Promise((resolve2, reject) => {
      spool.once("close", () => client.readableEnded ? resolve2() : reject(new Error("the request body was cut off")));
      client.once("close", () => {
        if (!client.readableEnded) spool.destroy();
      });
    });
    complete.catch(() => {
    });
    return { file, complete, json };
  };
  const relay = async (client, response, upstream, path) => {
    const method = client.method ?? "GET";
    const baseHeaders = forwardHeaders(client.headers);
    const auth = authorization(upstream.credential);
    if (auth) baseHeaders.authorization = auth;
    baseHeaders["npm-auth-type"] ??= "web";
    const writes = method !== "GET" && method !== "HEAD";
    if (writes && !baseHeaders["npm-otp"]) {
      const code = options.secondFactor.codeInHand(upstream);
      if (code) baseHeaders["npm-otp"] = code;
    }
    const hasBody = writes && (client.headers["content-length"] !== "0" || client.headers["transfer-encoding"]);
    let attempt = sendUpstream(upstream, method, path, baseHeaders);
    let spool = null;
    if (hasBody) spool = relayBody(client, attempt.request);
    else attempt.request.end();
    let sentOtp = baseHeaders["npm-otp"];
    try {
      for (let tries = 0; ; tries++) {
        const answer = await attempt.response;
        if (answer.statusCode !== 401 || tries >= MAX_SECOND_FACTOR_TRIES) return await passOn(answer, response);
        const body = await readSmall(answer, MAX_CHALLENGE_BODY);
        const challenge = readChallenge(401, answer.headers["www-authenticate"], body.decoded);
        if (!challenge) return passOnRead(answer, body.raw, response);
        await spool?.complete;
        const operation = readOperation({
          method,
          path: `/${path}`,
          registryHost: upstream.url.host,
          body: spool ? await scanSpool(spool) : void 0
        });
        debug(`registry relay: ${method} ${operation.path} challenged (${challenge.type})`);
        const factor = await options.secondFactor.answer({
          challenge,
          operation,
          upstream,
          ...sentOtp ? { refusedOtp: sentOtp } : {}
        });
        if (factor.kind === "refused") {
          sendJson(response, factor.status, { error: factor.message });
          return;
        }
        sentOtp = factor.otp;
        attempt = sendUpstream(upstream, method, path, { ...baseHeaders, "npm-otp": factor.otp });
        if (spool) await pipeline(createReadStream(spool.file), attempt.request);
        else attempt.request.end();
      }
    } finally {
      if (spool) {
        await spool.complete.catch(() => {
        });
        await rm(spool.file, { force: true });
      }
    }
  };
  const server = createServer({ highWaterMark: 1024 * 1024 }, (client, response) => {
    const url = client.url ?? "/";
    const match = /^\/([^/]+)\/(\d+)\/(.*)$/s.exec(url);
    if (!match || !sameSecret(match[1], prefix)) {
      client.resume();
      return sendJson(response, 404, { error: "Not found" });
    }
    const given = String(client.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
    if (!sameSecret(given, secret)) {
      client.resume();
      return sendJson(response, 401, { error: "This relay answers only the command countersign exec started." });
    }
    const upstream = upstreams[Number(match[2])];
    if (!upstream) {
      client.resume();
      return sendJson(response, 404, { error: "Not found" });
    }
    relay(client, response, upstream, match[3]).catch((error) => {
      debug(`registry relay: ${client.method} failed: ${error.message}`);
      if (!response.headersSent) sendJson(response, 502, { error: `countersign relay: ${error.message}` });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 3e4;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  const base = `http://127.0.0.1:${port}/${prefix}`;
  return {
    secret,
    registries: {
      registry: `${base}/0/`,
      scopes: Object.fromEntries(Object.entries(scopeIndex).map(([scope, index]) => [scope, `${base}/${index}/`]))
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve2) => server.close(() => resolve2()));
      httpAgent.destroy();
      httpsAgent.destroy();
      await rm(spoolDir, { recursive: true, force: true });
    }
  };
}
function answerHeaders(answer) {
  const headers = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== void 0 && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return headers;
}
async function passOn(answer, response) {
  response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answerHeaders(answer));
  await pipeline(answer, response);
}
function passOnRead(answer, raw, response) {
  response.writeHead(answer.statusCode ?? 502, answer.statusMessage, {
    ...answerHeaders(answer),
    "content-length": raw.length
  });
  response.end(raw);
}

// cli/src/version.ts
import { readFileSync as readFileSync2 } from "node:fs";
function cliVersion() {
  const bundled = "0.1.0";
  if (typeof bundled === "string") return bundled;
  try {
    const raw = readFileSync2(new URL("../package.json", import.meta.url), "utf8");
    const version = JSON.parse(raw).version;
    return typeof version === "string" ? version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

// cli/src/runCli.ts
var DEFAULT_WAIT_SECONDS = 300;
var OIDC_REFRESH_AFTER_MS = 6e4;
async function runCli(argv, io) {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) return reportFailure(parsed.failure, io, argv.includes("--json"), (text) => text);
  const command = parsed.value;
  if (command.command === "help") {
    io.stdout.write(`${helpText(command.topic)}
`);
    return EXIT_CODES.ok;
  }
  if (command.command === "version") {
    io.stdout.write(`${cliVersion()}
`);
    return EXIT_CODES.ok;
  }
  const secrets = [io.env.COUNTERSIGN_TOKEN, io.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, io.env.COUNTERSIGN_ID_TOKEN];
  const urlToken = /\/otp\/([^/?#]+)/.exec(command.options.url ?? io.env.COUNTERSIGN_URL ?? "")?.[1];
  secrets.push(urlToken);
  const redact = createRedactor(secrets);
  const reporter = createReporter({ stderr: io.stderr, redact, verbose: command.options.verbose });
  const { json } = command.options;
  try {
    const prepared = await prepare(command.options, io, reporter, secrets);
    if (!prepared.ok) return reportFailure(prepared.failure, io, json, redact);
    if (command.command === "exec") {
      const mode = chooseExecMode(command.options.mode ?? io.env.COUNTERSIGN_MODE, command.argv);
      if (!mode.ok) return reportFailure(mode.failure, io, json, redact);
      if (mode.value === "relay") {
        return await execWithRelay(command.argv, command.options, prepared.value, io, reporter, secrets, redact);
      }
    }
    const got = await getCode(prepared.value, reporter);
    if (!got.ok) return reportFailure(got.failure, io, json, redact);
    const code = got.value;
    io.onCode?.(code.otp);
    if (command.command === "otp") {
      io.stdout.write(json ? `${JSON.stringify(code)}
` : `${code.otp}
`);
      return EXIT_CODES.ok;
    }
    reporter.info(`Running ${command.argv.join(" ")}`);
    const result = await runWithCode(command.argv, code.otp, io.env);
    if (result.kind === "spawn-failed") {
      reporter.info(`Error: ${result.message}. The code was not used.`);
      return 127;
    }
    if (result.exitCode !== 0) reporter.info(`${command.argv[0]} exited with status ${result.exitCode}.`);
    return result.exitCode;
  } catch (error) {
    const message2 = error instanceof Error ? error.message : String(error);
    return reportFailure(failure("unexpected", `Unexpected error: ${message2}`), io, json, redact);
  }
}
function reportFailure(problem, io, json, redact) {
  const reference = problem.requestId ? ` (request ${problem.requestId})` : "";
  io.stderr.write(redact(`Error: ${problem.message}${reference}
`));
  if (json) {
    const body = {
      error: problem.serverError ?? problem.kind,
      message: problem.message,
      exitCode: EXIT_CODES[problem.kind],
      ...problem.requestId ? { requestId: problem.requestId } : {}
    };
    io.stdout.write(redact(`${JSON.stringify(body)}
`));
  }
  return EXIT_CODES[problem.kind];
}
function describeWhat(pkg, context) {
  const name = pkg ? `${pkg.name}${pkg.version ? `@${pkg.version}` : ""}` : "a publish";
  return context.repository ? `${name} from ${context.repository}` : name;
}
function clock2(ms) {
  return new Date(ms).toISOString().slice(11, 19);
}
async function prepare(options, io, reporter, secrets) {
  const { env } = io;
  let waitSeconds = options.wait;
  if (waitSeconds === void 0 && env.COUNTERSIGN_WAIT) {
    waitSeconds = parseWaitSeconds(env.COUNTERSIGN_WAIT);
    if (waitSeconds === void 0) {
      return {
        ok: false,
        failure: failure("usage", "COUNTERSIGN_WAIT must be a whole number of seconds from 0 to 86400.")
      };
    }
  }
  waitSeconds ??= DEFAULT_WAIT_SECONDS;
  const fromFile = await readLinkFile(options, io);
  if (fromFile && !fromFile.ok) return fromFile;
  const explicit = options.url ?? fromFile?.value;
  const resolved = resolveLink({
    url: explicit ?? (options.server ? void 0 : env.COUNTERSIGN_URL),
    server: options.server ?? (explicit ? void 0 : env.COUNTERSIGN_SERVER),
    token: env.COUNTERSIGN_TOKEN
  });
  if (!resolved.ok) return resolved;
  const link = resolved.link;
  secrets.push(link.token);
  let pkg;
  if (options.package !== void 0) {
    pkg = parsePackageSpec(options.package);
    if (!pkg)
      return { ok: false, failure: failure("usage", `--package wants name@version (got "${options.package}").`) };
  } else {
    pkg = await readPackageJson(io.cwd);
    if (!pkg) reporter.debug(`No package name in ${io.cwd}/package.json; use --package name@version to show one.`);
  }
  const context = detectCiContext(env);
  let oidcToken;
  let oidcFetchedAt = 0;
  if (options.oidc) {
    const oidc = await fetchOidcToken(env, link.origin, io.fetch);
    if (oidc.kind === "warning") reporter.warn(oidc.message);
    if (oidc.kind === "token") {
      secrets.push(oidc.token);
      oidcToken = oidc.token;
      oidcFetchedAt = Date.now();
      reporter.debug(`Sending an OIDC token from ${oidc.source} (audience ${link.origin}).`);
    }
  }
  const refreshOidcToken = async () => {
    if (!oidcToken || Date.now() - oidcFetchedAt < OIDC_REFRESH_AFTER_MS) return oidcToken;
    const oidc = await fetchOidcToken(env, link.origin, io.fetch);
    if (oidc.kind !== "token") return oidcToken;
    secrets.push(oidc.token);
    oidcToken = oidc.token;
    oidcFetchedAt = Date.now();
    return oidcToken;
  };
  const key = await createEphemeralKey();
  return {
    ok: true,
    value: { link, waitSeconds, pkg, context, oidcToken: () => oidcToken, refreshOidcToken, key, fetch: io.fetch }
  };
}
async function getCode(prepared, reporter) {
  const { link, pkg, context, key } = prepared;
  const oidcToken = prepared.oidcToken();
  reporter.info(
    `Asking ${link.origin} for a code to publish ${describeWhat(pkg, context)}${oidcToken ? " (with an OIDC token)" : ""}.`
  );
  reporter.startWaiting();
  let outcome;
  try {
    outcome = await requestOtp({
      link,
      body: {
        ...pkg ? { package: pkg } : {},
        ...Object.keys(context).length > 0 ? { context } : {},
        ...oidcToken ? { oidcToken } : {},
        publicKey: key.publicJwk
      },
      waitSeconds: prepared.waitSeconds,
      idempotencyKey: randomUUID3(),
      userAgent: userAgent(),
      privateKey: key.privateKey,
      refreshOidcToken: prepared.refreshOidcToken,
      onDebug: (message2) => reporter.debug(message2),
      onNotice: (message2) => reporter.info(message2),
      fetch: prepared.fetch
    });
  } finally {
    reporter.stopWaiting();
  }
  if (!outcome.ok) return outcome;
  const code = outcome.value;
  const by = code.approvedBy ? ` on ${code.approvedBy}` : "";
  const until = code.validUntil ? `; valid until ${clock2(code.validUntil)} UTC` : "";
  reporter.info(`Approved${by}${code.encrypted ? " (end-to-end encrypted)" : ""}${until}.`);
  if (!code.exact) {
    reporter.warn(
      "No code matches this machine's clock; using the nearest one. Check the clocks of this runner and the phone."
    );
  }
  return outcome;
}
function userAgent() {
  return `countersign-cli/${cliVersion()} node/${process.versions.node}`;
}
var DEFAULT_RUN_SECONDS = 900;
async function execWithRelay(argv, options, prepared, io, reporter, secrets, redact) {
  const { env } = io;
  let runSeconds = options.run;
  if (runSeconds === void 0 && env.COUNTERSIGN_RUN !== void 0) {
    runSeconds = parseRunSeconds(env.COUNTERSIGN_RUN);
    if (runSeconds === void 0) {
      return reportFailure(
        failure("usage", `COUNTERSIGN_RUN is 0 or a whole number of seconds from 60 to ${MAX_RUN_SECONDS}.`),
        io,
        false,
        redact
      );
    }
  }
  const config = readNpmConfig({ cwd: io.cwd, env });
  for (const warning of config.warnings) reporter.warn(warning);
  reporter.debug(`npm config read from: ${config.files.join(", ") || "(no .npmrc)"}`);
  const upstream = (url) => {
    const credential = config.credentialFor(url);
    if (credential.kind === "bearer") secrets.push(credential.token);
    if (credential.kind === "basic") secrets.push(credential.auth);
    return { url: new URL(url), credential };
  };
  if (argv.some((arg) => arg === "--registry" || arg.startsWith("--registry="))) {
    reporter.warn(
      "--registry on the command line beats every other setting: requests to it bypass Countersign and fail if the registry asks for a second factor. Set the registry in .npmrc instead."
    );
  }
  const publishRegistry = await readPublishConfigRegistry(io.cwd);
  if (publishRegistry) {
    reporter.warn(
      `package.json sets publishConfig.registry (${publishRegistry}), which npm uses instead of any other setting: that publish bypasses Countersign and fails if the registry asks for a second factor. Set the registry in .npmrc instead.`
    );
  }
  const secondFactor = createPhoneSecondFactor({
    link: prepared.link,
    body: {
      ...Object.keys(prepared.context).length > 0 ? { context: prepared.context } : {},
      ...prepared.oidcToken() ? { oidcToken: prepared.oidcToken() } : {}
    },
    refreshOidcToken: prepared.refreshOidcToken,
    key: prepared.key,
    waitSeconds: prepared.waitSeconds,
    runSeconds: runSeconds ?? DEFAULT_RUN_SECONDS,
    reporter,
    userAgent: userAgent(),
    fetch: io.fetch
  });
  const relay = await startRegistryRelay({
    upstreams: {
      registry: upstream(config.registry),
      scopes: Object.fromEntries(Object.entries(config.scopes).map(([scope, url]) => [scope, upstream(url)]))
    },
    secondFactor,
    onDebug: (message2) => reporter.debug(message2)
  });
  secrets.push(relay.secret);
  const scratch = await mkdtemp2(join5(tmpdir2(), "countersign-exec-"));
  const relayEnv = clientEnv(relay.registries, relay.secret);
  relayEnv.npm_config_userconfig = relayEnv.NPM_CONFIG_USERCONFIG = await writeRelayUserconfig({
    dir: scratch,
    env,
    relay: relay.registries,
    secret: relay.secret
  });
  for (const warning of await yarnScopesNotRelayed(io.cwd)) reporter.warn(warning);
  reporter.info(
    `Running ${argv.join(" ")} through Countersign's registry relay for ${new URL(config.registry).host}: your phone is asked only if the registry asks for a second factor.`
  );
  let result;
  try {
    result = await runCommand(argv, { ...withoutNames(withoutLink(env), relayEnv), ...relayEnv });
  } finally {
    await relay.close();
    await rm2(scratch, { recursive: true, force: true });
  }
  if (result.kind === "spawn-failed") {
    reporter.info(`Error: ${result.message}.`);
    return 127;
  }
  const refused = secondFactor.failure();
  if (refused) {
    return reportFailure(
      { ...refused, message: `${refused.message} ${argv[0]} exited with status ${result.exitCode}.` },
      io,
      false,
      redact
    );
  }
  if (secondFactor.prompts() === 0) reporter.info("The registry asked for no second factor; your phone was not asked.");
  if (result.exitCode !== 0) reporter.info(`${argv[0]} exited with status ${result.exitCode}.`);
  return result.exitCode;
}
async function yarnScopesNotRelayed(cwd) {
  const warnings = [];
  let dir = cwd;
  while (true) {
    const text = await readFile3(join5(dir, ".yarnrc.yml"), "utf8").catch(() => "");
    if (/^npmScopes\s*:/m.test(text)) {
      warnings.push(
        `${join5(dir, ".yarnrc.yml")} sets npmScopes, which Yarn 2+ lets no environment variable override: \`yarn npm publish\` of those scopes goes to their registry directly, without Countersign (docs/cli.md, "Yarn").`
      );
    }
    const parent = dirname2(dir);
    if (parent === dir) return warnings;
    dir = parent;
  }
}
async function readLinkFile(options, io) {
  const path = options.urlFile ?? (options.url || options.server ? void 0 : io.env.COUNTERSIGN_URL_FILE);
  if (path === void 0) return void 0;
  try {
    let text;
    if (path === "-") {
      const chunks = [];
      for await (const chunk of io.stdin ?? []) chunks.push(Buffer.from(chunk));
      text = Buffer.concat(chunks).toString("utf8");
    } else {
      text = await readFile3(path, "utf8");
    }
    const link = text.trim();
    if (!link) return { ok: false, failure: failure("usage", `No link in ${path === "-" ? "standard input" : path}.`) };
    return { ok: true, value: link };
  } catch (error) {
    return {
      ok: false,
      failure: failure(
        "usage",
        `Cannot read the link from ${path}: ${error.code ?? error}.`
      )
    };
  }
}
async function readPublishConfigRegistry(cwd) {
  try {
    const manifest = JSON.parse(await readFile3(join5(cwd, "package.json"), "utf8"));
    const registry = manifest.publishConfig?.registry;
    return typeof registry === "string" && registry ? registry : void 0;
  } catch {
    return void 0;
  }
}

// action/src/firstCommand.ts
function firstCommand(script) {
  const words = script.trim().split(/\s+/);
  const first = words.find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) ?? "";
  return first.replace(/^["']|["']$/g, "");
}

// action/src/readInputs.ts
function readInputs(env) {
  const input = (name) => (env[`INPUT_${name.toUpperCase()}`] ?? "").trim();
  const url = input("url");
  if (!url) {
    const expression = "${{ secrets.COUNTERSIGN_URL }}";
    return {
      ok: false,
      message: `Input \`url\` is required: the CI link from the Countersign app, \`url: ${expression}\`.`
    };
  }
  const run = input("run");
  if (!run) return { ok: false, message: "Input `run` is required: the command to run, e.g. `run: npm publish`." };
  const wait = input("wait");
  return { ok: true, inputs: { url, run, mode: input("mode") || "auto", ...wait ? { wait } : {} } };
}

// action/src/main.ts
async function main() {
  const read = readInputs(process.env);
  if (!read.ok) {
    process.stdout.write(`::error title=countersign::${read.message}
`);
    return 2;
  }
  const { url, run, wait, mode } = read.inputs;
  const token = /\/otp\/([^/?#]+)/.exec(url)?.[1];
  if (token) process.stdout.write(`::add-mask::${token}
`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("INPUT_")));
  env.COUNTERSIGN_URL = url;
  const resolved = chooseExecMode(mode, [firstCommand(run)]);
  const resolvedMode = resolved.ok ? resolved.value : mode;
  const argv = [
    "exec",
    "--mode",
    resolvedMode,
    ...wait ? ["--wait", wait] : [],
    "--",
    "bash",
    "--noprofile",
    "--norc",
    "-e",
    "-o",
    "pipefail",
    "-c",
    run
  ];
  const code = await runCli(argv, {
    env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    // In `before` mode the script gets the code in its environment; should it print it, the log shows ***.
    onCode: (otp) => process.stdout.write(`::add-mask::${otp}
`)
  });
  if (code !== 0) process.stdout.write(`::error title=countersign::countersign exec ended with exit status ${code}.
`);
  return code;
}
process.exitCode = await main();
/*! jose 6.2.17 (https://github.com/panva/jose), bundled:
The MIT License (MIT)

Copyright (c) 2018 Filip Skokan

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
*/
/*! cross-spawn 7.0.6 (https://github.com/moxystudio/node-cross-spawn), bundled:
The MIT License (MIT)

Copyright (c) 2018 Made With MOXY Lda <hello@moxy.studio>

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
*/
/*! which 2.0.2, bundled:
The ISC License

Copyright (c) Isaac Z. Schlueter and Contributors

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR
IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
*/
/*! isexe 2.0.0 (https://github.com/isaacs/isexe#readme), bundled:
The ISC License

Copyright (c) Isaac Z. Schlueter and Contributors

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR
IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
*/
/*! path-key 3.1.1, bundled:
MIT License

Copyright (c) Sindre Sorhus <sindresorhus@gmail.com> (sindresorhus.com)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
*/
/*! shebang-command 2.0.0, bundled:
MIT License

Copyright (c) Kevin Mårtensson <kevinmartensson@gmail.com> (github.com/kevva)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
*/
/*! shebang-regex 3.0.0, bundled:
MIT License

Copyright (c) Sindre Sorhus <sindresorhus@gmail.com> (sindresorhus.com)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
*/
