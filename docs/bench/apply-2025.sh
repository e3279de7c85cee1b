#!/usr/bin/env bash
# The real 2025 plan applied during the demo's load: 3 runs, interleaved, SQLite and PostgreSQL, 5,000 and 100,000 demo dossiers.
cd "$(dirname "$0")/../.."
BIN=target/release/motcua
for run in 1 2 3; do
  for n in 5000 100000; do
    for db in sqlite pg; do
      dir=/tmp/bench-apply/$db-$n-$run; rm -rf $dir; mkdir -p $dir
      if [ $db = pg ]; then
        psql -q postgres://postgres@127.0.0.1:5432/postgres -c "drop database if exists bench_apply with (force)" -c "create database bench_apply" >/dev/null
        url="--database-url postgres://postgres@127.0.0.1:5432/bench_apply"
      else url=""; fi
      start=$(date +%s.%N)
      $BIN --data-dir $dir $url --listen 127.0.0.1:18181 --demo-dossiers $n --log info serve > $dir/log 2>&1 &
      pid=$!
      for i in $(seq 1 600); do curl -s localhost:18181/readyz >/dev/null 2>&1 && break; sleep 0.2; done
      ready=$(echo "$(date +%s.%N) - $start" | bc)
      kill $pid; wait $pid 2>/dev/null
      line=$(grep -a "reorganisation applied" $dir/log | sed 's/\x1b\[[0-9;]*m//g')
      secs=$(echo "$line" | grep -o 'seconds=[0-9.]*')
      moved=$(echo "$line" | grep -o '"dossiersMoved":[0-9]*')
      finished=$(grep -a "finished at their new units" $dir/log | sed 's/\x1b\[[0-9;]*m//g' | grep -o 'finished=[0-9]*')
      echo "run=$run db=$db demo=$n $secs $moved $finished ready_s=$ready"
    done
  done
done
