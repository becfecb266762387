"""Hearth's PXE HTTP server: boot scripts, install files, the node images, and the nodes' reports.

Runs on the PXE controller as its own unprivileged user (the `hearth-http` unit); standard library only. It serves
the files under --directory like `python3 -m http.server`, with three differences:

- no directory listings, so nobody learns which MACs have install files;
- every request is logged with the bytes actually sent (`"GET /path HTTP/1.1" 200 12345`), which is what the
  node wait reads, and what the byte counts per node come from;
- `nodes/<mac>.installed`, `.progress` and `.failed` are the installers' reports. They answer 200 and only the
  logged request line matters, except that `.installed` removes the node's install file (`<mac>.plan`,
  `.preseed` or `.ks`, which holds its host private key): the key is served until its node reports, then the
  file answers 404. Its
  `id=` (the plan's install id) is kept in `<mac>.installed-id` for the node wait.

A request for a plan or install file that does not exist (a MAC that is not in the config, or one that has
already reported) answers 404 and is logged with the reason.
"""

import argparse
import os
import re
import sys
from functools import partial
from urllib.parse import parse_qs
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

REPORT = re.compile(r"^/nodes/([0-9a-f]{2}(?:-[0-9a-f]{2}){5})\.(installed|progress|failed)$")
INSTALL_FILE = re.compile(r"^/nodes/([0-9a-f]{2}(?:-[0-9a-f]{2}){5})\.(plan|preseed|ks)$")


class Handler(SimpleHTTPRequestHandler):
    server_version = "hearth-pxe"
    sys_version = ""

    def log_request(self, code="-", size="-"):
        # Logged once the body is sent, with the bytes that went out (see finish_request_log).
        self._code = code

    def finish_request_log(self, sent):
        if getattr(self, "_logged", False):
            return
        self._logged = True
        self.log_message('"%s" %s %s', self.requestline, getattr(self, "_code", "-"), sent)

    def send_error(self, code, message=None, explain=None):
        super().send_error(code, message, explain)
        self.finish_request_log("-")

    def list_directory(self, path):
        self.send_error(404, "Not Found")
        return None

    def answer(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.finish_request_log(len(body) if self.command != "HEAD" else 0)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self._logged = False
        path = self.path.split("?", 1)[0]
        report = REPORT.match(path)
        if report:
            stem, kind = report.groups()
            if kind == "installed":
                nodes = os.path.join(self.directory, "nodes")
                # Whichever install file the node had (image plan, preseed or kickstart) holds its host private
                # key: none is served once it has reported.
                for suffix in ("plan", "preseed", "ks"):
                    try:
                        os.unlink(os.path.join(nodes, f"{stem}.{suffix}"))
                        self.log_message("hearth: %s reported installed; its install file .%s is removed", stem, suffix)
                    except FileNotFoundError:
                        pass
                # The install id the node now runs: the node wait compares it with the plan's.
                query = parse_qs(self.path.split("?", 1)[1] if "?" in self.path else "")
                install_id = (query.get("id") or [""])[0]
                if re.fullmatch(r"[0-9a-f]{16}", install_id):
                    record = os.path.join(nodes, f"{stem}.installed-id")
                    with open(record + ".tmp", "w", encoding="utf-8") as f:
                        f.write(install_id + "\n")
                    os.replace(record + ".tmp", record)
            self.answer(200, "recorded\n")
            return
        wanted = INSTALL_FILE.match(path)
        if wanted and not os.path.isfile(os.path.join(self.directory, path.lstrip("/"))):
            self.log_message(
                "hearth: no %s for %s: that MAC is not in the config, or its node already reported installed",
                wanted.group(2), wanted.group(1).replace("-", ":"))
            self.answer(404, "no install file for this machine\n")
            return
        f = self.send_head()
        sent = 0
        if f:
            try:
                if self.command != "HEAD":
                    while True:
                        chunk = f.read(1 << 20)
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                f.close()
        self.finish_request_log(sent)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bind", required=True)
    parser.add_argument("--directory", required=True)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    handler = partial(Handler, directory=args.directory)
    server = ThreadingHTTPServer((args.bind, args.port), handler)
    print(f"hearth-pxe: serving {args.directory} on {args.bind}:{args.port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
