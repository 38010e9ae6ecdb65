#!/usr/bin/env bash
# The baseline the harness is measured against: what a person would script with the docker CLI alone.
# Boots one container with the given flags, waits for systemd to reach multi-user.target or for the container to
# exit, asks systemd for its state, removes the container, and prints one verdict line:
#   booted <state> | failed <exit-code> | refused <engine message> | hung
# Usage: DOCKER_HOST=unix:///path/to/docker.sock bare-loop.sh IMAGE [DOCKER RUN FLAGS...]
set -u
image=$1
shift
if ! id=$(docker run -d -t --network none "$@" "$image" 2>/tmp/bare-loop.$$); then
  # docker run may have created the container before the runtime refused it.
  cid=$(docker ps -aq --filter "ancestor=$image" --filter status=created | head -n 1)
  [ -n "$cid" ] && docker rm -f "$cid" >/dev/null 2>&1
  echo "refused $(grep -v '^$' /tmp/bare-loop.$$ | head -n 1)"
  rm -f /tmp/bare-loop.$$
  exit 0
fi
rm -f /tmp/bare-loop.$$
verdict=hung
for _ in $(seq 1 600); do
  if docker logs "$id" 2>&1 | grep -q 'Reached target .*Multi-User System'; then
    verdict="booted $(docker exec "$id" systemctl is-system-running --wait 2>/dev/null)"
    break
  fi
  if [ "$(docker inspect -f '{{.State.Running}}' "$id")" = false ]; then
    verdict="failed $(docker inspect -f '{{.State.ExitCode}}' "$id")"
    break
  fi
  sleep 0.1
done
docker rm -f "$id" >/dev/null
echo "$verdict"
