# {{generatedNotice}}
# Debian-family systemd image. BASE is the registry image by default; the bootstrap source passes a root filesystem
# debootstrapped from the archive instead, and the rest of the recipe is the same either way.
ARG BASE={{registryBase}}
FROM ${BASE}
ENV container=docker
ENV DEBIAN_FRONTEND=noninteractive
# Testing suites (forky) carry a Release file that expires within days; a mirror that lags behind, or a frozen
# snapshot, must not break the build, so expiry is not enforced (signatures still are).
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends {{packages}} \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
# Units that wait for hardware or a writable root a container does not have.
RUN systemctl mask {{maskUnits}} \
 && systemctl set-default multi-user.target
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
