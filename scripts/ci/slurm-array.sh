#!/usr/bin/env bash
# A real job array on a real scheduler: starts a single-node Slurm on this machine (munged,
# slurmctld and slurmd on localhost, a minimal slurm.conf), submits `sbatch --array=0-3` running
# `meanfield run --shard auto --out 'part-{shard}.jsonl' --resume`, cancels one task mid-run
# (scancel), requeues it (it resumes its own file), merges the parts with `meanfield merge`, and
# checks that the merged file equals a one-process run apart from wall times.
# Needs root (the daemons) and the built CLI (dist/cli.js). Installs slurm-wlm and munge with
# apt-get when they are missing. Any failed step exits non-zero; the daemons are always stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
CLI="$REPO/dist/cli.js"
say() { echo "slurm-array: $*"; }
fail() { echo "slurm-array: FAILED: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  # The daemons need root: as .ci/run does for apt-get, go through sudo when CI runs as another user.
  command -v sudo >/dev/null && sudo -n true 2>/dev/null || fail "needs root or password-less sudo (it starts munged, slurmctld and slurmd)"
  exec sudo -n -E bash "$0" "$@"
fi
[ -f "$CLI" ] || fail "$CLI is missing: run npm run build:lib first"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q slurm-wlm munge >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q slurm-wlm munge >/dev/null; }
fi
for p in 6817 6818; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then fail "port $p is taken (another Slurm runs here?)"; fi
done

