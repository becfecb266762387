/**
 * The questions of `npm run init` about backups: how many S3 targets, and each one's place, endpoint, bucket
 * and keys.
 */
import { Answers, countOf, Question } from "./answers";

/** How many backup targets, and each one's place, endpoint, bucket and keys. */
export function backupQuestions(a: Answers): Question[] {
  const q: Question[] = [
    {
      id: "backups",
      prompt: "How many backup targets",
      help: "S3 buckets the apps' data goes to, encrypted; 0 for none, 2 for one at home and one away (3-2-1)",
      kind: "text",
      default: "0",
      paths: [],
      owns: ["hearth:backup", "hearth:backup.copies"],
      count: { min: 0, max: 10, what: "targets" },
    },
  ];
  const n = countOf(a.backups);
  for (let i = 1; i <= n; i++) {
    const at = `hearth:backup.targets[${i - 1}]`;
    const name = a[`target${i}-name`];
    q.push(
      {
        id: `target${i}-name`,
        prompt: `Backup target ${i}: name`,
        kind: "text",
        default: i === 1 ? "nas" : i === 2 ? "offsite" : `target${i}`,
        paths: [`${at}.name`],
      },
      {
        id: `target${i}-role`,
        prompt: `Backup target ${i}: where`,
        help: "local: on the home's own disks; offsite: away from them",
        kind: "choice",
        choices: ["local", "offsite"],
        default: i === 1 ? "local" : "offsite",
        paths: [`${at}.role`],
        // "No target offsite" is settled by the last target's role.
        owns: i === n ? ["hearth:backup.targets"] : [],
      },
      {
        id: `target${i}-endpoint`,
        prompt: `Backup target ${i}: S3 endpoint`,
        help: "e.g. http://nas.lan:9000 or https://s3.eu-central-1.example.net",
        kind: "text",
        paths: [`${at}.endpoint`],
      },
      {
        id: `target${i}-bucket`,
        prompt: `Backup target ${i}: bucket`,
        kind: "text",
        default: "hearth-backups",
        // Two targets in one bucket are reported at the second target.
        paths: [`${at}.bucket`, at],
      },
      {
        id: `target${i}-access-key-id`,
        prompt: `Backup target ${i}: access key id`,
        kind: "text",
        paths: [`${at}.accessKeyId`],
      },
      {
        id: `target${i}-secret-key`,
        prompt: `Backup target ${i}: secret access key`,
        kind: "secret",
        paths: [`hearth:backupSecretAccessKeys.${name ?? `target${i}`}`],
      },
    );
  }
  return q;
}
