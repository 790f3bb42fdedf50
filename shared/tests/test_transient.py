"""What counts as the world's failure (pause and retry) and what as the message's (count toward parking)."""

from __future__ import annotations

import asyncpg
import pytest
from gongkai.shared.transient import is_transient
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError


class _WithState(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def chained(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize("error", [
    ConnectionRefusedError("connection refused"),
    ConnectionResetError("reset by peer"),
    TimeoutError(),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    OperationalError("select 1", {}, Exception("server closed the connection")),
    chained(RuntimeError("handler failed"), ConnectionRefusedError()),
    _WithState("40001"),  # serialization failure
    _WithState("40P01"),  # deadlock
    _WithState("57P01"),  # admin shutdown
    _WithState("08006"),  # connection failure
])
def test_an_unavailable_database_or_network_is_transient(error):
    assert is_transient(error)


@pytest.mark.parametrize("error", [
    ValueError("bad data"),
    KeyError("x"),
    IntegrityError("insert", {}, Exception("duplicate key")),
    DBAPIError("select", {}, _WithState("22P02")),  # invalid text representation: the message's fault
    _WithState("23505"),
])
def test_a_failure_of_the_message_itself_is_not(error):
    assert not is_transient(error)
