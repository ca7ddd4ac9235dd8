"""Run a scaled deployment on this machine from its own packages.

PostgreSQL (Debian's package), a Chroma server (`chroma run`), N app processes
(`companion serve`) and one worker that sends queued notifications
(`companion outbox send --every 30`), all on loopback, supervised by this script:
Ctrl-C or SIGTERM stops them all; if one dies, the others are stopped too.

    python -m companion.scaled --apps 2 --port 8000            # or: make run-scaled

State lives under --data (default var/scaled): PostgreSQL's cluster, the Chroma
server's directory, and each app's data dir; a second run reuses it. A load
balancer is not included: put one in front of the printed addresses
(docs/deploy/Dockerfile and docs/deploy/compose.yaml show the same layout).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Deployment:
    def __init__(self, data: Path, apps: int, port: int, worker_every: float) -> None:
        self.data = data.resolve()
        self.apps = apps
        self.port = port
        self.worker_every = worker_every
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.postgres: tuple[Path, list[str], Path] | None = None
        self.logs = self.data / "logs"

    # --- PostgreSQL ---------------------------------------------------------

    def start_postgres(self) -> str:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
        if not found:
            raise SystemExit(
                "PostgreSQL is not installed: apt-get install postgresql (or `make postgresql`)"
            )
        bin_dir = found[0].parent
        cluster = self.data / "postgres"
        as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own user
            owner = pwd.getpwnam("postgres")
            cluster.mkdir(parents=True, exist_ok=True)
            os.chown(cluster, owner.pw_uid, owner.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        if not (cluster / "PG_VERSION").exists():
            self._run([*as_user, str(bin_dir / "initdb"), "-D", str(cluster), "-U", "postgres",
                       "--auth=trust", "-E", "UTF8"])  # fmt: skip
        port = free_port()
        self._run([
            *as_user, str(bin_dir / "pg_ctl"), "-D", str(cluster), "-w", "-l",
            str(cluster / "server.log"), "-o",
            f"-p {port} -k {cluster} -c listen_addresses=127.0.0.1", "start",
        ])  # fmt: skip
        self.postgres = (bin_dir, as_user, cluster)
        exists = subprocess.run(
            [*as_user, str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U",
             "postgres", "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'companion'"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        if exists != "1":
            self._run([*as_user, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                       "-U", "postgres", "companion"])  # fmt: skip
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/companion"

    def stop_postgres(self) -> None:
        if self.postgres is not None:
            bin_dir, as_user, cluster = self.postgres
            subprocess.run(
                [*as_user, str(bin_dir / "pg_ctl"), "-D", str(cluster), "-m", "fast", "stop"],
                capture_output=True,
                check=False,
            )
            self.postgres = None

    # --- the other processes ------------------------------------------------

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("a")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.children.append((name, process))
        return process

    def wait_for(self, name: str, url: str, seconds: float = 300) -> None:
        deadline = time.monotonic() + seconds
        process = dict(self.children)[name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log = self.logs / f"{name}.log"
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
                raise SystemExit(f"{name} exited; see {log}; its last lines:\n{tail}")
            if answers(url):
                return
            time.sleep(0.3)
        raise SystemExit(f"{name} did not answer {url} within {seconds:.0f} s")

    def start(self, *, prepare: list[list[str]]) -> list[str]:
        self.logs.mkdir(parents=True, exist_ok=True)
        # Chosen ports are checked before anything starts: a clash fails at once.
        for port in range(self.port, self.port + self.apps) if self.port else ():
            if not port_is_free(port):
                raise SystemExit(f"port {port} is in use: choose another --port (or --port 0)")
        database_url = self.start_postgres()
        chroma_port = free_port()
        self.spawn(
            "chroma",
            [str(BIN / "chroma"), "run", "--path", str(self.data / "chroma"), "--host",
             "127.0.0.1", "--port", str(chroma_port)],
            {**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )  # fmt: skip
        chroma_url = f"http://127.0.0.1:{chroma_port}"
        self.wait_for("chroma", f"{chroma_url}/api/v2/heartbeat")
        env = {
            **os.environ,
            "COMPANION_DATABASE_URL": database_url,
            "COMPANION_CHROMA_URL": chroma_url,
            "COMPANION_DATA_DIR": str(self.data / "app"),
            # One worker sends notifications; the app processes only serve.
            "COMPANION_OUTBOX_IN_SERVER": "false",
        }
        print(f"database: {database_url}\nchroma: {chroma_url}", flush=True)
        companion = [str(BIN / "companion")]
        self._run([*companion, "db", "upgrade"], env=env)
        for step in prepare:
            self._run([*companion, *step], env=env)
        ports = []
        for number in range(self.apps):
            port = self._free_app_port(ports) if self.port == 0 else self.port + number
            if not port_is_free(port):
                raise SystemExit(f"port {port} is in use: choose another --port (or --port 0)")
            self.spawn(f"app-{number + 1}", [*companion, "serve", "--port", str(port)], env)
            ports.append(port)
        for number in range(self.apps):
            name = f"app-{number + 1}"
            for _attempt in range(5):
                try:
                    self.wait_for(name, f"http://127.0.0.1:{ports[number]}/readyz")
                    break
                except SystemExit:
                    # With any free port, another program may take it between the choice
                    # and the app's bind: choose again. A chosen port stays an error.
                    log = (self.logs / f"{name}.log").read_text(errors="replace")
                    last = "\n".join(log.splitlines()[-6:])
                    if self.port != 0 or "address already in use" not in last:
                        raise
                    self.children = [c for c in self.children if c[0] != name]
                    ports[number] = self._free_app_port(ports)
                    print(f"{name}: its port was taken; trying {ports[number]}", flush=True)
                    self.spawn(name, [*companion, "serve", "--port", str(ports[number])], env)
            else:
                raise SystemExit(f"{name} could not bind a free port in five tries")
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        if env.get("COMPANION_WEBHOOK_URL") or env.get("COMPANION_SMTP_HOST"):
            self.spawn(
                "worker",
                [*companion, "outbox", "send", "--json", "--every", str(self.worker_every)],
                env,
            )
        else:
            print(
                "worker: not started (set COMPANION_WEBHOOK_URL or COMPANION_SMTP_HOST)", flush=True
            )
        return urls

    def watch(self) -> int:
        """Until a signal, or until a process dies (then 1)."""
        while True:
            for name, process in self.children:
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping the rest")
                    return 1
            time.sleep(0.5)

    def stop(self) -> None:
        for _name, process in reversed(self.children):
            if process.poll() is None:
                process.terminate()
        for _name, process in reversed(self.children):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.children.clear()
        self.stop_postgres()

    @staticmethod
    def _free_app_port(taken: list[int]) -> int:
        """A free port that no app started here holds yet (one still starting has not
        bound its port, so the system could hand it out again)."""
        while (port := free_port()) in taken:
            pass
        return port

    def _run(self, command: list[str], env: dict[str, str] | None = None) -> None:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=2, help="app processes (default 2)")
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port of the first app; the others take the next ones (0: any free ports)",
    )
    parser.add_argument("--data", type=Path, default=Path("var/scaled"), help="state folder")
    parser.add_argument("--worker-every", type=float, default=30, help="seconds between sends")
    parser.add_argument(
        "--demo", action="store_true", help="ingest the built-in corpus and load the demo"
    )
    parser.add_argument(
        "--throwaway", action="store_true", help="delete the state folder when stopped"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.apps <= 32:
        parser.error("--apps must be between 1 and 32")
    deployment = Deployment(args.data, args.apps, args.port, args.worker_every)
    stopping = False

    def on_signal(_number: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        prepare = [["kb", "ingest", "--builtin"], ["demo", "load"]] if args.demo else []
        urls = deployment.start(prepare=prepare)
        print("ready: " + " ".join(urls), flush=True)
        code = deployment.watch()
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        code = 1
    finally:
        deployment.stop()
        if args.throwaway:
            shutil.rmtree(args.data, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
