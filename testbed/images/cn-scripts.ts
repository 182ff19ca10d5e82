// The CN image's scripts, in the official image layout (/opt/starrocks/cn/bin): the operator's default command is
// /opt/starrocks/cn/bin/start_cn.sh and its preStop hook runs
// `/bin/sh -c "timeout N /opt/starrocks/cn/bin/stop_cn.sh -g || true"`. They run under busybox sh.

export const CN_HOME = '/opt/starrocks/cn';
/** Where the bundled emulator (testbed/cn-emulator/process.ts) lives in the image. */
export const CN_EMULATOR_BUNDLE = `${CN_HOME}/lib/cn-emulator.mjs`;

export const START_CN_SH = `#!/bin/sh
# Starts the CN (here: the emulator) like StarRocks' start_cn.sh: in the foreground, and exec'd so the CN itself gets
# the container's signals (the kubelet's SIGTERM, stop_cn.sh). --daemon runs it in the background instead.
STARROCKS_HOME=\${STARROCKS_HOME:-${CN_HOME}}
export STARROCKS_HOME
export CN_CONF=\${CN_CONF:-$STARROCKS_HOME/conf/cn.conf}
export CN_PID_FILE=\${CN_PID_FILE:-$STARROCKS_HOME/bin/cn.pid}
NODE=\${CN_EMULATOR_NODE:-/usr/local/bin/node}
daemon=0
for arg in "$@"; do
  case "$arg" in
    --daemon) daemon=1 ;;
    *) echo "start_cn.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
if [ "$daemon" = 1 ]; then
  mkdir -p "$STARROCKS_HOME/log"
  "$NODE" "$STARROCKS_HOME/lib/cn-emulator.mjs" >>"$STARROCKS_HOME/log/cn.out" 2>&1 </dev/null &
  exit 0
fi
exec "$NODE" "$STARROCKS_HOME/lib/cn-emulator.mjs"
`;

export const STOP_CN_SH = `#!/bin/sh
# Stops the CN like StarRocks' stop_cn.sh. Without -g: SIGKILL at once. With -g: SIGTERM, the graceful exit (the CN
# refuses new fragments and lets running ones finish within its own bound), then waits until the process is gone;
# after --timeout N seconds (default 60) it kills it.
STARROCKS_HOME=\${STARROCKS_HOME:-${CN_HOME}}
pidfile=\${CN_PID_FILE:-$STARROCKS_HOME/bin/cn.pid}
graceful=0
timeout=60
while [ $# -gt 0 ]; do
  case "$1" in
    -g|--graceful) graceful=1 ;;
    --timeout) shift; timeout=$1 ;;
    --timeout=*) timeout=\${1#--timeout=} ;;
    *) echo "usage: stop_cn.sh [-g] [--timeout N]" >&2; exit 2 ;;
  esac
  shift
done
case "$timeout" in
  ''|*[!0-9]*) echo "stop_cn.sh: --timeout needs whole seconds, got '$timeout'" >&2; exit 2 ;;
esac
if [ ! -f "$pidfile" ]; then
  echo "stop_cn.sh: $pidfile does not exist" >&2
  exit 1
fi
pid=$(cat "$pidfile")
case "$pid" in
  ''|*[!0-9]*) echo "stop_cn.sh: $pidfile holds no pid" >&2; exit 1 ;;
esac
if ! kill -0 "$pid" 2>/dev/null; then
  echo "stop_cn.sh: cn (pid $pid) is not running"
  rm -f "$pidfile"
  exit 0
fi

kill_now() {
  kill -KILL "$pid" 2>/dev/null
  # A container's PID 1 ignores SIGKILL sent from inside the container; the emulator exits at once on SIGUSR2.
  if [ "$pid" = 1 ]; then kill -USR2 "$pid" 2>/dev/null; fi
}

if [ "$graceful" = 1 ]; then
  echo "stop_cn.sh: graceful stop of cn (pid $pid), waiting up to \${timeout}s"
  kill -TERM "$pid"
else
  kill_now
fi
# Polls in tenths of a second: the preStop hook (and so pod deletion) waits on this loop.
tenths=0
while kill -0 "$pid" 2>/dev/null; do
  if [ "$tenths" -ge $((timeout * 10)) ]; then
    echo "stop_cn.sh: cn (pid $pid) still running after \${timeout}s: killing it"
    kill_now
    break
  fi
  sleep 0.1
  tenths=$((tenths + 1))
done
rm -f "$pidfile"
echo "stop_cn.sh: cn (pid $pid) stopped"
`;

/** The image's default cn.conf: the default ports written out, as the official image's file has them. */
export const DEFAULT_CN_CONF = `# cn.conf of the CN emulator image (testbed/images). A ConfigMap mounted over this file replaces it.
heartbeat_service_port = 9050
be_port = 9060
be_http_port = 8040
brpc_port = 8060
# A graceful exit waits this many 10 s loops for running fragments (3.4.5+ default: 2, so 20 s).
loop_count_wait_fragments_finish = 2
`;
