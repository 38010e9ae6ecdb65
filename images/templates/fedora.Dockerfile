# {{generatedNotice}}
# Fedora systemd image. BASE is the registry image by default; the bootstrap source passes a root filesystem built
# with `dnf --installroot` from the mirror the user configured, and the rest of the recipe is the same either way.
ARG BASE={{registryBase}}
FROM ${BASE}
ENV container=docker
RUN dnf -y install --setopt=install_weak_deps=False {{packages}} \
 && dnf clean all
# Units that wait for hardware or a writable root a container does not have.
RUN systemctl mask {{maskUnits}} \
 && systemctl set-default multi-user.target
STOPSIGNAL SIGRTMIN+3
CMD ["/usr/lib/systemd/systemd"]
