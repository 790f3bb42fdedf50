"""A three-node RabbitMQ cluster on this machine, for the cluster fault test (and by hand: ``python
tests/broker_cluster.py`` starts one and prints its addresses until Ctrl-C).

Each node has its own name (``gk<token>-<n>@localhost``), AMQP and distribution ports and data directory,
and runs as the ``rabbitmq`` user with the machine's Erlang cookie, so ``rabbitmqctl -n NODE`` (as root)
reaches it. The second and third join the first; quorum queues declared on the cluster keep a replica on
each node. ``kill`` is SIGKILL (no goodbye to the other nodes); ``restart`` brings a node back with its data,
and it rejoins by itself.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gongkai_system import free_port


@dataclass
class Node:
    name: str
    port: int
    dist_port: int
    home: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {**os.environ,
                "RABBITMQ_CONF_ENV_FILE": str(self.home / "env.conf"), "RABBITMQ_NODENAME": self.name,
                "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"), "RABBITMQ_LOG_BASE": str(self.home / "log"),
                "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "enabled_plugins"),
                "RABBITMQ_PID_FILE": str(self.home / "pid")}


class BrokerCluster:
    def __init__(self, size: int = 3) -> None:
        token = secrets.token_hex(3)
        self.root = Path(tempfile.mkdtemp(prefix="gongkai-cluster-"))
        self.nodes = [Node(f"gk{token}-{n}@localhost", free_port(), free_port(), self.root / f"node{n}")
                      for n in range(1, size + 1)]

    def url(self, node: Node, user: str = "guest", password: str = "guest") -> str:
        return f"amqp://{user}:{password}@{node.address}/"

    def start(self) -> BrokerCluster:
        rabbitmq = pwd.getpwnam("rabbitmq")
        for node in self.nodes:
            node.home.mkdir(parents=True)
            (node.home / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{node.port}\n"
                                                     "loopback_users = none\n")
            (node.home / "enabled_plugins").write_text("[].\n")
            (node.home / "env.conf").write_text(f"NODENAME={node.name}\n")
        for path in [self.root, *self.root.rglob("*")]:
            os.chown(path, rabbitmq.pw_uid, rabbitmq.pw_gid)
        try:
            for node in self.nodes:
                self._boot(node)
            for node in self.nodes:
                self._await(node)
            first = self.nodes[0]
            for node in self.nodes[1:]:
                self.ctl(node, "stop_app")
                self.ctl(node, "join_cluster", first.name)
                self.ctl(node, "start_app")
        except BaseException:
            self.stop()  # no node outlives a cluster that did not come up
            raise
        return self

    def _boot(self, node: Node) -> None:
        subprocess.run(["rabbitmq-server", "-detached"], env=node.env(), check=True, capture_output=True,
                       cwd=self.root)

    def _await(self, node: Node, timeout: float = 180) -> None:
        """Until the node has booted (``await_startup`` fails at once while it has not registered yet)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ctl(node, "await_startup", timeout=60)
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def ctl(self, node: Node, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(["rabbitmqctl", "-n", node.name, *args], capture_output=True, text=True,
                              timeout=timeout + 30, env={**os.environ, "RABBITMQ_NODENAME": node.name})
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {node.name}: {done.stderr or done.stdout}")
        return done.stdout

    def running(self) -> list[str]:
        """The nodes the first running node sees running."""
        for node in self.nodes:
            try:
                out = self.ctl(node, "cluster_status", "--formatter", "json", timeout=20)
            except (RuntimeError, subprocess.TimeoutExpired):
                continue
            return sorted(json.loads(out)["running_nodes"])
        return []

    def leader_of(self, queue: str) -> Node:
        """The node holding the leader replica of a quorum queue."""
        for node in self.nodes:
            try:
                out = self.ctl(node, "list_queues", "name", "leader", "--quiet", "--no-table-headers", timeout=30)
            except (RuntimeError, subprocess.TimeoutExpired):
                continue
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == queue:
                    return next(n for n in self.nodes if n.name == parts[1])
        raise LookupError(f"no leader found for {queue}")

    def pid(self, node: Node) -> int:
        return int((node.home / "pid").read_text().strip())

    def kill(self, node: Node) -> None:
        """SIGKILL the node's Erlang VM: its connections drop, its replicas stop, nothing is handed over."""
        os.kill(self.pid(node), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid(node), 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)

    def restart(self, node: Node) -> None:
        (node.home / "pid").unlink(missing_ok=True)
        self._boot(node)
        self._await(node)

    def stop(self) -> None:
        for node in self.nodes:
            try:
                self.ctl(node, "stop", timeout=30)
            except (RuntimeError, subprocess.TimeoutExpired):
                try:
                    os.kill(self.pid(node), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        shutil.rmtree(self.root, ignore_errors=True)


if __name__ == "__main__":
    cluster = BrokerCluster().start()
    try:
        print("AMQP_URL=" + cluster.url(cluster.nodes[0]))
        print("GONGKAI_AMQP_ADDRESSES=" + ",".join(node.address for node in cluster.nodes[1:]))
        print("running:", ", ".join(cluster.running()))
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
