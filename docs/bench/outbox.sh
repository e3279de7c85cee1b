#!/usr/bin/env bash
# The outbox's cost on receiveDossier, side by side with the build before it,
# interleaved, three rounds, on PostgreSQL and SQLite: each run on a fresh
# database with the demo (5,000 generated dossiers), 64 clients.
#   before   the build before the outbox ($BEFORE)
#   idle     this build, no webhook (the mechanism alone: the slip's
#            transaction column and index, the fan-out looking for consumers)
#   one      this build, one webhook hearing of every intake, delivered to a
#            receiver in the bench's process while the intakes run
# Then the delivery throughput: 1,000 webhooks hearing of 100 intakes.
#   BEFORE=/tmp/motcua-before AFTER=target/release/motcua docs/bench/outbox.sh
cd "$(dirname "$0")/../.."
BEFORE=${BEFORE:-/tmp/motcua-before}
AFTER=${AFTER:-target/release/motcua}
PG=postgres://postgres@127.0.0.1:5432
REQUESTS=${REQUESTS:-10000}
fresh() { # $1 db kind, $2 run name: prints the flags of a fresh database
  local dir=/tmp/bench-outbox/$1-$2
  rm -rf "$dir"; mkdir -p "$dir"
  if [ "$1" = pg ]; then
    psql -q $PG/postgres -c "drop database if exists bench_outbox with (force)" -c "create database bench_outbox" >/dev/null
    echo "--data-dir $dir --database-url $PG/bench_outbox"
  else
    echo "--data-dir $dir"
  fi
}
for round in 1 2 3; do
  for db in pg sqlite; do
    echo "round=$round db=$db before: $($BEFORE $(fresh $db before) --log warn bench --scenario intake --concurrency 64 --requests $REQUESTS | tail -1)"
    echo "round=$round db=$db idle:   $($AFTER $(fresh $db idle) --log warn bench --scenario intake --concurrency 64 --requests $REQUESTS | tail -1)"
    echo "round=$round db=$db one:    $($AFTER $(fresh $db one) --log warn bench --scenario webhooks --webhooks 1 --concurrency 64 --requests $REQUESTS | tr '\n' ' ')"
  done
done
for db in pg sqlite; do
  echo "db=$db 1000 webhooks: $($AFTER $(fresh $db many) --log warn bench --scenario webhooks --webhooks 1000 --concurrency 10 --requests 100 | tr '\n' ' ')"
done
