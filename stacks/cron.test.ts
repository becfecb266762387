import { cronProblem } from "./cron";

describe("cronProblem", () => {
  test.each([
    "0 3 * * *",
    "*/15 * * * *",
    "30 4 * * sun",
    "0 0 1,15 * ?",
    "0 2 * jan-mar 1-5",
    "@daily",
    "5 4 * * 6",
    "@every 1h30m",
    "? * * * *",
  ])("accepts %s", (s) => expect(cronProblem(s)).toBeUndefined());
  test.each([
    [
      "0 3 * *",
      '"0 3 * *" has 4 fields; a cron schedule has five (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"',
    ],
    ["61 3 * * *", '"61 3 * * *": minute "61" is not a number from 0 to 59'],
    ["0 24 * * *", '"0 24 * * *": hour "24" is not a number from 0 to 23'],
    ["0 3 0 * *", '"0 3 0 * *": day of month "0" is not a number from 1 to 31'],
    ["0 3 * foo *", '"0 3 * foo *": month "foo" is not a number or name from 1 to 12'],
    ["0 3 * * 1-", '"0 3 * * 1-": day of week "" is not a number or name from 0 to 6'],
    ["0 5-3 * * *", '"0 5-3 * * *": hour "5-3" runs backwards'],
    ["*/0 * * * *", '"*/0 * * * *": minute "*/0": the step is 0'],
    ["5 4 * * 7", '"5 4 * * 7": day of week "7" is not a number or name from 0 to 6'],
    [
      "@often",
      '"@often" is not a cron macro; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>',
    ],
    [
      "CRON_TZ=UTC 0 3 * * *",
      "must not set a time zone (CronJobs take hearth:timezone through spec.timeZone)",
    ],
  ])("refuses %s", (s, message) => expect(cronProblem(s)).toBe(message));
});
