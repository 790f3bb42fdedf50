#!/usr/bin/env bash
# Make sure the local RabbitMQ and PostgreSQL answer; start them when they are installed but down.
set -euo pipefail

wait_for() {  # name, check command
  for _ in $(seq 1 60); do
    if eval "$2" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "$1 did not come up" >&2
  return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5672; then
  if command -v rabbitmq-server >/dev/null; then
    echo "starting RabbitMQ"; rabbitmq-server -detached || true
  fi
  wait_for RabbitMQ "port_open 5672"
fi
if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  wait_for PostgreSQL "port_open 5432"
fi
echo "RabbitMQ and PostgreSQL are up"
