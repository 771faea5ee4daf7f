import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Clock ticks per second of the CPU times in /proc (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS = (() => {
  try {
    const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time another process has used so far (user + system, all its threads), ms,
 * from utime and stime in /proc/<pid>/stat. Resolution: one clock tick (10 ms).
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces; state (field 3) follows ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** CPU time this process has used so far (user + system, all threads), ms. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** CPU a side used during one measurement. */
export interface CpuShare {
  /** CPU time per completed operation, µs. */
  perOperationUs: number;
  /** CPU time ÷ wall time: 1.0 is one core busy all the time. */
  cores: number;
}

/** Starts counting CPU of a process (`pid`) or of this one (null); `stop` gives the share per operation. */
export function cpuMeter(pid: number | null): { stop(operations: number, wallMs: number): CpuShare } {
  const read = () => (pid === null ? ownCpuMs() : processCpuMs(pid));
  const start = read();
  return {
    stop(operations, wallMs) {
      const used = read() - start;
      return { perOperationUs: (used * 1000) / Math.max(1, operations), cores: used / wallMs };
    },
  };
}

/**
 * This process's CPU per call of a synchronous `task`, µs: `warmUp` calls first
 * (JIT, caches), then `count` measured ones. Every call gets its own index, the
 * measured ones after the warm-up's, so a task that writes keys never repeats one.
 */
export function cpuPerCall(count: number, task: (index: number) => void, warmUp = Math.min(200, count)): number {
  for (let i = 0; i < warmUp; i++) task(i);
  const meter = cpuMeter(null);
  for (let i = warmUp; i < warmUp + count; i++) task(i);
  return meter.stop(count, 1).perOperationUs;
}
