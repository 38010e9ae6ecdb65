#!/usr/bin/env bash
# The event-driven baseline, the real limit for a script: like bare-loop.sh, but instead of polling it follows the
# container's console (`docker logs -f`) until systemd writes the multi-user line, and takes a failing container's
# exit code from `docker wait` the moment its console ends. Prints one verdict line:
#   booted <state> | failed <exit-code> | refused <engine message> | hung
# Usage: DOCKER_HOST=unix:///path/to/docker.sock event-loop.sh IMAGE [DOCKER RUN FLAGS...]
set -u
image=$1
shift
err=$(mktemp)
if ! id=$(docker run -d -t --network none "$@" "$image" 2>"$err"); then
  cid=$(docker ps -aq --filter "ancestor=$image" --filter status=created | head -n 1)
  [ -n "$cid" ] && docker rm -f "$cid" >/dev/null 2>&1
  echo "refused $(grep -v '^$' "$err" | head -n 1)"
  rm -f "$err"
  exit 0
fi
rm -f "$err"
verdict=hung
# Process substitution, not a pipe: grep returns at the line while `docker logs -f` lives on until the container goes.
if grep -q -m1 'Reached target .*Multi-User System' < <(timeout 240 docker logs -f "$id" 2>&1); then
  verdict="booted $(docker exec "$id" systemctl is-system-running --wait 2>/dev/null)"
elif code=$(timeout 10 docker wait "$id" 2>/dev/null); then
  verdict="failed $code"
fi
docker rm -f "$id" >/dev/null
echo "$verdict"
