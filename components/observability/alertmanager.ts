/**
 * Alertmanager's configuration from `hearth:observability.notify`: one receiver, "hearth", by e-mail or a
 * webhook (ntfy through its Alertmanager bridge, Gotify, a chat relay), critical alerts repeated hourly and the
 * rest every four hours, resolved ones announced too. The secret (SMTP password or bearer token) is never in
 * the file: Alertmanager reads it from the mounted Secret (auth_password_file, credentials_file; both accepted by
 * Debian's Alertmanager 0.25, whose `amtool check-config` the tests run).
 */
import { stringify } from "yaml";

/** Where the notification Secret is mounted in the Alertmanager pod. */
export const NOTIFY_SECRET_FILE = "/etc/alertmanager/secrets/hearth-notify/secret";

export type NotifyRoute =
  | { email: { to: string; from: string; smarthost: string; username: string } }
  | { webhook: { url: string } };

export function alertmanagerConfig(notify: NotifyRoute): string {
  const receiver: Record<string, unknown> = { name: "hearth" };
  if ("email" in notify) {
    const e = notify.email;
    receiver.email_configs = [
      {
        to: e.to,
        from: e.from,
        smarthost: e.smarthost,
        auth_username: e.username,
        auth_password_file: NOTIFY_SECRET_FILE,
        send_resolved: true,
      },
    ];
  } else {
    receiver.webhook_configs = [
      {
        url: notify.webhook.url,
        http_config: { authorization: { type: "Bearer", credentials_file: NOTIFY_SECRET_FILE } },
        send_resolved: true,
      },
    ];
  }
  return stringify({
    route: {
      receiver: "hearth",
      group_by: ["alertname", "app"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [{ matchers: ['severity="critical"'], receiver: "hearth", repeat_interval: "1h" }],
    },
    receivers: [receiver],
  });
}
