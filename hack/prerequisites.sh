#!/usr/bin/env bash
# Installs the system tools the tests need when they are missing: openssl (the control plane's PKI), the `mysql`
# command-line client (a second, independent client in the FE simulator's conformance tests), zsh (the completion
# script's test runs it in zsh as well as bash), busybox (the CN image's shell: the preStop drain gate's test runs
# under it), and for the real-node tier (as root) containerd, runc, the CNI plugins, iptables and iproute2.
# Uses apt-get when running as root on Debian; otherwise says what to install.
set -euo pipefail
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v mysql >/dev/null 2>&1 || missing+=(default-mysql-client)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
[ -x /usr/bin/busybox ] && /usr/bin/busybox --list 2>/dev/null | grep -x timeout >/dev/null || missing+=(busybox-static)
# The real-node tier runs only as root (hack/test.sh skips it otherwise), so its packages are only needed then.
if [ "$(id -u)" = 0 ]; then
  command -v containerd >/dev/null 2>&1 && command -v ctr >/dev/null 2>&1 || missing+=(containerd)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "prerequisites: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "prerequisites: please install ${missing[*]} (Debian package names)" >&2
  exit 1
fi
