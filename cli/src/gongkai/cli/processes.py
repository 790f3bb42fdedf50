"""Running services as local processes: one in the foreground, or all of them (the portal and the console too)
supervised."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def run_one(service: str, host: str, port: int) -> int:
    import uvicorn
    from gongkai.shared.logs import configure_logging
    from gongkai.shared.settings import Settings

    settings = Settings()
    configure_logging(service, settings.log_level)
    # uvicorn turns SIGTERM into the app's shutdown: in-flight messages finish, the outbox is flushed.
    uvicorn.run(f"gongkai.{service}.app:create_app", factory=True, host=host, port=port,
                log_config=None, access_log=False, timeout_graceful_shutdown=25)
    return 0


def run_site(site: str, host: str, port: int) -> int:
    """A site (the console): no broker, no database, so none of the services' settings; its own from the
    environment (``GONGKAI_CONSOLE_…``), read and checked by its app factory."""
    import uvicorn
    from gongkai.shared.logs import configure_logging

    configure_logging(site, os.environ.get("GONGKAI_LOG_LEVEL", "INFO"))
    uvicorn.run(f"gongkai.{site}.app:create_app", factory=True, host=host, port=port, log_config=None,
                access_log=False, timeout_graceful_shutdown=10)
    return 0


def run_all(host: str, ports: dict[str, int]) -> int:
    """Start every service (and the console) as its own process; stop them all on SIGINT/SIGTERM or when one dies."""
    children = {
        name: subprocess.Popen([sys.executable, "-m", "gongkai.cli.main", "run", name, "--host", host,
                                "--port", str(port)])
        for name, port in ports.items()
    }
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print("gongkai: " + ", ".join(f"{n} on http://{host}:{p}" for n, p in ports.items()), file=sys.stderr)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"gongkai: {name} exited with {child.returncode}; stopping the others", file=sys.stderr)
                exit_code, stopping = 1, True
        time.sleep(0.5)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children.values():
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
    return exit_code
