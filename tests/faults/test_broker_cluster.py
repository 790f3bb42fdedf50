"""A three-node RabbitMQ cluster loses the node that leads its queues mid-burst: nothing lost, nothing done twice.

The cluster runs on this machine (``broker_cluster.BrokerCluster``: three nodes, own names, ports and data). The
topology is declared through the first node, so it holds the leader replica of every quorum queue, and the
services name it first in their list of broker addresses (``AMQP_URL`` and ``GONGKAI_AMQP_ADDRESSES``). Killing
it (SIGKILL) under a burst makes every queue elect a new leader on the two survivors and drops every service's
connection: each reconnects to the next address, its consumers and channels restored there, and what was in
flight — deliveries unacked, publishes unconfirmed — comes again and is absorbed by the inboxes. The observers
listen on a surviving node.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from broker_cluster import BrokerCluster
from faults.faults_helpers import ITEMS, FaultSystem, Observer, notices, until
from gongkai.shared.session_accounts import SessionAccounts, SessionRoles
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, declare_topology, drop_database
from gongkai.shared.topology import Topology
from gongkai_system import SERVICES, AutoReviewer, System, submit_commands


class ClusterFaults:
    """The four services on the cluster, as the fault suite's ``Observer`` expects to find a system."""

    duplicates_absorbed = FaultSystem.duplicates_absorbed
    readiness = FaultSystem.readiness
    url = FaultSystem.url

    def __init__(self, cluster: BrokerCluster, services: Settings, observers: Settings, log_dir: Path) -> None:
        self.cluster = cluster
        self.settings = observers  # the observers' view: a node that stays up
        self.log_dir = log_dir
        self.system = System(services, log_dir)


def _with_node(name: str, call):  # rabbitmqctl reaches the cluster's first node, not the machine's broker
    before = os.environ.get("RABBITMQ_NODENAME")
    os.environ["RABBITMQ_NODENAME"] = name
    try:
        return call()
    finally:
        if before is None:
            os.environ.pop("RABBITMQ_NODENAME", None)
        else:
            os.environ["RABBITMQ_NODENAME"] = before


def _story(faults: ClusterFaults) -> str:
    """What each service's log says about the broker and the database since the kill (for a failing run)."""
    told = []
    for name in SERVICES:
        lines = [line[:300] for line in faults.system.log(name).splitlines()
                 if any(word in line for word in ("next node", "paused", "resumed", "failed", "refused"))]
        told.append(f"{name}: {lines[-4:]}")
    return " | ".join(told)


@pytest.fixture(scope="module")
async def on_cluster(database_server_url: str, database_roles: SessionRoles, tmp_path_factory
                     ) -> AsyncIterator[ClusterFaults]:
    cluster = await asyncio.to_thread(BrokerCluster().start)
    database_url = None
    try:
        first, survivor = cluster.nodes[0], cluster.nodes[1]
        scratch = tmp_path_factory.mktemp("cluster")
        accounts = await asyncio.to_thread(_with_node, first.name, lambda: SessionAccounts(
            cluster.url(first), None, scratch / "broker-accounts.json").create())
        namespace = await asyncio.to_thread(_with_node, first.name, accounts.namespace)
        await declare_topology(cluster.url(first), namespace)
        database_url = await create_database(database_server_url)
        services = Settings(amqp_url=cluster.url(first), database_url=database_url, namespace=namespace,
                            amqp_addresses=",".join(node.address for node in cluster.nodes[1:]),
                            relay_idle_seconds=0.1, **accounts.settings(), **database_roles.settings())
        observers = services.model_copy(update={"amqp_url": cluster.url(survivor), "amqp_addresses": ""})
        faults = ClusterFaults(cluster, services, observers, scratch)
        await asyncio.to_thread(faults.system.migrate)
        await asyncio.to_thread(faults.system.start)
        try:
            yield faults
        finally:
            faults.system.stop()
    finally:
        await asyncio.to_thread(cluster.stop)
        if database_url:
            await drop_database(database_server_url, database_url)


async def test_the_node_leading_every_queue_killed_mid_burst_loses_and_duplicates_nothing(on_cluster: ClusterFaults):
    faults, cluster = on_cluster, on_cluster.cluster
    topology = Topology(faults.settings.namespace)
    leader = await asyncio.to_thread(cluster.leader_of, topology.queue("audit.record"))
    assert leader is cluster.nodes[0], f"the busiest queue's leader is {leader.name}, not the first node"

    async with Observer(faults, "cluster leader killed") as seen, AutoReviewer(faults.settings):
        sent = await submit_commands(faults.settings, notices(ITEMS, "集群"))
        assert await until(lambda: len(seen.public.messages) >= 2, timeout=120), "nothing was published"
        await asyncio.to_thread(cluster.kill, leader)
        killed = time.monotonic()
        completed = await seen.complete(sent)
        figures = await seen.ledger(sent, killed=leader.name, recovered_seconds=round(time.monotonic() - killed, 1))
        running = await asyncio.to_thread(cluster.running)
        problems = await faults.readiness()

    assert leader.name not in running and len(running) == 2, running
    assert completed, f"not every item came out after the leader was killed: {figures}; {_story(faults)}"
    assert figures.lost == 0 and figures.missing_effects == 0, figures
    assert figures.duplicate_effects == 0, figures
    assert figures.unreviewed == 0, figures
    assert figures.parked == 0, figures
    assert problems == {name: {} for name in SERVICES}, f"not every service is ready on the survivors: {problems}"
    new_leader = await asyncio.to_thread(cluster.leader_of, topology.queue("audit.record"))
    assert new_leader is not leader
    survivors = {node.address for node in cluster.nodes if node is not leader}
    for name in SERVICES:
        moved = [line for line in faults.system.log(name).splitlines() if "tries the next node" in line]
        assert any(address in line for line in moved for address in survivors), \
            f"{name} never moved to a surviving node: {moved[-3:]}"

    # The node comes back with its data and rejoins; the cluster is whole again.
    await asyncio.to_thread(cluster.restart, leader)
    assert await until(lambda: len(cluster.running()) == 3, timeout=60), cluster.running()
