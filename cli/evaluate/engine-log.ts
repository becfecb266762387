/**
 * What the program logs through `pulumi.log` during an evaluation under mocks. Without an engine Pulumi prints
 * those lines on the console, where `npm run plan` would show "installed, SSH answers with the pinned host
 * key" for nodes it never contacted; while captured they are kept here instead, for the caller to report
 * truthfully.
 */
import * as pulumi from "@pulumi/pulumi";

/** One line the program logged. */
export interface EngineLogLine {
  severity: "debug" | "info" | "warn" | "error";
  message: string;
}

type LogFunction = (msg: string, ...rest: unknown[]) => Promise<void>;

/**
 * Keeps every `pulumi.log` line from now until `stop()`. The program calls `pulumi.log.info(...)` through the
 * log module's exports, so replacing them there reaches every caller.
 */
export function captureEngineLog(): { lines: EngineLogLine[]; stop(): void } {
  const log = pulumi.log as unknown as Record<EngineLogLine["severity"], LogFunction>;
  const lines: EngineLogLine[] = [];
  const severities = ["debug", "info", "warn", "error"] as const;
  const originals = severities.map((s) => [s, log[s]] as const);
  for (const severity of severities) {
    log[severity] = (message: string) => {
      lines.push({ severity, message });
      return Promise.resolve();
    };
  }
  return {
    lines,
    stop() {
      for (const [severity, original] of originals) log[severity] = original;
    },
  };
}
