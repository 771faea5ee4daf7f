import { join } from "node:path";
import { REPO_ROOT } from "./paths.js";

const modules = join(REPO_ROOT, "node_modules");

export type ClientName = "npm11" | "npm12" | "pnpm10" | "pnpm12" | "yarn1" | "yarn4";

export interface PublishingClient {
  name: ClientName;
  /** Executable and leading arguments: `node <cli.js>` or a native binary. */
  command: string;
  args: string[];
  /** The arguments that publish the package in the current directory without asking anything. */
  publish: string[];
  /** The client's own way to pass a one-time password on the command line. */
  otpFlag: (code: string) => string[];
}

const node = (script: string) => ({ command: process.execPath, args: [join(modules, script)] });

/** The real publishing clients, installed as dev dependencies of e2e (nothing downloads at run time). */
export const CLIENTS: Record<ClientName, PublishingClient> = {
  npm11: { name: "npm11", ...node("npm11/bin/npm-cli.js"), publish: ["publish"], otpFlag: (code) => [`--otp=${code}`] },
  npm12: { name: "npm12", ...node("npm12/bin/npm-cli.js"), publish: ["publish"], otpFlag: (code) => [`--otp=${code}`] },
  pnpm10: {
    name: "pnpm10",
    ...node("pnpm10/bin/pnpm.cjs"),
    publish: ["publish", "--no-git-checks"],
    otpFlag: (code) => [`--otp=${code}`],
  },
  pnpm12: {
    name: "pnpm12",
    command: join(modules, "pnpm12/pnpm"),
    args: [],
    publish: ["publish", "--no-git-checks"],
    otpFlag: (code) => [`--otp=${code}`],
  },
  yarn1: {
    name: "yarn1",
    ...node("yarn/bin/yarn.js"),
    publish: ["publish", "--non-interactive"],
    otpFlag: (code) => ["--otp", code],
  },
  yarn4: {
    name: "yarn4",
    ...node("yarn4/bin/yarn.js"),
    publish: ["npm", "publish"],
    otpFlag: (code) => ["--otp", code],
  },
};
