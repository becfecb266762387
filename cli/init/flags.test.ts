import { FlagAnswers, flagAsker, parseInitFlags, secretEnvName, UsageError } from "./flags";
import { Question } from "./answers";

const text: Question = { id: "node1-mac", prompt: "MAC", kind: "text", paths: [] };
const secret: Question = { id: "tsig-secret", prompt: "TSIG secret", kind: "secret", paths: [] };

describe("parseInitFlags", () => {
  it("reads switches, --dir and every --<id> VALUE or --<id>=VALUE", () => {
    expect(
      parseInitFlags([
        "--non-interactive",
        "--dir",
        "/srv/hearth",
        "--domain",
        "home.example.org",
        "--node1-mac=52:54:00:00:00:11",
        "--force",
      ]),
    ).toEqual({
      nonInteractive: true,
      force: true,
      help: false,
      devPassphrase: false,
      dir: "/srv/hearth",
      values: { domain: "home.example.org", "node1-mac": "52:54:00:00:00:11" },
    });
  });

  it("refuses a word that is no option and an option without its value", () => {
    expect(() => parseInitFlags(["home"])).toThrow(UsageError);
    expect(() => parseInitFlags(["--domain"])).toThrow("--domain needs a value");
  });
});

describe("FlagAnswers", () => {
  it("answers a question from its flag, and names the flags no question read", () => {
    const answers = new FlagAnswers({ "node1-mac": "52:54:00:00:00:11", typo: "x" }, {});
    expect(answers.answerFor(text)).toBe("52:54:00:00:00:11");
    expect(answers.unused()).toEqual(["typo"]);
  });

  it("takes a secret from a file or the environment, never from the command line", () => {
    expect(() => new FlagAnswers({ "tsig-secret": "c2VjcmV0" }, {}).answerFor(secret)).toThrow(
      "--tsig-secret: a secret is never taken on the command line, where ps shows it; use --tsig-secret-file FILE or HEARTH_INIT_TSIG_SECRET",
    );
    const files = { "/run/tsig": "c2VjcmV0\n" } as Record<string, string>;
    const fromFile = new FlagAnswers({ "tsig-secret-file": "/run/tsig" }, {}, (p) => files[p]);
    expect(fromFile.answerFor(secret)).toBe("c2VjcmV0");
    expect(fromFile.unused()).toEqual([]);
    expect(new FlagAnswers({}, { [secretEnvName("tsig-secret")]: "ZW52" }).answerFor(secret)).toBe(
      "ZW52",
    );
  });
});

describe("flagAsker", () => {
  it("answers once from the flags, then from the terminal, which is shown why", async () => {
    const shown: unknown[] = [];
    const terminal = {
      ask: async (_q: Question, problems: unknown[]) => {
        shown.push(problems);
        return "typed";
      },
      report: () => undefined,
    };
    const asker = flagAsker(new FlagAnswers({ "node1-mac": "bad" }, {}), terminal);
    expect(await asker.ask(text, [])).toBe("bad");
    const problems = [{ path: "hearth:nodes[0].mac", message: "is wrong" }];
    expect(await asker.ask(text, problems)).toBe("typed");
    expect(shown).toEqual([problems]);
  });
});
