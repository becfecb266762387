/** hearth:observability: availability SLOs, their alerts, and where alerts go. */
import { z } from "zod";

// A target is a percentage: 0.999 is 0.999 %, whose burn-rate alerts never fire, so fractions are refused.
const sloTarget = z.number().superRefine((x, ctx) => {
  if (x > 0 && x <= 1)
    ctx.addIssue({
      code: "custom",
      message: `${x} reads as ${x} %, so its alerts would never fire; targets are percentages: write ${x < 1 ? +(x * 100).toPrecision(12) : "one such as 99.9"}`,
    });
  else if (!(x > 0 && x < 100))
    ctx.addIssue({
      code: "custom",
      message: "must be above 0 and below 100 (a percentage such as 99.9, or 70 for a beta home)",
    });
});

/** Availability SLOs, their alerts, and where alerts go. */
export const observabilitySchema = z.strictObject({
  sloTarget: sloTarget
    .default(99.9)
    .describe(
      "Availability target of every app with a health path, as a percentage (99.9, never the fraction 0.999); 70 is allowed for a beta home.",
    ),
  sloTargets: z
    .record(z.string(), sloTarget)
    .default({})
    .describe("Per-app targets, by catalogue name, over sloTarget."),
  notify: z
    .union([
      z.strictObject({
        email: z.strictObject({
          to: z.email(),
          from: z.email(),
          smarthost: z
            .string()
            .regex(/^[^\s:]+:\d+$/, { error: "is not host:port, e.g. smtp.example.org:587" }),
          username: z.string().min(1),
        }),
      }),
      z.strictObject({ webhook: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }) }),
    ])
    .describe(
      "Where alerts go: email (SMTP password in hearth:notifySecret) or webhook (bearer token in hearth:notifySecret).",
    ),
  notifySecretPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the notification secret, read at run time and kept secret (instead of hearth:notifySecret).",
    ),
});