D=$(mktemp -d /tmp/meanfield-slurm.XXXXXX)
chmod 755 "$D"
MUNGE_PID=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "${JOB:-}" ]; then scancel "$JOB" 2>/dev/null; fi
  for f in "$D/slurmd.pid" "$D/slurmctld.pid"; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  [ -n "$MUNGE_PID" ] && kill "$MUNGE_PID" 2>/dev/null
  sleep 1
  for f in "$D/slurmd.pid" "$D/slurmctld.pid"; do
    [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
  done
  if [ "$rc" -ne 0 ]; then
    echo "--- slurmctld.log (tail)" >&2; tail -n 20 "$D/slurmctld.log" >&2 2>/dev/null
    echo "--- slurmd.log (tail)" >&2; tail -n 20 "$D/slurmd.log" >&2 2>/dev/null
    for f in "$D"/out/*.err; do [ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  fi
  rm -rf "$D"
  exit "$rc"
}
trap cleanup EXIT

# munge: the key (Debian's postinst makes one), its run directory, the daemon as the munge user.
if [ ! -s /etc/munge/munge.key ]; then runuser -u munge -- mungekey --create >/dev/null; fi
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 755 /run/munge
if [ -S /run/munge/munge.socket.2 ] && munge -n </dev/null >/dev/null 2>&1; then
  say "munged already runs here: using it"
else
  # Its pid file where the munge user may write it.
  MUNGE_PIDFILE=/run/munge/meanfield-ci-munged.pid
  rm -f "$MUNGE_PIDFILE"
  runuser -u munge -- munged --force --pid-file="$MUNGE_PIDFILE"
  for _ in $(seq 50); do [ -s "$MUNGE_PIDFILE" ] && break; sleep 0.1; done
  MUNGE_PID=$(cat "$MUNGE_PIDFILE" 2>/dev/null || true)
  [ -n "$MUNGE_PID" ] || fail "munged did not start"
fi
munge -n </dev/null | unmunge >/dev/null || fail "munge cannot encode and decode a credential"

CPUS=$(nproc)
mkdir -p "$D/state" "$D/spool" "$D/out" "$D/runs"
export SLURM_CONF="$D/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=meanfieldci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=5
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=localhost NodeHostname=localhost CPUs=$CPUS State=UNKNOWN
PartitionName=ci Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 100); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true)
  [ "$state" = "idle" ] && break
  sleep 0.2
done
[ "$state" = "idle" ] || fail "the node is not idle after 20 s (sinfo: '${state:-no answer}')"
say "Slurm up: node localhost idle with $CPUS CPUs"

# The sweep: 2 beta values x 12 seeds of the circle flow, 6 runs per shard, one seed at a time.
SWEEP=(run circle --n 32 --beta 1,9 --seeds 1..12 --t-end 2000 --records 40 --threads 1 --batch 1)
cat >"$D/task.sh" <<EOF
#!/usr/bin/env bash
exec "$(command -v node)" "$CLI" ${SWEEP[*]} --shard auto --out "$D/runs/part-{shard}.jsonl" --resume
EOF
chmod +x "$D/task.sh"
JOB=$(sbatch --parsable --array=0-3 --cpus-per-task=1 --requeue --chdir="$D" \
  --output="$D/out/%A_%a.out" --error="$D/out/%A_%a.err" "$D/task.sh")
JOB=${JOB%%;*}
say "submitted array job $JOB (tasks 0-3)"

# Cancel task 1 once it has written its first run (of 6).
CUT="$D/runs/part-2.jsonl"
for _ in $(seq 600); do [ -s "$CUT" ] && break; sleep 0.1; done
[ -s "$CUT" ] || fail "task 1 wrote nothing within 60 s"
scancel "${JOB}_1"
for _ in $(seq 300); do
  st=$(squeue -h -j "${JOB}_1" -o '%T' 2>/dev/null || true)
  [ -z "$st" ] && break
  sleep 0.1
done
[ -z "$st" ] || fail "task 1 still $st 30 s after scancel"
have=$(grep -c . "$CUT")
[ "$have" -lt 6 ] || fail "task 1 finished its 6 runs before it was cancelled: nothing was cut (make the sweep longer)"
say "task 1 cancelled with $have of its 6 runs in $(basename "$CUT")"

# Requeue the cancelled task: the same command, --resume keeps its runs and adds the rest.
# Slurm holds a requeued job back for a while (its BeginTime lies ahead): release it now.
scontrol requeue "${JOB}_1"
scontrol update JobId="${JOB}_1" StartTime=now
for _ in $(seq 1200); do
  left=$(squeue -h -j "$JOB" -o '%i' 2>/dev/null | wc -l)
  [ "$left" -eq 0 ] && break
  sleep 0.1
done
[ "$left" -eq 0 ] || fail "the array has not finished within 120 s"
for t in 0 1 2 3; do
  state=$(scontrol show job "${JOB}_$t" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 || true)
  [ "$state" = "JobState=COMPLETED" ] || fail "task $t ended as '${state:-unknown}', not COMPLETED"
done
grep -q 'resuming: [1-9][0-9]* runs already' "$D/out/${JOB}_1.err" || fail "the requeued task 1 did not resume its file (its log: $(tr '\n' ' ' <"$D/out/${JOB}_1.err" | cut -c1-300))"
say "requeued task 1 resumed and finished; all 4 tasks COMPLETED"

node "$CLI" merge --out "$D/merged.jsonl" "$D"/runs/part-*.jsonl
node "$CLI" "${SWEEP[@]}" --threads 2 --batch 16 --out "$D/one.jsonl" 2>/dev/null
node -e '
const fs = require("fs");
const strip = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => { const o = JSON.parse(l); delete o.wallTimeMs; return JSON.stringify(o); });
const [a, b] = [strip(process.argv[1]), strip(process.argv[2])];
if (a.length !== 24) { console.error(`merged file has ${a.length} lines, expected 24`); process.exit(1); }
const i = a.findIndex((l, k) => l !== b[k]);
if (a.length !== b.length || i >= 0) { console.error(`merged file differs from the one-process run at line ${i + 1}`); process.exit(1); }
' "$D/merged.jsonl" "$D/one.jsonl" || fail "the merged file is not the one-process run"
say "OK: the merged shards equal the one-process run (24 runs, wall times aside)"

# An array with a step (1-7:2: tasks 1, 3, 5, 7) maps to shards 1..4 of 4: the merge finds every run.
SMALL=(run circle --n 8 --seeds 1..8 --t-end 1 --records 3 --threads 1)
mkdir -p "$D/step"
cat >"$D/step.sh" <<EOF
#!/usr/bin/env bash
env | grep '^SLURM_ARRAY_TASK' | sort | tr '\n' ' ' >&2; echo >&2
exec "$(command -v node)" "$CLI" ${SMALL[*]} --shard auto --out "$D/step/part-{shard}.jsonl"
EOF
chmod +x "$D/step.sh"
JOB=$(sbatch --parsable --array=1-7:2 --cpus-per-task=1 --chdir="$D" --output="$D/out/step_%a.out" --error="$D/out/step_%a.err" "$D/step.sh")
JOB=${JOB%%;*}
for _ in $(seq 600); do
  left=$(squeue -h -j "$JOB" -o '%i' 2>/dev/null | wc -l)
  [ "$left" -eq 0 ] && break
  sleep 0.1
done
[ "$left" -eq 0 ] || fail "the array 1-7:2 has not finished within 60 s"
head -n 2 "$D"/out/step_*.err
node "$CLI" merge --out "$D/step.jsonl" "$D"/step/part-*.jsonl || fail "the shards of the array 1-7:2 do not merge into the sweep"
say "OK: the array 1-7:2 ran shards 1-4 of 4; they merge into the whole sweep"
