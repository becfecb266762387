/**
 * Cheaper stack traces for the program. ts-node installs source-map-support, which maps every frame of every
 * stack trace back to TypeScript. @pulumi/pulumi 3.248.0 takes a stack trace for every promise it makes
 * (`debuggablePromise` in runtime/debuggable.js, read only by its leak report) and an unlimited one for every
 * resource (`Resource.callsites` in resource.js, for source positions). Profiling the 50-node home under mocks
 * put a third of the time in that mapping. Here the per-promise traces stay unmapped, and a resource's trace
 * is mapped for its first frames only (the source position comes from the first frames past the SDK's
 * constructors); every other stack trace is mapped in full as before.
 */

/** Frames mapped to TypeScript at the top of a long stack; deeper ones keep their JavaScript positions. */
const MAPPED_FRAMES = 12;

type Prepare = (error: Error, frames: NodeJS.CallSite[]) => unknown;

function plain(frames: NodeJS.CallSite[]): string {
  return frames.map((f) => `\n    at ${f}`).join("");
}

/** Installs the cheaper traces over the current `Error.prepareStackTrace`, once; a no-op without one. */
export function installCheapStackTraces(): void {
  const mapped = Error.prepareStackTrace as Prepare | undefined;
  if (!mapped || (mapped as { hearth?: boolean }).hearth) return;
  const prepare: Prepare = (error, frames) => {
    const top = frames[0]?.getFileName() ?? "";
    if (top.endsWith("/runtime/debuggable.js")) return `${error}${plain(frames)}`;
    if (frames.length <= MAPPED_FRAMES) return mapped(error, frames);
    return `${mapped(error, frames.slice(0, MAPPED_FRAMES))}${plain(frames.slice(MAPPED_FRAMES))}`;
  };
  Object.assign(prepare, { hearth: true });
  Error.prepareStackTrace = prepare as typeof Error.prepareStackTrace;
}
