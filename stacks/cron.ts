/**
 * Cron schedules as Kubernetes CronJobs accept them (five fields, or a macro such as @daily), checked here so
 * a bad schedule is a config error naming its key, not a CronJob the API server refuses mid-deploy. The rules
 * are those of github.com/robfig/cron/v3 v3.0.1's ParseStandard (parser.go getRange, spec.go bounds: weekdays
 * 0-6, `*` or `?` in any field, names for months and weekdays, descriptors and `@every <duration>`), which
 * k8s.io/kubernetes v1.36.1 pkg/apis/batch/validation calls; that validation also refuses TZ= in a schedule.
 */

const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Index of names[0] (months count from 1). */
  namesFrom?: number;
}

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: "day of week", min: 0, max: 6, names: DAYS, namesFrom: 0 },
];

/** Why a schedule does not parse, or undefined when it does. */
export function cronProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith("@")) {
    if (/^@every ((\d+(\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/.test(s)) return undefined;
    return MACROS.includes(s)
      ? undefined
      : `${JSON.stringify(s)} is not a cron macro; use one of ${MACROS.join(", ")} or @every <duration>`;
  }
  if (s.includes("TZ")) {
    return "must not set a time zone (CronJobs take hearth:timezone through spec.timeZone)";
  }
  const parts = s.split(/\s+/);
  if (parts.length !== 5) {
    return `${JSON.stringify(s)} has ${parts.length} field${parts.length === 1 ? "" : "s"}; a cron schedule has five (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"`;
  }
  for (let i = 0; i < 5; i++) {
    const p = fieldProblem(parts[i], FIELDS[i]);
    if (p) return `${JSON.stringify(s)}: ${FIELDS[i].name} ${p}`;
  }
  return undefined;
}

function fieldProblem(text: string, f: Field): string | undefined {
  for (const item of text.split(",")) {
    if (item === "") return `has an empty list item in ${JSON.stringify(text)}`;
    const [range, step, extra] = item.split("/");
    if (extra !== undefined) return `${JSON.stringify(item)} has two steps`;
    if (step !== undefined && !/^\d+$/.test(step)) {
      return `${JSON.stringify(item)}: the step must be a number`;
    }
    if (step !== undefined && Number(step) === 0) return `${JSON.stringify(item)}: the step is 0`;
    if (range === "*" || range === "?") continue;
    const ends = range.split("-");
    if (ends.length > 2) return `${JSON.stringify(item)} is not a range such as 1-5`;
    const values: number[] = [];
    for (const e of ends) {
      const v = value(e, f);
      if (v === undefined) {
        return `${JSON.stringify(e)} is not ${f.names ? "a number or name" : "a number"} from ${f.min} to ${f.max}`;
      }
      values.push(v);
    }
    if (values.length === 2 && values[0] > values[1]) {
      return `${JSON.stringify(item)} runs backwards`;
    }
  }
  return undefined;
}

function value(text: string, f: Field): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= f.min && n <= f.max ? n : undefined;
  }
  const i = f.names?.indexOf(text.toLowerCase()) ?? -1;
  return i >= 0 ? i + (f.namesFrom ?? 0) : undefined;
}
